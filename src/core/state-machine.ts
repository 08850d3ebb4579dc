// The replicated state machines: a lin-kv map and the txn-list-append store.
// Pure data in, reply body out; no IO, no time.

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
const same = (a: Value, b: Value): boolean => a === b || JSON.stringify(a) === JSON.stringify(b);

/** The key-value store behind lin-kv and txn-list-append. */
export class KvStateMachine {
  private readonly data = new Map<string, Value>();

  get size(): number {
    return this.data.size;
  }

  /** Applies one committed op and returns the reply a client should get. */
  apply(op: Op): ReplyBody {
    switch (op.f) {
      case 'noop':
        return { type: 'noop_ok' };
      case 'read': {
        const k = keyOf(op.key);
        if (!this.data.has(k)) return errorBody(ErrorCode.KeyDoesNotExist, `key ${op.key} does not exist`);
        return { type: 'read_ok', value: this.data.get(k) };
      }
      case 'write':
        this.data.set(keyOf(op.key), op.value);
        return { type: 'write_ok' };
      case 'cas': {
        const k = keyOf(op.key);
        if (!this.data.has(k)) return errorBody(ErrorCode.KeyDoesNotExist, `key ${op.key} does not exist`);
        const current = this.data.get(k);
        if (!same(current, op.from)) {
          return errorBody(
            ErrorCode.PreconditionFailed,
            `expected ${JSON.stringify(op.from)}, but had ${JSON.stringify(current)}`,
          );
        }
        this.data.set(k, op.to);
        return { type: 'cas_ok' };
      }
      case 'txn': {
        // Applied atomically at one point of the log: strict serializable.
        const out: MicroOp[] = [];
        for (const [f, key, value] of op.txn) {
          const k = keyOf(key);
          if (f === 'r') {
            const list = this.data.get(k);
            out.push(['r', key, list === undefined ? null : [...(list as Value[])]]);
          } else {
            const list = this.data.get(k);
            if (list === undefined) this.data.set(k, [value]);
            else (list as Value[]).push(value);
            out.push(['append', key, value]);
          }
        }
        return { type: 'txn_ok', txn: out };
      }
    }
  }

  /** Reads a key without going through the log (for fast reads and tests). */
  peek(key: Key): { found: boolean; value?: Value } {
    const k = keyOf(key);
    return this.data.has(k) ? { found: true, value: this.data.get(k) } : { found: false };
  }
}
