// The invariant checker must say so when fed known-bad states (a checker that
// cannot fail is worse than none). Nodes here are hand-made records.

import { describe, expect, it } from 'vitest';
import { RaftLog } from '../../src/core/log.js';
import { InvariantChecker, type Observed } from '../../src/sim/invariants.js';

type Op = { f: string; key?: number; value?: number };

function node(id: string, role: string, term: number, entries: [number, Op][], commitIndex = 0, lastApplied = 0) {
  const log = new RaftLog<Op>();
  for (const [t, op] of entries) log.append({ term: t, op });
  const ctx = { term, log, commitIndex, lastApplied } as unknown as Observed['context'];
  return { id, role, context: ctx } as { id: string; role: string; context: NonNullable<Observed['context']> };
}

const w = (value: number): Op => ({ f: 'write', key: 1, value });
const noop: Op = { f: 'noop' };

describe('InvariantChecker on known-bad states', () => {
  it('ElectionSafety: two leaders of one term, even at different times', () => {
    const c = new InvariantChecker(['n0', 'n1']);
    const a = node('n0', 'leader', 3, [[3, noop]]);
    expect(c.check(a)).toBeUndefined();
    a.role = 'follower';
    expect(c.check(a)).toBeUndefined();
    const b = node('n1', 'leader', 3, [[3, noop]]);
    expect(c.check(b)?.invariant).toBe('ElectionSafety');
  });

  it('LogMatching: same term at an index, different prefixes', () => {
    const c = new InvariantChecker(['n0', 'n1']);
    expect(c.check(node('n0', 'follower', 2, [[1, w(1)], [2, w(2)]]))).toBeUndefined();
    const v = c.check(node('n1', 'follower', 2, [[1, w(9)], [2, w(2)]]));
    expect(v?.invariant).toBe('LogMatching');
  });

  it('LogMatching holds for logs that agree, and for logs that differ only in later terms', () => {
    const c = new InvariantChecker(['n0', 'n1']);
    expect(c.check(node('n0', 'follower', 2, [[1, w(1)], [2, w(2)]]))).toBeUndefined();
    expect(c.check(node('n1', 'follower', 3, [[1, w(1)], [3, w(5)]]))).toBeUndefined();
  });

  it('LeaderCompleteness: a later leader lacks an entry committed earlier', () => {
    const c = new InvariantChecker(['n0', 'n1']);
    expect(c.check(node('n0', 'leader', 2, [[1, w(1)], [2, w(2)]], 2))).toBeUndefined();
    const v = c.check(node('n1', 'leader', 3, [[1, w(1)], [3, w(3)]]));
    expect(v?.invariant).toBe('LeaderCompleteness');
  });

  it('LeaderCompleteness: a leader whose log loses a committed entry', () => {
    const c = new InvariantChecker(['n0']);
    const a = node('n0', 'leader', 2, [[2, w(1)], [2, w(2)]], 2);
    expect(c.check(a)).toBeUndefined();
    a.context.log.truncateFrom(2);
    expect(c.check(a)?.invariant).toBe('LeaderCompleteness');
  });

  it('StateMachineSafety: two servers apply different entries at an index', () => {
    const c = new InvariantChecker(['n0', 'n1']);
    expect(c.check(node('n0', 'follower', 2, [[1, w(1)]], 1, 1))).toBeUndefined();
    const v = c.check(node('n1', 'follower', 2, [[2, w(4)]], 1, 1));
    expect(v?.invariant).toBe('StateMachineSafety');
  });

  it('watches in-place log changes (truncate and re-append) without rescanning', () => {
    const c = new InvariantChecker(['n0', 'n1']);
    const a = node('n0', 'follower', 2, [[1, w(1)], [2, w(2)]]);
    const b = node('n1', 'follower', 2, [[1, w(1)], [2, w(2)]]);
    expect(c.check(a)).toBeUndefined();
    expect(c.check(b)).toBeUndefined();
    b.context.log.truncateFrom(1);
    b.context.log.append({ term: 1, op: w(7) as never });
    b.context.log.append({ term: 2, op: w(2) as never });
    expect(c.check(b)?.invariant).toBe('LogMatching');
    expect(c.verifyShadows([a, b])).toBeUndefined();
  });
});
