// Pairs each invocation in a history with its completion, by process.

/**
 * Calls `add(invocation, completion)` for every operation; `completion` is
 * null for an invocation never completed (still open at the end, or left
 * open when its process invoked again), which the checkers treat as info.
 */
export function pairOperations<E extends { type: string; process: number }>(
  events: Iterable<E>,
  add: (inv: E, done: E | null) => void,
): void {
  const open = new Map<number, E>();
  for (const ev of events) {
    if (ev.type === 'invoke') {
      const prev = open.get(ev.process);
      if (prev) add(prev, null);
      open.set(ev.process, ev);
    } else {
      const inv = open.get(ev.process);
      if (!inv) continue;
      open.delete(ev.process);
      add(inv, ev);
    }
  }
  for (const inv of open.values()) add(inv, null);
}
