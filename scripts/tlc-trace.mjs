#!/usr/bin/env node
// Trace validation: runs the simulator with every fault, and checks with TLC
// that each trace it writes is a behaviour of tla/Raft.tla (tla/TraceRaft.tla).
//
//   npm run tlc:trace                       20 seeds (1..20), all faults
//   npm run tlc:trace -- --seeds 200        seeds 1..200
//   npm run tlc:trace -- --seed 7 --seeds 3 --duration 10
//   npm run tlc:trace -- --snapshot-entries 8   snapshot every 8 applied entries (default: the simulator's 40)
//   npm run tlc:trace -- --reads lease      with RAFT_READS (and RAFT_TXN_READS) of that mode
//   npm run tlc:trace -- --file run.ndjson  validate traces written by `raftchart sim --trace`
//
// One line per trace (seed, lines, TLC states, result, time) and a summary.
// A rejected trace is explained: the line that no step of the spec matches,
// what the trace recorded there, and the spec's view of that node just before
// (TLC run again with tla/TraceRaftDiagnose.cfg). Exit status: 0 every trace
// validates, 1 some trace does not, 2 bad arguments, 3 no tla2tools.jar, 4 no
// java (as npm run tlc).
//
// TLC checks tla/TraceRaft.tla, which extends a module TraceData generated
// per trace (TraceLog: the lines as TLA+ records) into a directory of its own
// on TLC's library path. Two abstractions are made here, in the open:
//  - values of client operations become strings (canonical JSON); the spec
//    never looks into a value, it only compares them;
//  - broadcast numbers (heartbeatSeq, acked, reads' seq, AppendEntries' mseq)
//    count from the leader's election: the spec's leader starts each term at
//    broadcast 1, the code's number never restarts. For the leader n of term
//    T, base = its heartbeatSeq right after becomeLeader minus 1, and every
//    number of that leadership is recorded minus base. Only their order
//    matters to the code and to the spec.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_NO_JAR, EXIT_NO_JAVA, EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE, findJar, findJava, root, tlaDir } from './tlc.mjs';

const USAGE = `usage: npm run tlc:trace -- [--seeds N] [--seed S] [--duration SECS] [--recovery SECS]
                             [--workers W] [--batch B] [--keep DIR] [--snapshot-entries N]
                             [--reads log|readindex|local|lease] [--file TRACE.ndjson ...]
(--batch: traces per TLC run, default 10)`;

// ---- a trace in the spec's terms -----------------------------------------------
//
// Each recorded line becomes a plain object in the spec's names and values,
// written to TLC as NDJSON and read back with the Json module's
// ndJsonDeserialize (TLC's own parser is too slow for large TLA+ literals).
// Strings stand for every value TLC compares: servers ("n1"), Nil ("Nil"),
// Noop ("Noop"), client values ("v1", "v2", ...). Sets are written as arrays
// (TraceRaft applies ToSet).

const MAX_DEPTH = 32;

