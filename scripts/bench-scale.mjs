// npm run bench:scale — the bench at a million operations:
//  1. a synthetic 1,000,000-operation lin-kv history through statistics,
//     plots, the report and the checker, in this process, with timings and
//     peak RSS;
//  2. a real run (bin/raftchart test) of at least that many operations
//     against a correct fixture node, with its wall time and the peak RSS of
//     the bench process. Arguments after -- replace the run's defaults
//     (default: --node-count 3 --concurrency 40n --rate 12000 --time-limit 120
//     against test/fixtures/forward-kv-node.mjs). SCALE_SKIP_RUN=1 skips it.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importTs, root } from './import-ts.mjs';

const mb = (b) => `${Math.round(b / 1e6)} MB`;
const perf = await importTs('src/bench/perf.ts', 'perf');
const store = await importTs('src/bench/store.ts', 'store');
const stats = await importTs('src/bench/stats.ts', 'stats');
const lin = await importTs('src/bench/checker/linearizable.ts', 'linearizable');

{
  const ops = Number(process.env.SCALE_OPS ?? 1_000_000);
  const seconds = 200;
  console.log(`synthetic history: ${ops.toLocaleString('en-US')} lin-kv operations (3 nodes, concurrency 40n, 1% writes timing out)`);
  let t = performance.now();
  const lap = (what) => {
    const now = performance.now();
    console.log(`  ${what}: ${((now - t) / 1000).toFixed(2)} s (rss ${mb(process.memoryUsage().rss)})`);
    t = now;
  };
  const h = perf.syntheticHistory({ seconds, rate: ops / seconds, threads: 120, nodes: 3, infoFraction: 0.01, seed: 7 });
  lap(`generated ${(h.length / 2).toLocaleString('en-US')} operations`);
  const s = stats.computeStats(h, seconds);
  lap(`statistics (${s.count.toLocaleString('en-US')} ops, p99 ${s.latency.p99} ms)`);
  const c = lin.checkLinearizable(h, { timeLimit: 600 });
  lap(`checker: ${c.valid} over ${c.keyCount} keys`);
  const dir = mkdtempSync(join(tmpdir(), 'raftchart-scale-'));
  mkdirSync(join(dir, 'node-logs'));
  const results = {
    schema: 1, workload: 'lin-kv', verdict: c.valid === true ? 'valid' : 'unknown', cause: null, reasons: [], warnings: [], memoryOnly: false, dataDir: null,
    options: { nodeCount: 3, concurrency: 120, concurrencySpec: '40n', rate: ops / seconds, timeLimit: seconds, nemesis: [], seed: 7 },
    nodes: ['n0', 'n1', 'n2'], startedAt: new Date().toISOString(), duration: seconds, stats: s,
    availability: { expected: null, actual: s.availability, valid: true },
    net: { all: { sendCount: 0, recvCount: 0, msgCount: 0, msgsPerOp: null }, clients: { sendCount: 0, recvCount: 0, msgCount: 0 }, servers: { sendCount: 0, recvCount: 0, msgCount: 0, msgsPerOp: null }, dropped: 0, lostToDeadNodes: 0, undeliverable: 0, forgedSrc: 0 },
    linearizability: c, partitions: [], nemesis: [], faults: [], problems: [], files: {},
  };
  await store.writeStore(dir, dir, results, h, [], false);
  lap('store: history.jsonl, history.txt, plots, results.json and index.html');
  const report = await importTs('src/viz/report.ts', 'report');
  t = performance.now();
  await report.writeRunReport(dir);
  lap(`report again, reading the history back from disk (index.html ${mb(readFileSync(join(dir, 'index.html')).length)})`);
  console.log(`  peak RSS of this process: ${mb(process.resourceUsage().maxRSS * 1024)}`);
  rmSync(dir, { recursive: true, force: true });
}

if (process.env.SCALE_SKIP_RUN !== '1') {
  const extra = process.argv.indexOf('--');
  const args = extra >= 0 ? process.argv.slice(extra + 1) : ['--node-count', '3', '--concurrency', '40n', '--rate', '12000', '--time-limit', '120'];
  const runStore = mkdtempSync(join(tmpdir(), 'raftchart-scale-run-'));
  const argv = ['test', '-w', 'lin-kv', '--bin', join(root, 'test/fixtures/forward-kv-node.mjs'), '--store', runStore, ...args];
  console.log(`real run: bin/raftchart ${argv.join(' ').replace(runStore, '<tmp store>').replace(root + '/', '')}`);
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(root, 'bin/raftchart'), ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
  // Peak resident set size of the bench process, from the kernel's high-water mark.
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      // gone
    }
  }, 250);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const code = await new Promise((r) => child.on('exit', (c) => r(c)));
  clearInterval(poll);
  const wall = (performance.now() - t0) / 1000;
  const pick = (re) => re.exec(out)?.[1] ?? '?';
  console.log(`  exit ${code}; ${pick(/^operations: (\d+)/m)} operations; ${pick(/^(linearizability: .*)$/m)}`);
  console.log(`  wall time ${wall.toFixed(1)} s; peak RSS of the bench process ${peak ? mb(peak) : 'unknown (no /proc)'}`);
  console.log(`  ${pick(/^(throughput: .*)$/m)}; ${pick(/^(latency ms .*)$/m)}`);
  rmSync(runStore, { recursive: true, force: true });
}
