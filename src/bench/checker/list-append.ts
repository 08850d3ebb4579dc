// An Elle-style checker for txn-list-append histories.
//
// The semantics follow Kingsbury & Alvaro, "Elle: Inferring Isolation
// Anomalies from Experimental Observations" (VLDB 2020) and Adya's
// dependency graphs; the code is ours.
//
// 1. Pair invocations with completions into transactions (ok, info, fail).
// 2. Per-transaction checks: internal consistency (a read must reflect the
//    transaction's own earlier appends and reads), future reads (a read
//    holds an element the transaction itself appends only later), duplicate elements in a
//    read, elements nobody appended (garbage), elements appended by a failed
//    transaction (G1a, aborted read), a read ending in an element that was
//    not its writer's last append to that key (G1b, intermediate read).
// 3. Version order: appends are unique per key, so every read of a key is a
//    prefix of the key's final list. The longest read gives the order; a read
//    that is not a prefix of it is an incompatible order.
// 4. Dependency graph over committed transactions (ok, and info ones whose
//    appends were observed): ww (T1 appended the element right before T2's),
//    wr (T2 read a list ending in T1's element), rw (T1 read a version that
//    T2's append directly follows). Under strict-serializable, real-time edges
//    too (T1 completed before T2 was invoked), kept transitively reduced.
// 5. Cycles: Tarjan's SCCs, then inside each SCC a short cycle of the
//    weakest kind found: G0 (ww only), G1c (ww and wr), G-single (exactly one
//    rw), G2 (more rw); a cycle that needs a real-time edge gets "-realtime".
//    Also lost update: two committed transactions read the same version of a
//    key and both appended to it.

import { pairOperations } from './pairing.js';

export type Key = number | string;
export type MicroOp = [f: 'r' | 'append', key: Key, value: unknown];

/** One event of a txn-list-append history; same shape as the bench's HistoryEvent with f 'txn'. */
export interface TxnHistoryEvent {
  index: number;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  process: number;
  client: string;
  node: string;
  f: 'txn';
  /** invoke/fail/info: the txn as sent (reads null); ok: as answered (reads filled in). */
  value: MicroOp[];
  /** Nanoseconds since the test started. */
  time: number;
  error?: [number, string | null] | 'net-timeout';
}

export type ConsistencyModel = 'strict-serializable' | 'serializable';

export type CycleAnomaly =
  | 'G0'
  | 'G1c'
  | 'G-single'
  | 'G2'
  | 'G0-realtime'
  | 'G1c-realtime'
  | 'G-single-realtime'
  | 'G2-realtime';

export type AnomalyName =
  | CycleAnomaly
  | 'G1a'
  | 'G1b'
  | 'internal'
  | 'future-read'
  | 'duplicate-elements'
  | 'garbage-read'
  | 'incompatible-order'
  | 'lost-update'
  | 'response-mismatch';

export type EdgeKind = 'ww' | 'wr' | 'rw' | 'realtime';

export interface CycleStep {
  /** Transaction ids (history index of the invocation). */
  from: number;
  to: number;
  kind: EdgeKind;
  key?: Key;
  /** The step in words. */
  why: string;
}

export interface Anomaly {
  name: AnomalyName;
  /** Transaction ids (history index of each invocation) involved. */
  txns: number[];
  keys: Key[];
  /** Plain-words account: what happened and why it is not allowed. */
  explanation: string[];
  cycle?: CycleStep[];
}

export interface ListAppendResult {
  valid: boolean | 'unknown';
  model: ConsistencyModel;
  /** Distinct anomaly names found, sorted. */
  anomalyTypes: AnomalyName[];
  /** Examples, at most `maxExamples` per anomaly name. */
  anomalies: Anomaly[];
  /** How many of each anomaly were found (before truncation to examples). */
  anomalyCounts: Partial<Record<AnomalyName, number>>;
  /** Why the verdict is unknown, when it is. */
  unknownReasons: string[];
  txns: { ok: number; info: number; fail: number; graph: number };
  keyCount: number;
  edges: { ww: number; wr: number; rw: number; realtime: number };
  /** Strongly connected components with more than one transaction. */
  sccs: number;
  seconds: number;
}

