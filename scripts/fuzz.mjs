// `npm run fuzz -- [--lines N] [--nodes 1|3] [--seed S] [--no-writes]`:
// hostile input against real bin/raft processes for as long as you like
// (test/fuzz/ has the generators and checks; `npm test` runs 10,000 lines
// per cluster shape). Prints lines per second, answers by code, unanswered
// requests, peak RSS of the nodes and what was lost; exits 1 on any failure.
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { importTs, root } from './import-ts.mjs';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '100000' },
    nodes: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    'no-writes': { type: 'boolean', default: false },
    bin: { type: 'string', default: join(root, 'bin', 'raft') },
  },
});
const lines = Number(values.lines);
const nodeCount = Number(values.nodes);
const seed = Number(values.seed);
if (!Number.isSafeInteger(lines) || lines < 1 || !Number.isSafeInteger(nodeCount) || nodeCount < 1 || !Number.isSafeInteger(seed)) {
  console.error('usage: npm run fuzz -- [--lines N] [--nodes N] [--seed S] [--no-writes] [--bin FILE]');
  process.exit(2);
}
const { runFuzz } = await importTs('test/fuzz/harness.ts', 'fuzz-harness');
const every = Math.max(1000, Math.round(lines / 20));
console.error(`fuzz: ${lines} lines against ${nodeCount} node(s) of ${values.bin}, seed ${seed}${values['no-writes'] ? ', no writes' : ''}`);
const r = await runFuzz({
  bin: values.bin,
  nodeCount,
  lines,
  seed,
  noWrites: values['no-writes'],
  progressEvery: every,
  onProgress: (p) => console.error(`  ${p.lines} lines, ${p.linesPerSecond} lines/s, node RSS peak ${p.peakRssMb} MB`),
});
const codes = Object.entries(r.replies).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}: ${n}`).join(', ');
console.log(`lines: ${r.lines} in ${r.seconds.toFixed(1)} s (${r.linesPerSecond} lines/s)`);
console.log(`answers: ${codes}`);
console.log(`unanswered bad requests (must be 0): ${r.unanswered}; wrong answers: ${r.wrongAnswers.length}`);
console.log(`well-formed requests without an answer (fate unknown, allowed): ${r.unansweredWellFormed}`);
console.log(`acknowledged values read back: ${r.acked - r.lost.length} of ${r.acked}; lost: ${r.lost.length}`);
console.log(`node RSS: peak ${r.peakRssMb} MB; samples (MB, every 5,000 lines): ${r.rssSamplesMb.join(' ')}`);
console.log(`nodes exited: ${r.exited.length ? r.exited.join('; ') : 'none'}; bad stdout lines: ${r.badOutput.length}; error lines on stderr: ${r.stderrErrors.length}`);
for (const w of r.wrongAnswers) console.log(`  wrong: expected ${w.expected}, got ${JSON.stringify(w.got)} for ${w.line}`);
for (const l of r.lost) console.log(`  lost: ${l.key}: expected ${JSON.stringify(l.expected)}, got ${JSON.stringify(l.got)}`);
for (const e of [...r.badOutput, ...r.stderrErrors]) console.log(`  ${e}`);
const failed = r.exited.length + r.badOutput.length + r.wrongAnswers.length + r.unanswered + r.lost.length + r.stderrErrors.length;
console.log(failed === 0 ? 'fuzz: ok' : 'fuzz: FAILED');
process.exitCode = failed === 0 ? 0 : 1;
