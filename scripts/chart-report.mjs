// `npm run report -- [RUN_DIR ...]`: (re)writes index.html in bench run
// directories from the files the bench left there (default: store/latest).
// The bench does the same at the end of each run through writeRunReport();
// this is for older runs, or after changing src/viz/report.ts.
import { importTs, root } from './import-ts.mjs';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const { writeRunReport } = await importTs('src/viz/report.ts', 'viz-report');
const dirs = process.argv.slice(2);
if (dirs.length === 0) dirs.push(join(root, 'store', 'latest'));
let failed = 0;
for (const d of dirs) {
  const dir = resolve(d);
  if (!existsSync(join(dir, 'results.json'))) {
    console.error(`${d}: no results.json (not a bench run directory)`);
    failed++;
    continue;
  }
  await writeRunReport(dir);
  console.error(`wrote ${join(d, 'index.html')}`);
}
process.exitCode = failed ? 1 : 0;
