// Bundles the two executables (the Maelstrom node and the raftchart CLI) into
// dist/ with esbuild. Runs on `npm ci` (prepare) and before `npm test`.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entries = {
  raft: 'src/maelstrom/main.ts',
  raftchart: 'src/cli.ts',
};
const start = Date.now();
await build({
  absWorkingDir: root,
  entryPoints: entries,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  logLevel: 'warning',
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
});
if (!process.env.RAFTCHART_QUIET_BUILD) {
  console.error(`built dist/ (${Object.keys(entries).join(', ')}) in ${Date.now() - start} ms`);
}