/** A TLA+ string literal. */
export function tlaString(s) {
  return `"${String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

/** Canonical JSON (sorted keys), depth-bounded: how client values are told apart. */
export function canonical(v, depth = 0) {
  if (depth > MAX_DEPTH) throw new Error('value nested too deeply');
  if (Array.isArray(v)) return `[${v.map((x) => canonical(x, depth + 1)).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k], depth + 1)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

const isName = (s) => typeof s === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(s);

/**
 * Client values become names "v1", "v2", ...: the spec only compares values,
 * so any one-to-one naming keeps its meaning, and short names keep the
 * trace small.
 */
export class ValueNames {
  constructor() {
    this.ids = new Map();
  }
  of(value) {
    if (value === 'Noop') return 'Noop';
    const key = canonical(value);
    let id = this.ids.get(key);
    if (id === undefined) this.ids.set(key, (id = this.ids.size + 1));
    return `v${id}`;
  }
}

const int = (n, what) => {
  if (!Number.isSafeInteger(n)) throw new Error(`${what}: expected an integer, got ${JSON.stringify(n)}`);
  return n;
};
const server = (x) => (x === null || x === undefined ? 'Nil' : String(x));
const entry = ([term, value], names) => ({ term: int(term, 'entry term'), value: names.of(value) });

/** Per leadership (node, term): the code's broadcast number just before it. */
export function broadcastBases(lines) {
  const base = new Map();
  for (const t of lines) {
    if (t.transition === 'becomeLeader') base.set(`${t.node}@${t.vars.currentTerm}`, t.vars.heartbeatSeq - 1);
  }
  return base;
}
const relative = (base, node, term, seq) => {
  const b = base.get(`${node}@${term}`);
  return b === undefined ? seq : seq - b;
};

const RAFT_TYPES = new Set([
  'pre_vote',
  'pre_vote_res',
  'request_vote',
  'request_vote_res',
  'append_entries',
  'append_entries_res',
  'install_snapshot',
  'install_snapshot_res',
  'forwarded_read',
]);
/** Messages a transition with `sendsVia` sends by later steps (AppendEntries, SendSnapshot). */
const LATER_TYPES = new Set(['append_entries', 'install_snapshot']);

/** The spec's message record for a recorded message. */
export function specMessage(m, base, names) {
  const o = { mtype: m.mtype, mterm: int(m.mterm, 'mterm') };
  switch (m.mtype) {
    case 'pre_vote':
    case 'request_vote':
      o.mlastLogTerm = int(m.mlastLogTerm, 'mlastLogTerm');
      o.mlastLogIndex = int(m.mlastLogIndex, 'mlastLogIndex');
      break;
    case 'pre_vote_res':
      o.mvoteGranted = m.mvoteGranted === true;
      o.mrequestedTerm = int(m.mrequestedTerm, 'mrequestedTerm');
      break;
    case 'request_vote_res':
      o.mvoteGranted = m.mvoteGranted === true;
      break;
    case 'append_entries':
      o.mprevLogIndex = int(m.mprevLogIndex, 'mprevLogIndex');
      o.mprevLogTerm = int(m.mprevLogTerm, 'mprevLogTerm');
      if (!Array.isArray(m.mentries)) throw new Error('mentries: expected an array');
      o.mentries = m.mentries.map((e) => entry(e, names));
      o.mcommitIndex = int(m.mcommitIndex, 'mcommitIndex');
      if (m.mseq !== undefined) o.mseq = int(relative(base, m.msource, m.mterm, m.mseq), 'mseq');
      break;
    case 'append_entries_res':
      o.msuccess = m.msuccess === true;
      if (o.msuccess) o.mmatchIndex = int(m.mmatchIndex, 'mmatchIndex');
      else o.mhint = int(m.mhint, 'mhint');
      if (m.mseq !== undefined) o.mseq = int(relative(base, m.mdest, m.mterm, m.mseq), 'mseq');
      break;
    case 'install_snapshot':
      // without its data (see tla/TraceRaft.tla)
      o.mlastIncludedIndex = int(m.mlastIncludedIndex, 'mlastIncludedIndex');
      o.mlastIncludedTerm = int(m.mlastIncludedTerm, 'mlastIncludedTerm');
      break;
    case 'install_snapshot_res':
      o.msuccess = m.msuccess === true;
      o.mmatchIndex = int(m.mmatchIndex, 'mmatchIndex');
      break;
    case 'forwarded_read':
      // the follower's term only; without the history the spec's message
      // carries (mmustSee, see tla/TraceRaft.tla)
      break;
    default:
      throw new Error(`not a Raft message type: ${m.mtype}`);
  }
  o.msource = server(m.msource);
  o.mdest = server(m.mdest);
  return o;
}

/** A node's variables in Init, as the trace writes them (the baseline of its first line). */
function initialVars(servers) {
  return {
    currentTerm: 0,
    state: 'follower',
    votedFor: null,
    leader: null,
    commitIndex: 0,
    lastApplied: 0,
    preVotes: [],
    votesGranted: [],
    nextIndex: Object.fromEntries(servers.map((x) => [x, 1])),
    matchIndex: Object.fromEntries(servers.map((x) => [x, 0])),
    pending: [],
    reads: [],
    log: { len: 0 },
  };
}

/**
 * The recorded variables of one line in the spec's terms: only those that
 * changed since the node's previous line (`prev`), and the broadcast numbers
 * on every line where the node leads, counted from its election.
 */
export function specVars(v, node, prev, servers, base, names) {
  const peers = servers.filter((x) => x !== node);
  const same = (f, norm = (x) => x) => JSON.stringify(norm(v[f])) === JSON.stringify(norm(prev[f]));
  const peerView = (o) => peers.map((p) => o[p] ?? null);
  const sortedSet = (x) => [...x].sort();
  const o = {};
  if (!same('currentTerm')) o.currentTerm = int(v.currentTerm, 'currentTerm');
  if (!same('state')) o.state = String(v.state);
  if (!same('votedFor')) o.votedFor = server(v.votedFor);
  if (!same('leader')) o.leader = server(v.leader);
  // Where the log starts (0, 0 before any snapshot).
  const start = (log) => ({ snapshotIndex: int(log.snapshotIndex ?? 0, 'log.snapshotIndex'), snapshotTerm: int(log.snapshotTerm ?? 0, 'log.snapshotTerm') });
  const moved = JSON.stringify(start(v.log)) !== JSON.stringify(start(prev.log));
  if (v.log.from !== undefined) {
    o.log = { len: int(v.log.len, 'log.len'), ...start(v.log), from: int(v.log.from, 'log.from'), entries: (v.log.entries ?? []).map((e) => entry(e, names)) };
  } else if (v.log.len !== prev.log.len) {
    // The length changed but no changed index is recorded: a trace that
    // contradicts itself. Say so to TLC, which then rejects the line.
    o.log = { len: int(v.log.len, 'log.len'), ...start(v.log), from: int(prev.log.len, 'log.len') + 1, entries: [] };
  } else if (moved) {
    // Compacted (or a snapshot installed) with no entry changed: the entries
    // after the new start are the ones held before.
    o.log = { len: int(v.log.len, 'log.len'), ...start(v.log), from: int(v.log.len, 'log.len') + 1, entries: [] };
  }
  if (!same('commitIndex')) o.commitIndex = int(v.commitIndex, 'commitIndex');
  if (!same('lastApplied')) o.lastApplied = int(v.lastApplied, 'lastApplied');
  if (!same('preVotes', sortedSet)) o.preVotes = v.preVotes.map(server);
  if (!same('votesGranted', sortedSet)) o.votesGranted = v.votesGranted.map(server);
  if (!same('nextIndex', peerView)) o.nextIndex = Object.fromEntries(peers.map((p) => [p, int(v.nextIndex[p], 'nextIndex')]));
  if (!same('matchIndex', peerView)) o.matchIndex = Object.fromEntries(peers.map((p) => [p, int(v.matchIndex[p], 'matchIndex')]));
  if (Array.isArray(v.pending) && !same('pending')) {
    o.pending = v.pending.map(([index, term]) => ({ index: int(index, 'index'), term: int(term, 'term') }));
  }
  const leads = v.state === 'leader';
  const rel = (seq) => relative(base, node, v.currentTerm, seq);
  if (!same('reads')) {
    o.reads = v.reads.map(([seq, readIndex, by]) => ({ seq: int(leads ? rel(seq) : seq, 'seq'), readIndex: int(readIndex, 'readIndex'), by: server(by ?? node) }));
  }
  if (leads) {
    o.heartbeatSeq = int(rel(v.heartbeatSeq), 'heartbeatSeq');
    o.acked = Object.fromEntries(peers.map((p) => [p, (v.acked[p] ?? 0) === 0 ? 0 : int(rel(v.acked[p]), 'acked')]));
  }
  return o;
}

/** Parses NDJSON trace lines: the header and the transition lines. */
export function parseTrace(ndjsonLines) {
  const parsed = ndjsonLines
    .filter((l) => l.trim() !== '')
    .map((l, k) => {
      try {
        return JSON.parse(l);
      } catch (e) {
        throw new Error(`line ${k + 1} is not JSON: ${e.message}`);
      }
    });
  const header = parsed.find((x) => x.header === true);
  if (!header) throw new Error('the trace has no header line');
  if (!Array.isArray(header.servers) || header.servers.some((x) => !isName(x))) throw new Error('header.servers: expected server names');
  const lines = parsed.filter((x) => x.header !== true && x.transition !== undefined);
  for (const l of lines) {
    if (!l.vars || typeof l.vars !== 'object' || !l.vars.log) throw new Error(`line ${l.i}: no vars`);
  }
  return { header, lines };
}

/**
 * A trace in the spec's terms: per line the node, the transition, the action
 * and branch it mirrors (spec/tla-mapping.ts's table `mapping`; a transition
 * `restart` is the environment's Restart), whether its AppendEntries are sent
 * by AppendEntries steps, the message that triggered it (if one did), the
 * messages it sent, the variables it changed; and the number of steps each
 * line takes (1, plus its AppendEntries sent by AppendEntries steps).
 */
export function specTrace({ header, lines }, mapping, names = new ValueNames()) {
  const servers = [...header.servers].sort();
  const base = broadcastBases(lines);
  const prev = new Map(servers.map((x) => [x, initialVars(servers)]));
  const steps = [];
  const out = [];
  for (const t of lines) {
    const m = t.transition === 'restart' ? { tla: 'Restart' } : mapping[t.transition];
    if (!m) throw new Error(`line ${t.i}: transition ${t.transition} is not in the mapping`);
    if (!prev.has(t.node)) throw new Error(`line ${t.i}: node ${t.node} is not among the servers`);
    const action = m.tla ?? 'None';
    const sends = (t.sends ?? []).map((x) => specMessage(x, base, names));
    const later = m.sendsVia ? sends.filter((x) => LATER_TYPES.has(x.mtype)).length : 0;
    steps.push(1 + later);
    out.push({
      i: int(t.i, 'i'),
      node: t.node,
      transition: t.transition,
      action,
      branch: m.branch ?? action,
      sendsVia: m.sendsVia !== undefined,
      event: t.event && RAFT_TYPES.has(t.event.mtype) ? specMessage(t.event, base, names) : { kind: String(t.event?.timer ?? t.event?.mtype ?? 'none') },
      sends,
      vars: specVars(t.vars, t.node, prev.get(t.node), servers, base, names),
    });
    prev.set(t.node, t.vars);
  }
  return { lines: out, steps, servers, maxBatch: header.maxBatch ?? 256, leases: header.leases === true };
}

/** A JSON-like value as TLA+ text (objects: records, arrays: tuples); for TLC without the Json module. */
export function tlaValue(v, depth = 0) {
  if (depth > MAX_DEPTH) throw new Error('value nested too deeply');
  if (typeof v === 'string') return tlaString(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') return String(int(v, 'number'));
  if (Array.isArray(v)) return `<<${v.map((x) => tlaValue(x, depth + 1)).join(', ')}>>`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 0) return '<<>>';
    for (const k of keys) if (!isName(k)) throw new Error(`field ${k} is not a TLA+ identifier`);
    return `[${keys.map((k) => `${k} |-> ${tlaValue(v[k], depth + 1)}`).join(', ')}]`;
  }
  throw new Error(`no TLA+ value for ${JSON.stringify(v)}`);
}

