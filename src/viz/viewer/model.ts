// The step-through viewer's run model: what one page shows, built from a
// simulator trace (src/runtime/trace.ts lines) or from a bench run's node logs and
// history (./bench.ts turns those into the same records first).
//
// A step is one thing that happened: a chart transition of a node (with the
// message it handled and the messages it sent), a message delivered without
// a transition or dropped on arrival, a nemesis action, a client operation
// invoked or completed, a role change read from a log line, a violation, or
// any other line (shown as an event, never rejected: trace formats grow).
// Transition names, roles and variables come from the data and the chart
// spec, not from this file: an unknown transition or role is added to the
// lists and shown like the others, unknown variables are shown as they are.
//
// The model is compact JSON (tuples, a string table) because a 60 s bench run
// gives tens of thousands of steps; the page builds its indexes from it on
// load (./client/run-index.ts).

/** Identifies the embedded data format; bumped when the tuples change. */
export const VIEWER_FORMAT = 'raftchart-viewer/1';

/** The chart as the viewer needs it (spec/chart.ts plus spec/tla-mapping.ts). */
export interface ChartData {
  readonly roles: readonly string[];
  readonly initialRole: string;
  readonly transitions: readonly { readonly name: string; readonly source: string; readonly target: string | null; readonly tla: string | null }[];
}

export interface TransitionInfo {
  name: string;
  source: string;
  target: string | null;
  tla: string | null;
  /** False for a name met in the data that the chart does not have (renamed, or a newer trace). */
  inChart: boolean;
}

/**
 * A node's variables after a step:
 * [term, role, votedFor, leader, commitIndex, lastApplied, logLength,
 *  logFrom, logEntries, nextIndex, matchIndex, preVotes, votesGranted, other].
 * logFrom/logEntries: the entries from logFrom on changed (null: none did);
 * entries are [term, string-table index of the value]. nextIndex/matchIndex
 * are per server (model.servers order), kept for leaders only. `other` holds
 * variables this viewer has no column for (shown as they are). A null field is
 * unknown (e.g. a bench log line gives only role and term).
 */
export type Vars = [
  term: number | null,
  role: number,
  votedFor: string | null,
  leader: string | null,
  commitIndex: number | null,
  lastApplied: number | null,
  logLength: number | null,
  logFrom: number | null,
  logEntries: [number, number][] | null,
  nextIndex: (number | null)[] | null,
  matchIndex: (number | null)[] | null,
  preVotes: string[] | null,
  votesGranted: string[] | null,
  other: Record<string, unknown> | null,
];

/**
 * A transition's variables as stored: the whole tuple, or only the fields
 * that differ from the node's previous variables (by position; logFrom and
 * logEntries are absent when the log did not change). RunIndex expands them
 * on load: a 60 s bench run is about half the size this way.
 */
export type VarsDelta = { [field: number]: unknown };

/** Step tuples, with the variables of transitions as V; the second field is the kind, the third the node (index in servers, -1: none). */
export type StepOf<V> =
  /** A chart transition: transition index, event text (-1: the message it handled says it), the message it handled (-1: none or a timer), the variables after it. */
  | [t: number, kind: 'T', node: number, transition: number, event: number, msg: number, vars: V]
  /** A message delivered that took no transition (e.g. a stale response). */
  | [t: number, kind: 'R', node: number, msg: number]
  /** A message dropped on arrival (partition). */
  | [t: number, kind: 'D', node: number, msg: number, why: number]
  /** Messages sent outside a transition (e.g. a proxied client request). */
  | [t: number, kind: 'S', node: number]
  /** The network changed (nemesis): text, index in `net`. */
  | [t: number, kind: 'N', node: -1, text: number, net: number]
  /** A client operation: index in `ops`, 0 invoked / 1 completed; node is the server the client talks to. */
  | [t: number, kind: 'O', node: number, op: number, phase: 0 | 1]
  /** A role and term read from a log line (no trace): the variables (only term and role known). */
  | [t: number, kind: 'L', node: number, vars: Vars]
  /** An invariant violation (model.violation). */
  | [t: number, kind: 'V', node: number]
  /** Anything else: its text, the node's status it implies (down/up/null), variables it carries. */
  | [t: number, kind: 'E', node: number, text: number, status: 'down' | 'up' | null, vars: Vars | null]
  /** The end of the run: the verdict in words. */
  | [t: number, kind: 'X', node: -1, text: number];

