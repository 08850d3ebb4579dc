// `npm run bench:memory -- [--writes N] [--keys K] [--nodes 1|3] [--data-dir] [--snapshot-entries N] [--inflight W]`
//
// Memory over a long run, as a benchmark (not a timed test): drives the leader
// of real bin/raft processes with N writes (default 1,000,000) over K keys
// (default 2,000), W at a time, and prints the resident set size of every
// node every 50,000 writes. With log compaction the RSS must level off at the
// size of the state machine plus a bounded log tail, whatever N is.
// `--data-dir` gives every node a fresh RAFT_DATA_DIR (durable state);
// `--no-snapshots` turns compaction off (RAFT_SNAPSHOT_ENTRIES very large),
// to see what it saves.
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importTs, root } from './import-ts.mjs';

const { values } = parseArgs({
  options: {
    writes: { type: 'string', default: '1000000' },
    keys: { type: 'string', default: '2000' },
    nodes: { type: 'string', default: '3' },
    inflight: { type: 'string', default: '200' },
    'data-dir': { type: 'boolean', default: false },
    'no-snapshots': { type: 'boolean', default: false },
    'snapshot-entries': { type: 'string' },
    bin: { type: 'string', default: join(root, 'bin', 'raft') },
  },
});
const writes = Number(values.writes);
const keys = Number(values.keys);
const nodeCount = Number(values.nodes);
const inflight = Number(values.inflight);
if (![writes, keys, nodeCount, inflight].every((n) => Number.isSafeInteger(n) && n > 0)) {
  console.error('usage: npm run bench:memory -- [--writes N] [--keys K] [--nodes N] [--inflight W] [--data-dir] [--no-snapshots] [--snapshot-entries N]');
  process.exit(2);
}
const { ProcessCluster } = await importTs('test/support/process-cluster.ts', 'process-cluster');
const dir = values['data-dir'] ? mkdtempSync(join(tmpdir(), 'raftchart-memory-')) : undefined;
const snapshotEntries = values['no-snapshots'] ? '1000000000' : values['snapshot-entries'];
const roles = new Map();
const c = new ProcessCluster({
  bin: values.bin,
  nodeCount,
  onStderr: (id, line) => {
    if (/^\s*(\w*Error|throw |at )/.test(line) || / error /.test(line)) console.log(`${id} stderr: ${line.slice(0, 300)}`);
    const m = / role=(\w+) /.exec(`${line} `);
    if (m) roles.set(id, m[1]);
  },
  env: (id) => ({
    RAFT_LOG: 'info',
    ...(dir ? { RAFT_DATA_DIR: join(dir, id) } : {}),
    ...(snapshotEntries ? { RAFT_SNAPSHOT_ENTRIES: snapshotEntries } : {}),
  }),
});
const rssOf = (p) => {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'))[1]) / 1024;
  } catch {
    return NaN;
  }
};
const mb = (x) => `${Math.round(x)} MB`;
try {
  await c.initAll();
  // Find the leader from the nodes' `role=leader` log lines, once a write has gone through.
  let leader;
  for (let tries = 0; !leader && tries < 100; tries++) {
    const r = await c.call(c.ids[0], 'cmem', { type: 'write', key: 'warmup', value: 0 }, 2000);
    if (r?.type === 'write_ok') leader = c.ids.find((id) => roles.get(id) === 'leader');
    else await new Promise((res) => setTimeout(res, 100));
  }
  if (!leader) throw new Error('no leader');
  console.log(`bench:memory: ${writes} writes over ${keys} keys, ${inflight} at a time, to the leader ${leader} of ${nodeCount} node(s); ` +
    `${dir ? 'durable (RAFT_DATA_DIR)' : 'memory only'}; snapshots ${values['no-snapshots'] ? 'off' : `every ${snapshotEntries ?? '10000 (default)'} entries`}`);
  const start = Date.now();
  const before = c.ids.map((id) => rssOf(c.procs.get(id)));
  console.log(`writes 0: RSS ${c.ids.map((id, i) => `${id} ${mb(before[i])}`).join(', ')}`);
  let sent = 0;
  let done = 0;
  let failed = 0;
  const every = 50_000;
  const worker = async () => {
    while (sent < writes) {
      const i = sent++;
      const r = await c.call(leader, `cmem${i % inflight}`, { type: 'write', key: i % keys, value: i }, 10_000);
      if (r?.type === 'write_ok') done++;
      else failed++;
      if ((done + failed) % every === 0) {
        const s = (Date.now() - start) / 1000;
        console.log(`writes ${done + failed}: ${Math.round((done + failed) / s)}/s, RSS ${c.ids.map((id) => `${id} ${mb(rssOf(c.procs.get(id)))}`).join(', ')}`);
      }
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  const s = (Date.now() - start) / 1000;
  const after = c.ids.map((id) => rssOf(c.procs.get(id)));
  console.log(`done: ${done} ok, ${failed} not ok, in ${s.toFixed(1)} s (${Math.round(writes / s)} writes/s); final RSS ${c.ids.map((id, i) => `${id} ${mb(after[i])}`).join(', ')}`);
  if (c.exited.length > 0) {
    // A node that died shows as NaN MB above: say so, and fail.
    console.log(`NODE EXITED during the run: ${c.exited.join(', ')} (its stderr: RAFT_LOG lines above, or rerun with the node's log)`);
    process.exitCode = 1;
  }
  if (dir) {
    const { execSync } = await import('node:child_process');
    console.log(`data directories: ${execSync(`du -sh ${c.ids.map((id) => join(dir, id)).join(' ')}`).toString().trim().replace(/\n/g, '; ').replaceAll(dir, '<dir>')}`);
  }
} finally {
  c.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
