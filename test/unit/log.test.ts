import { describe, expect, it } from 'vitest';
import { entryBytes, RaftLog, type Entry } from '../../src/core/log.js';

const e = (term: number, n = 0): Entry<number> => ({ term, op: n });

function logOf(...terms: number[]): RaftLog<number> {
  const log = new RaftLog<number>();
  terms.forEach((t, i) => log.append(e(t, i + 1)));
  return log;
}

describe('RaftLog', () => {
  it('is 1-based with a term-0 sentinel at index 0', () => {
    const log = new RaftLog<number>();
    expect(log.lastIndex).toBe(0);
    expect(log.lastTerm).toBe(0);
    expect(log.matches(0, 0)).toBe(true);
    expect(log.termAt(1)).toBeUndefined();
    expect(() => log.entry(0)).toThrow(RangeError);
    expect(log.append(e(1))).toBe(1);
    expect(log.termAt(1)).toBe(1);
  });

  it('matches only at an existing index with the same term', () => {
    const log = logOf(1, 1, 2);
    expect(log.matches(3, 2)).toBe(true);
    expect(log.matches(3, 1)).toBe(false);
    expect(log.matches(4, 2)).toBe(false);
    expect(log.matches(-1, 0)).toBe(false);
  });

  it('appends new entries after prevIndex', () => {
    const log = logOf(1);
    expect(log.appendFrom(1, [e(1), e(2)])).toEqual({ lastNew: 3, truncatedFrom: undefined });
    expect(log.lastIndex).toBe(3);
    expect(log.lastTerm).toBe(2);
  });

  it('never erases matching entries: a delayed duplicate AppendEntries is a no-op', () => {
    const log = logOf(1, 1, 1, 1);
    const r = log.appendFrom(1, [e(1, 2)]); // an old request covering index 2 only
    expect(r).toEqual({ lastNew: 2, truncatedFrom: undefined });
    expect(log.lastIndex).toBe(4); // entries 3 and 4 survive
  });

  it('truncates from the first conflicting entry only', () => {
    const log = logOf(1, 1, 2, 2);
    const r = log.appendFrom(2, [e(2, 30), e(3, 40)]); // index 3 matches, index 4 conflicts
    expect(r.truncatedFrom).toBe(4);
    expect(log.lastIndex).toBe(4);
    expect(log.termAt(3)).toBe(2);
    expect(log.entry(3).op).toBe(3); // the matching entry is the original object
    expect(log.termAt(4)).toBe(3);
  });

  it('rejects a prevIndex outside the log instead of appending at 0 or past the end', () => {
    const log = logOf(1);
    expect(() => log.appendFrom(-1, [e(1)])).toThrow(RangeError);
    expect(() => log.appendFrom(5, [e(1)])).toThrow(RangeError);
    expect(log.lastIndex).toBe(1);
  });

  it('compares up-to-dateness by last term, then length (§5.4.1)', () => {
    const log = logOf(1, 2);
    expect(log.isUpToDate(2, 2)).toBe(true);
    expect(log.isUpToDate(1, 2)).toBe(false);
    expect(log.isUpToDate(1, 3)).toBe(true);
    expect(log.isUpToDate(9, 1)).toBe(false);
  });

  it('gives the first index of a term as a back-off hint, and slices without copying the log', () => {
    const log = logOf(1, 2, 2, 2, 3);
    expect(log.firstIndexOfTerm(4)).toBe(2);
    expect(log.firstIndexOfTerm(5)).toBe(5);
    expect(log.slice(2, 2).map((x) => x.term)).toEqual([2, 2]);
    expect(log.slice(5, 10).map((x) => x.term)).toEqual([3]);
    expect(log.slice(6, 10)).toEqual([]);
  });

  it('bounds a batch in bytes as well as in entries, one entry always going', () => {
    const log = new RaftLog<unknown>();
    for (let i = 0; i < 10; i++) log.append({ term: 1, op: { f: 'write', key: i, value: 'x'.repeat(1000) } });
    expect(log.slice(1, 100)).toHaveLength(10);
    expect(log.slice(1, 100, 3500)).toHaveLength(3);
    expect(log.slice(1, 2, 1_000_000)).toHaveLength(2);
    expect(log.slice(5, 100, 10)).toHaveLength(1);
  });

  it('bounds batches in bytes by each entry\'s entryBytes through appends, truncations, compactions and rollbacks', () => {
    // Sizes are worked out when a batch first needs them: the bound must be
    // the same whenever that is.
    let seed = 3;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    const op = () => ({ f: 'write', key: rnd(5), value: 'x'.repeat(rnd(300)) });
    const recovered = Array.from({ length: 5 }, () => ({ term: 1, op: op() }));
    const log = RaftLog.after<unknown>(2, 1, recovered);
    for (let step = 0; step < 400; step++) {
      const r = rnd(10);
      const tx = rnd(4) === 0;
      if (tx) log.begin();
      if (r < 5) log.append({ term: 2, op: op() });
      else if (r < 7 && log.lastIndex > log.snapshotIndex + 1) log.truncateFrom(log.snapshotIndex + 1 + rnd(log.lastIndex - log.snapshotIndex));
      else if (r < 8 && log.lastIndex > log.snapshotIndex) log.compactTo(log.snapshotIndex + 1 + rnd(Math.min(3, log.lastIndex - log.snapshotIndex)));
      if (tx && rnd(2) === 0) log.rollback();
      else if (tx) log.commit();
      if (log.lastIndex === log.snapshotIndex) continue;
      const all = log.slice(log.snapshotIndex + 1, Infinity);
      expect(log.bytes).toBe(all.reduce((n, x) => n + entryBytes(x), 0));
      const from = log.snapshotIndex + 1 + rnd(all.length);
      const maxBytes = rnd(1500);
      let want = 0;
      for (let bytes = 0, k = from - log.snapshotIndex - 1; k < all.length; k++, want++) {
        bytes += entryBytes(all[k]!);
        if (bytes > maxBytes && want > 0) break;
      }
      expect(log.slice(from, 100, maxBytes)).toHaveLength(want);
    }
  });

  it('finds the first conflicting index without changing anything', () => {
    const log = new RaftLog<unknown>();
    for (const t of [1, 1, 2]) log.append({ term: t, op: null });
    expect(log.firstConflict(0, [{ term: 1, op: null }, { term: 1, op: null }])).toBeUndefined();
    expect(log.firstConflict(1, [{ term: 1, op: null }, { term: 3, op: null }])).toBe(3);
    expect(log.firstConflict(2, [{ term: 2, op: null }, { term: 2, op: null }])).toBeUndefined();
    expect(log.lastIndex).toBe(3);
  });

  it('rolls a transaction back exactly: appends, truncations and appends after them', () => {
    const log = new RaftLog<unknown>();
    for (const t of [1, 1, 2, 2]) log.append({ term: t, op: t });
    const before = log.slice(1, 100);
    const tracker = log.track();
    log.begin();
    log.append({ term: 3, op: 'a' });
    log.appendFrom(1, [{ term: 3, op: 'b' }, { term: 3, op: 'c' }]);
    expect(log.lastIndex).toBe(3);
    log.rollback();
    expect(log.slice(1, 100)).toEqual(before);
    expect(log.slice(1, 100)[1]).toBe(before[1]);
    // The tracker saw that something from index 2 on changed (and was put back).
    expect(tracker.take()).toBe(2);
    expect(tracker.take()).toBe(Infinity);
    // A committed transaction keeps its changes.
    log.begin();
    log.appendFrom(2, [{ term: 3, op: 'x' }]);
    log.commit();
    expect(log.lastIndex).toBe(3);
    expect(log.termAt(3)).toBe(3);
    expect(tracker.take()).toBe(3);
  });

  it('compacts up to a snapshot: terms known at and after it, entries only after it', () => {
    const log = new RaftLog<unknown>();
    for (const t of [1, 1, 2, 2, 3]) log.append({ term: t, op: t });
    log.compactTo(3);
    expect([log.snapshotIndex, log.snapshotTerm, log.lastIndex, log.length]).toEqual([3, 2, 5, 2]);
    expect(log.termAt(3)).toBe(2);
    expect(log.termAt(2)).toBeUndefined();
    expect(log.has(3)).toBe(false);
    expect(() => log.entry(3)).toThrow(RangeError);
    expect(log.entry(4)).toEqual({ term: 2, op: 2 });
    // Below the snapshot every prev matches (committed); at it, its term must.
    expect(log.matches(1, 7)).toBe(true);
    expect(log.matches(3, 2)).toBe(true);
    expect(log.matches(3, 1)).toBe(false);
    // An AppendEntries starting inside the snapshot skips what it covers.
    expect(log.appendFrom(1, [{ term: 1, op: 'x' }, { term: 2, op: 'y' }, { term: 2, op: 2 }, { term: 2, op: 'z' }])).toEqual({ lastNew: 5, truncatedFrom: 5 });
    expect(log.slice(4, 10).map((e) => e.op)).toEqual([2, 'z']);
    expect(log.firstIndexOfTerm(5)).toBe(4);
    expect(() => log.truncateFrom(3)).toThrow(RangeError);
  });

  it('installs a leader\'s snapshot: keeps what follows a matching last entry, else starts over', () => {
    const keep = new RaftLog<unknown>();
    for (const t of [1, 1, 2, 2]) keep.append({ term: t, op: t });
    keep.installSnapshot(2, 1);
    expect([keep.snapshotIndex, keep.lastIndex, keep.length]).toEqual([2, 4, 2]);
    const reset = new RaftLog<unknown>();
    for (const t of [1, 1, 2, 2]) reset.append({ term: t, op: t });
    const tracker = reset.track();
    reset.installSnapshot(6, 3);
    expect([reset.snapshotIndex, reset.snapshotTerm, reset.lastIndex, reset.length, reset.lastTerm]).toEqual([6, 3, 6, 0, 3]);
    expect(tracker.take()).toBe(1);
    // Rolled back inside a transaction, it is as if it never happened.
    const tx = new RaftLog<unknown>();
    for (const t of [1, 1]) tx.append({ term: t, op: t });
    tx.begin();
    tx.installSnapshot(9, 4);
    tx.rollback();
    expect([tx.snapshotIndex, tx.lastIndex, tx.termAt(2)]).toEqual([0, 2, 1]);
    // RaftLog.after builds a log that starts after a snapshot.
    const after = RaftLog.after(10, 5, [{ term: 5, op: 'a' }]);
    expect([after.snapshotIndex, after.lastIndex, after.termAt(10), after.entry(11).op]).toEqual([10, 11, 5, 'a']);
  });
});
