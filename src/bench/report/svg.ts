// Hand-written SVG/HTML artefacts: latency (raw and quantiles), rate,
// operations timeline, message spacetime diagram, as Maelstrom/Jepsen write
// them (latency-raw, latency-quantiles, rate, timeline, messages). Every one
// is bounded in size whatever the number of operations, and none spreads an
// array into a call (no argument-count limit): loops find minima and maxima.

import type { JournalRecord } from '../net.js';
import { pairOps, type PairedOp } from '../stats.js';
import type { FaultPeriod, HistoryEvent, PartitionPeriod } from '../types.js';

/** The faults to shade on a time axis. */
export interface FaultShading {
  partitions: readonly PartitionPeriod[];
  faults: readonly FaultPeriod[];
}

/** Appends every item (a loop: no spread of a long array into a call). */
export function pushAll<T>(out: T[], items: readonly T[]): void {
  for (const x of items) out.push(x);
}

/** Jepsen's perf colours for nemesis activity. */
export const FAULT_COLOR = { partition: '#E9DCA0', kill: '#E9A4A0', pause: '#A0B1E9' } as const;

/** Shaded bands (partition, kill, pause) over a plot area; kill and pause bands name their node. */
function shadeFaults(sh: FaultShading, x: (s: number) => number, tMax: number, top: number, height: number): string[] {
  const out: string[] = [];
  for (const p of sh.partitions) {
    const x0 = x(p.start);
    const x1 = x(p.stop ?? tMax);
    out.push(`<rect x="${x0.toFixed(1)}" y="${top}" width="${Math.max(1, x1 - x0).toFixed(1)}" height="${height}" fill="${FAULT_COLOR.partition}" opacity="0.6"><title>${esc(`partition ${p.kind}: ${p.description}`)}</title></rect>`);
  }
  // Kill and pause bands share a thin strip at the top of the plot, one row per fault kind.
  for (const f of sh.faults) {
    const x0 = x(f.start);
    const x1 = x(f.stop ?? tMax);
    const row = f.fault === 'kill' ? 0 : 1;
    out.push(`<rect x="${x0.toFixed(1)}" y="${top}" width="${Math.max(1, x1 - x0).toFixed(1)}" height="${height}" fill="${FAULT_COLOR[f.fault]}" opacity="0.3"><title>${esc(`${f.fault} ${f.node}${f.spec ? ` (${f.spec})` : ''}: ${f.start.toFixed(2)}-${f.stop === null ? 'end' : f.stop.toFixed(2)} s`)}</title></rect>`);
    out.push(`<rect x="${x0.toFixed(1)}" y="${top + row * 5}" width="${Math.max(1, x1 - x0).toFixed(1)}" height="5" fill="${FAULT_COLOR[f.fault]}"/>`);
  }
  return out;
}

function faultLegend(sh: FaultShading, x: number, y: number): string[] {
  const out: string[] = [];
  const kinds: (keyof typeof FAULT_COLOR)[] = [];
  if (sh.partitions.length) kinds.push('partition');
  if (sh.faults.some((f) => f.fault === 'kill')) kinds.push('kill');
  if (sh.faults.some((f) => f.fault === 'pause')) kinds.push('pause');
  for (const k of kinds) {
    out.push(`<rect x="${x}" y="${y}" width="10" height="10" fill="${FAULT_COLOR[k]}"/><text x="${x + 15}" y="${y + 9}">${k}</text>`);
    y += 15;
  }
  return out;
}

/** Latest time (s) of anything in the run, at least 1. */
function timeSpan(ops: readonly PairedOp[], sh: FaultShading): number {
  let tMax = 1;
  for (const p of ops) {
    const t = (p.complete ?? p.invoke).time / 1e9;
    if (t > tMax) tMax = t;
  }
  for (const p of sh.partitions) if ((p.stop ?? 0) > tMax) tMax = p.stop ?? 0;
  for (const f of sh.faults) if ((f.stop ?? 0) > tMax) tMax = f.stop ?? 0;
  return tMax;
}

