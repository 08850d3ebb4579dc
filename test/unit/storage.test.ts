import { describe, expect, it } from 'vitest';
import { crc32, openNodeStorage, readWal, StorageCorruption, WalStorage, type Disk } from '../../src/core/storage.js';
import { SimDisk } from '../../src/sim/disk.js';
import { Rng } from '../../src/core/random.js';

const noop = { f: 'noop' as const };
const w = (v: number) => ({ f: 'write' as const, key: 'k', value: v });

describe('the write-ahead log', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('replays hard state, appends and truncations in order', () => {
    const disk = new SimDisk(new Rng(1));
    const { storage, recovered } = WalStorage.open(disk);
    expect(recovered).toBeUndefined();
    storage.save({ hardState: { term: 1, votedFor: 'n1' } });
    storage.save({ from: 1, entries: [{ term: 1, op: noop }, { term: 1, op: w(1) }, { term: 1, op: w(2) }] });
    storage.save({ hardState: { term: 2, votedFor: null }, from: 3, entries: [{ term: 2, op: w(9) }] });
    storage.save({ from: 4, entries: [] });
    const again = WalStorage.open(disk).recovered!;
    expect(again.hardState).toEqual({ term: 2, votedFor: null });
    expect(again.entries).toEqual([{ term: 1, op: noop }, { term: 1, op: w(1) }, { term: 2, op: w(9) }]);
  });

  it('keeps only what was synced, cuts a torn tail, and says so', () => {
    const disk = new SimDisk(new Rng(7));
    const { storage } = WalStorage.open(disk);
    storage.save({ hardState: { term: 3, votedFor: 'n2' }, from: 1, entries: [{ term: 3, op: w(1) }] });
    // The next save dies in the middle of its write (the process never got to the fsync).
    disk.armCrash(1);
    storage.save({ from: 2, entries: [{ term: 3, op: w(2) }] });
    expect(disk.dead).toBe(true);
    disk.crash();
    const r = openNodeStorage(disk, 'n0', ['n0', 'n1', 'n2']);
    expect(r.recovered?.hardState).toEqual({ term: 3, votedFor: 'n2' });
    expect(r.recovered?.entries).toEqual([{ term: 3, op: w(1) }]);
    // A second open finds a clean file: the tail was cut off for good.
    const again = openNodeStorage(disk, 'n0', ['n0', 'n1', 'n2']);
    expect(again.notes).toEqual([]);
    expect(again.recovered?.entries).toHaveLength(1);
  });

  it('finds every torn tail of a real record, at every length, and nothing else', () => {
    const disk = new SimDisk(new Rng(1));
    const { storage } = WalStorage.open(disk);
    storage.save({ hardState: { term: 1, votedFor: 'n1' } });
    const good = disk.read('raft.wal')!.length;
    storage.save({ from: 1, entries: [{ term: 1, op: w(5) }] });
    const all = disk.read('raft.wal')!;
    for (let cut = good + 1; cut < all.length; cut++) {
      const r = readWal(all.subarray(0, cut));
      expect(r.tornAt).toBe(good);
      expect(r.state.hardState).toEqual({ term: 1, votedFor: 'n1' });
      expect(r.state.entries).toEqual([]);
    }
    // A garbled last record (a sector of garbage) is a torn tail too.
    const garbled = all.slice();
    garbled[all.length - 2] ^= 0xff;
    expect(readWal(garbled).tornAt).toBe(good);
  });

  it('refuses to start from damaged files rather than start empty', () => {
    const disk = new SimDisk(new Rng(1));
    const { storage } = WalStorage.open(disk);
    storage.save({ hardState: { term: 1, votedFor: 'n1' } });
    storage.save({ from: 1, entries: [{ term: 1, op: w(5) }] });
    const all = disk.read('raft.wal')!.slice();
    all[10] ^= 0x01; // inside the first record, which is followed by another
    expect(() => readWal(all)).toThrow(StorageCorruption);
    expect(() => readWal(all)).toThrow(/followed by/);
    const damaged: Disk = { ...disk, read: (n: string) => (n === 'raft.wal' ? all : disk.read(n)), append: () => {}, sync: () => {}, truncate: () => {}, replace: () => {} };
    expect(() => WalStorage.open(damaged)).toThrow(StorageCorruption);
  });

  it('belongs to one node of one cluster', () => {
    const disk = new SimDisk(new Rng(1));
    openNodeStorage(disk, 'n1', ['n0', 'n1', 'n2']).storage.save({ hardState: { term: 1, votedFor: null } });
    expect(() => openNodeStorage(disk, 'n2', ['n0', 'n1', 'n2'])).toThrow(/belongs to n1/);
    expect(() => openNodeStorage(disk, 'n1', ['n0', 'n1'])).toThrow(/belongs to n1 of \["n0","n1","n2"\]/);
    expect(openNodeStorage(disk, 'n1', ['n0', 'n1', 'n2']).recovered?.hardState.term).toBe(1);
  });

  it('rewrites itself whole, atomically, with the same state', () => {
    const disk = new SimDisk(new Rng(1));
    const { storage } = WalStorage.open(disk);
    for (let i = 1; i <= 50; i++) storage.save({ from: 1, entries: [{ term: i, op: w(i) }] });
    const before = disk.read('raft.wal')!.length;
    storage.rewrite({ hardState: { term: 50, votedFor: 'n0' }, entries: [{ term: 50, op: w(50) }] });
    expect(disk.read('raft.wal')!.length).toBeLessThan(before / 10);
    expect(storage.appendedBytes).toBe(0);
    expect(WalStorage.open(disk).recovered).toEqual({ hardState: { term: 50, votedFor: 'n0' }, entries: [{ term: 50, op: w(50) }] });
  });
});

