// A viewer page for a bench run (store/<workload>/<run>/viewer.html), from
// what the bench left in the run directory:
//
//   node-logs/*.log  our node's stderr. At RAFT_LOG=trace it holds one JSON line
//                    per chart transition and per Raft message sent or
//                    received (src/maelstrom/main.ts), times in Unix ms; at any
//                    level, `role=leader term=3` lines on role changes.
//   history.jsonl    the client operations (nanoseconds since history time 0)
//   results.json     nodes, history time 0, partitions (with their grudges),
//                    the linearizability checker's failures, the verdict
//
// Everything is put on the history's time axis (milliseconds since time 0).
// A run logged at the default level still gets a page: roles and terms from
// the role lines, the operations and partitions; the page says what is
// missing. Nothing here throws for a partial or odd run directory.

import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { chartData, renderViewerHtml } from './html.js';
import { ModelBuilder, short, type ViewerModel } from './model.js';

const ISO = String.raw`(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))`;
const ROLE_LINE = new RegExp(`^${ISO}\\s+\\w+\\s+(\\S+)\\s+role=([A-Za-z][\\w-]*)\\s+term=(\\d+)`);
const INIT_LINE = new RegExp(`^${ISO}\\s+\\w+\\s+\\S+\\s+initialised as `);

interface Rec {
  t: number;
  /** Order of reading, to keep ties stable. */
  seq: number;
  rec: Record<string, unknown>;
}

interface NodeLog {
  file: string;
  /** Records with Unix-ms times. */
  trace: { t: number; rec: Record<string, unknown> }[];
  roles: { t: number; node: string; role: string; term: number }[];
  lastInit: number;
  badJson: number;
}

/** Reads one node log: trace JSON lines (a deliver followed by the transition it caused become one record) and role lines. */
export function readNodeLog(file: string, text: string): NodeLog {
  const out: NodeLog = { file, trace: [], roles: [], lastInit: NaN, badJson: 0 };
  let pendingDeliver: Record<string, unknown> | undefined;
  const flush = (): void => {
    if (pendingDeliver) out.trace.push({ t: pendingDeliver.t as number, rec: pendingDeliver });
    pendingDeliver = undefined;
  };
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (line.startsWith('{')) {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.badJson++;
        continue;
      }
      if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) continue;
      if (rec.header === true) {
        out.trace.push({ t: -Infinity, rec });
        continue;
      }
      if (typeof rec.t !== 'number') continue;
      if (rec.kind === 'deliver') {
        flush();
        pendingDeliver = rec;
        continue;
      }
      // The node writes a message's receipt, then the transitions it causes:
      // a transition right after a receipt whose event is that message handles it.
      if (pendingDeliver && typeof rec.transition === 'string') {
        const ev = (rec.event ?? {}) as Record<string, unknown>;
        const evType = ev.mtype === 'client_request' ? (ev.value as Record<string, unknown> | undefined)?.type : ev.mtype;
        if (ev.msource === pendingDeliver.src && evType === pendingDeliver.type) {
          rec = { ...rec, deliver: pendingDeliver };
          pendingDeliver = undefined;
        }
      }
      flush();
      out.trace.push({ t: rec.t as number, rec });
      continue;
    }
    const m = ROLE_LINE.exec(line);
    if (m) {
      const t = Date.parse(m[1]!);
      if (Number.isFinite(t)) out.roles.push({ t, node: m[2]!, role: m[3]!, term: Number(m[4]) });
      continue;
    }
    const init = INIT_LINE.exec(line);
    if (init) {
      const t = Date.parse(init[1]!);
      if (Number.isFinite(t) && !(t <= out.lastInit)) out.lastInit = t;
    }
  }
  flush();
  return out;
}

