// Builds txn-list-append histories for checker tests: by hand, and by
// simulating a correct (atomic, real-time ordered) store under concurrency.
import type { MicroOp, TxnHistoryEvent } from '../../src/bench/checker/list-append.js';
import { Rng } from '../../src/core/random.js';
import { TxnGenerator } from '../../src/bench/workloads/txn-list-append.js';

type Short = ['r', number, number[] | null] | ['append', number, number] | ['r', number];

const expand = (ops: Short[]): MicroOp[] => ops.map((m) => (m[0] === 'r' ? ['r', m[1], m.length === 3 ? m[2] : null] : m) as MicroOp);
const asInvoke = (ops: MicroOp[]): MicroOp[] => ops.map(([f, k, v]) => [f, k, f === 'r' ? null : v] as MicroOp);

export class TxnHistoryBuilder {
  readonly events: TxnHistoryEvent[] = [];
  private readonly pending = new Map<number, TxnHistoryEvent>();

  /** Invoke with the txn as it will be answered (reads are blanked in the invocation). */
  invoke(process: number, ops: Short[]): this {
    const ev: TxnHistoryEvent = {
      index: this.events.length,
      type: 'invoke',
      process,
      client: `c${process}`,
      node: `n${process % 3}`,
      f: 'txn',
      value: asInvoke(expand(ops)),
      time: this.events.length * 1_000_000,
    };
    this.events.push(ev);
    this.pending.set(process, ev);
    return this;
  }

  complete(process: number, type: 'ok' | 'fail' | 'info', ops?: Short[]): this {
    const inv = this.pending.get(process);
    if (!inv) throw new Error(`no pending txn for process ${process}`);
    this.pending.delete(process);
    this.events.push({
      ...inv,
      index: this.events.length,
      type,
      value: ops ? expand(ops) : inv.value,
      time: this.events.length * 1_000_000,
      ...(type === 'fail' ? { error: [30, 'txn-conflict'] as [number, string] } : type === 'info' ? { error: 'net-timeout' as const } : {}),
    });
    return this;
  }

  ok(process: number, ops: Short[]): this {
    return this.complete(process, 'ok', ops);
  }

  /** invoke + ok in one go. */
  seq(process: number, ops: Short[]): this {
    return this.invoke(process, ops).ok(process, ops);
  }
}

export interface SimOptions {
  txns: number;
  concurrency: number;
  /** Chance that a completion is a timeout (info); the txn may still apply later, or never. */
  infoRate?: number;
  /** Chance that an unapplied txn completes with a definite error (fail, never applied). */
  failRate?: number;
  keyCount?: number;
  maxTxnLength?: number;
  maxWritesPerKey?: number;
}

/**
 * A correct store under concurrency: each txn is applied atomically at a
 * random moment between its invocation and its completion (or, for a timed
 * out one, at any later moment or never). The result is strict serializable.
 */
export function simulateHistory(seed: number, o: SimOptions): TxnHistoryEvent[] {
  const rng = new Rng(seed);
  const gen = new TxnGenerator(rng, {
    ...(o.keyCount ? { keyCount: o.keyCount } : {}),
    ...(o.maxTxnLength ? { maxTxnLength: o.maxTxnLength } : {}),
    ...(o.maxWritesPerKey ? { maxWritesPerKey: o.maxWritesPerKey } : {}),
  });
  const state = new Map<number, number[]>();
  const apply = (txn: MicroOp[]): MicroOp[] =>
    txn.map(([f, k, v]) => {
      const list = state.get(k as number);
      if (f === 'r') return ['r', k, list ? [...list] : null];
      if (list) list.push(v as number);
      else state.set(k as number, [v as number]);
      return ['append', k, v];
    });
  const events: TxnHistoryEvent[] = [];
  interface Flight {
    process: number;
    client: string;
    txn: MicroOp[];
    result: MicroOp[] | null;
  }
  const inFlight: Flight[] = [];
  const zombies: MicroOp[][] = [];
  const idle: number[] = [];
  let nextProcess = 0;
  for (let c = 0; c < o.concurrency; c++) idle.push(nextProcess++);
  let started = 0;
  const push = (e: Omit<TxnHistoryEvent, 'index' | 'time' | 'f' | 'node'>) =>
    events.push({ ...e, f: 'txn', node: `n${e.process % 3}`, index: events.length, time: events.length * 1000 } as TxnHistoryEvent);
  while (started < o.txns || inFlight.length > 0) {
    const r = rng.next();
    if (idle.length > 0 && started < o.txns && (r < 0.4 || inFlight.length === 0)) {
      const process = idle.splice(rng.int(idle.length), 1)[0];
      const txn = gen.next();
      started++;
      inFlight.push({ process, client: `c${process}`, txn, result: null });
      push({ type: 'invoke', process, client: `c${process}`, value: txn.map((m) => [...m] as MicroOp) });
      continue;
    }
    if (r < 0.45 && zombies.length > 0) {
      const z = zombies.splice(rng.int(zombies.length), 1)[0];
      if (rng.next() < 0.5) apply(z);
      continue;
    }
    if (inFlight.length === 0) continue;
    const i = rng.int(inFlight.length);
    const f = inFlight[i];
    if (f.result === null && rng.next() < 0.6) {
      if (rng.next() < (o.failRate ?? 0)) {
        inFlight.splice(i, 1);
        push({ type: 'fail', process: f.process, client: f.client, value: f.txn, error: [11, 'not leader'] });
        idle.push(f.process);
      } else {
        f.result = apply(f.txn);
      }
      continue;
    }
    inFlight.splice(i, 1);
    if (rng.next() < (o.infoRate ?? 0)) {
      if (f.result === null) zombies.push(f.txn);
      push({ type: 'info', process: f.process, client: f.client, value: f.txn, error: 'net-timeout' });
      idle.push(nextProcess++);
      continue;
    }
    if (f.result === null) f.result = apply(f.txn);
    push({ type: 'ok', process: f.process, client: f.client, value: f.result });
    idle.push(f.process);
  }
  return events;
}
