// Linearizability checker for a compare-and-set register per key.
//
// Algorithm: Wing & Gong's search over the history with Lowe's memoisation,
// arranged as in Porcupine: the history is a doubly linked list of call and
// return entries in real-time order; the search linearises a call whenever
// the model allows it and the (set of linearised ops, model state) pair was
// not seen before, and backtracks when it meets a return entry whose call is
// still pending. Operations whose outcome is unknown (`info`) have no return
// entry: they may be linearised at any point after their invocation, or
// never, so the search succeeds as soon as every `ok` operation is placed.
// Failed operations never happened and are dropped before the search.
//
// Keys are independent, so each key is searched on its own.

import { pairOperations } from './pairing.js';
import type { CheckerResult, HistoryEvent, LinearizabilityFailure } from '../types.js';

/** One operation of a single key's history, ready for the search. */
export interface RegOp {
  /** Index of the invoke event in the original history (for reporting). */
  id: number;
  f: 'read' | 'write' | 'cas';
  /** ok: completed; info: unknown outcome. */
  type: 'ok' | 'info';
  /** Position of the invocation in the real-time order. */
  call: number;
  /** Position of the completion; Infinity for info. */
  ret: number;
  /** read: value read (null = absent); write: value; cas: [from, to]. */
  value: unknown;
  /** Process and client, for explanations. */
  process: number;
  client: string;
  /** Times in ns since start (for explanations). */
  callTime: number;
  retTime: number | null;
}

export interface KeyVerdict {
  valid: boolean | 'unknown';
  steps: number;
}

// --- pairing ---------------------------------------------------------------

/** Pairs invocations with completions and splits them by key. Fails are dropped. */
export function operationsByKey(history: readonly HistoryEvent[]): Map<number, RegOp[]> {
  const byKey = new Map<number, RegOp[]>();
  const add = (inv: HistoryEvent, done: HistoryEvent | null): void => {
    const type = done === null ? 'info' : done.type;
    if (type === 'fail' || type === 'invoke') return;
    let value: unknown;
    if (inv.f === 'read') {
      if (type !== 'ok') return; // an unknown read changes nothing
      value = done!.value;
    } else {
      value = inv.value;
    }
    const op: RegOp = {
      id: inv.index,
      f: inv.f,
      type: type === 'ok' ? 'ok' : 'info',
      call: inv.index,
      ret: type === 'ok' ? done!.index : Infinity,
      value,
      process: inv.process,
      client: inv.client,
      callTime: inv.time,
      retTime: done === null ? null : done.time,
    };
    let list = byKey.get(inv.key);
    if (!list) byKey.set(inv.key, (list = []));
    list.push(op);
  };
  pairOperations(history, add);
  for (const list of byKey.values()) list.sort((a, b) => a.call - b.call);
  return byKey;
}

// --- the search --------------------------------------------------------------

interface Entry {
  /** -1 for the sentinel head. */
  op: number;
  isCall: boolean;
  match: Entry | null;
  prev: Entry | null;
  next: Entry | null;
}

const READ = 0;
const WRITE = 1;
const CAS = 2;

/** Interns values so model states are small integers; 0 is "absent". */
class Interner {
  private readonly ids = new Map<string, number>();
  id(v: unknown): number {
    if (v === null || v === undefined) return 0;
    const k = typeof v === 'number' ? `n${v}` : JSON.stringify(v);
    let id = this.ids.get(k);
    if (id === undefined) {
      id = this.ids.size + 1;
      this.ids.set(k, id);
    }
    return id;
  }
}

export interface SearchBudget {
  /** Stop after this many steps (then the verdict is unknown). */
  maxSteps: number;
  /** Stop at this performance.now() deadline. */
  deadline: number;
}

