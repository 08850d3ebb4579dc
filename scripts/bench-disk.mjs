// `npm run bench:disk -- [--saves N] [--rounds R] [--dir DIR] [--gap MS[,MS...]]`
//
// The cost of one durable save of the write-ahead log, as a benchmark (not a
// timed test): N saves (default 3,000) of a two-entry record through
// WalStorage on the binary's FileDisk (src/runtime/file-disk.ts: the file
// preallocated with zeros, fdatasync), against the same records appended to
// a plain file with fsync after each (what FileDisk did before it
// preallocated), R rounds in turn (default 3). Prints per save the wall time
// (p50/p90/p99) and the process's CPU. DIR (default store/, on the disk the
// bench's data directories use) must be on the filesystem to measure.
//
// --gap paces the saves: one starts every MS milliseconds (start to start),
// the process sleeping in between as a node's event loop does between
// messages; a list measures each pace in turn (default saves per run with a
// gap: 300). A follower's fsyncs come at the pace of the AppendEntries it
// gets, and on some disks (virtual ones especially) a flush after an idle
// spell costs several times one that follows another closely.
import { parseArgs } from 'node:util';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { importTs, root } from './import-ts.mjs';

const { values } = parseArgs({
  options: {
    saves: { type: 'string' },
    gap: { type: 'string', default: '0' },
    rounds: { type: 'string', default: '3' },
    dir: { type: 'string', default: join(root, 'store') },
  },
});
const gaps = values.gap.split(',').map((g) => Number(g));
const N = Number(values.saves ?? (gaps.some((g) => g > 0) ? 300 : 3000));
const rounds = Number(values.rounds);
if (!Number.isSafeInteger(N) || N < 1) throw new Error(`--saves must be a positive integer, not ${values.saves}`);
if (!Number.isSafeInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, not ${values.rounds}`);
if (gaps.some((g) => !Number.isFinite(g) || g < 0 || g > 1000)) throw new Error(`--gap takes milliseconds from 0 to 1000, comma-separated, not ${values.gap}`);
const sleeper = new Int32Array(new SharedArrayBuffer(4));
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

function measure(save, gap) {
  const ts = [];
  const c0 = process.cpuUsage();
  const start = performance.now();
  for (let i = 1; i <= N; i++) {
    if (gap > 0) {
      // Sleep (the CPU idles, as a node's does between messages) until this save's slot.
      const wait = start + (i - 1) * gap - performance.now();
      if (wait > 0) Atomics.wait(sleeper, 0, 0, wait);
    }
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
console.log(`bench:disk: ${N} saves per run, ${rounds} rounds, in ${base}${gaps.some((g) => g > 0) ? `, gaps ${gaps.join(', ')} ms` : ''}`);
for (let r = 1; r <= rounds; r++) {
  for (const gap of gaps) {
    for (const [label, open] of Object.entries(cases)) {
      const dir = mkdtempSync(join(base, 'bench-disk-'));
      const c = open(dir);
      try {
        const pace = gap > 0 ? `every ${gap} ms `.padEnd(15) : gaps.length > 1 ? 'back to back   ' : '';
        console.log(`[${r}/${rounds}] ${pace}${label.padEnd(36)} ${measure(c.save, gap)}`);
      } finally {
        c.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
}