function readJson(path: string, problems: string[]): unknown {
  if (!existsSync(path)) {
    problems.push(`no ${basename(path)} in the run directory`);
    return undefined;
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    problems.push(`${basename(path)} unreadable: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

function readHistory(dir: string, problems: string[]): Record<string, unknown>[] {
  for (const name of ['history.jsonl', 'history.json']) {
    const p = join(dir, name);
    if (!existsSync(p)) continue;
    try {
      const text = readFileSync(p, 'utf8').trim();
      if (text === '') return [];
      if (text.startsWith('[')) return JSON.parse(text) as Record<string, unknown>[];
      return text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    } catch (e) {
      problems.push(`${name} unreadable: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    }
  }
  problems.push('no history in the run directory');
  return [];
}

function listLogs(dir: string): string[] {
  const logDir = join(dir, 'node-logs');
  try {
    return readdirSync(logDir)
      .filter((n) => n.endsWith('.log') && statSync(join(logDir, n)).isFile())
      .sort()
      .map((n) => join('node-logs', n));
  } catch {
    return [];
  }
}

/** The viewer model of a bench run directory. */
export function modelFromRunDir(dir: string): ViewerModel {
  const problems: string[] = [];
  let name = basename(dir);
  try {
    name = basename(realpathSync(dir)); // store/latest names its run
  } catch {
    // keep the given name
  }
  const results = (readJson(join(dir, 'results.json'), problems) ?? {}) as Record<string, unknown>;
  const history = readHistory(dir, problems);
  const logs: NodeLog[] = [];
  for (const rel of listLogs(dir)) {
    try {
      logs.push(readNodeLog(rel, readFileSync(join(dir, rel), 'utf8')));
    } catch {
      problems.push(`${rel} unreadable`);
    }
  }
  if (logs.length === 0) problems.push('no node logs (node-logs/*.log) in the run directory');

  // History time 0 in Unix ms: results.json says it; else the last node's init (the client phase follows it); else the start.
  const explicit = typeof results.historyStartedAt === 'string' ? Date.parse(results.historyStartedAt) : NaN;
  const started = typeof results.startedAt === 'string' ? Date.parse(results.startedAt) : NaN;
  let lastInit = NaN;
  for (const l of logs) if (Number.isFinite(l.lastInit) && !(l.lastInit <= lastInit)) lastInit = l.lastInit;
  let zero = explicit;
  if (!Number.isFinite(zero)) {
    zero = Number.isFinite(lastInit) ? lastInit : started;
    problems.push(
      Number.isFinite(zero)
        ? `results.json has no historyStartedAt: time 0 is the ${Number.isFinite(lastInit) ? 'last node’s init log line' : 'run’s start'}, so node lines may be off by a few ms against the history.`
        : 'no start time in results.json: node log lines cannot be placed in time and are left out.',
    );
  }

  const nodes = Array.isArray(results.nodes) ? results.nodes.filter((x): x is string => typeof x === 'string') : [];
  const opts = (results.options ?? {}) as Record<string, unknown>;
  const verdict = typeof results.verdict === 'string' ? results.verdict : 'unknown';
  const about = [
    `bench run ${name}: ${short(results.workload ?? '?')}, verdict ${verdict}`,
    [
      opts.bin !== undefined ? `bin ${short(opts.bin, 60)}` : '',
      opts.nodeCount !== undefined ? `${short(opts.nodeCount)} nodes` : '',
      opts.rate !== undefined ? `rate ${short(opts.rate)}` : '',
      opts.concurrency !== undefined ? `concurrency ${short(opts.concurrency)}` : '',
      opts.timeLimit !== undefined ? `${short(opts.timeLimit)} s` : '',
      opts.nemesis !== undefined ? `nemesis ${short(opts.nemesis, 40)}` : '',
    ]
      .filter(Boolean)
      .join(' · '),
  ].filter(Boolean);
  const b = new ModelBuilder(chartData(), { source: 'bench', title: `${short(results.workload ?? 'bench')} ${name} (${verdict})`, about, servers: nodes });

  const recs: Rec[] = [];
  let seq = 0;
  const traced = new Set<string>();
  let badJson = 0;
  if (Number.isFinite(zero)) {
    for (const l of logs) {
      badJson += l.badJson;
      for (const { t, rec } of l.trace) {
        if (rec.header === true) {
          b.add(rec);
          continue;
        }
        if (typeof rec.node === 'string' && typeof rec.transition === 'string') traced.add(rec.node);
        const shift = (r: Record<string, unknown>): Record<string, unknown> => ({ ...r, t: (r.t as number) - zero });
        const shifted = shift(rec);
        if (rec.deliver) shifted.deliver = shift(rec.deliver as Record<string, unknown>);
        recs.push({ t: t - zero, seq: seq++, rec: shifted });
      }
    }
    // Role lines only for nodes without transition lines (they say the same, less precisely).
    for (const l of logs) {
      for (const r of l.roles) {
        if (traced.has(r.node)) continue;
        recs.push({ t: r.t - zero, seq: seq++, rec: { kind: 'role', t: r.t - zero, node: r.node, role: r.role, term: r.term } });
      }
    }
  }
  // Partitions: a nemesis record when each starts and stops; grudge n -> [m] means n drops m's messages.
  const parts = Array.isArray(results.partitions) ? (results.partitions as Record<string, unknown>[]) : [];
  for (const p of parts) {
    if (typeof p?.start !== 'number') continue;
    const blocked: string[] = [];
    const g = (p.grudge ?? {}) as Record<string, unknown>;
    for (const [to, froms] of Object.entries(g)) if (Array.isArray(froms)) for (const f of froms) blocked.push(`${short(f, 40)}>${to}`);
    recs.push({ t: p.start * 1000, seq: seq++, rec: { kind: 'nemesis', t: p.start * 1000, text: `partition (${short(p.kind ?? '', 40)}): ${short(p.description ?? '', 120)}`, blocked: blocked.sort(), paused: [] } });
    if (typeof p.stop === 'number') recs.push({ t: p.stop * 1000, seq: seq++, rec: { kind: 'nemesis', t: p.stop * 1000, text: 'heal', blocked: [], paused: [] } });
  }
  for (const h of history) {
    if (typeof h?.time !== 'number') continue;
    recs.push({ t: h.time / 1e6, seq: seq++, rec: { ...h, kind: 'op', t: h.time / 1e6 } });
  }
  recs.sort((x, y) => x.t - y.t || x.seq - y.seq);
  for (const r of recs) b.add(r.rec);
  // The bench's network drops messages silently (partitions): a message with no receipt is gone after a while.
  b.expireUndelivered(1000);

  const lin = results.linearizability;
  if (lin && typeof lin === 'object') b.setChecker(lin as Record<string, unknown>);
  const end = recs.length ? recs[recs.length - 1]!.t : 0;
  b.add({ kind: 'end', t: Math.max(end, 0), result: `verdict ${verdict}${Array.isArray(results.reasons) && results.reasons.length ? `: ${results.reasons.map((x) => short(x, 200)).join('; ')}` : ''}` });

  if (typeof results.fixture === 'string') b.notes.unshift(results.fixture); // a hand-written run says so
  for (const p of problems) b.notes.push(p);
  if (badJson) b.notes.push(`${badJson} node log line(s) looked like JSON but were not; skipped.`);
  const model = b.build();
  if (!model.has.transitions && logs.length > 0) {
    model.notes.push(
      model.has.roles
        ? 'Roles and terms come from the nodes’ role=… term=… log lines; run the bench with RAFT_LOG=trace to see chart transitions, logs, votes and messages.'
        : 'The node logs have neither transition lines nor role lines (a binary other than raftchart’s node, or logging below info): no node state.',
    );
  } else if (model.has.transitions && !model.has.messages) {
    model.notes.push('The node logs have transitions but no message lines: no messages in flight.');
  }
  if (model.has.messages) {
    model.notes.push('Messages the bench’s network dropped (partitions) leave no line: a message not received within 1 s is shown as never delivered from then on.');
  }
  return model;
}

/** Writes viewer.html into a bench run directory. */
export async function writeRunViewer(dir: string): Promise<ViewerModel> {
  const model = modelFromRunDir(dir);
  await writeFile(join(dir, 'viewer.html'), renderViewerHtml(model));
  return model;
}
