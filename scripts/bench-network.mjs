// npm run bench:network — how fast the bench's network routes messages
// between real node processes, and how long the linearizability checker
// takes on a large lin-kv history (60 s, concurrency 10n, rate 100, and a
// heavier one). Bundles src/bench/perf.ts with esbuild to a temp file.
import { build } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = mkdtempSync(join(tmpdir(), 'raftchart-perf-'));
await build({
  absWorkingDir: root,
  entryPoints: ['src/bench/perf.ts'],
  outfile: join(out, 'perf.mjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  logLevel: 'warning',
});
const perf = await import(pathToFileURL(join(out, 'perf.mjs')).href);
rmSync(out, { recursive: true, force: true });

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const bin = join(root, 'test/fixtures/flood-node.mjs');
console.log(`network routing (flood-node processes, ping/pong, ${seconds} s each):`);
for (const [nodes, window, latency] of [[3, 50, 0], [5, 20, 0], [3, 50, 5]]) {
  const r = await perf.measureRouting({ bin, nodes, window, seconds, latency, latencyDist: 'uniform' });
  console.log(`  ${nodes} nodes, window ${window}/peer, latency ${latency} ms: ${Math.round(r.perSecond).toLocaleString('en-US')} msgs/s routed (${r.routed.toLocaleString('en-US')} in ${r.seconds.toFixed(1)} s)`);
}
console.log('checker (synthetic valid lin-kv histories from a true register):');
for (const [label, o] of [
  ['60 s, 3 nodes, concurrency 10n, rate 100, 5% writes timing out', { seconds: 60, rate: 100, threads: 30, nodes: 3, infoFraction: 0.05, seed: 1 }],
  ['60 s, 5 nodes, concurrency 10n, rate 300, 10% writes timing out', { seconds: 60, rate: 300, threads: 50, nodes: 5, infoFraction: 0.1, seed: 2 }],
]) {
  const h = perf.syntheticHistory(o);
  const r = perf.measureChecker(h);
  console.log(`  ${label}: ${r.ops} ops over ${r.keys} keys -> ${r.valid} in ${r.seconds.toFixed(2)} s`);
}
// The same large history with one read per key (for 10 keys) made stale: the
// checker must find them all and explain each.
{
  const h = perf.syntheticHistory({ seconds: 60, rate: 100, threads: 30, nodes: 3, infoFraction: 0.05, seed: 1 });
  const seen = new Set();
  for (let i = h.length - 1; i >= 0 && seen.size < 10; i--) {
    const e = h[i];
    if (e.type === 'ok' && e.f === 'read' && !seen.has(e.key) && e.value !== null) {
      e.value = (e.value + 1) % 5;
      seen.add(e.key);
    }
  }
  const r = perf.measureChecker(h);
  console.log(`  same 60 s history with 10 keys' last read corrupted: ${r.valid} in ${r.seconds.toFixed(2)} s (explanations included)`);
}
