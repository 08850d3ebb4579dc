// `npm run chart`: renders the Raft role chart from spec/ into docs/
// (chart.mmd, chart.dot, chart.svg, chart.json, chart.html).
// `npm run chart -- --check` writes nothing and exits 1 when a file is stale.
import { importTs, root } from './import-ts.mjs';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const check = process.argv.includes('--check');

const { renderChartFiles } = await importTs('src/viz/chart.ts', 'viz-chart');
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
