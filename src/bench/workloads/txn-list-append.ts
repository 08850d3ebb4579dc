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
// - Client: Maelstrom's, which waits 5 s (the client's default timeout) and
//   treats no function as idempotent: a definite error code -> fail; any
//   other error, a timeout, or an answer it cannot read -> info, read-only
//   transactions included.

import { checkListAppend, type ConsistencyModel, type ListAppendResult, type MicroOp, type TxnHistoryEvent } from '../checker/list-append.js';
import { isDefinite } from '../../core/errors.js';
import type { RpcOutcome } from '../client.js';
import type { Rng } from '../../core/random.js';
import type { CheckerResult, HistoryEvent, TxnListAppendFlags } from '../types.js';
import type { Completion, Invocation, Workload, WorkloadContext } from './workload.js';

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
        let top = -Infinity;
        for (const k of this.active) if (k > top) top = k;
        this.active[i] = top + 1;
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
  if (outcome.kind === 'timeout') {
    return { type: 'info', value: [...invoked], error: 'net-timeout' };
  }
  const body = outcome.body;
  if (body.type === 'txn_ok' && Array.isArray(body.txn)) {
    // The checker validates the micro-ops (and reports an answer that does not match the request).
    return { type: 'ok', value: body.txn as MicroOp[] };
  }
  if (body.type !== 'error') {
    // Not an answer we can read: we cannot tell whether it happened.
    return { type: 'info', value: [...invoked], error: [-1, `unexpected reply ${JSON.stringify(body).slice(0, 200)}`] };
  }
  const code = typeof body.code === 'number' ? body.code : -1;
  const text = typeof body.text === 'string' ? body.text : null;
  if (isDefinite(code)) return { type: 'fail', value: [...invoked], error: [code, text] };
  return { type: 'info', value: [...invoked], error: [code, text] };
}

export type { TxnHistoryEvent };

export type { TxnListAppendFlags };

export const TXN_LIST_APPEND_FLAG_DEFAULTS: TxnListAppendFlags = {
  keyCount: TXN_LIST_APPEND_DEFAULTS.keyCount,
  maxTxnLength: TXN_LIST_APPEND_DEFAULTS.maxTxnLength,
  maxWritesPerKey: TXN_LIST_APPEND_DEFAULTS.maxWritesPerKey,
  consistencyModel: 'strict-serializable',
};

/**
 * Parses the workload's flags from their raw string values (undefined = not
 * given); throws an Error with a usage message on a bad value.
 */