/**
 * The bucket width for per-interval plots: Jepsen's (30 s for latency
 * quantiles, 10 s for rate) when the run holds ten of them, else a round
 * tenth of the run, so short runs still get a curve.
 */
export function bucketSeconds(jepsenDt: number, span: number): number {
  if (span >= 10 * jepsenDt) return jepsenDt;
  const raw = span / 10;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const TYPE_COLOR: Record<string, string> = { ok: '#81BFFC', fail: '#FF1E90', info: '#FFA400' };
const F_SHAPE: Record<string, string> = { read: 'circle', write: 'square', cas: 'diamond' };

function marker(shape: string, x: number, y: number, color: string, title: string): string {
  const t = `<title>${esc(title)}</title>`;
  if (shape === 'square') return `<rect x="${(x - 2.5).toFixed(1)}" y="${(y - 2.5).toFixed(1)}" width="5" height="5" fill="${color}">${t}</rect>`;
  if (shape === 'diamond')
    return `<path d="M${x.toFixed(1)} ${(y - 3.5).toFixed(1)}l3.5 3.5l-3.5 3.5l-3.5 -3.5z" fill="${color}">${t}</path>`;
  return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="2.6" fill="${color}">${t}</circle>`;
}

/** Latency of every operation over time (log scale), faults shaded; at most 20,000 points drawn. */
export function latencySvg(history: readonly HistoryEvent[], sh: FaultShading, title: string): string {
  const ops = pairOps(history).filter((p) => p.complete !== null);
  const MAX_POINTS = 20_000;
  const step = Math.max(1, Math.ceil(ops.length / MAX_POINTS));
  const W = 900;
  const H = 420;
  const L = 60;
  const R = 130;
  const T = 30;
  const B = 40;
  const tMax = timeSpan(ops, sh);
  const lats = new Float64Array(ops.length);
  let minLat = 1;
  let maxLat = 10;
  for (let i = 0; i < ops.length; i++) {
    const p = ops[i]!;
    const l = Math.max(0.01, (p.complete!.time - p.invoke.time) / 1e6);
    lats[i] = l;
    if (l < minLat) minLat = l;
    if (l > maxLat) maxLat = l;
  }
  const lo = Math.pow(10, Math.floor(Math.log10(minLat)));
  const hi = Math.pow(10, Math.ceil(Math.log10(maxLat)));
  const x = (s: number) => L + (s / tMax) * (W - L - R);
  const y = (ms: number) => T + (1 - (Math.log10(ms) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (H - T - B);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${esc(title)}</text>`);
  pushAll(out, shadeFaults(sh, x, tMax, T, H - T - B));
  for (let d = lo; d <= hi; d *= 10) {
    out.push(`<line x1="${L}" x2="${W - R}" y1="${y(d).toFixed(1)}" y2="${y(d).toFixed(1)}" stroke="#ddd"/>`);
    out.push(`<text x="${L - 5}" y="${(y(d) + 4).toFixed(1)}" text-anchor="end">${d >= 1 ? d : d.toString()}</text>`);
  }
  pushAll(out, timeTicks(x, tMax, H - B));
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">time (s)</text>`);
  out.push(`<text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">latency (ms)</text>`);
  out.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#888"/>`);
  for (let i = 0; i < ops.length; i += step) {
    const p = ops[i]!;
    const c = p.complete!;
    const lat = lats[i]!;
    out.push(
      marker(F_SHAPE[p.invoke.f] ?? 'circle', x(p.invoke.time / 1e9), y(lat), TYPE_COLOR[c.type] ?? '#999', `${p.invoke.client} ${p.invoke.f} key ${p.invoke.key} ${c.type} ${lat.toFixed(1)} ms`),
    );
  }
  // legend
  let ly = T + 10;
  for (const f of functionsOf(ops)) {
    for (const t of ['ok', 'fail', 'info']) {
      out.push(marker(F_SHAPE[f] ?? 'circle', W - R + 15, ly, TYPE_COLOR[t]!, `${f} ${t}`));
      out.push(`<text x="${W - R + 25}" y="${ly + 4}">${esc(f)} ${t}</text>`);
      ly += 15;
    }
  }
  pushAll(out, faultLegend(sh, W - R + 10, ly));
  if (step > 1) out.push(`<text x="${L}" y="${H - 2}" fill="#888">(every ${step}th of ${ops.length} operations shown)</text>`);
  out.push('</svg>');
  return out.join('\n');
}

