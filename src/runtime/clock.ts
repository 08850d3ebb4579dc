// Clocks: the only source of time for the runtime. XState's delayed
// transitions take the same interface (`clock` option of createActor).

import { MinHeap } from '../core/heap.js';

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

/**
 * The real clock. `now` is monotonic (performance.now, from the process's
 * start at its wall-clock time): a wall clock set back would make a leader's
 * lease last too long. A timer never fires before `ms` have passed on that
 * clock: Node measures timers from the time its event loop cached at the
 * start of the iteration, so a timer set late in a long iteration could fire
 * up to that iteration's length early, which would cut a follower's
 * election timeout short, and with it the time a leader's lease counts on.
 */
export const realClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => {
    const due = performance.now() + ms;
    const timer: { id: NodeJS.Timeout } = { id: setTimeout(function check() {
      const left = due - performance.now();
      if (left > 0) timer.id = setTimeout(check, Math.ceil(left));
      else fn();
    }, ms) };
    return timer;
  },
  clearTimeout: (t) => clearTimeout((t as { id: NodeJS.Timeout }).id),
};

/**
 * A virtual clock: time moves only when `advance`/`runUntil` is called, and
 * timers fire in (deadline, creation) order, so runs are reproducible.
 * Many nodes can share one VirtualClock (whole-cluster simulation).
 */
export class VirtualClock implements Clock {
  private time = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; seq: number; fn: () => void }>();
  /** [at, seq, id] of every timer set (cleared ones are skipped lazily), next deadline on top. */
  private readonly heap = new MinHeap<[number, number, number]>(less);

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = ++this.seq;
    const at = this.time + Math.max(0, ms);
    this.timers.set(id, { at, seq: id, fn });
    this.heap.push([at, id, id]);
    return id;
  }

  clearTimeout(id: unknown): void {
    this.timers.delete(id as number);
  }

  /** Deadline of the next live timer, or undefined. */
  nextDeadline(): number | undefined {
    while (this.heap.size > 0 && !this.timers.has(this.heap.peek()![2])) this.heap.pop();
    return this.heap.peek()?.[0];
  }

  /** Fires the next timer if it is due at or before `limit`; returns whether one fired. */
  step(limit = Infinity): boolean {
    const at = this.nextDeadline();
    if (at === undefined || at > limit) return false;
    const [, , id] = this.heap.pop()!;
    const t = this.timers.get(id)!;
    this.timers.delete(id);
    if (at > this.time) this.time = at;
    t.fn();
    return true;
  }

  /** Fires every timer due up to `until`, then sets the time to `until`. */
  runUntil(until: number): void {
    while (this.step(until)) {
      /* keep firing */
    }
    if (until > this.time) this.time = until;
  }

  advance(ms: number): void {
    this.runUntil(this.time + ms);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }
}

function less(a: [number, number, number], b: [number, number, number]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}