/** Decides whether one key's operations are linearizable. */
export function checkKey(ops: readonly RegOp[], budget?: Partial<SearchBudget>): KeyVerdict {
  const n = ops.length;
  const maxSteps = budget?.maxSteps ?? 50_000_000;
  const deadline = budget?.deadline ?? Infinity;
  if (n === 0) return { valid: true, steps: 0 };
  const interner = new Interner();
  const kind = new Uint8Array(n);
  const a = new Int32Array(n); // read: value; write: value; cas: from
  const b = new Int32Array(n); // cas: to
  let remainingOk = 0;
  for (let i = 0; i < n; i++) {
    const op = ops[i];
    if (op.type === 'ok') remainingOk++;
    if (op.f === 'read') {
      kind[i] = READ;
      a[i] = interner.id(op.value);
    } else if (op.f === 'write') {
      kind[i] = WRITE;
      a[i] = interner.id(op.value);
    } else {
      kind[i] = CAS;
      const [from, to] = Array.isArray(op.value) ? op.value : [undefined, undefined];
      // A cas can never succeed from "absent": give `from` an id no state has.
      a[i] = from === null || from === undefined ? -1 : interner.id(from);
      b[i] = interner.id(to);
    }
  }

  // Build the entry list in real-time order. Events are positions in the
  // history; calls and returns never share a position.
  type Ev = { pos: number; entry: Entry };
  const evs: Ev[] = [];
  for (let i = 0; i < n; i++) {
    const call: Entry = { op: i, isCall: true, match: null, prev: null, next: null };
    evs.push({ pos: ops[i].call, entry: call });
    if (ops[i].type === 'ok') {
      const ret: Entry = { op: i, isCall: false, match: null, prev: null, next: null };
      call.match = ret;
      evs.push({ pos: ops[i].ret, entry: ret });
    }
  }
  evs.sort((x, y) => x.pos - y.pos);
  const head: Entry = { op: -1, isCall: false, match: null, prev: null, next: null };
  let last = head;
  for (const { entry } of evs) {
    last.next = entry;
    entry.prev = last;
    last = entry;
  }

  const lift = (e: Entry): void => {
    e.prev!.next = e.next;
    if (e.next) e.next.prev = e.prev;
    const m = e.match;
    if (m) {
      m.prev!.next = m.next;
      if (m.next) m.next.prev = m.prev;
    }
  };
  const unlift = (e: Entry): void => {
    const m = e.match;
    if (m) {
      m.prev!.next = m;
      if (m.next) m.next.prev = m;
    }
    e.prev!.next = e;
    if (e.next) e.next.prev = e;
  };

  // Memo: (linearised set, state) pairs already explored. Zobrist hashing of
  // the set, buckets compare the full bitset.
  const words = (n + 31) >>> 5;
  const bits = new Uint32Array(words);
  const zob = new Int32Array(n);
  let seed = 0x9e3779b9 | 0;
  for (let i = 0; i < n; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    zob[i] = seed;
  }
  let hash = 0;
  const cache = new Map<number, { bits: Uint32Array; state: number }[]>();
  const seen = (h: number, state: number): boolean => {
    const key = (h ^ Math.imul(state + 1, 0x85ebca6b)) | 0;
    const bucket = cache.get(key);
    if (bucket) {
      outer: for (const c of bucket) {
        if (c.state !== state) continue;
        for (let w = 0; w < words; w++) if (c.bits[w] !== bits[w]) continue outer;
        return true;
      }
      bucket.push({ bits: bits.slice(), state });
    } else {
      cache.set(key, [{ bits: bits.slice(), state }]);
    }
    return false;
  };

  const stackEntry: Entry[] = [];
  const stackState: number[] = [];
  let state = 0; // absent
  let entry: Entry | null = head.next;
  let steps = 0;
  while (remainingOk > 0) {
    if (++steps > maxSteps || ((steps & 0xffff) === 0 && performance.now() > deadline)) {
      return { valid: 'unknown', steps };
    }
    if (entry === null) {
      // Only unknown calls left after this point, but an ok op remains
      // before: cannot happen (its return entry precedes the end).
      break;
    }
    if (entry.isCall) {
      const i = entry.op;
      let ok: boolean;
      let next = state;
      switch (kind[i]) {
        case READ:
          ok = state === a[i];
          break;
        case WRITE:
          ok = true;
          next = a[i];
          break;
        default:
          ok = state === a[i];
          next = b[i];
      }
      if (ok) {
        bits[i >>> 5] |= 1 << (i & 31);
        hash ^= zob[i];
        if (!seen(hash, next)) {
          stackEntry.push(entry);
          stackState.push(state);
          state = next;
          if (entry.match) remainingOk--;
          lift(entry);
          entry = head.next;
          continue;
        }
        bits[i >>> 5] &= ~(1 << (i & 31));
        hash ^= zob[i];
      }
      entry = entry.next;
    } else {
      // A return whose call is not yet linearised: backtrack.
      const e = stackEntry.pop();
      if (e === undefined) return { valid: false, steps };
      state = stackState.pop()!;
      const i = e.op;
      bits[i >>> 5] &= ~(1 << (i & 31));
      hash ^= zob[i];
      if (e.match) remainingOk++;
      unlift(e);
      entry = e.next;
    }
  }
  return { valid: remainingOk === 0 ? true : false, steps };
}

