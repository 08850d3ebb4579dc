// The run report: store/<workload>/<timestamp>/index.html, one self-contained
// page (inline CSS, SVG and a little JS; nothing fetched) built from the files
// the bench wrote in that run directory:
//
//   results.json  the verdict, stats, partitions, checker result (src/bench/types.ts BenchResults)
//   history       invocations and completions (JSON array or JSON lines)
//   node logs     stderr of each node; raftchart nodes log `<iso> info n1 role=leader term=3`
//                 on every role or term change (src/runtime/runtime.ts `observe`), which
//                 gives each node's role lane; other binaries get no lane.
//
// The bench calls `writeRunReport(dir, { results, history })` at the end of
// each run (handing over what it holds, so a run of a million operations is
// not read back from disk); `npm run report -- DIR` reads everything from the
// directory. The shapes read here are declared locally and read defensively:
// the report must render whatever a run left behind, and say what is missing
// rather than fail. Sizes are bounded whatever the run's: the latency plot
// draws at most MAX_POINTS operations and the operations timeline at most
// MAX_TIMELINE_OPS (the checker's flagged operations always included), and no
// array is spread into a function call.

import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';

// ---- the shapes read (a tolerant subset of src/bench/types.ts) -------------

export interface HistoryEventLike {
  index: number;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  process: number;
  client?: string;
  node?: string;
  f: string;
  key?: unknown;
  value?: unknown;
  /** Nanoseconds since the test started. */
  time: number;
  error?: unknown;
}

interface Quantiles {
  count?: number;
  p50?: number | null;
  p95?: number | null;
  p99?: number | null;
  max?: number | null;
}

export interface PartitionLike {
  start: number;
  stop: number | null;
  kind?: string;
  description?: string;
}

/** A kill or pause period of one node (results.faults). */
export interface FaultLike {
  fault: 'kill' | 'pause' | string;
  node: string;
  start: number;
  stop: number | null;
  spec?: string;
}

export interface FailureLike {
  key: unknown;
  culprit?: string;
  explanation?: string[];
  ops?: number[];
}

export interface ResultsLike {
  workload?: string;
  verdict?: 'valid' | 'invalid' | 'unknown' | string;
  reasons?: string[];
  options?: Record<string, unknown>;
  nodes?: string[];
  startedAt?: string;
  /**
   * ISO wall-clock time of history time 0 (the start of the client phase).
   * When absent, node logs are aligned by `historyZero` below.
   */
  historyStartedAt?: string;
  duration?: number;
  stats?: {
    count?: number;
    ok?: number;
    fail?: number;
    info?: number;
    byFunction?: Record<string, { count?: number; ok?: number; fail?: number; info?: number }>;
    availability?: number | null;
    throughput?: number | null;
    latency?: Quantiles;
    latencyByFunction?: Record<string, Quantiles>;
  };
  availability?: { expected?: unknown; actual?: number | null; valid?: boolean };
  net?: Record<string, unknown>;
  linearizability?: {
    valid?: boolean | 'unknown';
    keyCount?: number;
    failures?: FailureLike[];
    unknownKeys?: unknown[];
    seconds?: number;
    steps?: number;
  };
  partitions?: PartitionLike[];
  faults?: FaultLike[];
  nemesis?: { at: number | null; time: number | null; f: string; spec?: string; nodes?: string[]; description?: string; final?: boolean }[];
  problems?: { node: string; time: number; kind: string; detail: string; stderrTail?: string[] }[];
  snapshots?: { node: string; time: number; kind: string; index: number; term: number; bytes: number }[];
  snapshotCounts?: Record<string, { taken: number; installed: number }>;
  files?: Record<string, string>;
  /** One line saying what went wrong (verdict not valid). */
  cause?: string | null;
  warnings?: string[];
  /** Nodes ran without RAFT_DATA_DIR. */
  memoryOnly?: boolean;
  analyzed?: { at?: string; changed?: Record<string, unknown> };
  /** Set only on hand-written fixtures: the report shows it as a banner. */
  fixture?: string;
}

/** Everything the page is built from. */
export interface ReportInput {
  results: ResultsLike;
  history: HistoryEventLike[];
  /** Node log text by file name (relative to the run directory). */
  nodeLogs: Record<string, string>;
  /** Relative links to the raw artefacts, shown at the bottom. */
  links?: Record<string, string>;
  /** Problems met while reading the run directory (shown, never thrown). */
  readProblems?: string[];
  /** SVG plots the bench wrote (latency-quantiles.svg, rate.svg), inlined as they are. */
  plots?: Record<string, string>;
}

// ---- derived data ----------------------------------------------------------

export type Outcome = 'ok' | 'fail' | 'info' | 'pending';

export interface Op {
  /** History index of the invocation. */
  id: number;
  process: number;
  client: string;
  node: string;
  f: string;
  key: unknown;
  /** Invocation value (write value, cas pair, null for read). */
  invokeValue: unknown;
  /** Completion value (the value read, for an ok read). */
  value: unknown;
  outcome: Outcome;
  /** Seconds since test start. */
  start: number;
  end: number | null;
  error: unknown;
}

/** Pairs invocations with completions: a process has at most one operation outstanding. */
export function pairOperations(history: readonly HistoryEventLike[]): Op[] {
  const open = new Map<number, Op>();
  const ops: Op[] = [];
  let sorted = true;
  for (let i = 1; i < history.length; i++) if (history[i]!.index < history[i - 1]!.index) sorted = false;
  for (const ev of sorted ? history : [...history].sort((a, b) => a.index - b.index)) {
    if (ev.type === 'invoke') {
      const op: Op = {
        id: ev.index,
        process: ev.process,
        client: ev.client ?? `p${ev.process}`,
        node: ev.node ?? '',
        f: ev.f,
        key: ev.key,
        invokeValue: ev.value,
        value: ev.value,
        outcome: 'pending',
        start: ev.time / 1e9,
        end: null,
        error: undefined,
      };
      open.set(ev.process, op);
      ops.push(op);
    } else {
      const op = open.get(ev.process);
      if (!op) continue;
      open.delete(ev.process);
      op.outcome = ev.type;
      op.end = ev.time / 1e9;
      op.value = ev.value;
      op.error = ev.error;
    }
  }
  return ops;
}

export interface RoleSpan {
  node: string;
  role: string;
  term: number;
  /** Seconds since test start. */
  start: number;
  /** Null: still in this role when the log ends. */
  end: number | null;
}

const ROLE_LINE =
  /(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))\s+\w+\s+(\S+)\s+role=([a-z][a-z_-]*)\s+term=(\d+)/;

/**
 * Role and term changes from node logs, as spans per node. Times are seconds
 * since `startedAt`. Nodes whose logs carry no `role=... term=...` line (any
 * binary but ours) get no spans.
 */
export function parseRoleSpans(logs: Record<string, string>, startedAtMs: number): Map<string, RoleSpan[]> {
  const changes = new Map<string, { t: number; role: string; term: number }[]>();
  for (const text of Object.values(logs)) {
    for (const line of text.split('\n')) {
      const m = ROLE_LINE.exec(line);
      if (!m) continue;
      const t = (Date.parse(m[1]!) - startedAtMs) / 1000;
      if (!Number.isFinite(t)) continue;
      const node = m[2]!;
      let list = changes.get(node);
      if (!list) changes.set(node, (list = []));
      list.push({ t, role: m[3]!, term: Number(m[4]) });
    }
  }
  const spans = new Map<string, RoleSpan[]>();
  for (const node of [...changes.keys()].sort(compareNodes)) {
    const list = changes.get(node)!.sort((a, b) => a.t - b.t);
    spans.set(
      node,
      list.map((c, i) => ({ node, role: c.role, term: c.term, start: c.t, end: i + 1 < list.length ? list[i + 1]!.t : null })),
    );
  }
  return spans;
}

const INIT_LINE = /(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))\s+\w+\s+\S+\s+initialised as /;

export interface HistoryZero {
  /** Wall-clock milliseconds of history time 0, or NaN when unknown. */
  ms: number;
  /** How it was found, said on the page. */
  how: 'historyStartedAt' | 'init' | 'startedAt' | 'none';
}

