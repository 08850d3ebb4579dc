// The txn-list-append workload, as Maelstrom runs it (maelstrom.workload.
// txn-list-append over Jepsen's append test and Elle's transaction generator):
//
// - Requests: `{type: "txn", txn: [["r", k, null] | ["append", k, v], ...]}`,
//   answered by `txn_ok` with the same micro-ops, reads filled in.
// - Generator: each txn has 1..max-txn-length micro-ops, each a read or an
//   append (even odds) of a key from a pool of key-count active keys. Keys are
//   picked with Elle's default exponential distribution (base 2: each slot of
//   the pool is twice as likely as the one before it). Appended values count
//   1, 2, ... per key, so they are unique per key; when a key has had
//   max-writes-per-key appends, its slot takes a fresh key (one more than the
//   largest active key) and the key is never written again.
// - Defaults: Maelstrom's CLI gives --max-txn-length 4 and
//   --max-writes-per-key 16 and passes no key count, so Elle's default applies:
//   10 keys for the exponential distribution (3 for uniform).
// - Client: a definite error code -> fail, any other error -> info; a timeout
//   -> info, except a read-only txn, which becomes fail (it changes nothing,
//   so whether it happened does not matter to the checker).

import type { Rng } from '../random.js';
import type { MicroOp, TxnHistoryEvent } from '../checker/list-append.js';

export type { MicroOp } from '../checker/list-append.js';

export interface TxnListAppendOptions {
  /** Active keys at any time (Maelstrom/Elle default 10, exponential distribution). */
  keyCount: number;
  minTxnLength: number;
  /** --max-txn-length (default 4). */
  maxTxnLength: number;
  /** --max-writes-per-key (default 16). */
  maxWritesPerKey: number;
  keyDist: 'exponential' | 'uniform';
  /** Base of the exponential key distribution (default 2). */
  keyDistBase: number;
}

export const TXN_LIST_APPEND_DEFAULTS: TxnListAppendOptions = {
  keyCount: 10,
  minTxnLength: 1,
  maxTxnLength: 4,
  maxWritesPerKey: 16,
  keyDist: 'exponential',
  keyDistBase: 2,
};

/** Produces transactions with unique appends per key; keys retire after maxWritesPerKey appends. */
export class TxnGenerator {
  readonly opts: TxnListAppendOptions;
  /** The active key in each slot. */
  private readonly active: number[];
  /** Appends generated so far per key. */
  private readonly writes = new Map<number, number>();
  /** Cumulative weights of the slots, for the key distribution. */
  private readonly cumulative: number[];

  constructor(
    private readonly rng: Rng,
    opts: Partial<TxnListAppendOptions> = {},
  ) {
    this.opts = { ...TXN_LIST_APPEND_DEFAULTS, ...opts };
    const { keyCount, minTxnLength, maxTxnLength, maxWritesPerKey, keyDistBase } = this.opts;
    if (!(keyCount >= 1 && minTxnLength >= 1 && maxTxnLength >= minTxnLength && maxWritesPerKey >= 1 && keyDistBase > 0)) {
      throw new Error(`txn-list-append: bad options ${JSON.stringify(this.opts)}`);
    }
    this.active = Array.from({ length: keyCount }, (_, i) => i);
    let sum = 0;
    this.cumulative = this.active.map((_, i) => (sum += this.opts.keyDist === 'uniform' ? 1 : keyDistBase ** i));
  }

  /** The keys currently in play, by slot. */
  get activeKeys(): readonly number[] {
    return this.active;
  }

  private slot(): number {
    const total = this.cumulative[this.cumulative.length - 1];
    const x = this.rng.next() * total;
    const i = this.cumulative.findIndex((c) => x < c);
    return i === -1 ? this.cumulative.length - 1 : i;
  }

  next(): MicroOp[] {
    const { minTxnLength, maxTxnLength, maxWritesPerKey } = this.opts;
    const length = minTxnLength + this.rng.int(maxTxnLength - minTxnLength + 1);
    const txn: MicroOp[] = [];
    while (txn.length < length) {
      const i = this.slot();
      const key = this.active[i];
      if (this.rng.next() < 0.5) {
        txn.push(['r', key, null]);
        continue;
      }
      const v = (this.writes.get(key) ?? 0) + 1;
      if (v > maxWritesPerKey) {
        // This key is used up: its slot takes a fresh key, and we draw again.
        this.active[i] = Math.max(...this.active) + 1;
        continue;
      }
      this.writes.set(key, v);
      txn.push(['append', key, v]);
    }
    return txn;
  }
}

/** The request body for one transaction. */
export function txnRequest(txn: readonly MicroOp[]): { type: 'txn'; txn: MicroOp[] } {
  return { type: 'txn', txn: txn.map((m) => [...m] as MicroOp) };
}

// Maelstrom's definite error codes (doc/protocol.md): the operation did not
// happen and never will. Kept here so the bench depends on the protocol only.
const DEFINITE = new Set<number>([1, 10, 11, 12, 14, 20, 21, 22, 30]);

export type TxnOutcome =
  | { kind: 'reply'; body: { type: string; [field: string]: unknown } }
  | { kind: 'timeout' };

export interface TxnCompletion {
  type: 'ok' | 'fail' | 'info';
  value: MicroOp[];
  error?: [number, string | null] | 'net-timeout';
}

/** Turns a node's answer (or its absence) into a history completion, with Maelstrom's client semantics. */
export function completeTxn(invoked: readonly MicroOp[], outcome: TxnOutcome): TxnCompletion {
  const readOnly = invoked.every(([f]) => f === 'r');
  if (outcome.kind === 'timeout') {
    return { type: readOnly ? 'fail' : 'info', value: [...invoked], error: 'net-timeout' };
  }
  const body = outcome.body;
  if (body.type === 'txn_ok') {
    // The checker validates the shape (and reports a response that does not match the request).
    return { type: 'ok', value: Array.isArray(body.txn) ? (body.txn as MicroOp[]) : [...invoked] };
  }
  const code = typeof body.code === 'number' ? body.code : -1;
  const text = typeof body.text === 'string' ? body.text : null;
  if (body.type === 'error' && DEFINITE.has(code)) return { type: 'fail', value: [...invoked], error: [code, text] };
  return { type: 'info', value: [...invoked], error: [code, text ?? `unexpected reply type ${body.type}`] };
}

/** Re-exported for the bench's history type. */
export type { TxnHistoryEvent };
