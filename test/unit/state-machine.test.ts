import { describe, expect, it } from 'vitest';
import { KvStateMachine } from '../../src/core/state-machine.js';

describe('the lin-kv state machine', () => {
  it('reads, writes and compares-and-sets with lin-kv error codes', () => {
    const sm = new KvStateMachine();
    expect(sm.apply({ f: 'read', key: 1 })).toMatchObject({ type: 'error', code: 20 });
    expect(sm.apply({ f: 'cas', key: 1, from: 0, to: 1 })).toMatchObject({ type: 'error', code: 20 });
    expect(sm.apply({ f: 'write', key: 1, value: 3 })).toEqual({ type: 'write_ok' });
    expect(sm.apply({ f: 'read', key: 1 })).toEqual({ type: 'read_ok', value: 3 });
    expect(sm.apply({ f: 'cas', key: 1, from: 2, to: 4 })).toMatchObject({ type: 'error', code: 22 });
    expect(sm.apply({ f: 'cas', key: 1, from: 3, to: 4 })).toEqual({ type: 'cas_ok' });
    expect(sm.apply({ f: 'read', key: 1 })).toEqual({ type: 'read_ok', value: 4 });
  });

  it('keeps number and string keys apart', () => {
    const sm = new KvStateMachine();
    sm.apply({ f: 'write', key: 1, value: 'number' });
    sm.apply({ f: 'write', key: '1', value: 'string' });
    expect(sm.apply({ f: 'read', key: 1 })).toEqual({ type: 'read_ok', value: 'number' });
    expect(sm.apply({ f: 'read', key: '1' })).toEqual({ type: 'read_ok', value: 'string' });
  });

  it('applies list-append transactions atomically, reads returning the whole list', () => {
    const sm = new KvStateMachine();
    expect(sm.apply({ f: 'txn', txn: [['r', 1, null], ['append', 1, 5], ['r', 1, null]] })).toEqual({
      type: 'txn_ok',
      txn: [['r', 1, null], ['append', 1, 5], ['r', 1, [5]]],
    });
    const r = sm.apply({ f: 'txn', txn: [['append', 1, 6], ['r', 1, null]] });
    expect(r).toEqual({ type: 'txn_ok', txn: [['append', 1, 6], ['r', 1, [5, 6]]] });
    // A returned list is a copy: later appends do not change an earlier answer.
    sm.apply({ f: 'txn', txn: [['append', 1, 7]] });
    expect(r.txn).toEqual([['append', 1, 6], ['r', 1, [5, 6]]]);
  });
});