/** A step as the page uses it (RunIndex has expanded the variables). */
export type Step = StepOf<Vars>;
/** A step as the model stores it. */
export type StoredStep = StepOf<Vars | VarsDelta>;

export type StepKind = Step[1];

/** Why a message left the network. */
export const FATES = ['in flight at the end', 'delivered', 'dropped on arrival', 'lost at send', 'dropped at send', 'never delivered'] as const;

/** A message between servers: [sendStep, endStep (-1: never), src, dest, type, text, fate (FATES index)]. */
export type Msg = [send: number, end: number, src: number, dest: number, type: string, text: number, fate: number];

/**
 * A client operation: [invokeStep, endStep (-1: never completed), client,
 * server, f, key, invoked value, outcome, result value, history index, error].
 */
export type Op = [invoke: number, end: number, client: string, node: string, f: string, key: string, value: string, outcome: 'ok' | 'fail' | 'info' | 'pending', result: string, index: number, error: string | null];

/** The network after a step: [step, blocked links "src>dest", paused nodes, down nodes]. */
export type Net = [step: number, blocked: string[], paused: string[]];

export interface ViewerModel {
  format: string;
  source: 'sim' | 'bench';
  title: string;
  /** Lines about the run (seed, command, verdict). */
  about: string[];
  /** What the page cannot show and why (missing logs, unread lines). */
  notes: string[];
  servers: string[];
  roles: string[];
  /** The chart's initial role: every node's role before its first step. */
  initialRole: string;
  transitions: TransitionInfo[];
  strs: string[];
  steps: StoredStep[];
  msgs: Msg[];
  ops: Op[];
  net: Net[];
  violation: { step: number; invariant: string; detail: string; node: string | null } | null;
  checker: {
    valid: boolean | 'unknown' | null;
    failures: { key: string; culprit: string; explanation: string[]; ops: number[] }[];
    unknownKeys: string[];
  } | null;
  /** What the data carries, for the page to say what it cannot show. */
  has: { transitions: boolean; messages: boolean; ops: boolean; roles: boolean };
}

// ---- text ------------------------------------------------------------------

