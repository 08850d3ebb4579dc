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
import type { CheckerResult, CoreOp, HistoryEvent, LinearizabilityFailure, LinearizationPath } from '../types.js';

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

/**
 * A memo entry: one (set of linearised operations, register state) pair
 * already explored. The set is kept compactly, which matters for Maelstrom's
 * long per-key histories (tens of thousands of operations on one key): with
 * operations numbered in call order, every `ok` operation below `lowOk` is
 * linearised and nothing above `maxLin` is, so the set is fixed by those two
 * numbers, the bits between them, and which `info` operations are in it.
 */
interface Snapshot {
  state: number;
  lowOk: number;
  maxLin: number;
  data: Uint32Array;
}

/**
 * Decides whether one key's operations (sorted by call, as operationsByKey
 * gives them) are linearizable, starting from `initial` (null: absent).
 */
export function checkKey(ops: readonly RegOp[], budget?: Partial<SearchBudget>, initial: unknown = null): KeyVerdict {
  const n = ops.length;
  const maxSteps = budget?.maxSteps ?? Infinity;
  const deadline = budget?.deadline ?? Infinity;
  if (n === 0) return { valid: true, steps: 0 };
  const interner = new Interner();
  const kind = new Uint8Array(n);
  const a = new Int32Array(n); // read: value; write: value; cas: from
  const b = new Int32Array(n); // cas: to
  const isInfo = new Uint8Array(n);
  const infoRank = new Int32Array(n).fill(-1);
  let infoCount = 0;
  let remainingOk = 0;
  for (let i = 0; i < n; i++) {
    const op = ops[i]!;
    if (i > 0 && op.call < ops[i - 1]!.call) throw new Error('checkKey: operations must be sorted by call');
    if (op.type === 'ok') remainingOk++;
    else {
      isInfo[i] = 1;
      infoRank[i] = infoCount++;
    }
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
  const evPos: number[] = [];
  const evEntry: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const call: Entry = { op: i, isCall: true, match: null, prev: null, next: null };
    evPos.push(ops[i]!.call);
    evEntry.push(call);
    if (ops[i]!.type === 'ok') {
      const ret: Entry = { op: i, isCall: false, match: null, prev: null, next: null };
      call.match = ret;
      evPos.push(ops[i]!.ret);
      evEntry.push(ret);
    }
  }
  const order = Array.from(evPos.keys()).sort((x, y) => evPos[x]! - evPos[y]!);
  const head: Entry = { op: -1, isCall: false, match: null, prev: null, next: null };
  let last = head;
  for (const k of order) {
    const entry = evEntry[k]!;
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

  // The linearised set: a bitset over operations, a bitset over info
  // operations, lowOk (first ok operation not linearised) and maxLin (highest
  // linearised operation), with a Zobrist hash of the set for the memo.
  const bits = new Uint32Array((n + 31) >>> 5);
  const infoBits = new Uint32Array((infoCount + 31) >>> 5);
  const zob = new Int32Array(n);
  let seed = 0x9e3779b9 | 0;
  for (let i = 0; i < n; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    zob[i] = seed;
  }
  let hash = 0;
  let lowOk = 0;
  while (lowOk < n && isInfo[lowOk]) lowOk++;
  let maxLin = -1;
  const cache = new Map<number, Snapshot | Snapshot[]>();
  const snapshot = (state: number): Snapshot => {
    const lo = lowOk >>> 5;
    const hi = maxLin >= lowOk ? maxLin >>> 5 : lo - 1;
    const len = hi - lo + 1;
    const data = new Uint32Array(len + infoBits.length);
    if (len > 0) data.set(bits.subarray(lo, hi + 1), 0);
    data.set(infoBits, len);
    return { state, lowOk, maxLin, data };
  };
  const same = (c: Snapshot, state: number): boolean => {
    if (c.state !== state || c.lowOk !== lowOk || c.maxLin !== maxLin) return false;
    const lo = lowOk >>> 5;
    const len = c.data.length - infoBits.length;
    for (let w = 0; w < len; w++) if (c.data[w] !== bits[lo + w]) return false;
    for (let w = 0; w < infoBits.length; w++) if (c.data[len + w] !== infoBits[w]) return false;
    return true;
  };
  /** True if (current set, state) was explored before; otherwise remembers it. */
  const seen = (state: number): boolean => {
    const key = (hash ^ Math.imul(state + 1, 0x85ebca6b) ^ Math.imul(lowOk, 0x27d4eb2f)) | 0;
    const bucket = cache.get(key);
    if (bucket === undefined) {
      cache.set(key, snapshot(state));
      return false;
    }
    if (Array.isArray(bucket)) {
      for (const c of bucket) if (same(c, state)) return true;
      bucket.push(snapshot(state));
      return false;
    }
    if (same(bucket, state)) return true;
    cache.set(key, [bucket, snapshot(state)]);
    return false;
  };
  const setBit = (i: number): void => {
    bits[i >>> 5]! |= 1 << (i & 31);
    if (isInfo[i]) infoBits[infoRank[i]! >>> 5]! |= 1 << (infoRank[i]! & 31);
    hash ^= zob[i]!;
  };
  const clearBit = (i: number): void => {
    bits[i >>> 5]! &= ~(1 << (i & 31));
    if (isInfo[i]) infoBits[infoRank[i]! >>> 5]! &= ~(1 << (infoRank[i]! & 31));
    hash ^= zob[i]!;
  };
  const isSet = (i: number): boolean => (bits[i >>> 5]! & (1 << (i & 31))) !== 0;

  const stackEntry: Entry[] = [];
  const stackState: number[] = [];
  const stackMaxLin: number[] = [];
  const stackLowOk: number[] = [];
  let state = interner.id(initial);
  let entry: Entry | null = head.next;
  let steps = 0;
  while (remainingOk > 0) {
    if (++steps > maxSteps || ((steps & 0xffff) === 0 && performance.now() > deadline)) {
      return { valid: 'unknown', steps };
    }
    if (entry === null) break; // cannot happen: an ok op's return entry precedes the end
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
          next = a[i]!;
          break;
        default:
          ok = state === a[i];
          next = b[i]!;
      }
      if (ok) {
        const prevLowOk = lowOk;
        const prevMaxLin = maxLin;
        setBit(i);
        if (i > maxLin) maxLin = i;
        if (i === lowOk) while (lowOk < n && (isInfo[lowOk] || isSet(lowOk))) lowOk++;
        if (!seen(next)) {
          stackEntry.push(entry);
          stackState.push(state);
          stackMaxLin.push(prevMaxLin);
          stackLowOk.push(prevLowOk);
          state = next;
          if (entry.match) remainingOk--;
          lift(entry);
          entry = head.next;
          continue;
        }
        clearBit(i);
        maxLin = prevMaxLin;
        lowOk = prevLowOk;
      }
      entry = entry.next;
    } else {
      // A return whose call is not yet linearised: backtrack.
      const e = stackEntry.pop();
      if (e === undefined) return { valid: false, steps };
      state = stackState.pop()!;
      maxLin = stackMaxLin.pop()!;
      lowOk = stackLowOk.pop()!;
      clearBit(e.op);
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

/** Whether no start value in `initials` lets `ops` be linearised (unknown if a search gave up). */
function invalidFrom(ops: readonly RegOp[], initials: readonly unknown[], budget: Partial<SearchBudget>): boolean | 'unknown' {
  let unknown = false;
  for (const init of initials) {
    const v = checkKey(ops, budget, init).valid;
    if (v === true) return false;
    if (v === 'unknown') unknown = true;
  }
  return unknown ? 'unknown' : true;
}

const MAX_CUT_VALUES = 16;

/**
 * Cuts an invalid set at a quiet moment, as late as it stays invalid.
 *
 * At a position where no completed (ok) operation is in flight, drop every
 * operation that completed before it and let the register start there with
 * any value the key ever took (or absent); keep operations of unknown outcome
 * invoked earlier, since they may take effect later. This is a relaxation: a
 * linearisation of the whole history puts every dropped operation before every
 * kept completed one (real time), so it reaches the cut with some value v, and
 * from v the kept operations follow the same order; unknown operations it
 * placed before the cut are simply never applied. So if no start value works,
 * the whole history is invalid too, whatever came before. Later cuts relax
 * more, which makes the latest invalid cut a binary search.
 */
function cutQuiet(ops: readonly RegOp[], culprit: RegOp, deadline: number): { ops: RegOp[]; cut: { time: number; values: unknown[] } | null } {
  const values = new Map<string, unknown>([['null', null]]);
  for (const o of ops) {
    if (o.f === 'write') values.set(JSON.stringify(o.value ?? null), o.value ?? null);
    else if (o.f === 'cas' && Array.isArray(o.value)) values.set(JSON.stringify(o.value[1] ?? null), o.value[1] ?? null);
  }
  if (values.size > MAX_CUT_VALUES) return { ops: ops.slice(), cut: null };
  const initials = [...values.values()];
  // Quiet positions: before the call of op j, no ok op called earlier is still open.
  const candidates: number[] = [];
  let maxOkRet = -Infinity;
  for (let j = 0; j < ops.length; j++) {
    const o = ops[j]!;
    if (o.call > culprit.call) break;
    if (j > 0 && maxOkRet < o.call) candidates.push(j);
    if (o.type === 'ok' && o.ret > maxOkRet) maxOkRet = o.ret;
  }
  const relaxed = (j: number): RegOp[] => ops.filter((o, i) => i >= j || o.type === 'info');
  let lo = 0;
  let hi = candidates.length - 1;
  let best = -1;
  while (lo <= hi && performance.now() < deadline) {
    const mid = (lo + hi) >>> 1;
    if (invalidFrom(relaxed(candidates[mid]!), initials, { deadline, maxSteps: 200_000 }) === true) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (best < 0) return { ops: ops.slice(), cut: null };
  const j = candidates[best]!;
  return { ops: relaxed(j), cut: { time: ops[j]!.callTime / 1e9, values: initials } };
}

const MAX_PATH_OPS = 24;

/**
 * Knossos-style final paths of a small invalid set: every order that respects
 * real time (an operation can come next only if no unplaced completed
 * operation returned before it was called), followed from each start value as
 * far as the register allows, up to where nothing can come next; there, the
 * completed operations that could come next but cannot apply, and why.
 * Operations of unknown outcome may also never happen. Explicit stack, a
 * memo of (placed set, value), and caps on nodes and paths.
 */
export function linearizationPaths(core: readonly RegOp[], initials: readonly unknown[], limit = 16, maxNodes = 50_000): LinearizationPath[] {
  const n = core.length;
  if (n === 0 || n > MAX_PATH_OPS) return [];
  const key = (v: unknown) => JSON.stringify(v ?? null);
  const okMask = core.reduce((m, o, i) => (o.type === 'ok' ? m | (1 << i) : m), 0);
  const found: LinearizationPath[] = [];
  const memo = new Set<string>();
  let nodes = 0;
  type Frame = { placed: number; value: unknown; steps: { op: number; value: unknown }[]; initial: unknown };
  const stack: Frame[] = initials.map((v) => ({ placed: 0, value: v ?? null, steps: [], initial: v ?? null })).reverse();
  while (stack.length > 0 && nodes < maxNodes) {
    const fr = stack.pop()!;
    const m = `${fr.placed}:${key(fr.value)}`;
    if (memo.has(m)) continue;
    memo.add(m);
    nodes++;
    if ((fr.placed & okMask) === okMask) continue; // every completed op placed: this order works (not expected here)
    let minRet = Infinity;
    for (let i = 0; i < n; i++) if (!(fr.placed & (1 << i)) && core[i]!.type === 'ok' && core[i]!.ret < minRet) minRet = core[i]!.ret;
    const children: Frame[] = [];
    const stuck: { op: number; why: string }[] = [];
    for (let i = 0; i < n; i++) {
      if (fr.placed & (1 << i)) continue;
      const o = core[i]!;
      if (o.call > minRet) continue;
      let ok = true;
      let next: unknown = fr.value;
      let why = '';
      if (o.f === 'read') {
        ok = key(o.value) === key(fr.value);
        why = `read ${fmtValue(o.value)}, but the register holds ${fmtValue(fr.value)}`;
      } else if (o.f === 'write') next = o.value ?? null;
      else {
        const [from, to] = Array.isArray(o.value) ? o.value : [undefined, undefined];
        ok = from !== null && from !== undefined && key(from) === key(fr.value);
        next = to ?? null;
        why = `compare-and-set from ${JSON.stringify(from)}, but the register holds ${fmtValue(fr.value)}`;
      }
      if (ok) children.push({ placed: fr.placed | (1 << i), value: next, steps: [...fr.steps, { op: o.id, value: next }], initial: fr.initial });
      else if (o.type === 'ok') stuck.push({ op: o.id, why });
    }
    if (children.length === 0) {
      if (found.length < limit * 4) found.push({ initial: fr.initial, steps: fr.steps, stuck });
      continue;
    }
    for (let c = children.length - 1; c >= 0; c--) stack.push(children[c]!);
  }
  // The orders that got furthest first.
  return found.sort((x, y) => y.steps.length - x.steps.length).slice(0, limit);
}

/**
 * For an invalid key: finds the first completion that cannot be linearised,
 * cuts the history before it at the latest quiet moment that keeps it
 * invalid (see cutQuiet), then shrinks what is left by relaxations only
 * (dropping reads, dropping writes nobody observes, turning completed writes
 * into unknown ones), so whatever is left still cannot be linearised and
 * every remaining operation is needed.
 */
export function explainKey(key: number, ops: readonly RegOp[], deadline: number): LinearizabilityFailure {
  const budget = { deadline, maxSteps: 2_000_000 };
  // Binary search the shortest invalid prefix over ok completions.
  const rets = ops.filter((o) => o.type === 'ok').map((o) => o.ret).sort((x, y) => x - y);
  let lo = 0;
  let hi = rets.length - 1; // prefix at rets[hi] is invalid (whole history)
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = checkKey(prefix(ops, rets[mid]!), budget).valid;
    if (v === false) hi = mid;
    else lo = mid + 1; // valid or unknown: look later
  }
  const cutAt = rets[hi]!;
  const culpritOp = ops.find((o) => o.ret === cutAt)!;
  const original = new Map(ops.map((o) => [o.id, o]));
  const quiet = cutQuiet(prefix(ops, cutAt), culpritOp, Math.min(deadline, performance.now() + 2000));
  let cur = quiet.ops;
  const initials: unknown[] = quiet.cut ? quiet.cut.values : [null];

  // Greedy relaxation, keeping the culprit. Every step must keep the set
  // invalid and be a relaxation (a valid history stays valid), so what is
  // left proves the original invalid:
  //  - dropping a read only removes a constraint;
  //  - dropping a write/cas whose resulting value nobody in the set observes
  //    (no read of it, no cas from it) cannot make anything else fail;
  //  - a completed write/cas may become one of unknown outcome.
  // Small budgets: a relaxation we cannot decide quickly is simply skipped.
  const stillInvalid = (cand: RegOp[]): boolean => invalidFrom(cand, initials, { deadline, maxSteps: 20_000 }) === true;
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
      const op = cur[i]!;
      if (op.id === culpritOp.id || op.f !== 'read') continue;
      const cand = cur.slice(0, i).concat(cur.slice(i + 1));
      if (stillInvalid(cand)) {
        cur = cand;
        changed = true;
      }
    }
    for (let i = cur.length - 1; i >= 0; i--) {
      if (performance.now() > deadline) break;
      const op = cur[i]!;
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
    const op = cur[i]!;
    if (op.id === culpritOp.id || op.f === 'read' || op.type !== 'ok') continue;
    const cand = cur.slice();
    cand[i] = { ...op, type: 'info', ret: Infinity, retTime: null };
    if (stillInvalid(cand)) cur = cand;
  }
  const core = cur;
  const MAX_LINES = 12;
  const explanation: string[] = [];
  if (quiet.cut) {
    const vals = quiet.cut.values.filter((v) => v !== null).map((v) => JSON.stringify(v));
    explanation.push(
      `before ${quiet.cut.time.toFixed(3)}s (a moment with no completed operation in flight) the key may hold any value it ever took (${vals.join(', ') || 'none'}) or be absent: ` +
        'what happened earlier is left out, as it cannot make the operations below linearisable',
    );
  }
  explanation.push(...core.slice(0, MAX_LINES).map((o) => describeOp(o, original.get(o.id))));
  if (core.length > MAX_LINES) explanation.push(`... and ${core.length - MAX_LINES} more operation(s), listed in results.json`);
  const coreOps: CoreOp[] = core.map((o) => {
    const orig = original.get(o.id) ?? o;
    return {
      id: o.id,
      f: o.f,
      value: o.value,
      type: o.type,
      ...(orig.type === 'ok' && o.type === 'info' ? { relaxed: true } : {}),
      process: o.process,
      client: o.client,
      start: o.callTime / 1e9,
      end: o.type === 'ok' && o.retTime !== null ? o.retTime / 1e9 : null,
      ...(o.id === culpritOp.id ? { culprit: true } : {}),
    };
  });
  return {
    key,
    culprit: describeOp(culpritOp),
    explanation,
    ops: core.map((o) => o.id),
    core: coreOps,
    ...(quiet.cut ? { cut: quiet.cut } : {}),
    paths: linearizationPaths(core, initials),
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
