// `npm run chart`: renders the Raft role chart from spec/ into docs/
// (chart.mmd, chart.dot, chart.svg, chart.json, chart.html).
// `npm run chart -- --check` writes nothing and exits 1 when a file is stale.
//
// src/viz/chart.ts is TypeScript; esbuild (already a dev dependency) bundles it
// with its spec/ and machines/ imports into dist/, leaving npm packages
// external so they resolve from node_modules as usual.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const outfile = join(root, 'dist', 'viz-chart.mjs');

await build({
  absWorkingDir: root,
  entryPoints: ['src/viz/chart.ts'],
  outfile,
  bundle: true,
  packages: 'external',
  platform: 'node',
  target: 'node20',
  format: 'esm',
  logLevel: 'warning',
});
const { renderChartFiles } = await import(pathToFileURL(outfile).href);
const files = await renderChartFiles();

let stale = 0;
for (const [rel, text] of Object.entries(files)) {
  const path = join(root, rel);
  const same = existsSync(path) && readFileSync(path, 'utf8') === text;
  if (check) {
    if (!same) {
      stale++;
      console.error(`stale: ${rel}`);
    }
    continue;
  }
  mkdirSync(dirname(path), { recursive: true });
  if (!same) writeFileSync(path, text);
  console.error(`${same ? 'unchanged' : 'wrote'} ${rel} (${Buffer.byteLength(text)} bytes)`);
}
if (check) {
  if (stale) {
    console.error(`${stale} chart file(s) stale: run \`npm run chart\``);
    process.exitCode = 1;
  } else {
    console.error('chart files up to date');
  }
}