export interface ListAppendOptions {
  consistencyModel?: ConsistencyModel;
  /** Examples kept per anomaly name (default 8). */
  maxExamples?: number;
  /** Budget in BFS node visits for the cycle search inside big SCCs (default 5e6). */
  searchBudget?: number;
}

// --- transactions --------------------------------------------------------

interface Txn {
  /** Dense index. */
  n: number;
  /** History index of the invocation: the id users see as T<id>. */
  id: number;
  type: 'ok' | 'info' | 'fail';
  process: number;
  client: string;
  node: string;
  ops: MicroOp[];
  invoked: MicroOp[];
  invokeTime: number;
  completeTime: number | null;
  /** Position of the invocation / completion in the history (completion Infinity for info). */
  invokePos: number;
  completePos: number;
}

type Norm = string | number | boolean | null | undefined | bigint | symbol;
/** A Map-friendly identity for keys and elements (JSON scalars as themselves). */
const norm = (x: unknown): Norm =>
  typeof x === 'object' && x !== null ? `json:${JSON.stringify(x)}` : (x as Norm);

const show = (x: unknown): string => (x === undefined ? 'undefined' : JSON.stringify(x));

function showTxnOps(ops: readonly MicroOp[]): string {
  return ops.map(([f, k, v]) => (f === 'r' ? `r ${show(k)} ${show(v)}` : `append ${show(k)} ${show(v)}`)).join(', ');
}

function describeTxn(t: Txn): string {
  const secs = (ns: number | null) => (ns === null ? '?' : (ns / 1e9).toFixed(3));
  const when = t.type === 'info' ? `invoked ${secs(t.invokeTime)}s, never answered` : `${secs(t.invokeTime)}-${secs(t.completeTime)}s`;
  return `T${t.id} (${t.client} via ${t.node}, ${t.type}, ${when}): [${showTxnOps(t.ops)}]`;
}

/** Pairs invocations and completions by process; an invocation left open is info. */
function pairTxns(history: readonly TxnHistoryEvent[]): Txn[] {
  const out: Txn[] = [];
  const add = (inv: TxnHistoryEvent, done: TxnHistoryEvent | null): void => {
    const type = done === null || done.type === 'invoke' ? 'info' : done.type;
    const invoked = Array.isArray(inv.value) ? inv.value : [];
    out.push({
      n: -1,
      id: inv.index,
      type,
      process: inv.process,
      client: inv.client,
      node: inv.node,
      ops: type === 'ok' && Array.isArray(done!.value) ? done!.value : invoked,
      invoked,
      invokeTime: inv.time,
      completeTime: type === 'info' ? null : done!.time,
      invokePos: inv.index,
      completePos: type === 'info' ? Infinity : done!.index,
    });
  };
  pairOperations(
    history.filter((ev) => ev.f === 'txn'),
    add,
  );
  out.sort((a, b) => a.invokePos - b.invokePos);
  out.forEach((t, i) => (t.n = i));
  return out;
}

// --- graph -----------------------------------------------------------------

const WW = 1;
const WR = 2;
const RW = 4;
const RT = 8;
const KIND_OF_BIT: Record<number, EdgeKind> = { [WW]: 'ww', [WR]: 'wr', [RW]: 'rw', [RT]: 'realtime' };

type Reason = { key?: Key; text: () => string };

interface EdgeInfo {
  mask: number;
  /** First reason seen for each kind, rendered only when a cycle is explained. */
  ww?: Reason;
  wr?: Reason;
  rw?: Reason;
  realtime?: Reason;
}

class Graph {
  readonly out: Map<number, EdgeInfo>[];
  readonly counts = { ww: 0, wr: 0, rw: 0, realtime: 0 };
  constructor(readonly size: number) {
    this.out = Array.from({ length: size }, () => new Map());
  }
  add(from: number, to: number, bit: number, key: Key | undefined, text: () => string): void {
    if (from === to) return;
    let e = this.out[from].get(to);
    if (!e) this.out[from].set(to, (e = { mask: 0 }));
    if (e.mask & bit) return;
    e.mask |= bit;
    const kind = KIND_OF_BIT[bit];
    e[kind] = { key, text };
    this.counts[kind]++;
  }
}

