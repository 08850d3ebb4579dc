// Builds lin-kv histories by hand for checker tests.
import type { HistoryEvent } from '../../src/bench/types.js';

type F = 'read' | 'write' | 'cas';

/** A tiny DSL: each call appends one event at the next position. */
export class HistoryBuilder {
  readonly events: HistoryEvent[] = [];
  private pending = new Map<number, HistoryEvent>();

  invoke(process: number, f: F, value: unknown = null, key = 0): this {
    const ev: HistoryEvent = {
      index: this.events.length,
      type: 'invoke',
      process,
      client: `c${process}`,
      node: 'n0',
      f,
      key,
      value: f === 'read' ? null : value,
      time: this.events.length * 1_000_000,
    };
    this.events.push(ev);
    this.pending.set(process, ev);
    return this;
  }

  complete(process: number, type: 'ok' | 'fail' | 'info', value?: unknown): this {
    const inv = this.pending.get(process);
    if (!inv) throw new Error(`no pending op for process ${process}`);
    this.pending.delete(process);
    this.events.push({
      ...inv,
      index: this.events.length,
      type,
      value: value === undefined ? inv.value : value,
      time: this.events.length * 1_000_000,
      ...(type === 'info' ? { error: 'net-timeout' as const } : {}),
    });
    return this;
  }

  ok(process: number, value?: unknown): this {
    return this.complete(process, 'ok', value);
  }

  /** invoke + ok in one go (a sequential op). */
  seq(process: number, f: F, value: unknown, key = 0): this {
    this.invoke(process, f, f === 'read' ? null : value, key);
    return this.complete(process, 'ok', f === 'read' ? value : undefined);
  }
}
