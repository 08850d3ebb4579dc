// Bundles the two executables (the Maelstrom node and the raftchart CLI) into
// dist/ with esbuild, and the viewer page's script with the chart drawing
// into dist/viewer-assets.json (src/viz/viewer/html.ts inlines them into every
// viewer page). Runs on `npm ci` (prepare) and before `npm test`.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
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
// The viewer's page script: one browser IIFE, inlined into each page
// (VIEWER_NO_MINIFY=1 keeps names readable, for profiling it in Chromium).
const page = await build({
  absWorkingDir: root,
  entryPoints: ['src/viz/viewer/client/main.ts'],
  bundle: true,
  write: false,
  platform: 'browser',
  target: 'es2020',
  format: 'iife',
  minify: process.env.VIEWER_NO_MINIFY ? false : true,
  legalComments: 'none',
  logLevel: 'warning',
});
writeFileSync(
  join(root, 'dist', 'viewer-assets.json'),
  JSON.stringify({ js: page.outputFiles[0].text, chartSvg: readFileSync(join(root, 'docs', 'chart.svg'), 'utf8') }),
);
if (!process.env.RAFTCHART_QUIET_BUILD) {
  console.error(`built dist/ (${Object.keys(entries).join(', ')}, viewer-assets.json) in ${Date.now() - start} ms`);
}