function functionsOf(ops: readonly PairedOp[]): string[] {
  const fs = new Set<string>();
  for (const p of ops) fs.add(p.invoke.f);
  return [...fs].sort();
}

function timeTicks(x: (s: number) => number, tMax: number, y: number): string[] {
  const out: string[] = [];
  const tickStep = Math.max(1, Math.ceil(tMax / 10));
  for (let s = 0; s <= tMax; s += tickStep) out.push(`<text x="${x(s).toFixed(1)}" y="${y + 15}" text-anchor="middle">${s}</text>`);
  return out;
}

const Q_COLOR: Record<string, string> = { '0.5': '#1f77b4', '0.95': '#2ca02c', '0.99': '#ff7f0e', '1': '#d62728' };
const F_DASH: Record<string, string> = { read: '', write: '6 3', cas: '2 2', txn: '' };

/**
 * Latency quantiles (0.5, 0.95, 0.99, 1) of completed operations, by
 * function, per time bucket of their invocation (log scale), as Jepsen's
 * latency-quantiles plot.
 */
export function latencyQuantilesSvg(history: readonly HistoryEvent[], sh: FaultShading, title: string): string {
  const ops = pairOps(history).filter((p) => p.complete !== null);
  const tMax = timeSpan(ops, sh);
  const dt = bucketSeconds(30, tMax);
  const nb = Math.max(1, Math.ceil(tMax / dt));
  const qs = [0.5, 0.95, 0.99, 1];
  // f -> bucket -> latencies
  const byF = new Map<string, number[][]>();
  for (const p of ops) {
    const f = p.invoke.f;
    let bs = byF.get(f);
    if (!bs) byF.set(f, (bs = Array.from({ length: nb }, () => [])));
    const b = Math.min(nb - 1, Math.floor(p.invoke.time / 1e9 / dt));
    bs[b]!.push(Math.max(0.01, (p.complete!.time - p.invoke.time) / 1e6));
  }
  const series: { f: string; q: number; pts: [number, number][] }[] = [];
  let lo = 1;
  let hi = 10;
  for (const [f, bs] of [...byF.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    for (const q of qs) series.push({ f, q, pts: [] });
    bs.forEach((lats, b) => {
      if (lats.length === 0) return;
      const sorted = Float64Array.from(lats).sort();
      qs.forEach((q, qi) => {
        const v = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        series[series.length - qs.length + qi]!.pts.push([(b + 0.5) * dt, v]);
      });
    });
  }
  lo = Math.pow(10, Math.floor(Math.log10(lo)));
  hi = Math.pow(10, Math.ceil(Math.log10(hi)));
  const W = 900;
  const H = 420;
  const L = 60;
  const R = 150;
  const T = 30;
  const B = 40;
  const x = (s: number) => L + (s / tMax) * (W - L - R);
  const y = (ms: number) => T + (1 - (Math.log10(ms) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (H - T - B);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${esc(title)}</text>`);
  pushAll(out, shadeFaults(sh, x, tMax, T, H - T - B));
  for (let d = lo; d <= hi; d *= 10) {
    out.push(`<line x1="${L}" x2="${W - R}" y1="${y(d).toFixed(1)}" y2="${y(d).toFixed(1)}" stroke="#ddd"/>`);
    out.push(`<text x="${L - 5}" y="${(y(d) + 4).toFixed(1)}" text-anchor="end">${d}</text>`);
  }
  pushAll(out, timeTicks(x, tMax, H - B));
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">time (s), buckets of ${dt} s</text>`);
  out.push(`<text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">latency (ms)</text>`);
  out.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#888"/>`);
  let ly = T + 10;
  for (const s of series) {
    if (s.pts.length === 0) continue;
    const color = Q_COLOR[String(s.q)] ?? '#555';
    const d = s.pts.map(([t, v], i) => `${i === 0 ? 'M' : 'L'}${x(t).toFixed(1)} ${y(v).toFixed(1)}`).join('');
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5" stroke-dasharray="${F_DASH[s.f] ?? ''}"><title>${esc(`${s.f} ${s.q}`)}</title></path>`);
    for (const [t, v] of s.pts) out.push(marker(F_SHAPE[s.f] ?? 'circle', x(t), y(v), color, `${s.f} q${s.q} ${v.toFixed(1)} ms at ${t.toFixed(1)} s`));
    out.push(`<line x1="${W - R + 8}" x2="${W - R + 28}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="1.5" stroke-dasharray="${F_DASH[s.f] ?? ''}"/><text x="${W - R + 33}" y="${ly + 4}">${esc(s.f)} ${s.q}</text>`);
    ly += 14;
  }
  pushAll(out, faultLegend(sh, W - R + 10, ly + 4));
  if (series.every((s) => s.pts.length === 0)) out.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#888">no completed operations</text>`);
  out.push('</svg>');
  return out.join('\n');
}

/**
 * Completions per second by function and outcome, per time bucket of their
 * completion, as Jepsen's rate plot.
 */
export function rateSvg(history: readonly HistoryEvent[], sh: FaultShading, title: string): string {
  const ops = pairOps(history).filter((p) => p.complete !== null);
  const tMax = timeSpan(ops, sh);
  const dt = bucketSeconds(10, tMax);
  const nb = Math.max(1, Math.ceil(tMax / dt));
  const counts = new Map<string, Float64Array>(); // "f type" -> per bucket
  for (const p of ops) {
    const k = `${p.invoke.f} ${p.complete!.type}`;
    let c = counts.get(k);
    if (!c) counts.set(k, (c = new Float64Array(nb)));
    c[Math.min(nb - 1, Math.floor(p.complete!.time / 1e9 / dt))]! += 1 / dt;
  }
  let hi = 1;
  for (const c of counts.values()) for (const v of c) if (v > hi) hi = v;
  const W = 900;
  const H = 420;
  const L = 60;
  const R = 150;
  const T = 30;
  const B = 40;
  const x = (s: number) => L + (s / tMax) * (W - L - R);
  const y = (hz: number) => T + (1 - hz / hi) * (H - T - B);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${esc(title)}</text>`);
  pushAll(out, shadeFaults(sh, x, tMax, T, H - T - B));
  const yStep = niceStep(hi / 5);
  for (let v = 0; v <= hi + 1e-9; v += yStep) {
    out.push(`<line x1="${L}" x2="${W - R}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`);
    out.push(`<text x="${L - 5}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${Number(v.toPrecision(4))}</text>`);
  }
  pushAll(out, timeTicks(x, tMax, H - B));
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">time (s), buckets of ${dt} s</text>`);
  out.push(`<text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">throughput (completions/s)</text>`);
  out.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#888"/>`);
  let ly = T + 10;
  for (const [k, c] of [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const [f, type] = k.split(' ') as [string, string];
    const color = TYPE_COLOR[type] ?? '#555';
    const pts = Array.from(c, (v, b) => [(b + 0.5) * dt, v] as const);
    const d = pts.map(([t, v], i) => `${i === 0 ? 'M' : 'L'}${x(t).toFixed(1)} ${y(v).toFixed(1)}`).join('');
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5" stroke-dasharray="${F_DASH[f] ?? ''}"><title>${esc(k)}</title></path>`);
    for (const [t, v] of pts) out.push(marker(F_SHAPE[f] ?? 'circle', x(t), y(v), color, `${k}: ${v.toFixed(1)}/s at ${t.toFixed(1)} s`));
    out.push(marker(F_SHAPE[f] ?? 'circle', W - R + 15, ly, color, k));
    out.push(`<text x="${W - R + 25}" y="${ly + 4}">${esc(k)}</text>`);
    ly += 14;
  }
  pushAll(out, faultLegend(sh, W - R + 10, ly + 4));
  out.push('</svg>');
  return out.join('\n');
}

function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/**
 * An HTML page with one column per process, one box per operation. Like
 * Jepsen's timeline, the vertical axis is the order of events in the
 * history (not wall-clock time), so short operations stay readable.
 */
export function timelineHtml(history: readonly HistoryEvent[], sh: FaultShading, title: string): string {
  const partitions = sh.partitions;
  const MAX_OPS = 4000;
  const all = pairOps(history);
  const ops = all.slice(0, MAX_OPS);
  let lastIndex = 0;
  for (const p of ops) if ((p.complete ?? p.invoke).index > lastIndex) lastIndex = (p.complete ?? p.invoke).index;
  const procs = [...new Set(ops.map((p) => p.invoke.process))].sort((a, b) => a - b);
  const col = new Map(procs.map((p, i) => [p, i]));
  const ROW = 16;
  const y = (index: number) => 30 + index * ROW;
  // event index at a time (ns): first event at or after it
  const times = history.slice(0, lastIndex + 1).map((e) => e.time);
  const indexAt = (ns: number) => {
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[mid] < ns) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const CW = 110;
  const boxes: string[] = [];
  for (const p of partitions) {
    const a = indexAt(p.start * 1e9);
    const b = p.stop === null ? lastIndex + 1 : indexAt(p.stop * 1e9);
    if (a > lastIndex) continue;
    boxes.push(`<div class="part" style="top:${y(a)}px;height:${Math.max(2, (b - a) * ROW)}px;width:${procs.length * CW}px" title="${esc(`partition ${p.kind} ${p.start.toFixed(2)}-${p.stop?.toFixed(2) ?? '?'}s: ${p.description}`)}"></div>`);
  }
  for (const f of sh.faults) {
    const a = indexAt(f.start * 1e9);
    const b = f.stop === null ? lastIndex + 1 : indexAt(f.stop * 1e9);
    if (a > lastIndex) continue;
    boxes.push(`<div class="${f.fault}" style="top:${y(a)}px;height:${Math.max(2, (b - a) * ROW)}px;width:${procs.length * CW}px" title="${esc(`${f.fault} ${f.node} ${f.start.toFixed(2)}-${f.stop?.toFixed(2) ?? '?'}s`)}"></div>`);
  }
  for (const p of ops) {
    const c = p.complete;
    const type = c ? c.type : 'info';
    const top = y(p.invoke.index);
    const bottom = c ? y(c.index) + ROW - 2 : top + ROW - 2;
    const v = c && p.invoke.f === 'read' ? c.value : p.invoke.value;
    const label = p.invoke.f === 'read' && type !== 'ok' ? 'read ?' : `${p.invoke.f} ${JSON.stringify(v)}`;
    const err = c?.error ? ` error ${JSON.stringify(c.error)}` : '';
    const lat = c ? ` (${((c.time - p.invoke.time) / 1e6).toFixed(1)} ms)` : '';
    const tip = `${p.invoke.client} p${p.invoke.process} -> ${p.invoke.node}\nkey ${p.invoke.key}: ${label}\n${type}${err}\n${(p.invoke.time / 1e9).toFixed(3)}s .. ${c ? (c.time / 1e9).toFixed(3) + 's' : '?'}${lat}\nhistory #${p.invoke.index}`;
    boxes.push(
      `<div class="op ${type}" style="left:${col.get(p.invoke.process)! * CW}px;top:${top}px;height:${bottom - top}px" title="${esc(tip)}">k${p.invoke.key} ${esc(label)}</div>`,
    );
  }
  const heads = procs.map((p, i) => `<div class="head" style="left:${i * CW}px">p${p}</div>`).join('');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:sans-serif;font-size:11px;margin:10px}
.wrap{position:relative;height:${y(lastIndex + 2)}px}
.op{position:absolute;width:${CW - 6}px;overflow:hidden;white-space:nowrap;border-radius:3px;padding:1px 3px;box-sizing:border-box;font-size:10px;line-height:12px}
.ok{background:#6DB6FE}.fail{background:#FEB5DA}.info{background:#FFAA26}
.head{position:sticky;top:0;position:absolute;width:${CW - 6}px;font-weight:bold}
.part{position:absolute;left:0;background:#E9DCA0;opacity:.45}
.kill{position:absolute;left:0;background:#E9A4A0;opacity:.3}.pause{position:absolute;left:0;background:#A0B1E9;opacity:.3}
</style></head><body>
<h3>${esc(title)}</h3>
<p>One column per process; a box spans an operation from its invocation to its completion, in history order (blue ok, pink fail, orange unknown). Shaded: network partitions (yellow), killed nodes (red), paused nodes (blue). Hover for details.${all.length > MAX_OPS ? ` Showing the first ${MAX_OPS} of ${all.length} operations.` : ''}</p>
<div class="wrap">${heads}
${boxes.join('\n')}
</div></body></html>
`;
}

/** Spacetime diagram of the first messages: one vertical line per process. */
export function messagesSvg(journal: readonly JournalRecord[], nodes: readonly string[], truncated: boolean): string {
  const MAX = 1500;
  const recs = journal.slice(0, MAX);
  const actors = new Set<string>(nodes);
  for (const r of recs) {
    actors.add(r.src);
    actors.add(r.dest);
  }
  const sortId = (a: string, b: string) =>
    (a[0] === b[0] ? 0 : a[0] === 'n' ? -1 : b[0] === 'n' ? 1 : a.localeCompare(b)) || Number(a.slice(1)) - Number(b.slice(1)) || a.localeCompare(b);
  const cols = [...actors].sort(sortId);
  const cx = new Map(cols.map((a, i) => [a, 60 + i * 70]));
  // y by event rank, so bursts stay readable
  const times: number[] = [];
  for (const r of recs) {
    times.push(r.sent);
    if (r.delivered !== null) times.push(r.delivered);
  }
  const uniq = [...new Set(times)].sort((a, b) => a - b);
  const rank = new Map(uniq.map((t, i) => [t, i]));
  const y = (t: number) => 50 + (rank.get(t) ?? 0) * 7;
  const H = y(uniq[uniq.length - 1] ?? 0) + 60;
  const W = 60 + cols.length * 70;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="10">`);
  out.push(`<defs><marker id="a" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0 0L10 5L0 10z" fill="#555"/></marker></defs>`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  for (const a of cols) {
    const x = cx.get(a)!;
    out.push(`<text x="${x}" y="20" text-anchor="middle" font-weight="bold">${esc(a)}</text>`);
    out.push(`<line x1="${x}" x2="${x}" y1="28" y2="${H - 20}" stroke="${a.startsWith('n') ? '#333' : '#aaa'}"/>`);
  }
  for (const r of recs) {
    const x1 = cx.get(r.src)!;
    const x2 = cx.get(r.dest)!;
    const y1 = y(r.sent);
    const tip = `#${r.id} ${r.src} -> ${r.dest} ${r.type}${r.msgId !== null ? ` msg_id ${r.msgId}` : ''}${r.inReplyTo !== null ? ` in_reply_to ${r.inReplyTo}` : ''} at ${r.sent.toFixed(1)} ms${r.dropped ? ' (dropped by partition)' : r.delivered === null ? ' (never delivered)' : `, delivered ${r.delivered.toFixed(1)} ms`}`;
    const color = r.src.startsWith('c') || r.dest.startsWith('c') ? '#1f77b4' : '#2ca02c';
    if (r.delivered === null) {
      const xe = x1 + (x2 - x1) * 0.4;
      out.push(`<line x1="${x1}" y1="${y1}" x2="${xe.toFixed(1)}" y2="${y1 + 6}" stroke="#d62728" stroke-dasharray="3 2"><title>${esc(tip)}</title></line>`);
    } else {
      out.push(`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y(r.delivered) + (y(r.delivered) === y1 ? 3 : 0)}" stroke="${color}" marker-end="url(#a)"><title>${esc(tip)}</title></line>`);
    }
  }
  if (journal.length > MAX || truncated) {
    out.push(`<text x="10" y="${H - 5}" fill="#888">showing the first ${recs.length} messages of the run</text>`);
  }
  out.push('</svg>');
  return out.join('\n');
}
