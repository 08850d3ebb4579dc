// The viewer page: one self-contained HTML file (inline CSS, the chart drawing,
// the run model as JSON, the page script; nothing fetched, works offline).
//
// The page script is bundled from ./client/main.ts by scripts/build.mjs into
// dist/viewer-assets.json together with docs/chart.svg (the same drawing
// `npm run chart` makes from spec/); this module inlines both.

import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { initialRole, roles, transitions } from '../../../spec/chart.js';
import { tlaMapping } from '../../../spec/tla-mapping.js';
import type { ChartData, ViewerModel } from './model.js';

/** The chart from spec/ as the model builder needs it. */
export function chartData(): ChartData {
  return {
    roles: [...roles],
    initialRole,
    transitions: transitions.map((t) => ({ name: t.name, source: t.source, target: t.target ?? null, tla: tlaMapping[t.name]?.tla ?? null })),
  };
}

export interface ViewerAssets {
  /** The page script (an IIFE). */
  readonly js: string;
  /** docs/chart.svg as it was when the script was built. */
  readonly chartSvg: string;
}

const ASSET_CANDIDATES = [
  // Bundled into dist/ (bin/raftchart, npm run report): next to this code.
  new URL('./viewer-assets.json', import.meta.url),
  // Run from src/ (tests): the repository's dist/.
  new URL('../../../dist/viewer-assets.json', import.meta.url),
];

let cached: ViewerAssets | undefined;

/** The built page script and chart drawing; a clear error when they were never built. */
export function viewerAssets(): ViewerAssets {
  if (cached) return cached;
  for (const u of ASSET_CANDIDATES) {
    if (u.protocol !== 'file:') continue;
    const p = fileURLToPath(u);
    if (!existsSync(p)) continue;
    const a = JSON.parse(readFileSync(p, 'utf8')) as ViewerAssets;
    if (typeof a.js !== 'string' || typeof a.chartSvg !== 'string') throw new Error(`${p} is not a viewer asset file; run npm run build`);
    cached = a;
    return a;
  }
  throw new Error('the viewer page script is not built (dist/viewer-assets.json): run `npm run build`');
}

/**
 * The chart drawing as a template the page clones once per node: ids become
 * data-cid (a page holds one copy per node, and ids must be unique), links
 * are dropped (a click must not change the URL, which keeps the position).
 */
