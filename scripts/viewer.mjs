// `npm run viewer -- PATH [-o OUT]`: writes a step-through viewer page.
//   PATH a trace file (`raftchart sim --trace FILE`): OUT defaults to PATH with .html
//   PATH a bench run directory (store/latest, store/lin-kv/<run>): writes viewer.html there
// (The bench writes viewer.html itself at the end of each run; `raftchart sim
// --html FILE` writes one while it simulates.)
import { importTs, root } from './import-ts.mjs';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
let out;
const paths = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '-o' || args[i] === '--out') out = args[++i];
  else paths.push(args[i]);
}
if (paths.length === 0) paths.push(join(root, 'store', 'latest'));
if (out !== undefined && paths.length > 1) {
  console.error('-o names one output: give one PATH');
  process.exit(2);
}
const { writeTraceViewer } = await importTs('src/viz/viewer/trace-file.ts', 'viz-viewer-trace');
const { writeRunViewer } = await importTs('src/viz/viewer/bench.ts', 'viz-viewer-bench');
let failed = 0;
for (const p of paths) {
  const path = resolve(p);
  if (!existsSync(path)) {
    console.error(`${p}: no such file or directory`);
    failed++;
    continue;
  }
  const t0 = performance.now();
  let model;
  let target;
  if (statSync(path).isDirectory()) {
    model = await writeRunViewer(path);
    target = join(p, 'viewer.html');
  } else {
    target = out ?? p.replace(/\.(nd)?json$/i, '') + '.html';
    model = await writeTraceViewer(path, resolve(target));
  }
  console.error(`wrote ${target}: ${model.steps.length} steps, ${model.msgs.length} messages, ${model.ops.length} operations (${((performance.now() - t0) / 1000).toFixed(2)} s)`);
  for (const n of model.notes) console.error(`  note: ${n}`);
}
process.exitCode = failed ? 1 : 0;
