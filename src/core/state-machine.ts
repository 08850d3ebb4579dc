// The replicated state machines: a lin-kv map and the txn-list-append store.
// Pure data in, reply body out; no IO, no time.
//
// `apply` is total: every op, whatever the value stored at its key, gives a
// reply (an error reply when the op does not fit), never an exception, and
// the same reply on every replica, since it depends only on the op and the
// state. Stored values are never mutated in place and never shared with the
// op that wrote them: a log entry, the message it came from and the state
// machine each keep their own value, so no replica's state depends on when
// or how often a value was looked at.

import { ErrorCode } from './errors.js';

export type Key = string | number;
export type Value = unknown;
export type MicroOp = [f: 'r' | 'append', key: Key, value: Value];

/** An operation as stored in the log. */
export type Op =
  | { f: 'noop' }
  | { f: 'read'; key: Key }
  | { f: 'write'; key: Key; value: Value }
  | { f: 'cas'; key: Key; from: Value; to: Value }
  | { f: 'txn'; txn: MicroOp[] };

export type ReplyBody = { type: string; [field: string]: unknown };

export function errorBody(code: ErrorCode, text: string): ReplyBody {
  return { type: 'error', code, text };
}

const keyOf = (key: Key): string => (typeof key === 'number' ? `n${key}` : `s${key}`);

/**
 * A copy of a JSON value that shares nothing with it. Values reach the state
 * machine already bounded in depth (the codec refuses deeper input), so the
 * recursion here is bounded too.
 */
export function copyValue(v: Value): Value {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(copyValue);
  const out: Record<string, Value> = {};
  for (const [k, x] of Object.entries(v as Record<string, Value>)) out[k] = copyValue(x);
  return out;
}

/** Structural equality of JSON values (key order of objects does not matter). */
export function sameValue(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as Value[];
    return a.length === bb.length && a.every((x, i) => sameValue(x, bb[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameValue((a as Record<string, Value>)[k], (b as Record<string, Value>)[k]));
}

/** A value described for an error text, cut short. */
function show(v: Value): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 60)}...` : s;
}

/** The key-value store behind lin-kv and txn-list-append. */
export class KvStateMachine {
  private readonly data = new Map<string, Value>();

  get size(): number {
    return this.data.size;
  }

  /**
   * Applies one committed op and returns the reply a client should get.
   * Never throws: an unexpected failure becomes error 13 (crash, indefinite)
   * with the state unchanged.
   */
  apply(op: Op): ReplyBody {
    try {
      return this.applyOp(op);
    } catch (err) {
      return errorBody(ErrorCode.Crash, `internal error applying ${String((op as { f?: unknown }).f)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private applyOp(op: Op): ReplyBody {
    switch (op.f) {
      case 'noop':
        return { type: 'noop_ok' };
      case 'read': {
        const k = keyOf(op.key);
        if (!this.data.has(k)) return errorBody(ErrorCode.KeyDoesNotExist, `key ${op.key} does not exist`);
        return { type: 'read_ok', value: this.data.get(k) };
      }
      case 'write':
        this.data.set(keyOf(op.key), copyValue(op.value));
        return { type: 'write_ok' };
      case 'cas': {
        const k = keyOf(op.key);
        if (!this.data.has(k)) return errorBody(ErrorCode.KeyDoesNotExist, `key ${op.key} does not exist`);
        const current = this.data.get(k);
        if (!sameValue(current, op.from)) {
          return errorBody(ErrorCode.PreconditionFailed, `expected ${show(op.from)}, but had ${show(current)}`);
        }
        this.data.set(k, copyValue(op.to));
        return { type: 'cas_ok' };
      }
      case 'txn':
        return this.applyTxn(op.txn);
      default:
        return errorBody(ErrorCode.NotSupported, `unknown op ${show((op as { f?: unknown }).f)}`);
    }
  }

  /**
   * A transaction applies atomically at one point of the log (strict
   * serializable): its micro-ops are first checked against the state (every
   * key they touch must hold a list or nothing), then applied. A txn that
   * does not fit changes nothing and fails definitely (22), on every replica.
   */
  private applyTxn(txn: readonly MicroOp[]): ReplyBody {
    for (const [, key] of txn) {
      const v = this.data.get(keyOf(key));
      if (v !== undefined && !Array.isArray(v)) {
        return errorBody(
          ErrorCode.PreconditionFailed,
          `key ${show(key)} holds ${show(v)}, not a list: the transaction did nothing`,
        );
      }
    }
    const out: MicroOp[] = [];
    for (const [f, key, value] of txn) {
      const k = keyOf(key);
      const list = this.data.get(k) as readonly Value[] | undefined;
      if (f === 'r') {
        // The stored list is never mutated (appends replace it), so the reply may share it.
        out.push(['r', key, list === undefined ? null : list]);
      } else {
        this.data.set(k, list === undefined ? [copyValue(value)] : [...list, copyValue(value)]);
        out.push(['append', key, value]);
      }
    }
    return { type: 'txn_ok', txn: out };
  }

  /**
   * Answers a read-only transaction without going through the log (ReadIndex
   * or local reads), exactly as applying it would: same reads, same error 22
   * for a key that holds no list. Changes nothing; a txn that appends is
   * refused (error 13), since only the log may change the state.
   */
  readOnly(txn: readonly MicroOp[]): ReplyBody {
    if (txn.some(([f]) => f !== 'r')) return errorBody(ErrorCode.Crash, 'internal error: a transaction that appends must go through the log');
    return this.apply({ f: 'txn', txn: txn as MicroOp[] });
  }

  /**
   * The whole state as data (for a snapshot): [[key, value], ...] in JSON,
   * keys in their stored form. Values are bounded in depth, so this is safe.
   */
  snapshot(): string {
    return JSON.stringify([...this.data]);
  }

  /** Whether `data` is a snapshot `restore` accepts. */
  static isSnapshot(data: string): boolean {
    try {
      return KvStateMachine.parseSnapshot(data) !== undefined;
    } catch {
      return false;
    }
  }

  private static parseSnapshot(data: string): [string, Value][] | undefined {
    const parsed: unknown = JSON.parse(data);
    if (!Array.isArray(parsed) || !parsed.every((kv) => Array.isArray(kv) && kv.length === 2 && typeof kv[0] === 'string' && /^[ns]/.test(kv[0]))) {
      return undefined;
    }
    return parsed as [string, Value][];
  }

  /** Replaces the whole state with a snapshot's. Throws (changing nothing) if the data is not one. */
  restore(data: string): void {
    const parsed = KvStateMachine.parseSnapshot(data);
    if (!parsed) throw new Error('not a state machine snapshot');
    this.data.clear();
    for (const [k, v] of parsed) this.data.set(k, v);
  }

  /** Reads a key without going through the log (for fast reads and tests). */
  peek(key: Key): { found: boolean; value?: Value } {
    const k = keyOf(key);
    return this.data.has(k) ? { found: true, value: this.data.get(k) } : { found: false };
  }
}