export function chartTemplate(svg: string): string {
  return svg
    .replace(/^<\?xml[^>]*>\s*/, '')
    .replace(/<!DOCTYPE[^>]*>\s*/, '')
    .replace(/<!--[\s\S]*?-->\s*/g, '')
    .replace(/\sid="/g, ' data-cid="')
    .replace(/\sxlink:href="[^"]*"/g, '')
    .trim();
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const CSS = `
* { box-sizing: border-box; }
body { font-family: Helvetica, Arial, sans-serif; margin: 0; color: #222; font-size: 13px; background: #fff; }
header { padding: .6rem 1rem .2rem; }
h1 { font-size: 1.15rem; margin: 0; }
#about { color: #555; }
#notes { margin: .3rem 0; padding-left: 1.2rem; color: #8a5a00; }
#fatal { background: #fdd; padding: .5rem 1rem; font-weight: bold; }
#controls { position: sticky; top: 0; z-index: 5; background: #f4f6f8; border-bottom: 1px solid #ccd; padding: .35rem 1rem; }
#controls .row { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; margin: .15rem 0; }
#controls button { font-size: 12px; padding: .15rem .5rem; }
#controls button.on { background: #cde; }
#controls input[type=number] { width: 6.5em; }
#scrub { width: 100%; margin: .2rem 0 0; }
#timeline-wrap { position: relative; }
#timeline { width: 100%; display: block; cursor: crosshair; border: 1px solid #dde; }
#timeline-cursor { position: absolute; top: 0; bottom: 0; width: 2px; background: #111; pointer-events: none; }
#stop-at label { margin-right: .3rem; }
.sep { color: #aaa; }
#now { padding: .45rem 1rem; background: #fffbe6; border-bottom: 1px solid #eed; height: 4.6em; overflow: auto; contain: strict; }
#now .sn, #recent .sn { color: #666; font-variant-numeric: tabular-nums; }
#now .st, #recent .st { color: #666; font-variant-numeric: tabular-nums; margin-right: .3rem; }
.tr-name { font-weight: bold; color: #8b1a1a; }
.tla { color: #6a3d9a; font-size: 11px; }
.ev { color: #444; }
.move { background: #eef; padding: 0 .25rem; border-radius: 3px; }
.sent { color: #555; font-size: 12px; margin-top: .15rem; }
.err { color: #b00; }
.viol { color: #fff; background: #c00; padding: 0 .3rem; border-radius: 3px; font-weight: bold; }
.flag { color: #7b3fb3; font-weight: bold; }
.netev { font-weight: bold; color: #a33; }
.missing { color: #8a5a00; font-style: italic; }
#violation-banner { background: #c00; color: #fff; padding: .4rem 1rem; }
main { padding: .5rem 1rem 2rem; }
h2 { font-size: .95rem; margin: .8rem 0 .3rem; }
#nodes { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: .6rem; }
.node { border: 1px solid #ccd; border-radius: 6px; padding: .4rem; background: #fff; contain: layout style; }
.node.acting { border-color: #d62728; box-shadow: 0 0 0 2px rgba(214,39,40,.25); }
.node.down { background: #eee; opacity: .75; }
.node.paused { background: #f3f3f3; }
.node.wide { grid-column: 1 / -1; }
.node-head { font-size: 14px; height: 1.4em; overflow: hidden; white-space: nowrap; contain: strict; }
.role-badge { padding: 0 .4rem; border-radius: 8px; font-weight: bold; }
.badge { margin-left: .3rem; padding: 0 .35rem; border-radius: 3px; font-size: 11px; color: #fff; }
.badge.down { background: #333; } .badge.paused { background: #777; } .badge.cut { background: #c44; }
.term { color: #333; }
.node-vars { margin: .2rem 0; font-size: 12px; height: 2.6em; overflow: hidden; contain: strict; }
.node-chart { cursor: zoom-in; contain: strict; aspect-ratio: 4 / 3; width: 100%; }
.node.wide .node-chart { cursor: zoom-out; }
.node-chart svg { width: 100%; height: auto; display: block; }
.node-chart svg g.role-on > path:first-of-type { stroke: #d62728; stroke-width: 7px; }
.node-chart svg g.tr-on path, .node-chart svg g.tr-on polygon { stroke: #d62728; stroke-width: 5px; }
.node-chart svg g.tr-on text { fill: #c00000; font-weight: bold; paint-order: stroke; stroke: #ffe95a; stroke-width: 7px; }
.node-chart svg g.tr-last path, .node-chart svg g.tr-last polygon { stroke-width: 3px; }
.node-chart svg g.tr-last text { fill: #7a1f1f; paint-order: stroke; stroke: #f3eadb; stroke-width: 6px; }
.node-last { font-size: 12px; height: 1.5em; overflow: hidden; white-space: nowrap; contain: strict; }
.node-other { font-size: 11px; color: #555; height: 2.6em; overflow: hidden; contain: strict; }
.node-repl { height: 5em; overflow: hidden; contain: strict; font-size: 11px; }
table.repl { border-collapse: collapse; margin-top: .2rem; }
table.repl td, table.repl th { border: 1px solid #ddd; padding: 0 .35rem; }
#logs-head { display: flex; gap: .5rem; align-items: center; }
#log-rows { overflow: hidden; contain: layout style paint; }
.log-row { display: flex; align-items: center; height: 24px; white-space: nowrap; }
.log-row.ruler { height: 14px; font-size: 9px; color: #777; }
.log-name { width: 56px; flex: none; font-weight: bold; }
.log-row .e, .log-row .ix { position: relative; width: 28px; height: 20px; margin-right: 2px; flex: none; text-align: center; line-height: 20px; font-size: 11px; }
.log-row .e { border: 1px solid #bbb; border-radius: 3px; opacity: .55; border-style: dashed; }
.log-row .e.c { opacity: 1; border-style: solid; border-color: #555; }
.log-row .e.commit-edge { box-shadow: 3px 0 0 #111; }
.log-row .e.a::after { content: ''; position: absolute; left: 10px; bottom: -5px; width: 6px; height: 3px; background: #2e7d32; }
.log-row .e.none { border: 1px dotted #e3e3e3; opacity: 1; }
.log-row .e.unknown { background: repeating-linear-gradient(45deg, #eee, #eee 3px, #fff 3px, #fff 6px); }
.log-row .e.snap { background: #d9d9d9; color: #555; }
.log-tail { margin-left: .5rem; font-size: 11px; color: #555; }
.mk { position: absolute; top: -9px; font-size: 9px; font-style: normal; font-weight: bold; }
.mk.next { left: 1px; color: #1f5fbf; } .mk.match { right: 1px; color: #2e7d32; }
#bottom { display: grid; grid-template-columns: minmax(340px, 1.1fr) minmax(300px, 1fr) minmax(300px, 1fr); gap: .8rem; }
#inflight, #ops, #recent { height: 26em; overflow: auto; contain: strict; }
#checker { max-height: 20em; overflow: auto; }
#net-svg { width: 340px; height: 260px; border: 1px solid #dde; border-radius: 6px; background: #fcfcfd; }
#net-svg .link { stroke: #bbb; stroke-width: 2; }
#net-svg .link.cut { stroke: #d33; stroke-dasharray: 5 4; }
#net-svg .link.cut.half { stroke: #e98; }
#net-svg .srv text { font-size: 12px; font-weight: bold; } #net-svg .srv text.sub { font-size: 9px; font-weight: normal; }
#net-svg .msg { stroke: #fff; stroke-width: 1; }
#net-svg .msg.delivering { stroke: #111; stroke-width: 2.5; }
#net-svg .msg.delivering.dropped { stroke: #d00; stroke-dasharray: 2 2; }
table.list { border-collapse: collapse; font-size: 11px; width: 100%; }
table.list td, table.list th { border-bottom: 1px solid #eee; padding: .05rem .3rem; text-align: left; vertical-align: top; }
.count { font-weight: bold; margin: .3rem 0 .1rem; }
tr.op.o-ok .outcome { color: #2e7d32; } tr.op.o-fail .outcome { color: #b00; } tr.op.o-info .outcome { color: #b26a00; }
tr.op.flagged td { background: #efe3fa; } tr.op.culprit td { background: #dcc3f3; font-weight: bold; }
tr[data-step] { cursor: pointer; }
#recent { list-style: none; padding: 0; margin: 0; font-size: 12px; }
#recent li { padding: .08rem .3rem; cursor: pointer; border-radius: 3px; }
#recent li.cur { background: #fff3b0; }
#recent li.future { color: #999; }
#checker .failure { border-left: 3px solid #7b3fb3; padding-left: .4rem; margin: .3rem 0; }
.verdict-true { color: #2e7d32; } .verdict-false { color: #b00; }
footer { color: #777; padding: 0 1rem 1rem; font-size: 11px; }
`;

/** The page for a model. Pure: the same model and assets give the same bytes. */
export function renderViewerHtml(model: ViewerModel, assets: ViewerAssets = viewerAssets()): string {
  const data = JSON.stringify(model).replace(/</g, '\\u003c');
  const js = assets.js.replace(/<\/script/gi, '<\\/script');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`raftchart viewer: ${model.title}`)}</title>
<style>${CSS}</style>
</head>
<body>
<div id="fatal" hidden></div>
<header>
<h1>raftchart viewer: <span id="title">${esc(model.title)}</span></h1>
<div id="about"></div>
<ul id="notes" hidden></ul>
</header>
<nav id="controls">
<div class="row">
<button id="step-first" title="first step (Home)">|◀</button>
<button id="step-back" title="previous step (←)">◀ back</button>
<button id="play" title="play / pause (space)">▶ play</button>
<button id="step-forward" title="next step (→)">forward ▶</button>
<button id="step-last" title="last step (End)">▶|</button>
<label>speed <select id="speed">
<option value="steps:2">2 steps/s</option><option value="steps:10" selected>10 steps/s</option><option value="steps:50">50 steps/s</option><option value="steps:250">250 steps/s</option>
<option value="time:0.01">0.01× run time</option><option value="time:0.1">0.1× run time</option><option value="time:1">1× run time</option>
</select></label>
<span class="sep">|</span>
<label>step <input id="step-input" type="number" min="1" value="1"> of <span id="step-count">0</span></label>
<label>time <input id="time-input" type="number" step="0.001" min="0"> s</label><button id="time-go">go</button>
</div>
<div class="row">
<label>jump to <select id="jump-kind"></select></label>
<button id="jump-prev" title="previous one (p)">◀ prev</button><button id="jump-next" title="next one (n)">next ▶</button><span id="jump-status" class="missing"></span>
<span class="sep">|</span>
<button id="jump-violation">first invariant violation</button>
<button id="jump-flagged-prev">◀</button><button id="jump-flagged-next" title="operations the linearizability checker could not linearise">unlinearisable ops ▶</button>
<span class="sep">|</span>
<span id="stop-at">step stops at:
<label><input type="checkbox" value="transitions" checked> transitions</label>
<label><input type="checkbox" value="messages" checked> messages</label>
<label><input type="checkbox" value="clients" checked> client ops</label>
<label><input type="checkbox" value="network" checked> network</label>
<label><input type="checkbox" value="other" checked> other</label></span>
</div>
<input id="scrub" type="range" min="0" max="0" value="0" aria-label="position in the run">
<div id="timeline-wrap"><canvas id="timeline" height="40" aria-label="roles per node over time; partitions shaded; click to jump"></canvas><div id="timeline-cursor"></div></div>
</nav>
<div id="now" aria-live="polite"></div>
<div id="violation-banner" hidden></div>
<main>
<h2>Nodes: each one's chart, its role and the transition just taken</h2>
<div id="nodes"></div>
<h2 id="logs-head">Logs <span id="log-window" class="ev"></span>
<button id="log-left" title="earlier indexes">◀</button><button id="log-right" title="later indexes">▶</button>
<label><input id="log-follow" type="checkbox" checked> follow the end and the entries that change</label></h2>
<div id="log-rows"></div>
<div class="ev" style="font-size:11px">Each box is an entry, its term written in it and coloured by term. Solid: committed on that node; dashed: not yet. Black bar: the node's commit index; green tick: applied. n / m above a box: the leader's nextIndex / matchIndex for that node.</div>
<div id="bottom">
<div><h2>Network: messages in flight</h2><svg id="net-svg" viewBox="0 0 340 260" role="img" aria-label="servers, links (dashed red: cut by a partition), messages in flight"></svg><div id="inflight"></div></div>
<div><h2>Client operations</h2><div id="ops"></div><h2>Checker</h2><div id="checker"></div></div>
<div><h2>Steps around this one</h2><ol id="recent"></ol></div>
</div>
</main>
<footer>Generated by raftchart (src/viz/viewer/); self-contained, no network. The URL keeps the position (#step=N). Keys: ← → step, space play, n / p next / previous jump, Home / End.</footer>
<template id="chart-template">${chartTemplate(assets.chartSvg)}</template>
<script type="application/json" id="run-data">${data}</script>
<script>${js}</script>
</body>
</html>
`;
}