/**
 * The module TraceData for traces in the spec's terms (sharing servers and
 * batch size): with `files`, it reads each trace from its NDJSON file with
 * the Json module; without, the traces are TLA+ literals in the module.
 */
export function traceDataModule(specTraces, files) {
  const { servers, maxBatch } = specTraces[0];
  const leases = specTraces[0].leases === true;
  for (const t of specTraces) {
    if (JSON.stringify(t.servers) !== JSON.stringify(servers) || t.maxBatch !== maxBatch || (t.leases === true) !== leases) {
      throw new Error('traces checked in one run must share their servers, maxBatch and lease mode');
    }
  }
  const body = files
    ? files.map((f) => `ndJsonDeserialize(${tlaString(f)})`).join(',\n')
    : specTraces.map((t) => `<<\n${t.lines.map((l) => tlaValue(l)).join(',\n')}\n>>`).join(',\n');
  return [
    '---- MODULE TraceData ----',
    '\\* Generated by scripts/tlc-trace.mjs from simulator traces. Do not edit.',
    files ? 'EXTENDS Json' : '',
    `TraceServers == ${tlaValue(servers).replace(/^<<(.*)>>$/, '{$1}')}`,
    `TraceMaxBatch == ${int(maxBatch, 'maxBatch')}`,
    `TraceLeases == ${leases ? 'TRUE' : 'FALSE'}`,
    `Traces == <<\n${body}\n>>`,
    '====',
    '',
  ].join('\n');
}

