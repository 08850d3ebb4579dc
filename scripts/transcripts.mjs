// npm run transcripts [-- --rewrite] [-- FILTER]: runs the transcript tests of
// test/transcripts/testdata/; with --rewrite, writes what the nodes did now as
// the expectations (review the diff with git before committing it).
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const rewrite = args.includes('--rewrite');
const rest = args.filter((a) => a !== '--rewrite');
const r = spawnSync('npx', ['vitest', 'run', 'test/transcripts', ...(rest.length ? ['-t', rest.join(' ')] : [])], {
  stdio: 'inherit',
  env: { ...process.env, ...(rewrite ? { TRANSCRIPT_REWRITE: '1' } : {}) },
});
if (rewrite && r.status === 0) console.log('transcripts rewritten: review them with git diff test/transcripts/testdata/');
process.exit(r.status ?? 1);
