// npm run bench:kill [-- RUNS] — how often the kill nemesis finds the
// lost-write anomaly in one run against test/fixtures/primary-backup-node.mjs
// without a data directory (the known-bad case test/bench/faults.test.ts
// relies on), and that the same runs with a data directory stay valid.
// Runs take ~10 s each; default 10 of each, on the test's seeds in turn.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './import-ts.mjs';

const runs = Number(process.argv[2] ?? 10);
const seeds = ['3', '1', '6'];
const base = [
  'test', '-w', 'txn-list-append', '--bin', join(root, 'test/fixtures/primary-backup-node.mjs'), '--node-count', '3',
  '--concurrency', '10n', '--rate', '10', '--time-limit', '6', '--nemesis', 'kill', '--nemesis-interval', '1.5',
  '--max-writes-per-key', '1000', '--key-count', '3', '--recovery-time', '0',
];
const store = mkdtempSync(join(tmpdir(), 'raftchart-bench-kill-'));
console.log(`bin/raftchart ${base.join(' ').replace(root + '/', '')} --seed S [--no-data-dir]`);
for (const memoryOnly of [true, false]) {
  const codes = [];
  for (let i = 0; i < runs; i++) {
    const seed = seeds[i % seeds.length];
    const r = spawnSync(process.execPath, [join(root, 'bin/raftchart'), ...base, '--store', store, '--seed', seed, ...(memoryOnly ? ['--no-data-dir'] : [])], { stdio: 'ignore' });
    codes.push(r.status);
    process.stderr.write(`${memoryOnly ? 'memory-only' : 'data dir'} run ${i + 1} (seed ${seed}): exit ${r.status}\n`);
  }
  const invalid = codes.filter((c) => c === 1).length;
  const valid = codes.filter((c) => c === 0).length;
  console.log(`${memoryOnly ? '--no-data-dir (known bad)' : 'with RAFT_DATA_DIR     '}: ${invalid} of ${runs} runs invalid, ${valid} valid, ${runs - invalid - valid} other`);
}
rmSync(store, { recursive: true, force: true });