/** JSON of any value, cut to `max` characters; never throws (deep or cyclic input gives a placeholder). */
export function short(v: unknown, max = 80): string {
  let s: string;
  try {
    s = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  } catch {
    s = '(unprintable)';
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** A log entry's or client request's value in a few characters: `cas 0: 4→3`, `write 0=4`, `read 0`, `no-op`. */
export function opText(v: unknown): string {
  if (v === 'Noop') return 'no-op';
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return short(v, 40);
  const o = v as Record<string, unknown>;
  const f = typeof o.f === 'string' ? o.f : typeof o.type === 'string' ? o.type : undefined;
  if (f === 'noop') return 'no-op';
  const key = o.key !== undefined ? ` ${short(o.key, 12)}` : '';
  if (f === 'cas' && 'from' in o) return `cas${key}: ${short(o.from, 12)}→${short(o.to, 12)}`;
  if (f === 'write' && 'value' in o) return `write${key}=${short(o.value, 16)}`;
  if (f === 'read') return `read${key}`;
  if (f === 'txn' && Array.isArray(o.txn)) return `txn ${short(o.txn, 40)}`;
  const { f: _f, type: _t, msg_id: _m, ...rest } = o;
  return `${f ?? '?'}${Object.keys(rest).length ? ` ${short(rest, 40)}` : ''}`;
}

const CLIENT_OPS = new Set(['read', 'write', 'cas', 'txn']);

const TLA_FIELDS: Record<string, (v: unknown, ev: Record<string, unknown>) => string | null> = {
  mterm: (v) => `term ${short(v)}`,
  mlastLogIndex: (v, ev) => `last ${short(v)}@${short(ev.mlastLogTerm)}`,
  mlastLogTerm: () => null,
  mprevLogIndex: (v, ev) => `prev ${short(v)}@${short(ev.mprevLogTerm)}`,
  mprevLogTerm: () => null,
  mentries: (v) => {
    if (!Array.isArray(v)) return `entries ${short(v)}`;
    if (v.length === 0) return 'no entries';
    const t0 = (v[0] as unknown[])?.[0];
    const t1 = (v[v.length - 1] as unknown[])?.[0];
    return `${v.length} entr${v.length === 1 ? 'y' : 'ies'} (term${t0 === t1 ? ` ${short(t0)}` : `s ${short(t0)}..${short(t1)}`})`;
  },
  mcommitIndex: (v) => `commit ${short(v)}`,
  mvoteGranted: (v) => (v === true ? 'granted' : v === false ? 'refused' : `granted=${short(v)}`),
  msuccess: (v) => (v === true ? 'ok' : v === false ? 'refused' : `success=${short(v)}`),
  mmatchIndex: (v) => `match ${short(v)}`,
  mhint: (v) => `hint ${short(v)}`,
  value: (v) => opText(v),
};

/** A transition's event in words: the message it handled (TLA+ field names) or the timer. */
export function eventText(ev: unknown): string {
  if (ev === null || typeof ev !== 'object' || Array.isArray(ev)) return ev === undefined ? '' : short(ev);
  const e = ev as Record<string, unknown>;
  if (typeof e.timer === 'string') return `timer ${e.timer}`;
  if (typeof e.mtype !== 'string') return short(e, 120);
  const value = e.value as Record<string, unknown> | null;
  if (e.mtype === 'client_request' && value && typeof value === 'object' && typeof value.type === 'string' && !CLIENT_OPS.has(value.type)) {
    // A server message the trace writer has no TLA+ record for: show it as the message it is.
    return `${messageText(value)} from ${short(e.msource)}`;
  }
  const parts: string[] = [];
  for (const [k, v] of Object.entries(e)) {
    if (k === 'mtype' || k === 'msource' || k === 'mdest') continue;
    const f = TLA_FIELDS[k];
    // TLA+ message fields are m-prefixed (mterm, mlastLogIndex): shown without the prefix.
    const text = f ? f(v, e) : `${k.length > 1 ? k.replace(/^m/, '') : k}=${short(v, 30)}`;
    if (text !== null) parts.push(text);
  }
  return `${e.mtype}${typeof e.msource === 'string' ? ` from ${e.msource}` : ''}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

const BODY_SKIP = new Set(['kind', 't', 'id', 'src', 'dest', 'type', 'msg_id', 'in_reply_to', 'candidate_id', 'leader_id', 'entryTerms', 'requested_term']);

/** A sent message in words, from a `send` line (src/runtime/trace.ts messageFields). */
export function messageText(m: Record<string, unknown>): string {
  const parts: string[] = [];
  const has = (k: string): boolean => m[k] !== undefined;
  for (const k of Object.keys(m)) {
    if (BODY_SKIP.has(k)) continue;
    const v = m[k];
    switch (k) {
      case 'term':
        parts.push(`term ${short(v)}`);
        break;
      case 'last_log_index':
        parts.push(`last ${short(v)}@${short(m.last_log_term)}`);
        break;
      case 'prev_log_index':
        parts.push(`prev ${short(v)}@${short(m.prev_log_term)}`);
        break;
      case 'last_log_term':
      case 'prev_log_term':
        if (!has(k.replace('term', 'index'))) parts.push(`${k}=${short(v)}`);
        break;
      case 'entries': {
        const terms = Array.isArray(m.entryTerms) ? m.entryTerms : [];
        parts.push(v === 0 ? 'no entries' : `${short(v)} entr${v === 1 ? 'y' : 'ies'}${terms.length === 2 ? ` (term${terms[0] === terms[1] ? ` ${short(terms[0])}` : `s ${short(terms[0])}..${short(terms[1])}`})` : ''}`);
        break;
      }
      case 'leader_commit':
        parts.push(`commit ${short(v)}`);
        break;
      case 'vote_granted':
        parts.push(v === true ? 'granted' : 'refused');
        break;
      case 'success':
        parts.push(v === true ? 'ok' : 'refused');
        break;
      case 'match_index':
        parts.push(`match ${short(v)}`);
        break;
      default:
        parts.push(`${k}=${short(v, 24)}`);
    }
  }
  const id = m.msg_id !== undefined ? ` #${short(m.msg_id)}` : m.in_reply_to !== undefined ? ` re #${short(m.in_reply_to)}` : '';
  return `${typeof m.type === 'string' ? m.type : '?'}${id}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

// ---- building --------------------------------------------------------------

const KNOWN_VARS = new Set(['currentTerm', 'state', 'votedFor', 'leader', 'commitIndex', 'lastApplied', 'log', 'nextIndex', 'matchIndex', 'preVotes', 'votesGranted']);

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : v === null || v === undefined ? null : short(v, 30));
const strList = (v: unknown): string[] | null => (Array.isArray(v) ? v.map((x) => short(x, 30)) : null);

/** Down/up for an event line whose kind or text speaks of a node stopping or starting (crash/restart faults). */
export function statusOf(rec: Record<string, unknown>): 'down' | 'up' | null {
  const word = [rec.kind, rec.type, rec.event, rec.what].filter((x): x is string => typeof x === 'string').join(' ');
  if (/restart|recover|resume|start|boot|up\b/i.test(word)) return 'up';
  if (/crash|kill|stop|down\b|halt/i.test(word)) return 'down';
  return null;
}

interface PendingMsg {
  idx: number;
}

/** Options that differ between the simulator and the bench. */
export interface BuildOptions {
  readonly source: 'sim' | 'bench';
  readonly title: string;
  readonly about?: readonly string[];
  readonly servers?: readonly string[];
}

/**
 * Turns trace records (parsed lines, in time order) into a ViewerModel.
 * Records it does not know become 'E' steps; nothing is rejected.
 */
export class ModelBuilder {
  private readonly servers: string[] = [];
  private readonly serverIdx = new Map<string, number>();
  private readonly roles: string[];
  private readonly transitions: TransitionInfo[];
  private readonly trIdx = new Map<string, number>();
  private readonly strs: string[] = [];
  private readonly strIdx = new Map<string, number>();
  private readonly steps: StoredStep[] = [];
  /** Each node's variables after its last step, for storing the next as a delta. */
  private readonly prevVars = new Map<number, Vars>();
  private readonly msgs: Msg[] = [];
  private readonly ops: Op[] = [];
  private readonly net: Net[] = [];
  private readonly about: string[];
  readonly notes: string[] = [];
  private violation: ViewerModel['violation'] = null;
  private checker: ViewerModel['checker'] = null;
  /** Undelivered copies per message key, oldest first. */
  private readonly pending = new Map<string, PendingMsg[]>();
  /** A delivery waiting for the transition it causes, per node. */
  private readonly receipt = new Map<number, number>();
  /** The last step of each node (to attach its sends to its transition). */
  private readonly lastStepOf = new Map<number, number>();
  /** Open client operations by process. */
  private readonly openOps = new Map<string, number>();
  private readonly opByHistory = new Map<number, number>();
  private readonly has = { transitions: false, messages: false, ops: false, roles: false };
  private lastT = -Infinity;
  private headerSeen = false;
  private unordered = 0;

  constructor(
    private readonly chart: ChartData,
    private readonly opts: BuildOptions,
  ) {
    this.roles = [...chart.roles];
    this.transitions = chart.transitions.map((t) => ({ ...t, inChart: true }));
    this.transitions.forEach((t, i) => this.trIdx.set(t.name, i));
    this.about = [...(opts.about ?? [])];
    for (const s of opts.servers ?? []) this.server(s);
  }

  private str(s: string): number {
    let i = this.strIdx.get(s);
    if (i === undefined) {
      i = this.strs.length;
      this.strs.push(s);
      this.strIdx.set(s, i);
    }
    return i;
  }

  private server(id: string): number {
    let i = this.serverIdx.get(id);
    if (i === undefined) {
      i = this.servers.length;
      this.servers.push(id);
      this.serverIdx.set(id, i);
    }
    return i;
  }

  /** A node index for a name that is a server, -1 otherwise (clients). */
  private nodeOf(id: unknown): number {
    return typeof id === 'string' ? (this.serverIdx.get(id) ?? -1) : -1;
  }

  private role(name: string): number {
    let i = this.roles.indexOf(name);
    if (i < 0) {
      i = this.roles.length;
      this.roles.push(name);
    }
    return i;
  }

  private transition(name: string, tla: unknown): number {
    let i = this.trIdx.get(name);
    if (i === undefined) {
      i = this.transitions.length;
      this.transitions.push({ name, source: '?', target: null, tla: typeof tla === 'string' ? tla : null, inChart: false });
      this.trIdx.set(name, i);
    }
    return i;
  }

  private push(step: StoredStep): number {
    let t = (step[0] = Math.round(step[0] * 1000) / 1000); // microseconds, as the traces write them
    if (t < this.lastT && t > this.lastT - 0.002) t = step[0] = this.lastT; // rounding of the same instant
    if (!(t >= this.lastT)) {
      // Steps stay in time order (the page searches by time); a line out of order is moved to now.
      if (Number.isFinite(this.lastT)) {
        this.unordered++;
        t = step[0] = this.lastT;
      } else if (!Number.isFinite(t)) {
        t = step[0] = 0;
      }
    }
    this.lastT = t;
    this.steps.push(step);
    const i = this.steps.length - 1;
    if (step[2] >= 0) this.lastStepOf.set(step[2], i);
    return i;
  }

  /** Deliveries waiting for a transition at other nodes become steps of their own. */
  private flushReceipts(except: number): void {
    if (this.receipt.size === 0) return;
    for (const [node, msg] of [...this.receipt]) {
      if (node === except) continue;
      this.receipt.delete(node);
      const m = this.msgs[msg]!;
      m[1] = this.push([this.lastT, 'R', node, msg]);
    }
  }

  private vars(v: Record<string, unknown>): Vars {
    const log = (v.log ?? {}) as Record<string, unknown>;
    const role = this.role(typeof v.state === 'string' ? v.state : '?');
    const isLeader = v.state === 'leader';
    const perServer = (m: unknown): (number | null)[] | null => {
      if (!isLeader || m === null || typeof m !== 'object') return null;
      for (const k of Object.keys(m)) this.server(k);
      return this.servers.map((s) => num((m as Record<string, unknown>)[s]));
    };
    let from: number | null = null;
    let entries: [number, number][] | null = null;
    if (typeof log.from === 'number' && Array.isArray(log.entries)) {
      from = log.from;
      entries = log.entries.map((e: unknown) => {
        const pair = Array.isArray(e) ? e : [null, e];
        return [num(pair[0]) ?? -1, this.str(opText(pair[1]))];
      });
    }
    let other: Record<string, unknown> | null = null;
    for (const k of Object.keys(v)) {
      if (KNOWN_VARS.has(k)) continue;
      (other ??= {})[k] = v[k];
    }
    for (const k of Object.keys(log)) {
      if (k === 'len' || k === 'from' || k === 'entries') continue;
      (other ??= {})[`log.${k}`] = log[k];
    }
    const pre = strList(v.preVotes);
    const votes = strList(v.votesGranted ?? v.votes);
    return [
      num(v.currentTerm),
      role,
      str(v.votedFor),
      str(v.leader),
      num(v.commitIndex),
      num(v.lastApplied),
      num(log.len),
      from,
      entries,
      perServer(v.nextIndex),
      perServer(v.matchIndex),
      pre && pre.length ? pre : null,
      votes && votes.length ? votes : null,
      other,
    ];
  }

  /** Vars as a delta against the node's previous ones (see VarsDelta); the whole tuple when it has none. */
  private delta(node: number, v: Vars): Vars | VarsDelta {
    const prev = this.prevVars.get(node);
    this.prevVars.set(node, v);
    if (!prev) return v;
    const d: VarsDelta = {};
    for (let k = 0; k < v.length; k++) {
      if (k === 7 || k === 8) {
        if (v[7] !== null) d[k] = v[k];
        continue;
      }
      const a = v[k];
      const b = prev[k];
      if (a === b || (a !== null && b !== null && typeof a === 'object' && JSON.stringify(a) === JSON.stringify(b))) continue;
      d[k] = a;
    }
    return d;
  }

  /** The key that ties a message's send, delivery and drop lines. */
  private msgKey(r: Record<string, unknown>): string {
    if (r.id !== undefined) return `#${short(r.id)}`;
    const id = r.msg_id !== undefined ? `m${short(r.msg_id)}` : `r${short(r.in_reply_to)}`;
    return `${short(r.src)}>${short(r.dest)}:${id}`;
  }

  private takePending(key: string): number | undefined {
    const list = this.pending.get(key);
    const p = list?.shift();
    if (list && list.length === 0) this.pending.delete(key);
    return p?.idx;
  }

  /** One trace record. `t` is in milliseconds on the run's time axis. */
  add(rec: unknown): void {
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
      this.push([this.lastT, 'E', -1, this.str(short(rec, 120)), null, null]);
      return;
    }
    const r = rec as Record<string, unknown>;
    if (r.header === true) {
      this.header(r);
      return;
    }
    const t = num(r.t) ?? this.lastT;
    if (typeof r.transition === 'string' && typeof r.node === 'string') {
      this.transitionLine(t, r);
      return;
    }
    switch (r.kind) {
      case 'send':
        return this.send(t, r);
      case 'deliver':
        return this.deliver(t, r);
      case 'drop':
        return this.drop(t, r);
      case 'duplicate':
        return this.duplicate(r);
      case 'nemesis':
        return this.nemesis(t, r);
      case 'op':
        return this.op(t, r);
      case 'role':
        return this.roleLine(t, r);
      case 'violation':
        return this.violationLine(t, r);
      case 'checker':
        return this.checkerLine(r);
      case 'end':
        this.flushReceipts(-2);
        this.push([t, 'X', -1, this.str(typeof r.result === 'string' ? r.result : short(r, 200))]);
        return;
      default:
        return this.other(t, r);
    }
  }

  private header(r: Record<string, unknown>): void {
    if (Array.isArray(r.servers)) for (const s of r.servers) if (typeof s === 'string') this.server(s);
    if (typeof r.node === 'string') this.server(r.node);
    if (this.headerSeen) return;
    this.headerSeen = true;
    const bits: string[] = [];
    if (r.seed !== undefined) bits.push(`seed ${short(r.seed)}`);
    if (typeof r.bug === 'string') bits.push(`TEST-ONLY bug variant ${r.bug}`);
    if (Array.isArray(r.faults)) bits.push(`faults ${r.faults.length ? r.faults.join(',') : 'none'}`);
    if (bits.length) this.about.push(bits.join(' · '));
  }

  private transitionLine(t: number, r: Record<string, unknown>): void {
    const node = this.server(r.node as string);
    // The message it handled, paired by the reader (bench logs: src/viz/viewer/bench.ts).
    if (r.deliver && typeof r.deliver === 'object') this.deliver(num((r.deliver as Record<string, unknown>).t) ?? t, r.deliver as Record<string, unknown>);
    this.flushReceipts(node);
    this.has.transitions = true;
    const tr = this.transition(r.transition as string, r.tla);
    const msg = this.receipt.get(node) ?? -1;
    this.receipt.delete(node);
    const vars = r.vars && typeof r.vars === 'object' ? this.vars(r.vars as Record<string, unknown>) : this.vars({});
    // The event is the message it handled: the message's text says it (and is stored once).
    const ev = msg >= 0 ? -1 : this.str(eventText(r.event));
    const i = this.push([t, 'T', node, tr, ev, msg, this.delta(node, vars)]);
    if (msg >= 0) this.msgs[msg]![1] = i;
  }

  private send(t: number, r: Record<string, unknown>): void {
    this.has.messages = true;
    const src = this.nodeOf(r.src);
    const dest = this.nodeOf(r.dest);
    // Only messages between servers are drawn; anything else is an event.
    if (src < 0 || dest < 0) return this.other(t, r);
    // Sent by the transition this node just took (within a few ms: bench lines
    // of other nodes may come between): part of that step.
    const last = this.lastStepOf.get(src);
    let step: number;
    if (last !== undefined && this.steps[last]![1] === 'T' && t - this.steps[last]![0] <= 5 && !this.receipt.has(src)) {
      step = last;
    } else if (last !== undefined && this.steps[last]![1] === 'S' && this.steps[last]![0] === t) {
      step = last;
    } else {
      this.flushReceipts(-2);
      step = this.push([t, 'S', src]);
    }
    const idx = this.msgs.length;
    this.msgs.push([step, -1, src, dest, typeof r.type === 'string' ? r.type : '?', this.str(messageText(r)), 0]);
    const key = this.msgKey(r);
    const list = this.pending.get(key);
    if (list) list.push({ idx });
    else this.pending.set(key, [{ idx }]);
  }

  private duplicate(r: Record<string, unknown>): void {
    const key = this.msgKey(r);
    const list = this.pending.get(key);
    const orig = list?.[list.length - 1];
    if (!orig) return;
    const m = this.msgs[orig.idx]!;
    const idx = this.msgs.length;
    this.msgs.push([m[0], -1, m[2], m[3], m[4], this.str(`${this.strs[m[5]]} (duplicate)`), 0]);
    list!.push({ idx });
  }

  private deliver(t: number, r: Record<string, unknown>): void {
    const node = this.nodeOf(r.dest);
    if (node < 0) return this.other(t, r);
    this.has.messages = true;
    this.flushReceipts(-2);
    let idx = this.takePending(this.msgKey(r));
    if (idx === undefined) {
      // Its send was not logged (a node without trace logging, or before the trace began).
      const src = this.nodeOf(r.src);
      idx = this.msgs.length;
      const step = this.push([t, 'R', node, idx]);
      this.msgs.push([step, step, src, node, typeof r.type === 'string' ? r.type : '?', this.str(`${typeof r.type === 'string' ? r.type : '?'} (its send was not logged)`), 1]);
      return;
    }
    this.msgs[idx]![6] = 1;
    // The transition the node takes next handles it; until then it is a receipt.
    this.receipt.set(node, idx);
    this.lastT = Math.max(this.lastT, t);
  }

  private drop(t: number, r: Record<string, unknown>): void {
    const idx = this.takePending(this.msgKey(r));
    if (idx === undefined) return this.other(t, r);
    const m = this.msgs[idx]!;
    if (r.at === 'send') {
      m[1] = m[0];
      m[6] = r.why === 'partition' ? 4 : 3;
      return;
    }
    this.flushReceipts(-2);
    m[6] = 2;
    m[1] = this.push([t, 'D', m[3], idx, this.str(typeof r.why === 'string' ? r.why : 'dropped')]);
  }

  private nemesis(t: number, r: Record<string, unknown>): void {
    this.flushReceipts(-2);
    const blocked = Array.isArray(r.blocked) ? r.blocked.map((x) => short(x, 40)) : [];
    const paused = Array.isArray(r.paused) ? r.paused.map((x) => short(x, 40)) : [];
    const i = this.push([t, 'N', -1, this.str(typeof r.text === 'string' ? r.text : short(r, 120)), this.net.length]);
    this.net.push([i, blocked, paused]);
  }

  private op(t: number, r: Record<string, unknown>): void {
    this.flushReceipts(-2);
    this.has.ops = true;
    const proc = short(r.process);
    const node = this.nodeOf(r.node);
    const value = r.f === 'read' && r.type === 'invoke' ? '' : short(r.value, 30);
    if (r.type === 'invoke') {
      const idx = this.ops.length;
      const step = this.push([t, 'O', node, idx, 0]);
      const hist = num(r.index) ?? -1;
      this.ops.push([step, -1, short(r.client ?? `p${proc}`, 20), short(r.node ?? '', 20), short(r.f, 20), short(r.key, 20), value, 'pending', '', hist, null]);
      this.openOps.set(proc, idx);
      if (hist >= 0) this.opByHistory.set(hist, idx);
      return;
    }
    const idx = this.openOps.get(proc);
    if (idx === undefined || !['ok', 'fail', 'info'].includes(r.type as string)) return this.other(t, r);
    this.openOps.delete(proc);
    const o = this.ops[idx]!;
    o[1] = this.push([t, 'O', node, idx, 1]);
    o[7] = r.type as Op[7];
    o[8] = short(r.value, 30);
    o[10] = r.error === undefined ? null : short(r.error, 60);
  }

  private roleLine(t: number, r: Record<string, unknown>): void {
    const node = this.server(short(r.node, 40));
    this.flushReceipts(node);
    this.has.roles = true;
    const v: Vars = [num(r.term), this.role(short(r.role, 40)), null, null, null, null, null, null, null, null, null, null, null, null];
    this.prevVars.set(node, v);
    this.push([t, 'L', node, v]);
  }

  private violationLine(t: number, r: Record<string, unknown>): void {
    this.flushReceipts(-2);
    const node = this.nodeOf(r.node);
    const step = this.push([t, 'V', node]);
    this.violation ??= {
      step,
      invariant: short(r.invariant ?? 'invariant', 60),
      detail: short(r.detail ?? '', 400),
      node: typeof r.node === 'string' ? r.node : null,
    };
  }

  /** The linearizability checker's verdict (history indices become operation indices). */
  private checkerLine(r: Record<string, unknown>): void {
    this.setChecker(r);
  }

  /** Sets the checker's verdict from a bench results.json `linearizability` or a trace `checker` line. */
  setChecker(r: Record<string, unknown>): void {
    const failures = Array.isArray(r.failures) ? r.failures : [];
    this.checker = {
      valid: r.valid === true || r.valid === false || r.valid === 'unknown' ? r.valid : null,
      failures: failures.map((f: Record<string, unknown>) => ({
        key: short(f?.key, 40),
        culprit: short(f?.culprit ?? '', 300),
        explanation: Array.isArray(f?.explanation) ? f.explanation.slice(0, 50).map((x: unknown) => short(x, 300)) : [],
        ops: Array.isArray(f?.ops)
          ? f.ops.map((h: unknown) => this.opByHistory.get(num(h) ?? -1) ?? -1).filter((x: number) => x >= 0)
          : [],
      })),
      unknownKeys: Array.isArray(r.unknownKeys) ? r.unknownKeys.map((k) => short(k, 40)) : [],
    };
  }

  private other(t: number, r: Record<string, unknown>): void {
    const node = this.nodeOf(r.node);
    this.flushReceipts(-2);
    const { t: _t, i: _i, vars, ...rest } = r;
    const status = statusOf(r);
    const text = typeof r.text === 'string' ? r.text : short(rest, 160);
    const v = vars && typeof vars === 'object' && node >= 0 ? this.vars(vars as Record<string, unknown>) : null;
    if (v) this.prevVars.set(node, v);
    this.push([t, 'E', node, this.str(text), node >= 0 ? status : null, v]);
  }

  /** Messages never delivered: in the bench, the network drops them silently (partitions), so they end after `expireMs`. */
  expireUndelivered(expireMs: number): void {
    const times = this.steps.map((s) => s[0]);
    for (const m of this.msgs) {
      if (m[1] !== -1) continue;
      const due = this.steps[m[0]]![0] + expireMs;
      // First step at or after the due time.
      let lo = m[0];
      let hi = times.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (times[mid]! < due) lo = mid + 1;
        else hi = mid;
      }
      if (lo < times.length) {
        m[1] = lo;
        m[6] = 5;
      }
    }
  }

  build(): ViewerModel {
    this.flushReceipts(-2);
    if (this.unordered > 0) this.notes.push(`${this.unordered} line(s) came out of time order and were placed at the time of the line before.`);
    return {
      format: VIEWER_FORMAT,
      source: this.opts.source,
      title: this.opts.title,
      about: this.about,
      notes: this.notes,
      servers: this.servers,
      roles: this.roles,
      initialRole: this.chart.initialRole,
      transitions: this.transitions,
      strs: this.strs,
      steps: this.steps,
      msgs: this.msgs,
      ops: this.ops,
      net: this.net,
      violation: this.violation,
      checker: this.checker,
      has: this.has,
    };
  }
}

/** Builds a model from the lines of a trace file (src/runtime/trace.ts); bad lines are counted in the notes, not fatal. */
export function modelFromTrace(lines: Iterable<string>, chart: ChartData, opts: Omit<BuildOptions, 'source'>): ViewerModel {
  const b = new ModelBuilder(chart, { ...opts, source: 'sim' });
  let bad = 0;
  let firstBad = '';
  for (const line of lines) {
    if (line.trim() === '') continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      if (bad++ === 0) firstBad = short(line, 80);
      continue;
    }
    b.add(rec);
  }
  if (bad > 0) b.notes.push(`${bad} line(s) of the trace are not JSON and were skipped (the first: ${firstBad}).`);
  const m = b.build();
  if (!m.has.messages && m.has.transitions) m.notes.push('The trace has no message lines (written before the viewer existed, or by another writer): no messages in flight.');
  if (!m.has.ops && m.has.transitions) m.notes.push('The trace has no client operations.');
  return m;
}