/** Tarjan's SCCs (iterative) over edges whose mask meets `allowed`, restricted to `members` if given. */
function sccs(g: Graph, allowed: number, members?: ReadonlySet<number>): number[][] {
  const index = new Int32Array(g.size).fill(-1);
  const low = new Int32Array(g.size);
  const onStack = new Uint8Array(g.size);
  const stack: number[] = [];
  const result: number[][] = [];
  let counter = 0;
  const roots = members ? [...members] : Array.from({ length: g.size }, (_, i) => i);
  for (const root of roots) {
    if (index[root] !== -1) continue;
    // Each frame: node and an iterator over its neighbours.
    const frames: { v: number; it: Iterator<[number, EdgeInfo]> }[] = [];
    const push = (v: number) => {
      index[v] = low[v] = counter++;
      stack.push(v);
      onStack[v] = 1;
      frames.push({ v, it: g.out[v].entries() });
    };
    push(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      const next = frame.it.next();
      if (!next.done) {
        const [w, e] = next.value;
        if (!(e.mask & allowed) || (members && !members.has(w))) continue;
        if (index[w] === -1) push(w);
        else if (onStack[w]) low[frame.v] = Math.min(low[frame.v], index[w]);
        continue;
      }
      frames.pop();
      const v = frame.v;
      if (frames.length > 0) {
        const parent = frames[frames.length - 1].v;
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] === index[v]) {
        const comp: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          comp.push(w);
        } while (w !== v);
        if (comp.length > 1) result.push(comp);
      }
    }
  }
  return result;
}

/** Shortest path from `from` to `to` inside `members` over edges meeting `allowed`; null if none. */
function bfsPath(
  g: Graph,
  from: number,
  to: number,
  allowed: number,
  members: ReadonlySet<number>,
  budget: { left: number },
): number[] | null {
  if (from === to) return [from];
  const parent = new Map<number, number>([[from, -1]]);
  let frontier = [from];
  while (frontier.length > 0 && budget.left > 0) {
    const next: number[] = [];
    for (const v of frontier) {
      for (const [w, e] of g.out[v]) {
        budget.left--;
        if (!(e.mask & allowed) || !members.has(w) || parent.has(w)) continue;
        parent.set(w, v);
        if (w === to) {
          const path = [w];
          for (let x = v; x !== -1; x = parent.get(x)!) path.push(x);
          return path.reverse();
        }
        next.push(w);
      }
    }
    frontier = next;
  }
  return null;
}

// --- the checker -------------------------------------------------------------

interface KeyOrder {
  /** The longest read: the version order. */
  order: unknown[];
  pos: Map<Norm, number>;
  /** Reads that are not prefixes of `order` (by txn n and op index). */
  bad: Set<string>;
}