// --- explanations -------------------------------------------------------------

function fmtValue(v: unknown): string {
  return v === null || v === undefined ? 'nothing (key absent)' : JSON.stringify(v);
}

function fmtTime(ns: number | null): string {
  return ns === null ? '?' : `${(ns / 1e9).toFixed(3)}s`;
}

/** Describes one operation in words. */
export function describeOp(op: RegOp, original?: RegOp): string {
  const who = `${op.client} (process ${op.process})`;
  const orig = original ?? op;
  let what: string;
  if (op.f === 'read') what = `read ${fmtValue(op.value)}`;
  else if (op.f === 'write') what = `wrote ${JSON.stringify(op.value)}`;
  else {
    const [from, to] = Array.isArray(op.value) ? op.value : [undefined, undefined];
    what = `compare-and-set ${JSON.stringify(from)} -> ${JSON.stringify(to)}`;
  }
  let when: string;
  if (orig.type === 'ok' && op.type === 'ok') when = `between ${fmtTime(op.callTime)} and ${fmtTime(orig.retTime)}`;
  else if (orig.type === 'ok')
    when = `between ${fmtTime(op.callTime)} and ${fmtTime(orig.retTime)} (the conflict stands even if it took effect later, or never)`;
  else {
    what = `may have ${op.f === 'write' ? what.replace(/^wrote/, 'written') : 'done ' + what}`;
    when = `at some time after ${fmtTime(op.callTime)} (outcome unknown)`;
  }
  return `${who} ${what} ${when} [history #${op.id}]`;
}

/** The history truncated at position `cut`: later invocations vanish, open ones become unknown. */
function prefix(ops: readonly RegOp[], cut: number): RegOp[] {
  const out: RegOp[] = [];
  for (const op of ops) {
    if (op.call > cut) continue;
    if (op.ret <= cut) out.push(op);
    else if (op.f !== 'read') out.push({ ...op, type: 'info', ret: Infinity, retTime: null });
  }
  return out;
}

/**
 * For an invalid key: finds the first completion that cannot be linearised,
 * then shrinks the history around it by relaxations only (dropping reads,
 * turning completed writes into unknown ones), so whatever is left still
 * cannot be linearised and every remaining operation is needed.
 */
