// The binary's Disk on real files: preallocated appends (zeros written
// ahead, left out on read), recovery after a crash inside the preallocated
// space, and damage still reported as damage.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDisk } from '../../src/runtime/file-disk.js';
import { openNodeStorage, StorageCorruption, WalStorage } from '../../src/core/storage.js';

const w = (v: number) => ({ f: 'write' as const, key: 'k', value: v });
const IDS = ['n0', 'n1', 'n2'];
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'raftchart-disk-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Writes `bytes` into a file at `at`, as a write the crash cut short would have left them. */
function poke(path: string, at: number, bytes: Uint8Array): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, at);
  } finally {
    closeSync(fd);
  }
}

describe('FileDisk', () => {
  it('appends into zeros written ahead, and reads back only what was appended', () => {
    const dir = tempDir();
    const disk = new FileDisk(dir, 4096);
    const parts = [new TextEncoder().encode('{"a":1}'), new TextEncoder().encode('{"b":2}')];
    for (const p of parts) {
      disk.append('log', p);
      disk.sync('log');
    }
    const size = statSync(join(dir, 'log')).size;
    expect(size).toBeGreaterThanOrEqual(4096);
    const raw = readFileSync(join(dir, 'log'));
    expect(raw.subarray(14).every((b) => b === 0)).toBe(true);
    disk.close();
    // A fresh disk (a restarted node) reads the content alone and appends after it.
    const again = new FileDisk(dir, 4096);
    expect(new TextDecoder().decode(again.read('log'))).toBe('{"a":1}{"b":2}');
    again.append('log', new TextEncoder().encode('{"c":3}'));
    again.sync('log');
    expect(new TextDecoder().decode(again.read('log'))).toBe('{"a":1}{"b":2}{"c":3}');
    // It did not grow the file while there was room.
    expect(statSync(join(dir, 'log')).size).toBe(size);
    again.close();
  });

  it('grows the file a step past each append that does not fit', () => {
    const dir = tempDir();
    const disk = new FileDisk(dir, 1000);
    const rec = new TextEncoder().encode(`${'x'.repeat(299)}}`);
    const sizes = new Set<number>();
    for (let k = 0; k < 12; k++) {
      disk.append('log', rec);
      disk.sync('log');
      sizes.add(statSync(join(dir, 'log')).size);
    }
    expect(disk.read('log')!.length).toBe(12 * 300);
    // 3,600 bytes of content in steps of 1,000 past each overflow: a few sizes, not twelve.
    expect(sizes.size).toBeGreaterThan(1);
    expect(sizes.size).toBeLessThan(6);
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(3600);
    disk.close();
  });

  it('recovers the write-ahead log from a preallocated file, and keeps appending after it', () => {
    const dir = tempDir();
    const disk = new FileDisk(dir);
    const { storage } = openNodeStorage(disk, 'n0', IDS);
    storage.save({ hardState: { term: 2, votedFor: 'n1' }, from: 1, entries: [{ term: 2, op: w(1) }, { term: 2, op: w(2) }] });
    storage.save({ from: 3, entries: [{ term: 2, op: w(3) }] });
    disk.close();
    const d2 = new FileDisk(dir);
    const r = openNodeStorage(d2, 'n0', IDS);
    expect(r.notes).toEqual([]);
    expect(r.recovered?.hardState).toEqual({ term: 2, votedFor: 'n1' });
    expect(r.recovered?.entries.map((e) => e.op)).toEqual([w(1), w(2), w(3)]);
    r.storage.save({ from: 2, entries: [{ term: 3, op: w(9) }] });
    d2.close();
    const r3 = openNodeStorage(new FileDisk(dir), 'n0', IDS);
    expect(r3.recovered?.entries.map((e) => e.op)).toEqual([w(1), w(9)]);
  });

  it('cuts a torn record left in the preallocated space, and what follows is written over it', () => {
    const dir = tempDir();
    const disk = new FileDisk(dir);
    const { storage } = openNodeStorage(disk, 'n0', IDS);
    storage.save({ hardState: { term: 1, votedFor: 'n0' }, from: 1, entries: [{ term: 1, op: w(1) }] });
    disk.close();
    const wal = join(dir, 'raft.wal');
    const end = new FileDisk(dir).read('raft.wal')!.length;
    // The first 21 bytes of a record that never got its fsync: a length, a checksum, part of its JSON.
    const torn = new Uint8Array(21);
    new DataView(torn.buffer).setUint32(0, 200, true);
    torn.set(new TextEncoder().encode('{"f":2,"e":[['), 8);
    poke(wal, end, torn);
    const d2 = new FileDisk(dir);
    const r = openNodeStorage(d2, 'n0', IDS);
    expect(r.notes.join(' ')).toMatch(/torn tail of 21 bytes/);
    expect(r.recovered?.entries.map((e) => e.op)).toEqual([w(1)]);
    // A shorter record now goes where the torn one was; nothing of it may be read after it.
    r.storage.save({ from: 2, entries: [{ term: 1, op: w(2) }] });
    d2.close();
    const r3 = openNodeStorage(new FileDisk(dir), 'n0', IDS);
    expect(r3.notes).toEqual([]);
    expect(r3.recovered?.entries.map((e) => e.op)).toEqual([w(1), w(2)]);
  });

  it('still refuses a damaged file: bytes after a gap of zeros are not a torn tail', () => {
    const dir = tempDir();
    const disk = new FileDisk(dir);
    const { storage } = WalStorage.open(disk);
    storage.save({ hardState: { term: 1, votedFor: null }, from: 1, entries: [{ term: 1, op: w(1) }] });
    disk.close();
    const end = new FileDisk(dir).read('raft.wal')!.length;
    poke(join(dir, 'raft.wal'), end + 100, new TextEncoder().encode('garbage'));
    expect(() => WalStorage.open(new FileDisk(dir))).toThrow(StorageCorruption);
  });

  it('replaces a file whole, and appends to the new one', () => {
    const dir = tempDir();
    const disk = new FileDisk(dir, 4096);
    disk.append('log', new TextEncoder().encode('old}'));
    disk.sync('log');
    disk.replace('log', new TextEncoder().encode('new}'));
    disk.append('log', new TextEncoder().encode('more}'));
    disk.sync('log');
    expect(new TextDecoder().decode(disk.read('log'))).toBe('new}more}');
    disk.close();
    expect(new TextDecoder().decode(new FileDisk(dir).read('log'))).toBe('new}more}');
  });
});
