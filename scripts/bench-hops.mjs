// npm run bench:hops -- [raftchart test flags]
//
// One bench run (flags as `raftchart test`, default: --latency 10, 10n,
// rate 1000, 10 s, against bin/raft), then where the time of an operation
// went, from the bench's message journal (src/bench/hops.ts): the bench's
// delivery lateness, the leader's time from a client write to its next
// AppendEntries, a follower's time from an AppendEntries to its answer, and
// a leader-bound request's whole time at the leader. A benchmark: figures
// depend on the machine's load.
import { join } from 'node:path';
import { importTs, root } from './import-ts.mjs';

const argv = process.argv.slice(2);
const args = argv.length > 0 ? argv : ['--node-count', '3', '--concurrency', '10n', '--rate', '1000', '--latency', '10', '--time-limit', '10', '--seed', '1'];
if (!args.includes('--bin')) args.push('--bin', join(root, 'bin', 'raft'));
const bench = await importTs('src/bench/hops-entry.ts', 'bench-hops');
let net = null;
const parsed = bench.parseArgs(args);
if (parsed.help) {
  console.log('usage: npm run bench:hops -- [raftchart test flags]');
  process.exit(0);
}
const out = await bench.runTest(parsed.options, true, { started: (run) => (net = run.net) });
console.log(`${out.results.verdict}; ${args.join(' ')}`);
if (net.journalTruncated) console.log(`(the journal kept the first ${net.journal.length} messages only)`);
console.log(bench.formatHops(bench.hopBreakdown(net.journal)));
process.exit(out.results.verdict === 'valid' ? 0 : 1);
