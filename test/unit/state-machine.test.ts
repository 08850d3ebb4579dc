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

  it('is total: an op that does not fit the stored value fails definitely, the same way everywhere, changing nothing', () => {
    const sm = new KvStateMachine();
    sm.apply({ f: 'write', key: 'k', value: 5 });
    const r = sm.apply({ f: 'txn', txn: [['append', 'j', 1], ['append', 'k', 1]] });
    expect(r).toMatchObject({ type: 'error', code: 22 });
    expect(r.text).toMatch(/not a list/);
    // Atomic: the append to j did not happen either.
    expect(sm.peek('j')).toEqual({ found: false });
    expect(sm.peek('k')).toEqual({ found: true, value: 5 });
    expect(sm.apply({ f: 'txn', txn: [['r', 'k', null]] })).toMatchObject({ type: 'error', code: 22 });
    // cas compares structurally, whatever the type; an unknown op is an error, not an exception.
    sm.apply({ f: 'write', key: 'l', value: [1, { a: 2, b: 3 }] });
    expect(sm.apply({ f: 'cas', key: 'l', from: [1, { b: 3, a: 2 }], to: 'x' })).toEqual({ type: 'cas_ok' });
    expect(sm.apply({ f: 'bogus' } as never)).toMatchObject({ type: 'error', code: 10 });
    // Two replicas given the same ops answer the same.
    const a = new KvStateMachine();
    const b = new KvStateMachine();
    const ops = [{ f: 'write', key: 1, value: 2 }, { f: 'txn', txn: [['append', 1, 3]] }, { f: 'cas', key: 1, from: [2], to: 1 }] as const;
    expect(ops.map((o) => a.apply(o as never))).toEqual(ops.map((o) => b.apply(o as never)));
  });

  it('shares no value with the ops that wrote it: write [1], append 2 leaves the op and earlier answers as they were', () => {
    const sm = new KvStateMachine();
    const written = [1];
    const op = { f: 'write' as const, key: 'k', value: written };
    sm.apply(op);
    const before = sm.apply({ f: 'txn', txn: [['r', 'k', null]] });
    sm.apply({ f: 'txn', txn: [['append', 'k', 2]] });
    // The log entry's value is untouched, so a replica applying the same entries later gets the same state.
    expect(op.value).toEqual([1]);
    expect(before).toEqual({ type: 'txn_ok', txn: [['r', 'k', [1]]] });
    const replay = new KvStateMachine();
    replay.apply(op);
    replay.apply({ f: 'txn', txn: [['append', 'k', 2]] });
    expect(replay.peek('k')).toEqual(sm.peek('k'));
    expect(sm.peek('k')).toEqual({ found: true, value: [1, 2] });
    // Mutating what a client sent, after the fact, changes nothing stored.
    written.push(99);
    expect(sm.peek('k')).toEqual({ found: true, value: [1, 2] });
  });
});