export function explainKey(key: number, ops: readonly RegOp[], deadline: number): LinearizabilityFailure {
  const budget = { deadline, maxSteps: 2_000_000 };
  // Binary search the shortest invalid prefix over ok completions.
  const rets = ops.filter((o) => o.type === 'ok').map((o) => o.ret).sort((x, y) => x - y);
  let lo = 0;
  let hi = rets.length - 1; // prefix at rets[hi] is invalid (whole history)
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = checkKey(prefix(ops, rets[mid]), budget).valid;
    if (v === false) hi = mid;
    else lo = mid + 1; // valid or unknown: look later
  }
  const cut = rets[hi];
  const culpritOp = ops.find((o) => o.ret === cut)!;
  let cur = prefix(ops, cut);
  const original = new Map(ops.map((o) => [o.id, o]));

  // Greedy relaxation, keeping the culprit. Every step must keep the set
  // invalid and be a relaxation (a valid history stays valid), so what is
  // left proves the original invalid:
  //  - dropping a read only removes a constraint;
  //  - dropping a write/cas whose resulting value nobody in the set observes
  //    (no read of it, no cas from it) cannot make anything else fail;
  //  - a completed write/cas may become one of unknown outcome.
  // Small budgets: a relaxation we cannot decide quickly is simply skipped.
  const stillInvalid = (cand: RegOp[]): boolean =>
    checkKey(cand, { deadline, maxSteps: 20_000 }).valid === false;
  const observed = (set: readonly RegOp[]): Set<string> => {
    const s = new Set<string>();
    for (const o of set) {
      if (o.f === 'read') s.add(JSON.stringify(o.value ?? null));
      else if (o.f === 'cas' && Array.isArray(o.value)) s.add(JSON.stringify(o.value[0] ?? null));
    }
    return s;
  };
  const produces = (o: RegOp): string =>
    JSON.stringify((o.f === 'cas' && Array.isArray(o.value) ? o.value[1] : o.value) ?? null);
  let changed = true;
  for (let round = 0; changed && round < 4; round++) {
    changed = false;
    for (let i = cur.length - 1; i >= 0; i--) {
      if (performance.now() > deadline) break;
      const op = cur[i];
      if (op.id === culpritOp.id || op.f !== 'read') continue;
      const cand = cur.slice(0, i).concat(cur.slice(i + 1));
      if (stillInvalid(cand)) {
        cur = cand;
        changed = true;
      }
    }
    for (let i = cur.length - 1; i >= 0; i--) {
      if (performance.now() > deadline) break;
      const op = cur[i];
      if (op.id === culpritOp.id || op.f === 'read') continue;
      const cand = cur.slice(0, i).concat(cur.slice(i + 1));
      if (observed(cand).has(produces(op))) continue;
      if (stillInvalid(cand)) {
        cur = cand;
        changed = true;
      }
    }
  }
  for (let i = cur.length - 1; i >= 0; i--) {
    if (performance.now() > deadline) break;
    const op = cur[i];
    if (op.id === culpritOp.id || op.f === 'read' || op.type !== 'ok') continue;
    const cand = cur.slice();
    cand[i] = { ...op, type: 'info', ret: Infinity, retTime: null };
    if (stillInvalid(cand)) cur = cand;
  }
  const core = cur;
  const MAX_LINES = 12;
  const explanation = core.slice(0, MAX_LINES).map((o) => describeOp(o, original.get(o.id)));
  if (core.length > MAX_LINES) explanation.push(`... and ${core.length - MAX_LINES} more operation(s), listed in results.json`);
  return {
    key,
    culprit: describeOp(culpritOp),
    explanation,
    ops: core.map((o) => o.id),
  };
}

export interface CheckOptions {
  /** Seconds for the whole check before remaining keys become unknown. */
  timeLimit?: number;
  maxStepsPerKey?: number;
}

/** Checks every key of a lin-kv history. */
export function checkLinearizable(history: readonly HistoryEvent[], opts: CheckOptions = {}): CheckerResult {
  const t0 = performance.now();
  const deadline = t0 + (opts.timeLimit ?? 120) * 1000;
  const byKey = operationsByKey(history);
  const keys = [...byKey.keys()].sort((x, y) => x - y);
  const failures: LinearizabilityFailure[] = [];
  const unknownKeys: number[] = [];
  let steps = 0;
  for (const k of keys) {
    const ops = byKey.get(k)!;
    const v = checkKey(ops, { deadline, maxSteps: opts.maxStepsPerKey });
    steps += v.steps;
    if (v.valid === 'unknown') unknownKeys.push(k);
    else if (!v.valid) {
      // Explanations get a short budget of their own.
      failures.push(explainKey(k, ops, performance.now() + 5000));
    }
  }
  const valid: boolean | 'unknown' = failures.length > 0 ? false : unknownKeys.length > 0 ? 'unknown' : true;
  return {
    valid,
    keyCount: keys.length,
    failures,
    unknownKeys,
    seconds: (performance.now() - t0) / 1000,
    steps,
  };
}
