// `npm run bench:disk -- [--saves N] [--rounds R] [--dir DIR]`
//
// The cost of one durable save of the write-ahead log, as a benchmark (not a
// timed test): N saves (default 3,000) of a two-entry record through
// WalStorage on the binary's FileDisk (src/runtime/file-disk.ts: the file
// preallocated with zeros, fdatasync), against the same records appended to
// a plain file with fsync after each (what FileDisk did before it
// preallocated), R rounds in turn (default 3). Prints per save the wall time
// (p50/p90/p99) and the process's CPU. DIR (default store/, on the disk the
// bench's data directories use) must be on the filesystem to measure.
import { parseArgs } from 'node:util';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { importTs, root } from './import-ts.mjs';

const { values } = parseArgs({
  options: {
    saves: { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '3' },
    dir: { type: 'string', default: join(root, 'store') },
  },
});
const N = Number(values.saves);
const rounds = Number(values.rounds);
const base = resolve(values.dir);
mkdirSync(base, { recursive: true });
const { FileDisk } = await importTs('src/runtime/file-disk.ts', 'bench-disk-file');
const { WalStorage } = await importTs('src/core/storage.ts', 'bench-disk-storage');

const update = (i) => ({
  from: i,
  entries: [
    { term: 3, op: { f: 'write', key: i % 20, value: i } },
    { term: 3, op: { f: 'cas', key: i % 20, from: i, to: i + 1 } },
  ],
});

function measure(save) {
  const ts = [];
  const c0 = process.cpuUsage();
  for (let i = 1; i <= N; i++) {
    const t = performance.now();
    save(i);
    ts.push(performance.now() - t);
  }
  const c = process.cpuUsage(c0);
  ts.sort((a, b) => a - b);
  const q = (p) => ts[Math.min(N - 1, Math.floor(p * N))].toFixed(3);
  return `save p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)} ms; CPU ${((c.user + c.system) / N).toFixed(0)} µs per save`;
}

const cases = {
  'FileDisk (preallocated, fdatasync)': (dir) => {
    const disk = new FileDisk(dir);
    const { storage } = WalStorage.open(disk);
    return { save: (i) => storage.save(update(i)), close: () => disk.close() };
  },
  'plain append + fsync': (dir) => {
    // The same WalStorage on a disk that appends to the file and fsyncs it.
    const fd = openSync(join(dir, 'raft.wal'), 'a');
    const disk = {
      read: () => undefined,
      append: (_name, data) => {
        let off = 0;
        while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      },
      sync: () => fsyncSync(fd),
      truncate: () => {
        throw new Error('not used');
      },
      replace: () => {
        throw new Error('not used');
      },
    };
    const { storage } = WalStorage.open(disk);
    return { save: (i) => storage.save(update(i)), close: () => closeSync(fd) };
  },
};
console.log(`bench:disk: ${N} saves per run, ${rounds} rounds, in ${base}`);
for (let r = 1; r <= rounds; r++) {
  for (const [label, open] of Object.entries(cases)) {
    const dir = mkdtempSync(join(base, 'bench-disk-'));
    const c = open(dir);
    try {
      console.log(`[${r}/${rounds}] ${label.padEnd(36)} ${measure(c.save)}`);
    } finally {
      c.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