export function parseTxnListAppendFlags(get: (flag: string) => string | undefined): TxnListAppendFlags {
  const int = (flag: string, dflt: number): number => {
    const v = get(flag);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer (got ${JSON.stringify(v)})`);
    return n;
  };
  const models = get('--consistency-models');
  let consistencyModel: ConsistencyModel = 'strict-serializable';
  if (models !== undefined) {
    const list = models.split(/\s*,\s*/).filter((m) => m.length > 0);
    const known: ConsistencyModel[] = ['strict-serializable', 'serializable'];
    const bad = list.find((m) => !known.includes(m as ConsistencyModel));
    if (bad !== undefined || list.length === 0) {
      throw new Error(`--consistency-models must be one or more of: ${known.join(', ')} (got ${JSON.stringify(models)})`);
    }
    // Checking the strongest model asked for covers the weaker ones.
    consistencyModel = list.includes('strict-serializable') ? 'strict-serializable' : 'serializable';
  }
  return {
    keyCount: int('--key-count', TXN_LIST_APPEND_FLAG_DEFAULTS.keyCount),
    maxTxnLength: int('--max-txn-length', TXN_LIST_APPEND_FLAG_DEFAULTS.maxTxnLength),
    maxWritesPerKey: int('--max-writes-per-key', TXN_LIST_APPEND_FLAG_DEFAULTS.maxWritesPerKey),
    consistencyModel,
  };
}

/** The checker's result in the bench's CheckerResult shape, with the full list-append result alongside. */
export interface TxnCheckerResult extends CheckerResult {
  listAppend: ListAppendResult;
  /** One line per anomaly kind, for the verdict's reasons. */
  reasons: string[];
}

export function toCheckerResult(r: ListAppendResult): TxnCheckerResult {
  const reasons = r.anomalyTypes.map((name) => {
    const first = r.anomalies.find((a) => a.name === name);
    const txns = first ? first.txns.map((t) => `T${t}`).join(', ') : '';
    return `${r.anomalyCounts[name]} x ${name} (e.g. ${txns}${first && first.keys.length ? ` on key ${first.keys.join(', ')}` : ''})`;
  });
  if (r.valid === 'unknown') reasons.push(...r.unknownReasons);
  return {
    valid: r.valid,
    keyCount: r.keyCount,
    failures: r.anomalies.map((a) => ({
      key: typeof a.keys[0] === 'number' ? a.keys[0] : -1,
      culprit: `${a.name}: T${a.txns.join(', T')}`,
      explanation: a.explanation,
      ops: a.txns,
    })),
    unknownKeys: [],
    seconds: r.seconds,
    steps: r.edges.ww + r.edges.wr + r.edges.rw + r.edges.realtime,
    listAppend: r,
    reasons,
  };
}

/** The checker's part of the run summary, in words. */
export function describeTxnChecker(c: TxnCheckerResult, examples = 3): string[] {
  const r = c.listAppend;
  const verdict = r.valid === true ? 'valid' : r.valid === false ? 'INVALID' : 'unknown';
  const lines = [
    `${r.model}: ${verdict} (${r.txns.ok} ok, ${r.txns.info} info, ${r.txns.fail} fail txns over ${r.keyCount} keys; ` +
      `graph of ${r.txns.graph} txns, edges ww ${r.edges.ww} wr ${r.edges.wr} rw ${r.edges.rw} realtime ${r.edges.realtime}; ` +
      `${r.sccs} cyclic component(s); checked in ${r.seconds.toFixed(2)} s)`,
  ];
  if (r.anomalyTypes.length > 0) {
    lines.push(`  anomalies: ${r.anomalyTypes.map((n) => `${n} x${r.anomalyCounts[n]}`).join(', ')}`);
  }
  for (const name of r.anomalyTypes) {
    for (const a of r.anomalies.filter((x) => x.name === name).slice(0, examples)) {
      lines.push(`  ${name}:`);
      for (const e of a.explanation) lines.push(`    ${e}`);
    }
  }
  for (const u of r.unknownReasons) lines.push(`  unknown: ${u}`);
  return lines;
}

/**
 * The bench workload: thread t talks to node t mod node-count (as in lin-kv);
 * every free thread takes the next txn of one shared generator, as Jepsen's
 * generator hands the next op to whichever worker is free. History events
 * carry f 'txn', the txn as value, and key -1 (a txn is not a one-key op).
 */
export class TxnListAppendWorkload implements Workload {
  readonly name = 'txn-list-append' as const;
  readonly notes: string[] = [];
  private readonly gen: TxnGenerator;
  private readonly processOf: number[];

  constructor(
    ctx: WorkloadContext,
    readonly flags: TxnListAppendFlags = TXN_LIST_APPEND_FLAG_DEFAULTS,
  ) {
    this.processOf = Array.from({ length: ctx.concurrency }, (_, t) => t);
    this.concurrency = ctx.concurrency;
    this.gen = new TxnGenerator(ctx.rng, {
      keyCount: flags.keyCount,
      maxTxnLength: flags.maxTxnLength,
      maxWritesPerKey: flags.maxWritesPerKey,
    });
  }

  private readonly concurrency: number;

  process(thread: number): number {
    return this.processOf[thread]!;
  }

  complete(thread: number, type: Completion['type']): void {
    if (type === 'info') this.processOf[thread] = this.processOf[thread]! + this.concurrency;
  }

  /** Maelstrom's txn client uses its default timeout, whatever the latency. */
  timeoutMs(_meanLatencyMs: number): number {
    return 5000;
  }

  nextOp(_thread: number): Invocation {
    // HistoryEvent's f names lin-kv's functions; a txn event carries 'txn' (as Maelstrom's :txn).
    return { f: 'txn' as unknown as Invocation['f'], key: -1, value: this.gen.next() };
  }

  request(op: Invocation): Record<string, unknown> {
    return txnRequest(op.value as MicroOp[]);
  }

  completion(op: Invocation, res: RpcOutcome): Completion {
    const txn = op.value as MicroOp[];
    const outcome: TxnOutcome = res.kind === 'timeout' ? res : { kind: 'reply', body: { ...res.body, type: String(res.body.type) } };
    const done = completeTxn(txn, outcome);
    const malformed =
      res.kind === 'reply' && (res.body.type === 'txn_ok' ? !Array.isArray(res.body.txn) : res.body.type !== 'error');
    return { type: done.type, value: done.value, ...(done.error !== undefined ? { error: done.error } : {}), ...(malformed ? { malformed } : {}) };
  }

  check(history: readonly HistoryEvent[], _timeLimitSeconds: number): TxnCheckerResult {
    return toCheckerResult(
      checkListAppend(history as unknown as readonly TxnHistoryEvent[], { consistencyModel: this.flags.consistencyModel }),
    );
  }
}
