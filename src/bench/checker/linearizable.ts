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
  /**
   * When invalid: the history position of the return the search never got
   * past, in any order. The history up to it cannot be linearised and the
   * history up to the return before it can, so its operation is the first
   * completion that cannot be linearised.
   */
  stuckAt?: number;
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
 * The memo: configurations (linearised set, register state) already
 * explored. Two things keep it small and fast on Maelstrom's long per-key
 * histories (tens of thousands of operations on one key, some of unknown
 * outcome):
 *
 * - The completed (ok) part of the set is kept compactly: with operations
 *   numbered in call order, every ok operation below `lowOk` is linearised
 *   and none above `maxLin`, so the bits between them fix it.
 * - The unknown (info) part is compared by inclusion: a configuration with
 *   the same ok part and state as one already explored, but with a superset
 *   of its info operations used up, has fewer ways forward than that one, so
 *   it cannot succeed where that one failed.
 */
interface MemoEntry {
  state: number;
  lowOk: number;
  maxLin: number;
  okWindow: Uint32Array;
  /** Info sets explored with this ok part and state (a number when they fit in 32 bits). */
  infoSets: (number | Uint32Array)[];
}

/**
 * Decides whether one key's operations (sorted by call, as operationsByKey
 * gives them) are linearizable, starting from `initial` (null: absent).
 *
 * Completed operations are tried before operations of unknown outcome at
 * every step, so the search uses an unknown operation only when the others
 * cannot go on; of interchangeable unknown operations (same function and
 * arguments) only the earliest invoked is tried.
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
  // prevSame[i]: the previous info operation with i's function and arguments, or -1.
  const prevSame = new Int32Array(n).fill(-1);
  const lastOfKind = new Map<string, number>();
  let infoCount = 0;
  let remainingOk = 0;
  for (let i = 0; i < n; i++) {
    const op = ops[i]!;
    if (i > 0 && op.call < ops[i - 1]!.call) throw new Error('checkKey: operations must be sorted by call');
    if (op.type === 'ok') remainingOk++;
    else {
      isInfo[i] = 1;
      infoRank[i] = infoCount++;
      const kindKey = `${op.f} ${JSON.stringify(op.value ?? null)}`;
      const prev = lastOfKind.get(kindKey);
      if (prev !== undefined) prevSame[i] = prev;
      lastOfKind.set(kindKey, i);
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

  // Two lists in real-time order: ok calls and returns (main), info calls (infoHead).
  const head: Entry = { op: -1, isCall: false, match: null, prev: null, next: null };
  const infoHead: Entry = { op: -1, isCall: false, match: null, prev: null, next: null };
  {
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
    let last = head;
    let lastInfo = infoHead;
    for (const k of order) {
      const entry = evEntry[k]!;
      if (entry.isCall && isInfo[entry.op]) {
        lastInfo.next = entry;
        entry.prev = lastInfo;
        lastInfo = entry;
      } else {
        last.next = entry;
        entry.prev = last;
        last = entry;
      }
    }
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

  // The linearised set: ok bits, lowOk, maxLin (ok only) with a Zobrist hash,
  // and the info bits.
  const okBits = new Uint32Array((n + 31) >>> 5);
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
  const isSet = (i: number): boolean =>
    isInfo[i] ? (infoBits[infoRank[i]! >>> 5]! & (1 << (infoRank[i]! & 31))) !== 0 : (okBits[i >>> 5]! & (1 << (i & 31))) !== 0;
  const cache = new Map<number, MemoEntry | MemoEntry[]>();
  const sameOk = (c: MemoEntry, state: number): boolean => {
    if (c.state !== state || c.lowOk !== lowOk || c.maxLin !== maxLin) return false;
    const lo = lowOk >>> 5;
    for (let w = 0; w < c.okWindow.length; w++) if (c.okWindow[w] !== okBits[lo + w]) return false;
    return true;
  };
  const smallInfo = infoBits.length <= 1;
  const infoSet = (): number | Uint32Array => (smallInfo ? (infoBits[0] ?? 0) : infoBits.slice());
  const covered = (c: MemoEntry): boolean => {
    if (smallInfo) {
      const cur = infoBits[0] ?? 0;
      for (const set of c.infoSets) if (((set as number) & ~cur) === 0) return true;
    } else {
      outer: for (const set of c.infoSets as Uint32Array[]) {
        for (let w = 0; w < set.length; w++) if ((set[w]! & ~infoBits[w]!) !== 0) continue outer;
        return true;
      }
    }
    c.infoSets.push(infoSet());
    return false;
  };
  const newEntry = (state: number): MemoEntry => {
    const lo = lowOk >>> 5;
    const hi = maxLin >= lowOk ? maxLin >>> 5 : lo - 1;
    return { state, lowOk, maxLin, okWindow: okBits.slice(lo, hi + 1), infoSets: [infoSet()] };
  };
  /** True if a configuration at least as free as the current one was explored; otherwise remembers it. */
  const seen = (state: number): boolean => {
    const key = (hash ^ Math.imul(state + 1, 0x85ebca6b) ^ Math.imul(lowOk, 0x27d4eb2f)) | 0;
    const bucket = cache.get(key);
    if (bucket === undefined) {
      cache.set(key, newEntry(state));
      return false;
    }
    if (Array.isArray(bucket)) {
      for (const c of bucket) if (sameOk(c, state)) return covered(c);
      bucket.push(newEntry(state));
      return false;
    }
    if (sameOk(bucket, state)) return covered(bucket);
    cache.set(key, [bucket, newEntry(state)]);
    return false;
  };

  const stackEntry: Entry[] = [];
  const stackState: number[] = [];
  const stackMaxLin: number[] = [];
  const stackLowOk: number[] = [];
  /** For an info entry on the stack: the position bound its scan had. */
  const stackLimit: number[] = [];
  let state = interner.id(initial);
  let entry: Entry | null = head.next;
  let inInfo = false;
  let limit = Infinity;
  let steps = 0;
  let stuckAt = -1;

  /** Tries to linearise the op of `e` now; true if it did (and pushed it). */
  const tryLinearise = (e: Entry): boolean => {
    const i = e.op;
    if (isInfo[i] && prevSame[i]! >= 0 && !isSet(prevSame[i]!)) return false; // try the earlier twin instead
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
    if (!ok) return false;
    const prevLowOk = lowOk;
    const prevMaxLin = maxLin;
    if (isInfo[i]) infoBits[infoRank[i]! >>> 5]! |= 1 << (infoRank[i]! & 31);
    else {
      okBits[i >>> 5]! |= 1 << (i & 31);
      hash ^= zob[i]!;
      if (i > maxLin) maxLin = i;
      if (i === lowOk) while (lowOk < n && (isInfo[lowOk] || isSet(lowOk))) lowOk++;
    }
    if (seen(next)) {
      if (isInfo[i]) infoBits[infoRank[i]! >>> 5]! &= ~(1 << (infoRank[i]! & 31));
      else {
        okBits[i >>> 5]! &= ~(1 << (i & 31));
        hash ^= zob[i]!;
      }
      maxLin = prevMaxLin;
      lowOk = prevLowOk;
      return false;
    }
    stackEntry.push(e);
    stackState.push(state);
    stackMaxLin.push(prevMaxLin);
    stackLowOk.push(prevLowOk);
    stackLimit.push(limit);
    state = next;
    if (e.match) remainingOk--;
    lift(e);
    return true;
  };

  while (remainingOk > 0) {
    if (++steps > maxSteps || ((steps & 0xffff) === 0 && performance.now() > deadline)) {
      return { valid: 'unknown', steps };
    }
    if (!inInfo) {
      if (entry === null) break; // cannot happen: an ok op's return entry precedes the end
      if (entry.isCall) {
        if (tryLinearise(entry)) entry = head.next;
        else entry = entry.next;
        continue;
      }
      // A return whose call is not yet linearised: first try the unknown
      // operations invoked before it, then backtrack.
      const at = ops[entry.op]!.ret;
      if (at > stuckAt) stuckAt = at;
      inInfo = true;
      limit = at;
      entry = infoHead.next;
      continue;
    }
    if (entry !== null && ops[entry.op]!.call < limit) {
      if (tryLinearise(entry)) {
        inInfo = false;
        entry = head.next;
      } else entry = entry.next;
      continue;
    }
    // Nothing more to try here: backtrack.
    const e = stackEntry.pop();
    if (e === undefined) return { valid: false, steps, stuckAt };
    state = stackState.pop()!;
    maxLin = stackMaxLin.pop()!;
    lowOk = stackLowOk.pop()!;
    limit = stackLimit.pop()!;
    const i = e.op;
    if (isInfo[i]) infoBits[infoRank[i]! >>> 5]! &= ~(1 << (infoRank[i]! & 31));
    else {
      okBits[i >>> 5]! &= ~(1 << (i & 31));
      hash ^= zob[i]!;
    }
    if (e.match) remainingOk++;
    unlift(e);
    inInfo = isInfo[i] === 1;
    entry = e.next;
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

/** A compare-and-set from a value to the same value: it never changes the register. */
function isNoOpCas(o: RegOp): boolean {
  return o.f === 'cas' && Array.isArray(o.value) && JSON.stringify(o.value[0] ?? null) === JSON.stringify(o.value[1] ?? null);
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
 * more (invalidity is monotone in the cut), so the latest invalid cut is
 * found by galloping back from the end and a binary search.
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
  const invalidAt = (k: number) => invalidFrom(relaxed(candidates[k]!), initials, { deadline }) === true;
  // Gallop back from the latest cut (the smallest, cheapest set: failures are
  // usually local), then binary search between the last two tries.
  let best = -1;
  let hi = candidates.length - 1; // latest index not known to be invalid, +1
  let step = 1;
  let k = candidates.length - 1;
  while (k >= 0 && performance.now() < deadline) {
    if (invalidAt(k)) {
      best = k;
      break;
    }
    hi = k - 1;
    k -= step;
    step *= 2;
  }
  if (best >= 0) {
    let lo = best + 1;
    while (lo <= hi && performance.now() < deadline) {
      const mid = (lo + hi) >>> 1;
      if (invalidAt(mid)) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
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
    const m = `${key(fr.initial)}:${fr.placed}:${key(fr.value)}`;
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
  // The orders that got furthest first (stable: start values in order).
  return found
    .map((p, i) => ({ p, i }))
    .sort((x, y) => y.p.steps.length - x.p.steps.length || x.i - y.i)
    .slice(0, limit)
    .map((x) => x.p);
}

/**
 * For an invalid key: finds the first completion that cannot be linearised,
 * cuts the history before it at the latest quiet moment that keeps it
 * invalid (see cutQuiet), then shrinks what is left by relaxations only
 * (dropping reads, dropping writes nobody observes, turning completed writes
 * into unknown ones), so whatever is left still cannot be linearised and
 * every remaining operation is needed.
 */
export function explainKey(key: number, ops: readonly RegOp[], deadline: number, stuckAt?: number): LinearizabilityFailure {
  let cutAt: number;
  if (stuckAt !== undefined && ops.some((o) => o.type === 'ok' && o.ret === stuckAt)) cutAt = stuckAt;
  else {
    // Binary search the shortest invalid prefix over ok completions.
    const budget = { deadline, maxSteps: 2_000_000 };
    const rets = ops.filter((o) => o.type === 'ok').map((o) => o.ret).sort((x, y) => x - y);
    let lo = 0;
    let hi = rets.length - 1; // prefix at rets[hi] is invalid (whole history)
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const v = checkKey(prefix(ops, rets[mid]!), budget).valid;
      if (v === false) hi = mid;
      else lo = mid + 1; // valid or unknown: look later
    }
    cutAt = rets[hi]!;
  }
  const culpritOp = ops.find((o) => o.ret === cutAt)!;
  const original = new Map(ops.map((o) => [o.id, o]));
  const quiet = cutQuiet(prefix(ops, cutAt), culpritOp, Math.min(deadline, performance.now() + 2000));
  let cur = quiet.ops;
  const initials: unknown[] = quiet.cut ? quiet.cut.values : [null];

  // Greedy relaxation, keeping the culprit. Every step must keep the set
  // invalid and be a relaxation (a valid history stays valid), so what is
  // left proves the original invalid:
  //  - dropping a read only removes a constraint;
  //  - dropping a write/cas whose resulting value does not matter (see
  //    `relevant`) cannot make anything else fail, nor can dropping a cas
  //    from a value to itself (it never changes the state);
  //  - a completed write/cas may become one of unknown outcome.
  // Small budgets: a relaxation we cannot decide quickly is simply skipped.
  const stillInvalid = (cand: RegOp[]): boolean => invalidFrom(cand, initials, { deadline, maxSteps: 20_000 }) === true;
  // Values that matter: read by an ok read, or the `from` of an ok cas, or
  // the `from` of an unknown cas whose `to` matters (that cas could produce a
  // value that matters). A write or cas producing a value that does not
  // matter can be dropped: take any linearisation with it and drop it too,
  // with the unknown operations that only build on it; every remaining
  // operation observed a value that matters, so the same op last produced
  // it, and the order still works.
  const relevant = (set: readonly RegOp[]): Set<string> => {
    const s = new Set<string>();
    for (const o of set) {
      if (o.type !== 'ok') continue;
      if (o.f === 'read') s.add(JSON.stringify(o.value ?? null));
      else if (o.f === 'cas' && Array.isArray(o.value)) s.add(JSON.stringify(o.value[0] ?? null));
    }
    for (let grew = true; grew; ) {
      grew = false;
      for (const o of set) {
        if (o.type !== 'info' || o.f !== 'cas' || !Array.isArray(o.value)) continue;
        const from = JSON.stringify(o.value[0] ?? null);
        if (s.has(JSON.stringify(o.value[1] ?? null)) && !s.has(from)) {
          s.add(from);
          grew = true;
        }
      }
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
      if (relevant(cand).has(produces(op)) && !isNoOpCas(op)) continue;
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
      failures.push(explainKey(k, ops, performance.now() + 5000, v.stuckAt));
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