/** The trace line a trace stopped before, given how many of its states TLC reached (the initial one included). */
export function lineAtDepth(steps, lines, depth) {
  let reached = depth - 1; // steps taken
  for (let k = 0; k < steps.length; k++) {
    if (reached < steps[k]) return { index: k, line: lines[k], sub: reached };
    reached -= steps[k];
  }
  return undefined;
}

// ---- running TLC ----------------------------------------------------------------

function runJava(java, args, cwd) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(java, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ out, code }));
  });
}

/**
 * Validates a batch of traces (each { header, lines }) in one TLC run.
 * Resolves to { results: [{ ok, lines, steps, rejected? }], states,
 * expectedStates, seconds, error? }: a trace is accepted when TLC reached its
 * end; when some trace was not, TLC runs again with TraceRaftDiagnose.cfg to
 * name, for each such trace, the line no step matches and the spec's view of
 * its node.
 */
export async function validateTraces(traces, { jar, java = 'java', workers = 1, keep, mapping, json = true }) {
  const start = process.hrtime.bigint();
  const names = new ValueNames();
  const perTrace = traces.map((t) => specTrace(t, mapping, names));
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'tlc-trace-'));
  let files;
  if (json) {
    files = perTrace.map((t, k) => join(dir, `trace-${k + 1}.ndjson`));
    perTrace.forEach((t, k) => writeFileSync(files[k], t.lines.map((l) => JSON.stringify(l)).join('\n') + '\n'));
  }
  writeFileSync(join(dir, 'TraceData.tla'), traceDataModule(perTrace, files));
  const args = (cfg) => [
    '-XX:+UseParallelGC',
    `-DTLA-Library=${dir}`,
    '-cp',
    jar,
    'tlc2.TLC',
    '-workers',
    String(workers),
    '-deadlock',
    '-noGenerateSpecTE',
    '-metadir',
    join(dir, `meta-${cfg}`),
    '-config',
    join(tlaDir, `${cfg}.cfg`),
    join(tlaDir, 'TraceRaft.tla'),
  ];
  const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
  const expectedStates = perTrace.reduce((a, t) => a + 1 + t.steps.reduce((x, y) => x + y, 0), 0);
  try {
    const { out } = await runJava(java, args('TraceRaft'), dir);
    const counts = [...out.matchAll(/([\d,]+) distinct states found/g)].pop();
    const states = Number((counts?.[1] ?? 'NaN').replace(/,/g, ''));
    const completed = /Model checking completed\. No error has been found\./.test(out);
    if (!completed || !Number.isFinite(states)) {
      const error = /^Error: .*$/m.exec(out)?.[0] ?? 'TLC ended without a result';
      return { results: perTrace.map((t) => ({ ok: false, lines: t.lines.length })), states, expectedStates, seconds: seconds(), error, output: out };
    }
    if (states > expectedStates) {
      return { results: perTrace.map((t) => ({ ok: false, lines: t.lines.length })), states, expectedStates, seconds: seconds(), error: `TLC found ${states} states, more than the ${expectedStates} steps of the traces: the search is not deterministic` };
    }
    if (states === expectedStates) {
      return { results: perTrace.map((t) => ({ ok: true, lines: t.lines.length })), states, expectedStates, seconds: seconds() };
    }
    // Some trace stopped early: which, and where.
    const diag = await runJava(java, args('TraceRaftDiagnose'), dir);
    const stuck = new Map();
    // (the record ends at a line's end: fields such as reads hold <<...>> of their own)
    for (const m of diag.out.matchAll(/<<\s*"TRACE REJECTED",\s*(\[[\s\S]*?\])\s*>>\s*$/gm)) {
      const rec = m[1].replace(/\s+/g, ' ');
      const field = (f) => Number(new RegExp(`\\b${f} \\|-> (\\d+)`).exec(rec)?.[1]);
      const trace = field('trace');
      if (Number.isFinite(trace) && !stuck.has(trace)) stuck.set(trace, { lineNo: field('line'), sub: field('sub') || 0, specBefore: rec });
    }
    const results = perTrace.map((t, k) => {
      const st = stuck.get(k + 1);
      if (!st) return { ok: true, lines: t.lines.length };
      const line = traces[k].lines.find((x) => x.i === st.lineNo);
      return { ok: false, lines: t.lines.length, rejected: { line, sub: st.sub, specBefore: st.specBefore } };
    });
    if (results.every((r) => r.ok)) {
      return { results: perTrace.map((t) => ({ ok: false, lines: t.lines.length })), states, expectedStates, seconds: seconds(), error: `TLC found ${states} of ${expectedStates} states, but the diagnosis names no trace` };
    }
    return { results, states, expectedStates, seconds: seconds() };
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** A readable explanation of a rejected trace. */
export function explain(r) {
  const x = r.rejected;
  if (!x) return [];
  const l = x.line;
  const out = [];
  if (l) {
    out.push(`  no step of the spec matches line ${l.i}${x.sub > 0 ? ` (its AppendEntries #${x.sub + 1})` : ''}: ${l.node} ${l.transition} on ${JSON.stringify(l.event)}`);
    out.push(`  recorded after it: ${JSON.stringify(l.vars)}`);
    if (l.sends?.length) out.push(`  recorded sends: ${JSON.stringify(l.sends)}`);
  }
  out.push(`  the spec before it: ${x.specBefore}`);
  return out;
}

// ---- the command ----------------------------------------------------------------

async function main(argv) {
  let seed = 1;
  let seeds = 20;
  let duration = 10;
  let recovery = 3;
  let workers = 1;
  let batch = 10;
  let keep;
  let snapshotEntries;
  let reads;
  const files = [];
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    const val = () => {
      const v = argv[++k];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (min) => {
      const v = Number(val());
      if (!Number.isInteger(v) || v < min) throw new Error(`${a}: expected an integer >= ${min}`);
      return v;
    };
    try {
      if (a === '--seed') seed = int(-2147483648);
      else if (a === '--seeds') seeds = int(1);
      else if (a === '--duration') duration = int(1);
      else if (a === '--recovery') recovery = int(0);
      else if (a === '--workers') workers = int(1);
      else if (a === '--batch') batch = int(1);
      else if (a === '--keep') keep = resolve(val());
      else if (a === '--snapshot-entries') snapshotEntries = int(1);
      else if (a === '--reads') {
        reads = val();
        if (!['log', 'readindex', 'local', 'lease'].includes(reads)) throw new Error(`--reads: one of log, readindex, local, lease`);
      }
      else if (a === '--file') files.push(resolve(val()));
      else if (a === '--help' || a === '-h') {
        console.log(USAGE);
        return EXIT_OK;
      } else throw new Error(`unknown option ${a}`);
    } catch (e) {
      console.error(`tlc:trace: ${e.message}\n${USAGE}`);
      return EXIT_USAGE;
    }
  }
  const jar = findJar();
  if (!jar.path) {
    console.error(`tlc:trace: NOT RUN: ${jar.reason}`);
    return EXIT_NO_JAR;
  }
  const java = findJava();
  if (!java.path) {
    console.error(`tlc:trace: NOT RUN: ${java.reason}`);
    return EXIT_NO_JAVA;
  }
  const { importTs } = await import('./import-ts.mjs');
  const { tlaMapping } = await importTs(join(root, 'spec', 'tla-mapping.ts'), 'tla-mapping');
  const work = [];
  if (files.length > 0) {
    for (const f of files) work.push({ name: f, lines: () => readFileSync(f, 'utf8').split('\n') });
  } else {
    const { runSimulation } = await importTs(join(root, 'src', 'sim', 'simulation.ts'), 'sim-trace');
    const faults = ['partition', 'loss', 'duplicate', 'reorder', 'delay', 'pause', 'crash'];
    // The simulator's own configuration (it snapshots every 40 applied
    // entries), or a lower snapshot threshold, so that more runs compact
    // their logs and send InstallSnapshot.
    const config =
      snapshotEntries === undefined && reads === undefined
        ? undefined
        : { snapshotEntries: snapshotEntries ?? 40, ...(reads === undefined ? {} : { reads, txnReads: reads }) };
    for (let s = seed; s < seed + seeds; s++) {
      work.push({
        name: `seed ${s}`,
        lines: () => {
          const lines = [];
          const r = runSimulation({ seed: s, duration, recovery, faults, ...(config ? { config } : {}), checkLinearizability: false, trace: (l) => lines.push(l) });
          if (!r.ok) lines.simFailed = r.violation ? `${r.violation.invariant} violated` : 'simulation failed';
          lines.crashesAfterSend = r.crashesAfterSend;
          lines.entriesLostAfterSend = r.entriesLostAfterSend;
          return lines;
        },
      });
    }
    console.log(`tlc:trace: ${seeds} seeds (${seed}..${seed + seeds - 1}), ${duration} s + ${recovery} s recovery, faults ${faults.join(',')}${reads === undefined ? '' : `, reads ${reads}`}, snapshots every ${snapshotEntries ?? 'the simulator\'s default of 40'} entries; TLC ${jar.path}`);
  }
  let failed = 0;
  let totalLines = 0;
  // Snapshot steps in the traces: taken (takeSnapshot), installed (installSnapshot lines that changed the log's start)
  const snapshotSteps = { taken: 0, installed: 0, tracesTaking: 0, tracesInstalling: 0 };
  // Leaders that died in the write after their early AppendEntries (RAFT_LEADER_SYNC=parallel), and in how many traces that validate
  const afterSend = { crashes: 0, lost: 0, traces: 0, tracesLosing: 0, validated: 0 };
  let tlcSeconds = 0;
  let simSeconds = 0;
  const wall = process.hrtime.bigint();
  for (let from = 0; from < work.length; from += batch) {
    const group = work.slice(from, from + batch);
    const traces = [];
    for (const w of group) {
      const t0 = process.hrtime.bigint();
      const lines = w.lines();
      simSeconds += Number(process.hrtime.bigint() - t0) / 1e9;
      try {
        traces.push({ name: w.name, simFailed: lines.simFailed, crashesAfterSend: lines.crashesAfterSend ?? 0, entriesLostAfterSend: lines.entriesLostAfterSend ?? 0, ...parseTrace(lines) });
      } catch (e) {
        failed++;
        console.log(`FAIL ${w.name}: unreadable trace: ${e.message}`);
      }
    }
    if (traces.length === 0) continue;
    let r;
    try {
      r = await validateTraces(traces, { jar: jar.path, java: java.path, workers, keep, mapping: tlaMapping });
    } catch (e) {
      r = { results: traces.map((t) => ({ ok: false, lines: t.lines.length })), seconds: 0, error: e.message };
    }
    tlcSeconds += r.seconds;
    traces.forEach((t, k) => {
      const res = r.results[k];
      totalLines += res.lines;
      if (!res.ok) failed++;
      const taken = t.lines.filter((l) => l.transition === 'takeSnapshot').length;
      const installed = t.lines.filter((l) => l.transition === 'installSnapshot' && l.vars.log.snapshotIndex === l.event.mlastIncludedIndex && l.event.mlastIncludedIndex > 0).length;
      snapshotSteps.taken += taken;
      snapshotSteps.installed += installed;
      if (taken > 0) snapshotSteps.tracesTaking++;
      if (installed > 0) snapshotSteps.tracesInstalling++;
      afterSend.crashes += t.crashesAfterSend;
      afterSend.lost += t.entriesLostAfterSend;
      if (t.entriesLostAfterSend > 0) afterSend.tracesLosing++;
      if (t.crashesAfterSend > 0) {
        afterSend.traces++;
        if (res.ok) afterSend.validated++;
      }
      console.log(
        `${res.ok ? 'ok  ' : 'FAIL'} ${t.name}: ${res.lines} lines (${taken} snapshots taken, ${installed} installed${t.crashesAfterSend > 0 ? `, ${t.crashesAfterSend} leader crashes after early AppendEntries, ${t.entriesLostAfterSend} entries lost` : ''}), ${res.ok ? 'a behaviour of Raft.tla' : 'NOT a behaviour of Raft.tla'}` +
          `${t.simFailed ? ` (the simulator itself reported: ${t.simFailed})` : ''}`,
      );
      for (const l of explain(res)) console.log(l);
    });
    console.log(
      `  TLC: ${traces.length} trace(s), ${Number.isFinite(r.states) ? r.states : '?'} of ${r.expectedStates ?? '?'} states, ${r.seconds.toFixed(1)} s` +
        (r.error ? ` -- ${r.error}` : ''),
    );
  }
  const secs = Number(process.hrtime.bigint() - wall) / 1e9;
  console.log(
    `tlc:trace: ${work.length - failed} of ${work.length} traces validate (${totalLines} lines, ${(totalLines / Math.max(1, work.length)).toFixed(0)} per trace; ` +
      `${snapshotSteps.taken} snapshots taken in ${snapshotSteps.tracesTaking} traces, ${snapshotSteps.installed} installed in ${snapshotSteps.tracesInstalling}; ` +
      `${afterSend.crashes} leader crashes after early AppendEntries in ${afterSend.traces} traces (${afterSend.validated} validate), ${afterSend.lost} entries lost in ${afterSend.tracesLosing}; ` +
      `simulator ${simSeconds.toFixed(0)} s, TLC ${tlcSeconds.toFixed(0)} s = ${(tlcSeconds / Math.max(1, work.length)).toFixed(1)} s per trace; ${secs.toFixed(0)} s in all)`,
  );
  return failed === 0 ? EXIT_OK : EXIT_UNEXPECTED;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(EXIT_UNEXPECTED);
    },
  );
}