export function checkListAppend(history: readonly TxnHistoryEvent[], opts: ListAppendOptions = {}): ListAppendResult {
  const started = process.hrtime.bigint();
  const model = opts.consistencyModel ?? 'strict-serializable';
  const maxExamples = opts.maxExamples ?? 8;
  const anomalies: Anomaly[] = [];
  const counts: Partial<Record<AnomalyName, number>> = {};
  const unknownReasons: string[] = [];
  const report = (a: Anomaly): void => {
    const c = (counts[a.name] = (counts[a.name] ?? 0) + 1);
    if (c <= maxExamples) anomalies.push(a);
  };

  const txns = pairTxns(history);
  const okTxns = txns.filter((t) => t.type === 'ok');

  // Shape check: every micro-op is [r|append, key, value]; an ok answer keeps the request's shape.
  const wellFormed = (ops: unknown): ops is MicroOp[] =>
    Array.isArray(ops) &&
    ops.every((m) => Array.isArray(m) && m.length === 3 && (m[0] === 'r' || m[0] === 'append'));
  for (const t of txns) {
    if (!wellFormed(t.invoked)) {
      unknownReasons.push(`T${t.id} was invoked with something other than [r|append, key, value] micro-ops`);
      t.invoked = [];
      t.ops = [];
      continue;
    }
    if (t.type !== 'ok') continue;
    const mismatch =
      !wellFormed(t.ops) ||
      t.ops.length !== t.invoked.length ||
      t.ops.some(
        ([f, k, v], i) =>
          f !== t.invoked[i][0] ||
          norm(k) !== norm(t.invoked[i][1]) ||
          (f === 'append' && norm(v) !== norm(t.invoked[i][2])) ||
          (f === 'r' && v !== null && !Array.isArray(v)),
      );
    if (mismatch) {
      report({
        name: 'response-mismatch',
        txns: [t.id],
        keys: [],
        explanation: [
          `T${t.id} asked for [${showTxnOps(t.invoked)}] but the node answered ${JSON.stringify(t.ops)}:`,
          'an answer must keep the request’s micro-ops, keys and appended values, and fill reads with a list or null.',
        ],
      });
      // Keep its appends (it committed) but learn nothing from its reads.
      t.ops = t.invoked.map((m): MicroOp => (m[0] === 'r' ? ['r', m[1], null] : m));
    }
  }

  // Writers of every (key, element), over all invocations (failed ones too).
  const writer = new Map<Norm, Map<Norm, Txn>>();
  /** Per key, elements that were not their writer's last append to that key. */
  const intermediate = new Map<Norm, Set<Norm>>();
  const keys = new Map<Norm, Key>();
  for (const t of txns) {
    const lastByKey = new Map<Norm, Norm>();
    for (const [f, k, v] of t.invoked) {
      const kk = norm(k);
      keys.set(kk, k);
      if (f !== 'append') continue;
      let w = writer.get(kk);
      if (!w) writer.set(kk, (w = new Map()));
      const vv = norm(v);
      const prior = w.get(vv);
      if (prior && prior !== t) {
        unknownReasons.push(`element ${show(v)} was appended to key ${show(k)} twice (T${prior.id} and T${t.id}): appends must be unique`);
      }
      w.set(vv, t);
      const prev = lastByKey.get(kk);
      if (prev !== undefined) {
        let s = intermediate.get(kk);
        if (!s) intermediate.set(kk, (s = new Set()));
        s.add(prev);
      }
      lastByKey.set(kk, vv);
    }
  }
  const writerOf = (k: Key, e: unknown): Txn | undefined => writer.get(norm(k))?.get(norm(e));

  // Per-read checks on ok txns.
  const readsByKey = new Map<Norm, { t: Txn; i: number; v: unknown[] }[]>();
  for (const t of okTxns) {
    // Internal consistency: what this txn knows of each key so far.
    const known = new Map<Norm, { whole: boolean; vals: unknown[] }>();
    // Elements this txn has read so far, per key, with the read that held them.
    const readSoFar = new Map<Norm, Map<Norm, number>>();
    t.ops.forEach(([f, k, v], i) => {
      const kk = norm(k);
      if (f === 'append') {
        const at = readSoFar.get(kk)?.get(norm(v));
        if (at !== undefined) {
          report({
            name: 'future-read',
            txns: [t.id],
            keys: [k],
            explanation: [
              describeTxn(t),
              `read key ${show(k)} = ${show(t.ops[at][2])} (micro-op ${at + 1}), which holds ${show(v)}, and only later (micro-op ${i + 1}) appended ${show(v)} itself:`,
              'a transaction cannot observe its own write before making it (future read).',
            ],
          });
        }
        const s = known.get(kk);
        if (s) s.vals.push(v);
        else known.set(kk, { whole: false, vals: [v] });
        return;
      }
      const list: unknown[] = v === null ? [] : (v as unknown[]);
      const s = known.get(kk);
      if (s) {
        const expectNorm = s.vals.map(norm);
        const got = list.map(norm);
        const ok = s.whole
          ? got.length === expectNorm.length && got.every((x, j) => x === expectNorm[j])
          : got.length >= expectNorm.length && expectNorm.every((x, j) => x === got[got.length - expectNorm.length + j]);
        if (!ok) {
          report({
            name: 'internal',
            txns: [t.id],
            keys: [k],
            explanation: [
              `${describeTxn(t)}`,
              s.whole
                ? `read key ${show(k)} = ${show(v)}, but its own earlier reads and appends say it must be ${show(s.vals)}.`
                : `read key ${show(k)} = ${show(v)}, but it had itself appended ${show(s.vals)} earlier, so the list must end with that.`,
            ],
          });
        }
      }
      known.set(kk, { whole: true, vals: [...list] });
      let rk = readSoFar.get(kk);
      if (!rk) readSoFar.set(kk, (rk = new Map()));
      for (const e of list) if (!rk.has(norm(e))) rk.set(norm(e), i);

      let rs = readsByKey.get(kk);
      if (!rs) readsByKey.set(kk, (rs = []));
      rs.push({ t, i, v: list });

      // Duplicates, garbage, aborted reads.
      const seen = new Set<Norm>();
      const dups: unknown[] = [];
      for (const e of list) {
        const ee = norm(e);
        if (seen.has(ee)) dups.push(e);
        seen.add(ee);
      }
      if (dups.length > 0) {
        report({
          name: 'duplicate-elements',
          txns: [t.id],
          keys: [k],
          explanation: [
            describeTxn(t),
            `read key ${show(k)} = ${show(v)}, which holds ${show(dups)} more than once; each element was appended once.`,
          ],
        });
      }
      for (const e of list) {
        const w = writerOf(k, e);
        if (!w) {
          report({
            name: 'garbage-read',
            txns: [t.id],
            keys: [k],
            explanation: [describeTxn(t), `read key ${show(k)} = ${show(v)}, but no transaction ever appended ${show(e)} to key ${show(k)}.`],
          });
        } else if (w.type === 'fail') {
          report({
            name: 'G1a',
            txns: [w.id, t.id],
            keys: [k],
            explanation: [
              describeTxn(t),
              `read key ${show(k)} = ${show(v)}, which includes ${show(e)}, appended by`,
              describeTxn(w),
              `which failed (error ${show(history[w.completePos]?.error ?? null)}): a failed transaction's writes must never be seen (aborted read).`,
            ],
          });
        }
      }
      // Intermediate read: the read ends in an element that its writer (another txn) later followed with another append to this key.
      if (list.length > 0) {
        const last = list[list.length - 1];
        const w = writerOf(k, last);
        if (w && w !== t && intermediate.get(kk)?.has(norm(last))) {
          report({
            name: 'G1b',
            txns: [w.id, t.id],
            keys: [k],
            explanation: [
              describeTxn(t),
              `read key ${show(k)} = ${show(v)}, ending in ${show(last)}, which is not the last element appended to key ${show(k)} by`,
              describeTxn(w),
              'so it saw that transaction half-done (intermediate read).',
            ],
          });
        }
      }
    });
  }

  // Version orders: the longest read of each key; all reads must be its prefixes.
  const orders = new Map<Norm, KeyOrder>();
  for (const [kk, rs] of readsByKey) {
    let longest = rs[0];
    for (const r of rs) if (r.v.length > longest.v.length) longest = r;
    const order = longest.v;
    const pos = new Map<Norm, number>();
    order.forEach((e, i) => {
      if (!pos.has(norm(e))) pos.set(norm(e), i);
    });
    const bad = new Set<string>();
    let reported = false;
    for (const r of rs) {
      let prefix = r.v.length <= order.length;
      for (let j = 0; prefix && j < r.v.length; j++) prefix = norm(r.v[j]) === norm(order[j]);
      if (prefix) continue;
      bad.add(`${r.t.n}:${r.i}`);
      if (!reported) {
        reported = true;
        const k = keys.get(kk)!;
        report({
          name: 'incompatible-order',
          txns: [r.t.id, longest.t.id],
          keys: [k],
          explanation: [
            describeTxn(r.t),
            describeTxn(longest.t),
            `read key ${show(k)} as ${show(r.v)} and ${show(order)}: appends build one list per key, so every read must be a prefix of the longest, and the first is not.`,
          ],
        });
      }
    }
    orders.set(kk, { order, pos, bad });
  }

  // Graph members: ok txns and info txns with an observed append.
  const inGraph = (t: Txn | undefined): t is Txn => t !== undefined && (t.type === 'ok' || observedInfo.has(t));
  const observedInfo = new Set<Txn>();
  for (const [kk, o] of orders) {
    for (const e of o.order) {
      const w = writer.get(kk)?.get(norm(e));
      if (w && w.type === 'info') observedInfo.add(w);
    }
  }
  const members = txns.filter((t) => t.type === 'ok' || observedInfo.has(t));
  const g = new Graph(txns.length);

  // ww edges along each observed order, and from the last observed element's writer to unobserved appends.
  const unobserved = new Map<Norm, Txn[]>();
  for (const t of members) {
    for (const [f, k, v] of t.invoked) {
      if (f !== 'append') continue;
      const kk = norm(k);
      if (orders.get(kk)?.pos.has(norm(v))) continue;
      let u = unobserved.get(kk);
      if (!u) unobserved.set(kk, (u = []));
      if (!u.includes(t)) u.push(t);
    }
  }
  for (const [kk, o] of orders) {
    const k = keys.get(kk)!;
    for (let i = 0; i + 1 < o.order.length; i++) {
      const a = o.order[i];
      const b = o.order[i + 1];
      const t1 = writerOf(k, a);
      const t2 = writerOf(k, b);
      if (inGraph(t1) && inGraph(t2)) {
        g.add(t1.n, t2.n, WW, k, () => `T${t1.id} appended ${show(a)} to key ${show(k)} and T${t2.id} appended ${show(b)} right after it (key ${show(k)} reads ${show(o.order.slice(0, i + 2))}${i + 2 < o.order.length ? '...' : ''})`);
      }
    }
    const lastE = o.order[o.order.length - 1];
    const lastW = o.order.length > 0 ? writerOf(k, lastE) : undefined;
    if (inGraph(lastW)) {
      for (const t of unobserved.get(kk) ?? []) {
        g.add(lastW.n, t.n, WW, k, () => `T${lastW.id} appended ${show(lastE)}, the last element ever read of key ${show(k)}, and T${t.id}'s append to key ${show(k)}, never read, can only come after it`);
      }
    }
  }

  // wr and rw edges from each txn's external reads (before its own appends to that key).
  const externalReads = new Map<Txn, Map<Norm, unknown[]>>();
  for (const t of okTxns) {
    const ext = new Map<Norm, unknown[]>();
    const touched = new Set<Norm>();
    t.ops.forEach(([f, k, v], i) => {
      const kk = norm(k);
      if (touched.has(kk)) return;
      touched.add(kk);
      if (f !== 'r') return;
      if (orders.get(kk)?.bad.has(`${t.n}:${i}`)) return;
      const list = v === null ? [] : (v as unknown[]);
      ext.set(kk, list);
      const k0 = keys.get(kk)!;
      if (list.length > 0) {
        const e = list[list.length - 1];
        const w = writerOf(k0, e);
        if (inGraph(w)) g.add(w.n, t.n, WR, k0, () => `T${t.id} read key ${show(k0)} = ${show(list)}, ending in ${show(e)}, which T${w.id} appended`);
      }
      const o = orders.get(kk);
      const order = o?.order ?? [];
      if (list.length < order.length) {
        const e = order[list.length];
        const w = writerOf(k0, e);
        if (inGraph(w)) g.add(t.n, w.n, RW, k0, () => `T${t.id} read key ${show(k0)} = ${show(list)}, a version without ${show(e)}, which T${w.id} appended next`);
      } else {
        for (const u of unobserved.get(kk) ?? []) {
          g.add(t.n, u.n, RW, k0, () => `T${t.id} read key ${show(k0)} = ${show(list)}, the latest version anyone read, and T${u.id} appended to key ${show(k0)} after it`);
        }
      }
    });
    externalReads.set(t, ext);
  }

  // Lost update: two committed txns read the same version of a key and both appended to it.
  const lost = new Map<string, { k: Key; list: unknown[]; txns: Txn[] }>();
  for (const t of okTxns) {
    const appended = new Set(t.ops.filter(([f]) => f === 'append').map(([, k]) => norm(k)));
    for (const [kk, list] of externalReads.get(t)!) {
      if (!appended.has(kk)) continue;
      const id = `${String(kk)}\u0000${JSON.stringify(list.map(norm))}`;
      let l = lost.get(id);
      if (!l) lost.set(id, (l = { k: keys.get(kk)!, list, txns: [] }));
      l.txns.push(t);
    }
  }
  for (const { k, list, txns: group } of lost.values()) {
    if (group.length < 2) continue;
    report({
      name: 'lost-update',
      txns: group.map((t) => t.id),
      keys: [k],
      explanation: [
        ...group.map(describeTxn),
        `all read key ${show(k)} = ${show(list)} and then appended to it: in any serial order the later of them would have seen the earlier one's append (lost update).`,
      ],
    });
  }

  // Real-time edges (strict-serializable): T1 completed before T2 was invoked, transitively reduced.
  if (model === 'strict-serializable') {
    const events: { pos: number; t: Txn; invoke: boolean }[] = [];
    for (const t of members) {
      events.push({ pos: t.invokePos, t, invoke: true });
      if (t.type === 'ok') events.push({ pos: t.completePos, t, invoke: false });
    }
    events.sort((a, b) => a.pos - b.pos);
    const frontier = new Set<Txn>();
    const preds = new Map<Txn, Txn[]>();
    for (const { t, invoke } of events) {
      if (invoke) {
        const ps = [...frontier];
        preds.set(t, ps);
        for (const p of ps) g.add(p.n, t.n, RT, undefined, realtimeWhy);
      } else {
        for (const p of preds.get(t) ?? []) frontier.delete(p);
        preds.delete(t);
        frontier.add(t);
      }
    }
  }

  // Cycles.
  const budget = { left: opts.searchBudget ?? 5_000_000 };
  let sccCount = 0;
  const covered = new Set<number>();
  const phases: { mask: number; realtime: boolean }[] = [{ mask: WW | WR | RW, realtime: false }];
  if (model === 'strict-serializable') phases.push({ mask: WW | WR | RW | RT, realtime: true });
  for (const phase of phases) {
    const comps = sccs(g, phase.mask);
    for (const comp of comps) {
      if (phase.realtime && comp.some((n) => covered.has(n))) continue;
      sccCount++;
      comp.forEach((n) => covered.add(n));
      const set = new Set(comp);
      const cycle = findCycle(g, set, phase.realtime ? RT : 0, budget);
      if (!cycle) {
        unknownReasons.push(`a cycle among ${comp.length} transactions exists but the search budget ran out before one was extracted`);
        continue;
      }
      report(explainCycle(g, cycle, txns));
    }
  }
  if (budget.left <= 0) unknownReasons.push('the cycle search budget was exhausted');

  const anomalyTypes = (Object.keys(counts) as AnomalyName[]).sort();
  const valid: boolean | 'unknown' = anomalyTypes.length > 0 ? false : unknownReasons.length > 0 ? 'unknown' : true;
  return {
    valid,
    model,
    anomalyTypes,
    anomalies,
    anomalyCounts: counts,
    unknownReasons: [...new Set(unknownReasons)].slice(0, 20),
    txns: {
      ok: okTxns.length,
      info: txns.filter((t) => t.type === 'info').length,
      fail: txns.filter((t) => t.type === 'fail').length,
      graph: members.length,
    },
    keyCount: keys.size,
    edges: { ...g.counts },
    sccs: sccCount,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

/** A cycle as nodes (first = last) and, per step, the edge kinds it may be labelled with. */
interface FoundCycle {
  nodes: number[];
  masks: number[];
}

/**
 * Finds a short cycle inside one SCC, trying the weakest classes first:
 * ww only, ww+wr, exactly one rw, then any; `extra` (RT or 0) is allowed on
 * every step.
 */
function findCycle(g: Graph, members: ReadonlySet<number>, extra: number, budget: { left: number }): FoundCycle | null {
  for (const base of [WW, WW | WR]) {
    const allowed = base | extra;
    let best: number[] | null = null;
    for (const comp of sccs(g, allowed, members)) {
      const set = new Set(comp);
      for (const start of comp.slice(0, 16)) {
        for (const [w, e] of g.out[start]) {
          if (!(e.mask & allowed) || !set.has(w)) continue;
          const p = bfsPath(g, w, start, allowed, set, budget);
          if (p && (!best || p.length + 1 < best.length)) best = [start, ...p];
        }
      }
    }
    if (best) return { nodes: best, masks: best.slice(1).map(() => allowed) };
  }
  // One rw edge closed by a path without rw; then a path with anything.
  for (const pathMask of [WW | WR | extra, WW | WR | RW | extra]) {
    let best: number[] | null = null;
    let checked = 0;
    outer: for (const a of members) {
      for (const [b, e] of g.out[a]) {
        if (!(e.mask & RW) || !members.has(b)) continue;
        if (++checked > 256 && best) break outer;
        const p = bfsPath(g, b, a, pathMask, members, budget);
        if (p && (!best || p.length + 1 < best.length)) best = [a, ...p];
      }
    }
    if (best) return { nodes: best, masks: best.slice(1).map((_, i) => (i === 0 ? RW : pathMask)) };
  }
  return null;
}

/** Real-time edges are many: they share one placeholder, rendered from the two txns on demand. */
const realtimeWhy = (): string => 'real-time order';
const secs = (ns: number | null): string => (ns === null ? '?' : (ns / 1e9).toFixed(3));
const realtimeText = (a: Txn, b: Txn): string =>
  `T${a.id} completed (${secs(a.completeTime)}s) before T${b.id} was invoked (${secs(b.invokeTime)}s)`;

/** Labels each step of a cycle (preferring ww, wr, rw, then real-time), names it, and explains it. */
function explainCycle(g: Graph, { nodes, masks }: FoundCycle, txns: Txn[]): Anomaly {
  const steps: CycleStep[] = [];
  let rw = 0;
  let wr = 0;
  let rt = 0;
  const keys = new Set<Key>();
  for (let i = 0; i + 1 < nodes.length; i++) {
    const a = nodes[i];
    const b = nodes[i + 1];
    const e = g.out[a].get(b)!;
    const usable = e.mask & masks[i];
    const bit = [WW, WR, RW, RT].find((x) => usable & x)!;
    if (bit === RW) rw++;
    if (bit === WR) wr++;
    if (bit === RT) rt++;
    const kind = KIND_OF_BIT[bit];
    const why = e[kind]!;
    if (why.key !== undefined) keys.add(why.key);
    const text = why.text === realtimeWhy ? realtimeText(txns[a], txns[b]) : why.text();
    steps.push({ from: txns[a].id, to: txns[b].id, kind, key: why.key, why: text });
  }
  const base = rw === 0 ? (wr === 0 ? 'G0' : 'G1c') : rw === 1 ? 'G-single' : 'G2';
  const name = (rt > 0 ? `${base}-realtime` : base) as CycleAnomaly;
  const ring = nodes.map((n) => `T${txns[n].id}`).join(' -> ');
  const meaning: Record<string, string> = {
    G0: 'a cycle of write-write dependencies only (write cycle)',
    G1c: 'a cycle of write-write and write-read dependencies (circular information flow)',
    'G-single': 'a cycle with exactly one anti-dependency (read skew / lost update family)',
    G2: 'a cycle with several anti-dependencies (write skew family)',
  };
  const txnSet = [...new Set(nodes)].map((n) => txns[n]);
  return {
    name,
    txns: txnSet.map((t) => t.id),
    keys: [...keys],
    cycle: steps,
    explanation: [
      `${name}: ${meaning[base]}${rt > 0 ? ', closed by real-time order (a transaction that completed before another began must come first)' : ''}.`,
      ...txnSet.map(describeTxn),
      ...steps.map((s) => `${s.kind} T${s.from} -> T${s.to}: ${s.why}.`),
      `So ${ring} would have to hold in every serial order: no ${rt > 0 ? 'strict-serializable' : 'serializable'} order exists.`,
    ],
  };
}