/**
 * The wall-clock time of history time 0, to put node log lines on the
 * history's time axis. The bench's history (and partitions) count from the
 * start of the client phase, which follows every node's init; `startedAt` is
 * earlier, by the time nodes take to start. Best is `historyStartedAt`; else
 * the last `initialised as` line of our nodes (the client phase starts right
 * after the last init_ok); else `startedAt`.
 */
export function historyZero(r: ResultsLike, logs: Record<string, string>): HistoryZero {
  const explicit = r.historyStartedAt ? Date.parse(r.historyStartedAt) : NaN;
  if (Number.isFinite(explicit)) return { ms: explicit, how: 'historyStartedAt' };
  const started = r.startedAt ? Date.parse(r.startedAt) : NaN;
  let lastInit = NaN;
  for (const text of Object.values(logs)) {
    for (const line of text.split('\n')) {
      const m = INIT_LINE.exec(line);
      if (!m) continue;
      const t = Date.parse(m[1]!);
      if (Number.isFinite(t) && !(t <= lastInit)) lastInit = t;
    }
  }
  if (Number.isFinite(lastInit) && (!Number.isFinite(started) || lastInit >= started)) return { ms: lastInit, how: 'init' };
  if (Number.isFinite(started)) return { ms: started, how: 'startedAt' };
  return { ms: NaN, how: 'none' };
}

function compareNodes(a: string, b: string): number {
  const na = /^n(\d+)$/.exec(a);
  const nb = /^n(\d+)$/.exec(b);
  if (na && nb) return Number(na[1]) - Number(nb[1]);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** History indices the checker named, and the culprit's, from the failures. */
export function flaggedOps(failures: readonly FailureLike[]): { ops: Set<number>; culprits: Set<number> } {
  const ops = new Set<number>();
  const culprits = new Set<number>();
  for (const f of failures) {
    for (const id of f.ops ?? []) ops.add(id);
    const m = /\[history #(\d+)\]/.exec(f.culprit ?? '');
    if (m) {
      culprits.add(Number(m[1]));
      ops.add(Number(m[1]));
    }
  }
  return { ops, culprits };
}

// ---- formatting helpers ----------------------------------------------------

function esc(s: unknown): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function num(x: unknown, digits = 1): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '—';
  return Number.isInteger(x) ? String(x) : x.toFixed(digits);
}

function pct(x: unknown): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '—';
}

function r2(x: number): string {
  // Two decimals are plenty for SVG coordinates and keep the output small and stable.
  return (Math.round(x * 100) / 100).toString();
}

