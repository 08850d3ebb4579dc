// `npm run viewer:perf -- PAGE.html [...]`: loads viewer pages in headless
// Chromium (Debian's, through playwright-core; see test/browser/chromium.ts)
// and prints what they cost: page size, steps, time to ready (parse, index,
// first render), JS heap after load, and the time to show a step (stepping
// forward, and random jumps), each including the browser's style and layout.
// A viewer page for a bench run is store/<workload>/<run>/viewer.html.
import { importTs } from './import-ts.mjs';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const pages = process.argv.slice(2);
if (pages.length === 0) {
  console.error('usage: npm run viewer:perf -- PAGE.html [...]');
  process.exit(2);
}
const { launch, watch } = await importTs('test/browser/chromium.ts', 'browser-chromium');
const session = await launch();
const cdpMetric = async (cdp, name) => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === name)?.value ?? NaN;
const mb = (x) => `${(x / 1048576).toFixed(1)} MB`;
try {
  for (const p of pages) {
    const path = resolve(p);
    const page = await session.context.newPage();
    const problems = watch(page);
    const cdp = await session.context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const t0 = Date.now();
    await page.goto(pathToFileURL(path).href);
    await page.waitForSelector('body[data-ready=true]', { timeout: 120_000 });
    const wall = Date.now() - t0;
    const v = await page.evaluate(() => ({ steps: window.viewer.steps, timings: window.viewer.timings }));
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdpMetric(cdp, 'JSHeapUsedSize');
    const nodes = await cdpMetric(cdp, 'Nodes');
    const stepping = await page.evaluate(async (n) => {
      const times = [];
      window.viewer.go(1);
      for (let i = 0; i < n; i++) {
        const a = performance.now();
        window.viewer.stepForward();
        void document.body.offsetHeight; // style and layout included
        times.push(performance.now() - a);
      }
      times.sort((x, y) => x - y);
      return { n, mean: times.reduce((x, y) => x + y, 0) / n, p99: times[Math.floor(n * 0.99)], max: times[n - 1] };
    }, Math.min(2000, v.steps - 1));
    const jumps = await page.evaluate(async (n) => {
      const times = [];
      let seed = 12345;
      for (let i = 0; i < n; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        const s = 1 + (seed % window.viewer.steps);
        const a = performance.now();
        window.viewer.go(s);
        void document.body.offsetHeight;
        times.push(performance.now() - a);
      }
      times.sort((x, y) => x - y);
      return { n, mean: times.reduce((x, y) => x + y, 0) / n, p99: times[Math.floor(n * 0.99)], max: times[n - 1] };
    }, 300);
    await cdp.send('HeapProfiler.collectGarbage');
    const heapAfter = await cdpMetric(cdp, 'JSHeapUsedSize');
    const f = (x) => x.toFixed(1);
    console.log(`${p}: ${mb(statSync(path).size)}, ${v.steps} steps`);
    console.log(
      `  load: ready ${f(v.timings.readyMs)} ms after navigation start (HTML parsed at ${f(v.timings.scriptStartMs)} ms; page script: JSON ${f(v.timings.parseMs)} ms, indexes ${f(v.timings.indexMs)} ms, first step shown ${f(v.timings.firstRenderMs)} ms); ${wall} ms as the test driver saw it`,
    );
    console.log(`  memory: JS heap ${mb(heap)} after load, ${mb(heapAfter)} after stepping; ${nodes} DOM nodes`);
    console.log(`  step forward (x${stepping.n}): mean ${f(stepping.mean)} ms, p99 ${f(stepping.p99)} ms, max ${f(stepping.max)} ms`);
    console.log(`  random jump (x${jumps.n}): mean ${f(jumps.mean)} ms, p99 ${f(jumps.p99)} ms, max ${f(jumps.max)} ms`);
    if (problems.length) console.log(`  PROBLEMS: ${problems.join('; ')}`);
    await page.close();
  }
} finally {
  await session.close();
}
