// Hand-written SVG/HTML artefacts: latency plot, operations timeline,
// message spacetime diagram. Every one is bounded in size.

import type { JournalRecord } from '../net.js';
import { pairOps } from '../stats.js';
import type { HistoryEvent, PartitionPeriod } from '../types.js';

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

/** Latency of every operation over time (log scale), partitions shaded. */
export function latencySvg(history: readonly HistoryEvent[], partitions: readonly PartitionPeriod[], title: string): string {
  const ops = pairOps(history).filter((p) => p.complete !== null);
  const MAX_POINTS = 20_000;
  const step = Math.max(1, Math.ceil(ops.length / MAX_POINTS));
  const W = 900;
  const H = 420;
  const L = 60;
  const R = 130;
  const T = 30;
  const B = 40;
  const tMax = Math.max(1, ...ops.map((p) => p.complete!.time / 1e9), ...partitions.map((p) => p.stop ?? 0));
  const lats = ops.map((p) => Math.max(0.01, (p.complete!.time - p.invoke.time) / 1e6));
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(1, ...lats))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(10, ...lats))));
  const x = (s: number) => L + (s / tMax) * (W - L - R);
  const y = (ms: number) => T + (1 - (Math.log10(ms) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (H - T - B);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${esc(title)}</text>`);
  for (const p of partitions) {
    const x0 = x(p.start);
    const x1 = x(p.stop ?? tMax);
    out.push(`<rect x="${x0.toFixed(1)}" y="${T}" width="${Math.max(1, x1 - x0).toFixed(1)}" height="${H - T - B}" fill="#E9DCA0" opacity="0.6"><title>${esc(`partition ${p.kind}: ${p.description}`)}</title></rect>`);
  }
  for (let d = lo; d <= hi; d *= 10) {
    out.push(`<line x1="${L}" x2="${W - R}" y1="${y(d).toFixed(1)}" y2="${y(d).toFixed(1)}" stroke="#ddd"/>`);
    out.push(`<text x="${L - 5}" y="${(y(d) + 4).toFixed(1)}" text-anchor="end">${d >= 1 ? d : d.toString()}</text>`);
  }
  const tickStep = Math.max(1, Math.ceil(tMax / 10));
  for (let s = 0; s <= tMax; s += tickStep) {
    out.push(`<text x="${x(s).toFixed(1)}" y="${H - B + 15}" text-anchor="middle">${s}</text>`);
  }
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">time (s)</text>`);
  out.push(`<text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">latency (ms)</text>`);
  out.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#888"/>`);
  for (let i = 0; i < ops.length; i += step) {
    const p = ops[i];
    const c = p.complete!;
    const lat = lats[i];
    out.push(
      marker(F_SHAPE[p.invoke.f] ?? 'circle', x(p.invoke.time / 1e9), y(lat), TYPE_COLOR[c.type] ?? '#999', `${p.invoke.client} ${p.invoke.f} key ${p.invoke.key} ${c.type} ${lat.toFixed(1)} ms`),
    );
  }
  // legend
  let ly = T + 10;
  for (const f of ['read', 'write', 'cas']) {
    for (const t of ['ok', 'fail', 'info']) {
      out.push(marker(F_SHAPE[f], W - R + 15, ly, TYPE_COLOR[t], `${f} ${t}`));
      out.push(`<text x="${W - R + 25}" y="${ly + 4}">${f} ${t}</text>`);
      ly += 15;
    }
  }
  out.push(`<rect x="${W - R + 10}" y="${ly}" width="10" height="10" fill="#E9DCA0"/><text x="${W - R + 25}" y="${ly + 9}">partition</text>`);
  if (step > 1) out.push(`<text x="${L}" y="${H - 2}" fill="#888">(every ${step}th operation shown)</text>`);
  out.push('</svg>');
  return out.join('\n');
}

/**
 * An HTML page with one column per process, one box per operation. Like
 * Jepsen's timeline, the vertical axis is the order of events in the
 * history (not wall-clock time), so short operations stay readable.
 */
export function timelineHtml(history: readonly HistoryEvent[], partitions: readonly PartitionPeriod[], title: string): string {
  const MAX_OPS = 4000;
  const all = pairOps(history);
  const ops = all.slice(0, MAX_OPS);
  const lastIndex = ops.length === 0 ? 0 : Math.max(...ops.map((p) => (p.complete ?? p.invoke).index));
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
</style></head><body>
<h3>${esc(title)}</h3>
<p>One column per process; a box spans an operation from its invocation to its completion, in history order (blue ok, pink fail, orange unknown). Shaded: network partitions. Hover for details.${all.length > MAX_OPS ? ` Showing the first ${MAX_OPS} of ${all.length} operations.` : ''}</p>
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