function json(v: unknown): string {
  if (v === undefined) return '';
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** `w 3`, `r 3`, `cas 1→2`: the short text drawn on an operation. */
function opShort(op: Op): string {
  const f = op.f === 'read' ? 'r' : op.f === 'write' ? 'w' : op.f;
  if (op.f === 'read') return `${f} ${op.outcome === 'ok' ? json(op.value) : '?'}`;
  if (op.f === 'cas' && Array.isArray(op.invokeValue)) return `cas ${json(op.invokeValue[0])}→${json(op.invokeValue[1])}`;
  return `${f} ${json(op.invokeValue)}`;
}

function opTitle(op: Op): string {
  const lat = op.end === null ? 'no completion' : `${((op.end - op.start) * 1000).toFixed(1)} ms`;
  const err = op.error === undefined ? '' : ` error ${json(op.error)}`;
  return `#${op.id} ${op.client} (process ${op.process}) → ${op.node}: ${op.f} key ${json(op.key)} ${op.f === 'read' ? '' : json(op.invokeValue) + ' '}` +
    `${op.outcome}${op.f === 'read' && op.outcome === 'ok' ? ` read ${json(op.value)}` : ''}${err}; ` +
    `${op.start.toFixed(3)}s → ${op.end === null ? '?' : op.end.toFixed(3) + 's'} (${lat})`;
}

// ---- SVG plotting ----------------------------------------------------------

const W = 1100;
const ML = 64;
const MR = 16;
const PW = W - ML - MR;

const F_COLOURS: Record<string, string> = { read: '#1f77b4', write: '#ff7f0e', cas: '#9467bd', txn: '#17becf' };
const OUTCOME_FILL: Record<Outcome, string> = { ok: '#7fc97f', fail: '#f4a3a3', info: '#fdd17a', pending: '#cccccc' };
const ROLE_FILL: Record<string, string> = { follower: '#c6dbef', precandidate: '#fdd9a8', candidate: '#fd8d3c', leader: '#31a354' };
const ROLE_LETTER: Record<string, string> = { follower: 'F', precandidate: 'P', candidate: 'C', leader: 'L' };

function fColour(f: string): string {
  return F_COLOURS[f] ?? '#555555';
}

interface XScale {
  t0: number;
  t1: number;
  x(t: number): number;
}

function xScale(t0: number, t1: number): XScale {
  const span = t1 - t0 || 1;
  return { t0, t1, x: (t) => ML + ((Math.min(Math.max(t, t0), t1) - t0) / span) * PW };
}

function niceStep(span: number, target = 10): number {
  const raw = span / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function timeAxis(sx: XScale, y: number, height: number): string {
  const step = niceStep(sx.t1 - sx.t0);
  const out: string[] = [`<g class="axis x-axis">`];
  for (let t = Math.ceil(sx.t0 / step) * step; t <= sx.t1 + 1e-9; t += step) {
    const x = r2(sx.x(t));
    out.push(`<line x1="${x}" x2="${x}" y1="${r2(y - height)}" y2="${r2(y)}" class="grid"/>`);
    out.push(`<text x="${x}" y="${r2(y + 14)}" text-anchor="middle">${esc(Number(t.toFixed(6)))}s</text>`);
  }
  out.push(`<line x1="${ML}" x2="${ML + PW}" y1="${r2(y)}" y2="${r2(y)}" class="axis-line"/>`);
  out.push('</g>');
  return out.join('');
}

function partitionShading(sx: XScale, parts: readonly PartitionLike[], top: number, height: number, label: boolean): string {
  const out: string[] = ['<g class="partitions">'];
  parts.forEach((p, i) => {
    const x0 = sx.x(p.start);
    const x1 = sx.x(p.stop ?? sx.t1);
    const desc = `${p.kind ?? 'partition'}${p.description ? `: ${p.description}` : ''} (${num(p.start, 2)}s → ${p.stop === null ? 'end' : num(p.stop, 2) + 's'})`;
    out.push(
      `<rect class="partition" data-partition="${i}" x="${r2(x0)}" y="${r2(top)}" width="${r2(Math.max(1, x1 - x0))}" height="${r2(height)}"><title>${esc(desc)}</title></rect>`,
    );
    const text = p.description ?? p.kind ?? 'partition';
    const fits = Math.floor((x1 - x0 - 6) / 5);
    if (label && fits >= 4) {
      const shown = text.length <= fits ? text : `${text.slice(0, fits - 1)}…`;
      out.push(`<text class="partition-label" x="${r2(x0 + 3)}" y="${r2(top + 10)}">${esc(shown)}</text>`);
    }
  });
  out.push('</g>');
  return out.join('');
}

/** Most operations drawn in the latency plot (evenly sampled beyond that; flagged ones always). */
export const MAX_POINTS = 20_000;
/** Most operations drawn in the operations timeline. */
export const MAX_TIMELINE_OPS = 6_000;

function latencyPlot(ops: readonly Op[], sx: XScale, parts: readonly PartitionLike[], faults: readonly FaultLike[], flagged: Set<number>): string {
  const completed = ops.filter((o) => o.end !== null);
  const H = 320;
  const top = 10;
  const bottom = top + H;
  if (completed.length === 0) return '<p class="empty">No completed operations.</p>';
  const step = Math.max(1, Math.ceil(completed.length / MAX_POINTS));
  const done = step === 1 ? completed : completed.filter((o, i) => i % step === 0 || flagged.has(o.id));
  let minLat = Infinity;
  let maxLat = -Infinity;
  for (const o of completed) {
    const l = Math.max(0.01, (o.end! - o.start) * 1000);
    if (l < minLat) minLat = l;
    if (l > maxLat) maxLat = l;
  }
  let lo = 10 ** Math.floor(Math.log10(minLat));
  let hi = 10 ** Math.ceil(Math.log10(maxLat));
  if (hi <= lo) hi = lo * 10;
  lo = Math.max(lo, 0.01);
  const y = (ms: number) => bottom - ((Math.log10(Math.max(ms, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * H;
  const out: string[] = [
    `<svg id="latency-plot" class="plot" viewBox="0 0 ${W} ${bottom + 30}" width="${W}" height="${bottom + 30}" role="img" aria-label="latency over time">`,
  ];
  out.push(partitionShading(sx, parts, top, H, true));
  out.push(faultShading(sx, faults, top, H));
  out.push('<g class="axis y-axis">');
  for (let d = lo; d <= hi * 1.0001; d *= 10) {
    for (const m of [1, 2, 5]) {
      const v = d * m;
      if (v > hi * 1.0001) break;
      const yy = r2(y(v));
      out.push(`<line x1="${ML}" x2="${ML + PW}" y1="${yy}" y2="${yy}" class="${m === 1 ? 'grid' : 'grid minor'}"/>`);
      if (m === 1 || hi / lo <= 100) out.push(`<text x="${ML - 6}" y="${yy}" dy="4" text-anchor="end">${esc(Number(v.toPrecision(3)))}</text>`);
    }
  }
  out.push(`<text x="14" y="${r2(top + H / 2)}" transform="rotate(-90 14 ${r2(top + H / 2)})" text-anchor="middle">latency (ms, log)</text>`);
  out.push('</g>');
  out.push(timeAxis(sx, bottom, H));
  out.push('<g class="points">');
  for (const o of done) {
    const cx = r2(sx.x(o.start));
    const cy = r2(y((o.end! - o.start) * 1000));
    const c = fColour(o.f);
    const cls = `op f-${esc(o.f)} outcome-${o.outcome}${flagged.has(o.id) ? ' flagged' : ''}`;
    const title = `<title>${esc(opTitle(o))}</title>`;
    if (o.outcome === 'ok') {
      out.push(`<circle class="${cls}" data-op="${o.id}" cx="${cx}" cy="${cy}" r="2.6" fill="${c}">${title}</circle>`);
    } else if (o.outcome === 'fail') {
      out.push(`<rect class="${cls}" data-op="${o.id}" x="${r2(Number(cx) - 2.6)}" y="${r2(Number(cy) - 2.6)}" width="5.2" height="5.2" fill="none" stroke="${c}" stroke-width="1.4">${title}</rect>`);
    } else {
      out.push(`<path class="${cls}" data-op="${o.id}" d="M${r2(Number(cx) - 3)},${r2(Number(cy) - 3)}l6,6m0,-6l-6,6" stroke="${c}" stroke-width="1.6">${title}</path>`);
    }
  }
  out.push('</g></svg>');
  if (step > 1) out.push(`<p class="note" id="latency-sampled">${completed.length} completed operations: every ${step}th is drawn (and every one the checker flagged); latency-raw.svg and the quantile and rate plots cover them all.</p>`);
  return out.join('');
}

// Partitions are shaded red here; killed nodes purple, paused nodes blue.
const FAULT_FILL: Record<string, string> = { kill: 'rgba(117, 72, 160, .6)', pause: 'rgba(31, 119, 180, .5)' };

/** Kill and pause periods: a thin band per period at the top of a plot, one row per kind. */
function faultShading(sx: XScale, faults: readonly FaultLike[], top: number, height: number): string {
  if (faults.length === 0) return '';
  const out: string[] = ['<g class="faults">'];
  faults.forEach((f, i) => {
    const x0 = sx.x(f.start);
    const x1 = sx.x(f.stop ?? sx.t1);
    const row = f.fault === 'kill' ? 0 : 1;
    const desc = `${f.fault} ${f.node}${f.spec ? ` (${f.spec})` : ''}: ${num(f.start, 2)}s → ${f.stop === null ? 'end' : num(f.stop, 2) + 's'}`;
    out.push(`<rect class="fault fault-${esc(f.fault)}" data-fault="${i}" x="${r2(x0)}" y="${r2(top + row * 6)}" width="${r2(Math.max(1, x1 - x0))}" height="5" fill="${FAULT_FILL[f.fault] ?? '#999'}"><title>${esc(desc)}</title></rect>`);
    out.push(`<rect class="fault-band" x="${r2(x0)}" y="${r2(top)}" width="${r2(Math.max(1, x1 - x0))}" height="${r2(height)}" fill="${FAULT_FILL[f.fault] ?? '#999'}" opacity="0.12"><title>${esc(desc)}</title></rect>`);
  });
  out.push('</g>');
  return out.join('');
}

function latencyLegend(ops: readonly Op[]): string {
  const fs = [...new Set(ops.map((o) => o.f))].sort();
  const items = fs.map(
    (f) =>
      `<label class="legend-item"><input type="checkbox" class="toggle-f" data-f="${esc(f)}" checked> <span class="swatch" style="background:${fColour(f)}"></span>${esc(f)}</label>`,
  );
  items.push('<span class="legend-item"><svg width="12" height="12"><circle cx="6" cy="6" r="3" fill="#555"/></svg> ok</span>');
  items.push('<span class="legend-item"><svg width="12" height="12"><rect x="3" y="3" width="6" height="6" fill="none" stroke="#555" stroke-width="1.4"/></svg> fail (definite error)</span>');
  items.push('<span class="legend-item"><svg width="12" height="12"><path d="M3,3l6,6m0,-6l-6,6" stroke="#555" stroke-width="1.6"/></svg> info (unknown: timeout or indefinite error)</span>');
  items.push('<span class="legend-item"><span class="swatch partition-swatch"></span>partition active</span>');
  items.push('<span class="legend-item"><span class="swatch kill-swatch"></span>node killed (top strip)</span>');
  items.push('<span class="legend-item"><span class="swatch pause-swatch"></span>node paused (second strip)</span>');
  return `<div class="legend" id="latency-legend">${items.join('')}</div>`;
}

function roleTimeline(
  spans: Map<string, RoleSpan[]>,
  nodes: readonly string[],
  sx: XScale,
  parts: readonly PartitionLike[],
  problems: ResultsLike['problems'],
  faults: readonly FaultLike[],
  snapshots: NonNullable<ResultsLike['snapshots']> = [],
): string {
  const lanes = [...new Set([...spans.keys(), ...faults.map((f) => f.node)])].sort(compareNodes);
  const missing = nodes.filter((n) => !spans.has(n));
  const note = missing.length
    ? `<p class="note">No <code>role=… term=…</code> lines in the log of ${missing.map((n) => `<code>${esc(n)}</code>`).join(', ')} (a binary other than raftchart's node, or logging below info): no role lane.</p>`
    : '';
  if (lanes.length === 0) return note || '<p class="empty">No node logs with role lines.</p>';
  const LH = 26;
  const top = 8;
  const H = lanes.length * LH;
  const bottom = top + H;
  const out: string[] = [
    `<svg id="role-timeline" class="plot" viewBox="0 0 ${W} ${bottom + 30}" width="${W}" height="${bottom + 30}" role="img" aria-label="node roles over time">`,
    '<defs><pattern id="hatch-kill" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="rgba(117,72,160,.25)"/><line x1="0" y1="0" x2="0" y2="6" stroke="#7548a0" stroke-width="2"/></pattern>' +
      '<pattern id="hatch-pause" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><rect width="6" height="6" fill="rgba(31,119,180,.2)"/><line x1="0" y1="0" x2="0" y2="6" stroke="#1f77b4" stroke-width="2"/></pattern></defs>',
  ];
  out.push(partitionShading(sx, parts, top, H, false));
  lanes.forEach((node, i) => {
    const y0 = top + i * LH;
    out.push(`<g class="role-lane" data-node="${esc(node)}">`);
    out.push(`<text class="lane-label" x="${ML - 6}" y="${r2(y0 + LH / 2)}" dy="4" text-anchor="end">${esc(node)}</text>`);
    for (const s of spans.get(node) ?? []) {
      const end = s.end ?? sx.t1;
      if (end < sx.t0 || s.start > sx.t1) continue;
      const x0 = sx.x(s.start);
      const x1 = sx.x(end);
      const w = Math.max(0.5, x1 - x0);
      const title = `${node} ${s.role} term ${s.term}: ${s.start.toFixed(3)}s → ${s.end === null ? 'end of log' : s.end.toFixed(3) + 's'}`;
      out.push(
        `<rect class="role-span role-${esc(s.role)}" data-role="${esc(s.role)}" data-term="${s.term}" x="${r2(x0)}" y="${r2(y0 + 3)}" width="${r2(w)}" height="${LH - 6}" fill="${ROLE_FILL[s.role] ?? '#999'}"><title>${esc(title)}</title></rect>`,
      );
      const label = `${ROLE_LETTER[s.role] ?? s.role.slice(0, 1).toUpperCase()}${s.term}`;
      if (w > label.length * 7 + 4) {
        out.push(`<text class="term-label" x="${r2(x0 + 3)}" y="${r2(y0 + LH / 2)}" dy="4">${esc(label)}</text>`);
      }
    }
    for (const f of faults) {
      if (f.node !== node) continue;
      const x0 = sx.x(f.start);
      const x1 = sx.x(f.stop ?? sx.t1);
      const title = `${node} ${f.fault === 'kill' ? 'killed (down)' : 'paused'}${f.spec ? ` (${f.spec})` : ''}: ${num(f.start, 3)}s → ${f.stop === null ? 'end' : num(f.stop, 3) + 's'}`;
      out.push(
        `<rect class="node-fault node-${esc(f.fault)}" data-fault="${esc(f.fault)}" x="${r2(x0)}" y="${r2(y0 + 1)}" width="${r2(Math.max(1, x1 - x0))}" height="${LH - 2}" fill="url(#hatch-${f.fault === 'kill' ? 'kill' : 'pause'})" stroke="${f.fault === 'kill' ? '#7548a0' : '#1f77b4'}" stroke-width="1"><title>${esc(title)}</title></rect>`,
      );
    }
    for (const e of snapshots) {
      if (e.node !== node || e.time < sx.t0 || e.time > sx.t1) continue;
      const x = r2(sx.x(e.time));
      const title = `${node} ${e.kind === 'installed' ? 'installed a snapshot from its leader' : 'took a snapshot'} up to index ${e.index} (term ${e.term}, ${e.bytes} bytes) at ${num(e.time, 3)}s`;
      out.push(
        `<path class="snapshot-mark snapshot-${e.kind === 'installed' ? 'installed' : 'taken'}" d="M${x},${r2(y0 + LH - 1)}l-3,-5h6z" fill="${e.kind === 'installed' ? '#ff7f0e' : '#333'}"><title>${esc(title)}</title></path>`,
      );
    }
    for (const p of problems ?? []) {
      if (p.node !== node || p.time < sx.t0 || p.time > sx.t1) continue;
      const x = r2(sx.x(p.time));
      out.push(`<path class="node-problem" d="M${x},${r2(y0 + 1)}l-4,-6h8z" fill="#d62728"><title>${esc(`${p.kind} at ${num(p.time, 3)}s: ${p.detail}`)}</title></path>`);
    }
    out.push('</g>');
  });
  out.push(timeAxis(sx, bottom, H));
  out.push('</svg>');
  return out.join('') + note;
}

function roleLegend(): string {
  const roles = Object.keys(ROLE_FILL);
  return `<div class="legend">${roles
    .map((r) => `<span class="legend-item"><span class="swatch" style="background:${ROLE_FILL[r]}"></span>${r}</span>`)
    .join('')}<span class="legend-item">label: F/P/C/L + term</span><span class="legend-item"><span class="swatch partition-swatch"></span>partition active</span><span class="legend-item"><span class="swatch kill-swatch"></span>killed (hatched purple)</span><span class="legend-item"><span class="swatch pause-swatch"></span>paused (hatched blue)</span><span class="legend-item"><span style="color:#d62728">▼</span> node problem (exit, bad output…)</span><span class="legend-item"><span style="color:#333">▲</span> snapshot taken</span><span class="legend-item"><span style="color:#ff7f0e">▲</span> snapshot installed from the leader</span></div>`;
}

/**
 * At most MAX_TIMELINE_OPS operations for the timeline: all of them if they
 * fit, else the earliest ones up to the cap, plus every flagged operation.
 */
export function timelineSelection(ops: readonly Op[], flagged: Set<number>): { shown: Op[]; note: string | null } {
  if (ops.length <= MAX_TIMELINE_OPS) return { shown: ops.slice(), note: null };
  const shown = ops.filter((o, i) => i < MAX_TIMELINE_OPS || flagged.has(o.id));
  const last = ops[MAX_TIMELINE_OPS - 1]!;
  return {
    shown,
    note: `${ops.length} operations: the timeline shows the first ${MAX_TIMELINE_OPS} (to ${last.start.toFixed(2)} s)${shown.length > MAX_TIMELINE_OPS ? ` and the ${shown.length - MAX_TIMELINE_OPS} later ones the checker flagged` : ''}; timeline.html and history.txt have them in order.`,
  };
}

function opsTimeline(ops: readonly Op[], sx: XScale, parts: readonly PartitionLike[], faults: readonly FaultLike[], flagged: Set<number>, culprits: Set<number>, id: string): string {
  const procs = [...new Set(ops.map((o) => o.process))].sort((a, b) => a - b);
  if (procs.length === 0) return '<p class="empty">No operations.</p>';
  const LH = procs.length > 60 ? 8 : procs.length > 30 ? 12 : 18;
  const lane = new Map(procs.map((p, i) => [p, i]));
  const top = 8;
  const H = procs.length * LH;
  const bottom = top + H;
  const out: string[] = [
    `<svg id="${esc(id)}" class="plot ops-timeline" viewBox="0 0 ${W} ${bottom + 30}" width="${W}" height="${bottom + 30}" role="img" aria-label="operations over time">`,
  ];
  out.push(partitionShading(sx, parts, top, H, false));
  out.push(faultShading(sx, faults, top, H));
  const labelEvery = Math.ceil(14 / LH);
  procs.forEach((p, i) => {
    if (i % labelEvery === 0) {
      out.push(`<text class="lane-label" x="${ML - 6}" y="${r2(top + i * LH + LH / 2)}" dy="3" text-anchor="end">p${p}</text>`);
    }
  });
  out.push('<g class="ops">');
  // Flagged operations last, so they are drawn on top.
  const ordered = ops.slice().sort((a, b) => Number(flagged.has(a.id)) - Number(flagged.has(b.id)) || a.id - b.id);
  for (const o of ordered) {
    if (o.start > sx.t1) continue;
    const i = lane.get(o.process)!;
    const x0 = sx.x(o.start);
    const x1 = sx.x(o.end ?? sx.t1);
    const w = Math.max(1.5, x1 - x0);
    const y0 = top + i * LH + 1;
    const isFlagged = flagged.has(o.id);
    const cls = `op f-${esc(o.f)} outcome-${o.outcome}${isFlagged ? ' flagged' : ''}${culprits.has(o.id) ? ' culprit' : ''}`;
    out.push(
      `<g class="${cls}" data-op="${o.id}"><rect x="${r2(x0)}" y="${r2(y0)}" width="${r2(w)}" height="${LH - 2}" fill="${OUTCOME_FILL[o.outcome]}" stroke="${fColour(o.f)}"/>` +
        (LH >= 12 && w > opShort(o).length * 6
          ? `<text x="${r2(x0 + 2)}" y="${r2(y0 + LH - 5)}">${esc(opShort(o))}</text>`
          : LH >= 12 && ops.length <= 30
            ? `<text x="${r2(x0 + w + 3)}" y="${r2(y0 + LH - 5)}">${esc(`#${o.id} ${opShort(o)} ${o.outcome}`)}</text>`
            : '') +
        `<title>${esc(opTitle(o))}</title></g>`,
    );
  }
  out.push('</g>');
  out.push(timeAxis(sx, bottom, H));
  out.push('</svg>');
  return out.join('');
}

function opsLegend(): string {
  const items = (['ok', 'fail', 'info', 'pending'] as Outcome[]).map(
    (o) => `<span class="legend-item"><span class="swatch" style="background:${OUTCOME_FILL[o]}"></span>${o}</span>`,
  );
  items.push('<span class="legend-item">border colour = function (as above)</span>');
  items.push('<span class="legend-item"><span class="swatch flagged-swatch"></span>could not be linearised</span>');
  return `<div class="legend">${items.join('')}</div>`;
}

// ---- the page --------------------------------------------------------------

function kv(rows: [string, string][]): string {
  return `<table class="kv">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('')}</table>`;
}

function statsTables(r: ResultsLike): string {
  const s = r.stats ?? {};
  const lq = (q: Quantiles | undefined) => [num(q?.count, 0), num(q?.p50), num(q?.p95), num(q?.p99), num(q?.max)];
  const fnRows = Object.entries(s.byFunction ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([f, v]) => {
      const q = s.latencyByFunction?.[f] ?? Object.entries(s.latencyByFunction ?? {}).find(([k]) => k.startsWith(`${f}`) && k.endsWith('ok'))?.[1];
      return `<tr><td><span class="swatch" style="background:${fColour(f)}"></span>${esc(f)}</td><td>${num(v.count, 0)}</td><td>${num(v.ok, 0)}</td><td>${num(v.fail, 0)}</td><td>${num(v.info, 0)}</td>${lq(q).map((c) => `<td>${c}</td>`).join('')}</tr>`;
    });
  const byFnLatency = Object.entries(s.latencyByFunction ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  const lin = r.linearizability ?? {};
  const o = r.options ?? {};
  const overview = kv([
    ['workload', esc(r.workload ?? '—')],
    ['binary', esc(o.bin ?? '—')],
    ['nodes', esc((r.nodes ?? []).join(' ') || '—')],
    ['started', esc(r.startedAt ?? '—')],
    ['duration', `${num(r.duration, 2)} s`],
    ['concurrency', esc(o.concurrencySpec ?? o.concurrency ?? '—')],
    ['rate', `${esc(o.rate ?? '—')} /s`],
    ['nemesis', esc(Array.isArray(o.nemesis) ? (o.nemesis.length ? o.nemesis.join(', ') : 'none') : (o.nemesis ?? '—'))],
    ['nemesis interval', o.nemesisInterval === undefined ? '—' : `${esc(o.nemesisInterval)} s`],
    ['latency', o.latency === undefined ? '—' : `${esc(o.latency)} ms ${esc(o.latencyDist ?? '')}`],
    ['seed', esc(o.seed ?? '—')],
  ]);
  const ops = kv([
    ['operations', num(s.count, 0)],
    ['ok / fail / info', `${num(s.ok, 0)} / ${num(s.fail, 0)} / ${num(s.info, 0)}`],
    ['availability (ok / all)', `${pct(s.availability)}${r.availability?.expected !== undefined && r.availability?.expected !== null ? ` (required: ${esc(r.availability.expected)})` : ''}`],
    ['throughput', `${num(s.throughput)} ok/s`],
    ['latency p50 / p95 / p99 / max', `${lq(s.latency).slice(1).join(' / ')} ms`],
  ]);
  const net = r.net as
    | { all?: { sendCount?: number; recvCount?: number; msgsPerOp?: number | null }; servers?: { msgsPerOp?: number | null; sendCount?: number }; dropped?: number; undeliverable?: number }
    | undefined;
  const netT = kv([
    ['messages sent (all)', num(net?.all?.sendCount, 0)],
    ['between servers', num(net?.servers?.sendCount, 0)],
    ['server msgs per op', num(net?.servers?.msgsPerOp, 2)],
    ['dropped by partitions', num(net?.dropped, 0)],
    ['undeliverable', num(net?.undeliverable, 0)],
  ]);
  const checker = kv([
    ['linearizable', esc(lin.valid === undefined ? '—' : String(lin.valid))],
    ['keys checked', num(lin.keyCount, 0)],
    ['keys failed', num(lin.failures?.length ?? 0, 0)],
    ['keys unknown (search gave up)', esc((lin.unknownKeys ?? []).length ? (lin.unknownKeys ?? []).join(', ') : '0')],
    ['checker time', `${num(lin.seconds, 2)} s, ${num(lin.steps, 0)} steps`],
  ]);
  const fnTable = fnRows.length
    ? `<table class="grid-table" id="by-function"><thead><tr><th>function</th><th>count</th><th>ok</th><th>fail</th><th>info</th><th>lat. n</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr></thead><tbody>${fnRows.join('')}</tbody></table>`
    : '';
  const latTable = byFnLatency.length
    ? `<details><summary>latency by function and outcome</summary><table class="grid-table"><thead><tr><th></th><th>n</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr></thead><tbody>${byFnLatency
        .map(([k, q]) => `<tr><td>${esc(k)}</td>${lq(q).map((c) => `<td>${c}</td>`).join('')}</tr>`)
        .join('')}</tbody></table></details>`
    : '';
  return `<div class="cards"><div class="card"><h3>run</h3>${overview}</div><div class="card"><h3>operations</h3>${ops}</div><div class="card"><h3>network</h3>${netT}</div><div class="card"><h3>checker</h3>${checker}</div></div>${fnTable}${latTable}`;
}

function failuresSection(r: ResultsLike, ops: readonly Op[], sx: XScale, flagged: Set<number>, culprits: Set<number>): string {
  const failures = r.linearizability?.failures ?? [];
  if (failures.length === 0) return '';
  const byId = new Map(ops.map((o) => [o.id, o]));
  const parts = failures.map((f, i) => {
    const ids = new Set(f.ops ?? []);
    const m = /\[history #(\d+)\]/.exec(f.culprit ?? '');
    if (m) ids.add(Number(m[1]));
    const these = [...ids].map((id) => byId.get(id)).filter((o): o is Op => o !== undefined);
    let zoom = '';
    if (these.length) {
      let t0 = Infinity;
      let t1 = -Infinity;
      for (const o of these) {
        if (o.start < t0) t0 = o.start;
        if ((o.end ?? o.start) > t1) t1 = o.end ?? o.start;
      }
      const pad = Math.max((t1 - t0) * 0.08, 0.005);
      const zx = xScale(Math.max(sx.t0, t0 - pad), Math.min(sx.t1, t1 + pad) > t0 ? Math.min(sx.t1, t1 + pad) : t1 + pad);
      zoom = opsTimeline(these, zx, r.partitions ?? [], r.faults ?? [], flagged, culprits, `failure-${i}-timeline`);
    }
    const missing = [...ids].filter((id) => !byId.has(id));
    const linear = r.files?.[`linear ${String(f.key)}`];
    return `<div class="failure" id="failure-${i}">
<h3>key ${esc(json(f.key))}: not linearisable</h3>
${linear ? `<p><a class="linear-link" href="${esc(linear.split('/').map(encodeURIComponent).join('/'))}">${esc(linear)}</a>: these operations drawn with every order real time allows and where each gets stuck (as Knossos's linear.svg).</p>` : ''}
${f.culprit ? `<p><strong>first completion that cannot be linearised:</strong> ${esc(f.culprit)}</p>` : ''}
${f.explanation?.length ? `<p>These operations together cannot be linearised:</p><ol class="explanation">${f.explanation.map((e) => `<li>${esc(e)}</li>`).join('')}</ol>` : ''}
${zoom}
${missing.length ? `<p class="note">history indices not found in the history: ${missing.map(String).join(', ')}</p>` : ''}
</div>`;
  });
  return `<section id="failures"><h2>Operations the checker could not linearise</h2><p>Outlined in red in the timelines above; the culprit is outlined thicker. Each failing key is drawn again below, zoomed to its operations.</p>${parts.join('\n')}</section>`;
}

function plotSection(plots: Record<string, string> | undefined, file: string, id: string, title: string, note: string): string {
  const svg = plots?.[file];
  if (svg === undefined) return '';
  return `<section id="${id}"><h2>${title}</h2><p class="note">${note}</p><div class="plot-wrap inline-plot">${svg}</div></section>`;
}

/** When each node took or installed a snapshot (from its log lines). */
function snapshotsSection(r: ResultsLike): string {
  const counts = Object.entries(r.snapshotCounts ?? {}).sort(([a], [b]) => compareNodes(a, b));
  if (counts.length === 0) return '';
  const events = (r.snapshots ?? []).filter((e) => e && typeof e.time === 'number' && typeof e.node === 'string');
  const total = counts.reduce((n, [, c]) => n + c.taken + c.installed, 0);
  const rows = events
    .map((e) => `<tr class="snapshot snapshot-${e.kind === 'installed' ? 'installed' : 'taken'}"><td>${num(e.time, 2)} s</td><td><code>${esc(e.node)}</code></td><td>${e.kind === 'installed' ? 'installed from the leader' : 'taken'}</td><td>${e.index}</td><td>${e.term}</td><td>${e.bytes}</td></tr>`)
    .join('');
  return `<section id="snapshots"><h2>Snapshots</h2>
<p class="note">From the nodes' <code>snapshot index=…</code> and <code>installed snapshot index=…</code> log lines (marked ▲ on the role lanes above).${events.length < total ? ` The first ${events.length} of ${total} are listed.` : ''}</p>
<table class="grid-table" id="snapshot-counts"><thead><tr><th>node</th><th>taken</th><th>installed</th></tr></thead><tbody>${counts.map(([n, c]) => `<tr><td><code>${esc(n)}</code></td><td>${c.taken}</td><td>${c.installed}</td></tr>`).join('')}</tbody></table>
<table class="grid-table" id="snapshot-events"><thead><tr><th>at</th><th>node</th><th>what</th><th>up to index</th><th>term</th><th>bytes</th></tr></thead><tbody>${rows}</tbody></table>
</section>`;
}

/** Every nemesis operation (planned from the seed, and when carried out) and the kill/pause periods. */
function faultsSection(r: ResultsLike): string {
  const nem = (r.nemesis ?? []).filter((n) => n && typeof n.f === 'string');
  const faults = r.faults ?? [];
  if (nem.length === 0 && faults.length === 0) return '';
  const rows = nem
    .map(
      (n) =>
        `<tr class="nemesis-op nemesis-${esc(n.f)}"><td>${n.at === null ? 'final heal' : `${num(n.at, 2)} s`}</td><td>${n.time === null ? 'not done (run over)' : `${num(n.time, 2)} s`}</td><td>${esc(n.f)}</td><td>${esc(n.spec ?? '')}</td><td>${esc((n.nodes ?? []).join(' '))}</td><td>${esc(n.description ?? '')}</td></tr>`,
    )
    .join('');
  const periods = faults
    .map((f) => `<tr class="fault-period fault-${esc(f.fault)}"><td>${esc(f.fault)}</td><td><code>${esc(f.node)}</code></td><td>${num(f.start, 2)} s</td><td>${f.stop === null ? 'never' : `${num(f.stop, 2)} s`}</td><td>${esc(f.spec ?? '')}</td></tr>`)
    .join('');
  return `<section id="nemesis"><h2>Nemesis</h2>
${nem.length ? `<p class="note">The schedule comes from the seed alone (planned time); the second column says when each operation was carried out.</p><table class="grid-table" id="nemesis-ops"><thead><tr><th>planned</th><th>done</th><th>operation</th><th>spec</th><th>nodes</th><th>detail</th></tr></thead><tbody>${rows}</tbody></table>` : ''}
${faults.length ? `<h3>Nodes killed or paused</h3><table class="grid-table" id="fault-periods"><thead><tr><th>fault</th><th>node</th><th>from</th><th>to (restarted or continued)</th><th>spec</th></tr></thead><tbody>${periods}</tbody></table>` : ''}
</section>`;
}

const CSS = `
:root { --fg: #222; --muted: #666; --line: #ddd; }
* { box-sizing: border-box; }
body { font-family: Helvetica, Arial, sans-serif; color: var(--fg); margin: 0; padding: 1rem 1.5rem 3rem; max-width: 1180px; }
h1 { font-size: 1.35rem; margin: .2rem 0 .4rem; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .4rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
h3 { font-size: .95rem; margin: .4rem 0; }
code { font-size: .9em; }
.verdict { display: inline-block; font-weight: bold; padding: .25rem .7rem; border-radius: 4px; color: white; text-transform: uppercase; letter-spacing: .04em; }
.verdict-valid { background: #2e8540; }
.verdict-invalid { background: #c62828; }
.verdict-unknown { background: #8a6d00; }
.fixture-banner { background: #fff3cd; border: 1px solid #e0c060; padding: .5rem .8rem; margin: .5rem 0; font-weight: bold; }
.memory-banner { background: #fde2e2; border: 1px solid #d08080; padding: .5rem .8rem; margin: .5rem 0; font-weight: bold; }
.cause { margin: .4rem 0; }
.warnings { margin: .4rem 0; color: #7a5a00; }
.kill-swatch { background: rgba(117, 72, 160, .6); }
.pause-swatch { background: rgba(31, 119, 180, .5); }
pre.stderr-tail { font-size: .75rem; background: #f6f6f6; padding: .3rem .5rem; overflow-x: auto; max-height: 20rem; }
.inline-plot svg { max-width: 100%; height: auto; }
.reasons { margin: .4rem 0; color: #8a1c1c; }
.read-problems { color: #8a1c1c; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: .8rem; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .4rem .7rem; }
table.kv { border-collapse: collapse; font-size: .85rem; width: 100%; }
table.kv th { text-align: left; font-weight: normal; color: var(--muted); padding: .1rem .6rem .1rem 0; }
table.kv td { text-align: right; padding: .1rem 0; white-space: nowrap; }
table.grid-table { border-collapse: collapse; font-size: .85rem; margin-top: .8rem; }
table.grid-table th, table.grid-table td { border: 1px solid var(--line); padding: .2rem .5rem; text-align: right; }
table.grid-table th:first-child, table.grid-table td:first-child { text-align: left; }
.swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; margin-right: .3rem; vertical-align: -1px; }
.partition-swatch { background: rgba(214, 39, 40, .13); border: 1px solid rgba(214, 39, 40, .35); }
.flagged-swatch { background: white; border: 2px solid #d00; }
.legend { font-size: .8rem; color: #444; margin: .2rem 0 .3rem; display: flex; flex-wrap: wrap; gap: .9rem; }
.legend-item { white-space: nowrap; }
.legend-item svg { vertical-align: -2px; }
.plot-wrap { overflow-x: auto; }
svg.plot { max-width: 100%; height: auto; font-size: 11px; display: block; }
svg.plot text { fill: #333; }
.grid { stroke: #e6e6e6; stroke-width: 1; }
.grid.minor { stroke: #f3f3f3; }
.axis-line { stroke: #888; }
rect.partition { fill: rgba(214, 39, 40, .10); stroke: rgba(214, 39, 40, .25); }
.partition-label { font-size: 9px; fill: #a33 !important; }
.role-span { stroke: white; stroke-width: .5; }
.term-label { font-size: 10px; }
.role-leader + .term-label { fill: white !important; }
.ops-timeline .op rect { stroke-width: .8; }
.ops-timeline .op text { font-size: 9px; pointer-events: none; }
.ops-timeline .op.flagged rect { stroke: #d00 !important; stroke-width: 2; }
.ops-timeline .op.culprit rect { stroke-width: 3.2; }
#latency-plot .op.flagged { stroke: #d00; stroke-width: 2; }
.op.hover rect, circle.op.hover { stroke: black !important; stroke-width: 2; }
.hidden-f { display: none; }
.failure { border: 1px solid #e5b4b4; border-radius: 6px; padding: .4rem .8rem; margin: .8rem 0; background: #fffafa; }
.explanation { font-size: .85rem; }
.note, .empty { color: var(--muted); font-size: .85rem; }
#op-details { position: fixed; right: .8rem; bottom: .8rem; max-width: 36rem; background: #fffff0; border: 1px solid #ccc; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.15); font-size: .8rem; padding: .3rem .5rem; font-family: monospace; }
#op-details[hidden] { display: none; }
footer { margin-top: 2rem; font-size: .8rem; color: var(--muted); }
`;

// Plain DOM code, no dependencies: toggles functions in the latency plot and
// shows the hovered operation's details.
const JS = `
(function () {
  var details = document.getElementById('op-details');
  document.querySelectorAll('.toggle-f').forEach(function (box) {
    box.addEventListener('change', function () {
      var f = box.getAttribute('data-f');
      document.querySelectorAll('#latency-plot .op.f-' + f).forEach(function (el) {
        el.classList.toggle('hidden-f', !box.checked);
      });
    });
  });
  var current = [];
  function show(el) {
    current.forEach(function (c) { c.classList.remove('hover'); });
    var id = el.getAttribute('data-op');
    current = Array.prototype.slice.call(document.querySelectorAll('[data-op="' + id + '"]'));
    current.forEach(function (c) { c.classList.add('hover'); });
    var t = el.querySelector('title');
    if (details && t) { details.textContent = t.textContent; details.hidden = false; }
  }
  document.querySelectorAll('[data-op]').forEach(function (el) {
    el.addEventListener('mouseenter', function () { show(el); });
    el.addEventListener('mouseleave', function () {
      current.forEach(function (c) { c.classList.remove('hover'); });
      current = [];
      if (details) details.hidden = true;
    });
  });
})();
`;

/** Builds the report page. Pure: the same input gives the same bytes. */
export function renderReport(input: ReportInput): string {
  const r = input.results;
  const ops = pairOperations(input.history);
  const zero = historyZero(r, input.nodeLogs);
  const spans = Number.isFinite(zero.ms) ? parseRoleSpans(input.nodeLogs, zero.ms) : new Map<string, RoleSpan[]>();
  const parts = r.partitions ?? [];
  const faults = (r.faults ?? []).filter((f) => f && typeof f.start === 'number' && typeof f.node === 'string');
  const failures = r.linearizability?.failures ?? [];
  const { ops: flagged, culprits } = flaggedOps(failures);
  const timeline = timelineSelection(ops, flagged);

  // One time axis for every plot: from 0 to the last thing that happened.
  let t1 = Math.max(r.duration ?? 0, 0.001);
  for (const o of ops) t1 = Math.max(t1, o.end ?? o.start);
  for (const p of parts) t1 = Math.max(t1, p.stop ?? p.start);
  for (const f of faults) t1 = Math.max(t1, f.stop ?? f.start);
  const sx = xScale(0, t1);

  const verdict = String(r.verdict ?? 'unknown');
  const verdictClass = ['valid', 'invalid', 'unknown'].includes(verdict) ? verdict : 'unknown';
  const nodes = r.nodes ?? [...spans.keys()];
  const title = `${r.workload ?? 'run'} ${r.startedAt ?? ''}: ${verdict}`;
  const links = Object.entries(input.links ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, href]) => `<a href="${esc(href)}">${esc(name)}</a>`)
    .join(' · ');

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>raftchart run report: ${esc(r.workload ?? '?')} <span class="verdict verdict-${verdictClass}" id="verdict">${esc(verdict)}</span></h1>
${r.fixture ? `<div class="fixture-banner" id="fixture-banner">${esc(r.fixture)}</div>` : ''}
${r.memoryOnly ? '<div class="memory-banner" id="memory-only">MEMORY-ONLY RUN (--no-data-dir): the nodes had no RAFT_DATA_DIR, so a node restarted after a kill had lost its term, vote and log. Results from it say nothing about crash-restart safety.</div>' : ''}
${r.cause ? `<p class="cause" id="cause"><strong>What went wrong:</strong> ${esc(r.cause)}</p>` : ''}
${input.links?.['viewer.html'] ? `<p id="viewer-link"><a href="${esc(input.links['viewer.html'])}">Step through this run on the chart (viewer.html)</a></p>` : ''}
${r.reasons?.length ? `<ul class="reasons" id="reasons">${r.reasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : ''}
${r.warnings?.length ? `<ul class="warnings" id="warnings">${r.warnings.map((x) => `<li>warning: ${esc(x)}</li>`).join('')}</ul>` : ''}
${r.analyzed ? `<p class="note" id="analyzed">Re-checked by <code>raftchart analyze</code> at ${esc(r.analyzed.at ?? '?')}${r.analyzed.changed && Object.keys(r.analyzed.changed).length ? ` with ${esc(Object.entries(r.analyzed.changed).map(([k, v]) => `${k} ${json(v)}`).join(', '))}` : ''}.</p>` : ''}
${input.readProblems?.length ? `<ul class="read-problems">${input.readProblems.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : ''}
</header>
<section id="stats"><h2>Verdict and stats</h2>${statsTables(r)}</section>
<section id="latency"><h2>Latency over time</h2>
<p class="note">Each operation at its invocation time; height is the time to its completion. Partition periods are shaded; kill and pause periods are strips at the top.</p>
${latencyLegend(ops)}<div class="plot-wrap">${latencyPlot(ops, sx, parts, faults, flagged)}</div></section>
${plotSection(input.plots, 'latency-quantiles.svg', 'latency-quantiles', 'Latency quantiles', 'Quantiles 0.5, 0.95, 0.99 and 1 of the latency of completed operations, by function, per time bucket (as Jepsen&#39;s latency-quantiles plot).')}
${plotSection(input.plots, 'rate.svg', 'rate', 'Rate', 'Completions per second by function and outcome, per time bucket (as Jepsen&#39;s rate plot).')}
<section id="roles"><h2>Node roles and terms</h2>
${spans.size === 0 ? roleTimeline(spans, nodes, sx, parts, r.problems, faults, r.snapshots ?? []) : `<p class="note" id="roles-alignment">From the nodes' own <code>role=… term=…</code> log lines, on the history's time axis: ${
    zero.how === 'historyStartedAt'
      ? 'time 0 is <code>historyStartedAt</code> from results.json.'
      : zero.how === 'init'
        ? 'results.json has no <code>historyStartedAt</code>, so time 0 is taken as the last node&#39;s <code>initialised as</code> log line (the client phase starts right after the last init); accurate to a few ms.'
        : zero.how === 'startedAt'
          ? '<strong>results.json has no <code>historyStartedAt</code> and no init line was found: time 0 is <code>startedAt</code>, which precedes the client phase by the nodes&#39; start-up, so the lanes may sit to the right of where they belong.</strong>'
          : 'no start time in results.json: cannot place log lines in time.'
  } Times before 0 (start-up) are not drawn.</p>
${roleLegend()}<div class="plot-wrap">${roleTimeline(spans, nodes, sx, parts, r.problems, faults, r.snapshots ?? [])}</div>`}</section>
<section id="operations"><h2>Operations timeline</h2>
<p class="note">One lane per client process; a bar from invocation to completion (to the end when none came). Hover for details.</p>
${timeline.note ? `<p class="note" id="timeline-capped">${esc(timeline.note)}</p>` : ''}
${opsLegend()}<div class="plot-wrap">${opsTimeline(timeline.shown, sx, parts, faults, flagged, culprits, 'ops-timeline')}</div></section>
${failuresSection(r, ops, sx, flagged, culprits)}
${faultsSection(r)}
${snapshotsSection(r)}
${parts.length ? `<section id="partitions-list"><h2>Partitions</h2><table class="grid-table"><thead><tr><th>kind</th><th>from</th><th>to</th><th>grouping</th></tr></thead><tbody>${parts.map((p) => `<tr><td>${esc(p.kind ?? '')}</td><td>${num(p.start, 2)} s</td><td>${p.stop === null ? 'end' : num(p.stop, 2) + ' s'}</td><td>${esc(p.description ?? '')}</td></tr>`).join('')}</tbody></table></section>` : ''}
${r.problems?.length ? `<section id="problems"><h2>Node problems</h2><ul>${r.problems.map((p) => `<li><code>${esc(p.node)}</code> ${esc(p.kind)} at ${num(p.time, 3)} s: ${esc(p.detail)}${Array.isArray(p.stderrTail) && p.stderrTail.length ? `<pre class="stderr-tail">${esc(p.stderrTail.join('\n'))}</pre>` : ''}</li>`).join('')}</ul></section>` : ''}
<footer>${links ? `Files: ${links}. ` : ''}Generated by raftchart (src/viz/report.ts); self-contained, no network.</footer>
<div id="op-details" hidden></div>
<script>${JS}</script>
</body>
</html>
`;
}

// ---- reading a run directory -----------------------------------------------

/**
 * Reads a JSON-lines file in chunks, without ever holding the whole file in
 * one string (a history of a million operations is hundreds of MB).
 */
export function readJsonLines<T>(path: string, onProblem?: (line: number, message: string) => void): T[] {
  const out: T[] = [];
  let lineNo = 0;
  forEachLine(path, (line) => {
    lineNo++;
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as T);
    } catch (e) {
      onProblem?.(lineNo, e instanceof Error ? e.message : String(e));
    }
  });
  return out;
}

/** Calls `take` for every line of a file, reading it in chunks (4 MB unless told). */
export function forEachLine(path: string, take: (line: string) => void, chunkBytes = 4 * 1024 * 1024): void {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(chunkBytes);
    // Bytes after the last newline so far: kept as bytes, so a character cut
    // by a chunk boundary is decoded whole (a newline byte never occurs
    // inside a multi-byte UTF-8 character).
    let rest: Buffer = Buffer.alloc(0);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const end = buf.lastIndexOf(0x0a, n - 1);
      if (end < 0) {
        rest = Buffer.concat([rest, buf.subarray(0, n)]);
        continue;
      }
      const text = (rest.length > 0 ? Buffer.concat([rest, buf.subarray(0, end)]) : buf.subarray(0, end)).toString('utf8');
      rest = Buffer.from(buf.subarray(end + 1, n));
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        take(text.slice(start, nl));
        start = nl + 1;
      }
      take(text.slice(start));
    }
    if (rest.length > 0) take(rest.toString('utf8'));
  } finally {
    closeSync(fd);
  }
}

function parseHistory(text: string): HistoryEventLike[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as HistoryEventLike[];
  if (trimmed.startsWith('{') && !trimmed.includes('\n')) {
    const one = JSON.parse(trimmed) as { history?: HistoryEventLike[] };
    if (Array.isArray(one.history)) return one.history;
  }
  // JSON lines.
  return trimmed
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as HistoryEventLike);
}

function listFiles(dir: string, depth = 2): string[] {
  const out: string[] = [];
  const walk = (d: string, left: number) => {
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (left > 0) walk(p, left - 1);
      } else out.push(relative(dir, p));
    }
  };
  walk(dir, depth);
  return out;
}

/** Reads what the bench left in a run directory. Missing pieces become readProblems, not exceptions. */
export function readRunDir(dir: string, preloaded?: { results?: ResultsLike; history?: readonly HistoryEventLike[] }): ReportInput {
  const readProblems: string[] = [];
  const resultsPath = join(dir, 'results.json');
  let results: ResultsLike = {};
  if (preloaded?.results) results = preloaded.results;
  else if (existsSync(resultsPath)) {
    try {
      results = JSON.parse(readFileSync(resultsPath, 'utf8')) as ResultsLike;
    } catch (e) {
      readProblems.push(`results.json unreadable: ${e instanceof Error ? e.message : String(e)}`);
    }
  } else {
    readProblems.push('no results.json in the run directory');
  }
  const files = listFiles(dir);
  const declared = results.files ?? {};
  const declaredPaths = Object.values(declared);

  // History: the file results.json names, else a file called history.*.
  const historyRel =
    declared.history ??
    Object.entries(declared).find(([k, v]) => /history/i.test(k) && /\.jsonl?$/.test(v))?.[1] ??
    files.find((f) => /^history\.(json|jsonl)$/.test(basename(f))) ??
    null;
  let history: HistoryEventLike[] = [];
  if (preloaded?.history) history = preloaded.history as HistoryEventLike[];
  else if (historyRel && existsSync(join(dir, historyRel))) {
    try {
      if (historyRel.endsWith('.jsonl')) {
        let bad = 0;
        history = readJsonLines<HistoryEventLike>(join(dir, historyRel), (line, msg) => {
          if (bad++ === 0) readProblems.push(`${historyRel} line ${line} unreadable (${msg}); such lines are skipped`);
        });
      } else history = parseHistory(readFileSync(join(dir, historyRel), 'utf8'));
    } catch (e) {
      readProblems.push(`${historyRel} unreadable: ${e instanceof Error ? e.message : String(e)}`);
    }
  } else {
    readProblems.push('no history file in the run directory');
  }

  // Node logs: declared ones whose name says log, plus any *.log file.
  const logRels = [
    ...new Set([
      ...Object.entries(declared)
        .filter(([k, v]) => /log/i.test(k) && !/history/i.test(k) && /\.(log|txt)$/.test(v))
        .map(([, v]) => v),
      ...files.filter((f) => f.endsWith('.log')),
    ]),
  ].sort();
  // Only the lines the report uses (role changes, init), read line by line:
  // a node logging at debug level can write gigabytes.
  const nodeLogs: Record<string, string> = {};
  for (const rel of logRels) {
    try {
      const kept: string[] = [];
      forEachLine(join(dir, rel), (line) => {
        if (line.includes(' role=') || line.includes(' initialised as ')) kept.push(line);
      });
      nodeLogs[rel] = kept.join('\n');
    } catch {
      readProblems.push(`${rel} unreadable`);
    }
  }

  const links: Record<string, string> = {};
  for (const rel of [...new Set([...declaredPaths, ...files])]) {
    // The nodes' own data directories are theirs: link the folder, not its files.
    if (rel === 'index.html' || (rel.startsWith('data/') && rel !== 'data/') || !existsSync(join(dir, rel))) continue;
    links[rel] = rel.split('/').map(encodeURIComponent).join('/');
  }
  // The bench's own SVG plots, inlined (they are bounded in size).
  const plots: Record<string, string> = {};
  for (const name of ['latency-quantiles.svg', 'rate.svg']) {
    const p = join(dir, name);
    try {
      if (existsSync(p) && statSync(p).size < 8 * 1024 * 1024) {
        const text = readFileSync(p, 'utf8');
        if (text.startsWith('<svg')) plots[name] = text;
      }
    } catch {
      readProblems.push(`${name} unreadable`);
    }
  }
  return { results, history, nodeLogs, links, readProblems, plots };
}

/**
 * Reads the files the bench wrote in `dir` (a store/<workload>/<timestamp>/
 * directory) and writes `dir/index.html`. Never throws for a malformed or
 * incomplete run: the page says what was missing.
 */
/**
 * Runs whose history.jsonl is larger than this get no viewer.html from the
 * bench: the viewer reads the whole history into one page (at a million
 * operations it took minutes and gigabytes). `npm run viewer -- DIR` still
 * writes one on demand.
 */
export const VIEWER_MAX_HISTORY_BYTES = 64 * 1024 * 1024;

export async function writeRunReport(dir: string, preloaded?: { results?: ResultsLike; history?: readonly HistoryEventLike[] }): Promise<void> {
  // The step-through viewer first, so the report links to it; failing to write it loses nothing else.
  const historyPath = join(dir, 'history.jsonl');
  const historyBytes = existsSync(historyPath) ? statSync(historyPath).size : 0;
  const notes: string[] = [];
  if (historyBytes > VIEWER_MAX_HISTORY_BYTES) {
    notes.push(
      `viewer.html not written: the history is ${Math.round(historyBytes / 1e6)} MB, over the bench's ${VIEWER_MAX_HISTORY_BYTES / 1024 / 1024} MiB limit for it (npm run viewer -- DIR writes one anyway)`,
    );
  } else {
    try {
      const { writeRunViewer } = await import('./viewer/bench.js');
      await writeRunViewer(dir);
    } catch (err) {
      process.stderr.write(`raftchart: could not write the run viewer: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  const input = readRunDir(dir, preloaded);
  input.readProblems = [...(input.readProblems ?? []), ...notes];
  const html = renderReport(input);
  await writeFile(join(dir, 'index.html'), html);
}
