// `npm run bench:perf -- [--bin FILE]... [--only ID,ID] [--repeat N] [--time-scale X] [--store DIR] [--json FILE] [-- node args]`
//
// The performance table of issue 18, as a benchmark (not a timed test): a
// fixed set of bench runs (src/bench/perf-table.ts PERF_CASES: --latency 10,
// the seed's aggressive run, 20n at rate 2000, 5 and 7 nodes, failover, the
// ceiling at 40n) against bin/raft or any other Maelstrom node (--bin), with
// latency split by clients bound to the leader and to a follower and the
// floor of each, ok ops/s, server msgs/op, failover time, CPU per operation
// of the leader process and the bench process's own CPU share.
//
// Several --bin flags run every case against each binary in turn
// (interleaved, so that load from other jobs falls on all of them alike);
// --repeat N runs the whole set N times and prints medians with ranges.
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { importTs, root } from './import-ts.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    bin: { type: 'string', multiple: true },
    only: { type: 'string' },
    repeat: { type: 'string', default: '1' },
    'time-scale': { type: 'string', default: '1' },
    store: { type: 'string', default: join(root, 'store', 'perf') },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
const perf = await importTs('src/bench/perf-table.ts', 'perf-table');
if (values.help) {
  console.log('usage: npm run bench:perf -- [--bin FILE]... [--only ID,ID] [--repeat N] [--time-scale X] [--store DIR] [--json FILE] [-- node args]');
  console.log(`cases: ${perf.PERF_CASES.map((c) => `${c.id} (${c.label})`).join('; ')}`);
  process.exit(0);
}
const bins = (values.bin ?? [join(root, 'bin', 'raft')]).map((b) => resolve(b));
const ids = values.only ? values.only.split(',') : perf.PERF_CASES.map((c) => c.id);
const cases = ids.map((id) => {
  const c = perf.PERF_CASES.find((x) => x.id === id);
  if (!c) {
    console.error(`bench:perf: no case ${id}; cases: ${perf.PERF_CASES.map((x) => x.id).join(', ')}`);
    process.exit(254);
  }
  return c;
});
const repeat = Number(values.repeat);
const timeScale = Number(values['time-scale']);
const store = resolve(values.store);
const log = (t) => process.stderr.write(`${t}\n`);

const { cpus, loadavg } = await import('node:os');
log(`bench:perf: ${cases.length} case(s) x ${bins.length} binary(ies) x ${repeat}; ${cpus().length} CPUs, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const rows = new Map(bins.map((b) => [b, new Map(cases.map((c) => [c.id, []]))]));
for (let k = 0; k < repeat; k++) {
  for (const c of cases) {
    for (const bin of bins) {
      log(`bench:perf: [${k + 1}/${repeat}] ${c.id} (${c.label}) against ${bin}`);
      const row = await perf.runPerfCase(c, { bin, store, timeScale, extraArgs: positionals, log });
      rows.get(bin).get(c.id).push(row);
      log(`  ${row.verdict}, ${Math.round(row.okPerSecond)} ok/s, p50 ${row.all.p50} ms, ${row.serverMsgsPerOp?.toFixed(2)} msgs/op; load average ${loadavg()[0].toFixed(1)}`);
      log(`  offered ${Math.round(row.offered)} of ${row.asked} ops/s asked, bench CPU ${Math.round(row.benchCpuShare * 100)}% of a core; bottleneck: ${row.bottleneck}`);
    }
  }
}
const out = {};
for (const bin of bins) {
  const perCase = cases.map((c) => rows.get(bin).get(c.id));
  console.log(`\n${bin}${repeat > 1 ? ` (median, and range over ${repeat} runs)` : ''}:\n`);
  console.log(perf.formatTable(perCase));
  console.log('');
  console.log(perf.formatDetails(perCase.flat()));
  out[bin] = Object.fromEntries(cases.map((c, i) => [c.id, perCase[i]]));
}
console.log(`\nload average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
if (values.json) writeFileSync(values.json, JSON.stringify(out, null, 2) + '\n');
