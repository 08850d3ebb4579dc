// npm run bench:network — how fast the bench's network routes messages
// between real node processes, and how long the linearizability checker
// takes on large lin-kv histories shaped as Maelstrom makes them (keys
// retired after 20 processes, so per-key histories are long), valid and
// with planted anomalies. BENCH_SECONDS sets the routing time per case.
import { importTs, root } from './import-ts.mjs';
import { join } from 'node:path';

const perf = await importTs('src/bench/perf.ts', 'perf');

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const bin = join(root, 'test/fixtures/flood-node.mjs');
console.log(`network routing (flood-node processes, ping/pong, ${seconds} s each):`);
for (const [nodes, window, latency] of [[3, 50, 0], [5, 20, 0], [3, 50, 5]]) {
  const r = await perf.measureRouting({ bin, nodes, window, seconds, latency, latencyDist: 'uniform' });
  console.log(`  ${nodes} nodes, window ${window}/peer, latency ${latency} ms: ${Math.round(r.perSecond).toLocaleString('en-US')} msgs/s routed (${r.routed.toLocaleString('en-US')} in ${r.seconds.toFixed(1)} s)`);
}
const fmt = (r) => `${r.ops.toLocaleString('en-US')} ops over ${r.keys} keys (longest ${r.longestKey.toLocaleString('en-US')}) -> ${r.valid} in ${r.seconds.toFixed(2)} s`;
console.log('checker (synthetic valid lin-kv histories from a true register, the bench\'s own generator):');
const cases = [
  ['60 s, 3 nodes, concurrency 10n, rate 100, 5% writes timing out (the seed\'s aggressive run)', { seconds: 60, rate: 100, threads: 30, nodes: 3, infoFraction: 0.05, seed: 1 }],
  ['  the same with --per-key-limit 128 (the bench\'s old default)', { seconds: 60, rate: 100, threads: 30, nodes: 3, infoFraction: 0.05, seed: 1, perKeyLimit: 128 }],
  ['60 s, 5 nodes, concurrency 10n, rate 300, 10% writes timing out', { seconds: 60, rate: 300, threads: 50, nodes: 5, infoFraction: 0.1, seed: 2 }],
  ['100 s, 3 nodes, concurrency 40n, rate 5000, 0.05% timing out (keys of ~25k ops)', { seconds: 100, rate: 5000, threads: 120, nodes: 3, infoFraction: 0.0005, seed: 4 }],
];
for (const [label, o] of cases) console.log(`  ${label}: ${fmt(perf.measureChecker(perf.syntheticHistory(o)))}`);
// Planted anomalies (a read of a value nobody wrote): the checker must find
// them all and explain each; proving a key invalid searches all of its past.
{
  const h = perf.syntheticHistory(cases[0][1]);
  const seen = new Set();
  for (let i = h.length - 1; i >= 0 && seen.size < 5; i--) {
    const e = h[i];
    if (e.type === 'ok' && e.f === 'read' && !seen.has(e.key) && e.value !== null) {
      e.value = 9;
      seen.add(e.key);
    }
  }
  const r = perf.measureChecker(h);
  console.log(`  the aggressive-run history with 5 keys' last read changed: ${r.valid}, ${r.failures} key(s) flagged, in ${r.seconds.toFixed(2)} s (explanations included)`);
}
{
  const h = perf.syntheticHistory(cases[3][1]);
  const reads = h.filter((e) => e.type === 'ok' && e.f === 'read' && e.value !== null);
  const victim = reads[Math.floor(reads.length * 0.9)];
  victim.value = 9;
  const r = perf.measureChecker(h);
  console.log(`  the 25k-op-key history with one late read changed: ${r.valid}, ${r.failures} key(s) flagged, core of ${r.coreSize} op(s), in ${r.seconds.toFixed(2)} s`);
}
