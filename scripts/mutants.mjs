// npm run mutants [-- ID...] [-- --list]: applies every mutant of
// test/mutants/mutants.ts alone to a copy of the tree, runs the fast suite
// against it, and prints which test killed it (or that it survived), then
// `killed K of N`. Exit status 0 only when every mutant was killed.
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = await build({
  stdin: {
    contents: "export { main } from './test/mutants/runner.ts'; export { MUTANTS } from './test/mutants/mutants.ts';",
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  logLevel: 'error',
});
const dir = mkdtempSync(join(tmpdir(), 'raftchart-mutants-runner-'));
const file = join(dir, 'runner.mjs');
writeFileSync(file, out.outputFiles[0].text);
const { main, MUTANTS } = await import(pathToFileURL(file).href);
rmSync(dir, { recursive: true, force: true });
process.exitCode = await main(root, process.argv.slice(2), MUTANTS);