describe('snapshots on disk', () => {
  it('a snapshot and the log after it come back, also when the crash came between the two writes', () => {
    const disk = new SimDisk(new Rng(5));
    const { storage } = WalStorage.open(disk);
    storage.save({ hardState: { term: 2, votedFor: 'n0' }, from: 1, entries: [1, 2, 3, 4].map((v) => ({ term: 2, op: w(v) })) });
    storage.saveSnapshot({ index: 3, term: 2, data: '[["sk",3]]' }, { term: 2, votedFor: 'n0' }, [{ term: 2, op: w(4) }]);
    storage.save({ from: 5, entries: [{ term: 2, op: w(5) }] });
    const r = WalStorage.open(disk).recovered!;
    expect(r.snapshot).toEqual({ index: 3, term: 2, data: '[["sk",3]]' });
    expect(r.entries).toEqual([{ term: 2, op: w(4) }, { term: 2, op: w(5) }]);
    // A crash after the snapshot file, before the log was rewritten: the old log, cut at the snapshot.
    const disk2 = new SimDisk(new Rng(5));
    const s2 = WalStorage.open(disk2).storage;
    s2.save({ hardState: { term: 2, votedFor: null }, from: 1, entries: [1, 2, 3].map((v) => ({ term: 2, op: w(v) })) });
    disk2.armCrash(2); // the snapshot file is written (one replace), the log's rewrite is not
    s2.saveSnapshot({ index: 2, term: 2, data: '[]' }, { term: 2, votedFor: null }, [{ term: 2, op: w(3) }]);
    disk2.crash();
    const r2 = WalStorage.open(disk2).recovered!;
    expect(r2.snapshot?.index).toBe(2);
    expect(r2.entries).toEqual([{ term: 2, op: w(3) }]);
  });

  it('refuses a log that does not agree with the snapshot', () => {
    const disk = new SimDisk(new Rng(5));
    const { storage } = WalStorage.open(disk);
    storage.save({ from: 1, entries: [{ term: 1, op: w(1) }] });
    disk.replace('snapshot.bin', disk.read('raft.wal')!); // not a snapshot record
    expect(() => WalStorage.open(disk)).toThrow(StorageCorruption);
  });
});

describe('the simulated disk', () => {
  it('loses unsynced writes on a crash, keeping a prefix of them at most', () => {
    const disk = new SimDisk(new Rng(3));
    disk.append('f', new Uint8Array([1, 2, 3]));
    disk.sync('f');
    disk.append('f', new Uint8Array([4, 5, 6, 7]));
    expect(disk.read('f')).toEqual(new Uint8Array([1, 2, 3, 4, 5, 6, 7]));
    disk.crash();
    const after = disk.read('f')!;
    expect(after.length).toBeGreaterThanOrEqual(3);
    expect([...after]).toEqual([1, 2, 3, 4, 5, 6, 7].slice(0, after.length));
  });

  it('an armed crash stops every later operation', () => {
    const disk = new SimDisk(new Rng(3));
    disk.armCrash(2);
    disk.append('f', new Uint8Array([1]));
    disk.sync('f'); // dies here: the sync never happens
    disk.append('f', new Uint8Array([2]));
    disk.replace('g', new Uint8Array([9]));
    expect(disk.dead).toBe(true);
    disk.crash();
    expect(disk.read('g')).toBeUndefined();
    expect((disk.read('f') ?? new Uint8Array()).length).toBeLessThanOrEqual(1);
  });
});
