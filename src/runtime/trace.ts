// NDJSON traces of chart transitions, for validating runs of the code against
// tla/Raft.tla (as etcd-io/raft's tla/ does for etcd). One line per chart
// transition a node takes:
//
//   {"i":12,"t":1234.5,"node":"n1","transition":"acceptAppendEntries",
//    "tla":"HandleAppendEntriesRequest","event":{...},"vars":{...}}
//
// `transition` is the name in spec/chart.ts, `tla` the action it mirrors
// (spec/tla-mapping.ts), `event` the message in the spec's field names
// (mtype, mterm, msource, mdest, mprevLogIndex, ...) or the timer, and `vars`
// the node's values of the spec's per-server variables right after the
// transition: currentTerm, state, votedFor, leader, commitIndex, lastApplied,
// preVotes, votesGranted, nextIndex, matchIndex, and the log. The log is written as a
// change: `log.len` is its length and, when it changed, `log.from` is the
// first index that changed and `log.entries` the entries from there on
// ([term, value] pairs; value is the op, "Noop" for a new leader's no-op).
// After log compaction `log.snapshotIndex` and `log.snapshotTerm` say where
// the log starts; entries are listed from the first index after it.
// InstallSnapshot messages are written without their data (mlastIncludedIndex,
// mlastIncludedTerm; the state machine's snapshot is not in the spec's
// terms), a snapshot the runtime took is the event {"timer":"snapshot_taken"}.
// The first line of a file is a header naming the servers and the run.
//
// For the step-through viewer (src/viz/viewer/), a trace may also carry lines
// of other kinds beside the transitions, each with a `kind` and a time `t`
// and no `transition` (a validator skips them): `send`, `deliver`, `drop`,
// `duplicate` (server-to-server messages; `id` ties their lines together),
// `op` (a client history event, as the bench's history has them), `nemesis`
// (what the nemesis did, with the blocked links and paused nodes after it),
// `violation`, `checker` and `end`. src/sim/trace-events.ts writes them in
// the simulator (`--trace`, `--html`); the node binary at RAFT_LOG=trace
// (NodeTraceLog below) writes its transitions, `send` and `deliver`.
//
// For trace validation (tla/TraceRaft.tla, `npm run tlc:trace`), a
// transition line also lists in `sends` the messages to other servers that
// the transition itself sent (in the spec's field names, as `event`), `vars`
// carries the ReadIndex bookkeeping the spec models (heartbeatSeq, acked,
// reads as [seq, readIndex, by] triples: `by` the follower that forwarded the
// read, or the leader itself), a read a follower forwards is the message
// `forwarded_read` (msource, mdest, and the follower's term as mterm), AppendEntries requests and answers carry
// their broadcast number as `mseq`, and the simulator's header gives `maxBatch`.

import { tlaMapping } from '../../spec/tla-mapping.js';
import { raftMessageTypes } from '../../spec/messages.js';
import { actions as chartActions, type Effect, type RaftContext } from '../../machines/index.js';
import type { MachineOverrides } from '../../machines/raft.js';
import type { TransitionStep } from './runtime.js';
import type { LogTracker, RaftLog } from '../core/log.js';

const NIL = null;

function tlaValue(op: unknown): unknown {
  return (op as { f?: string }).f === 'noop' ? 'Noop' : op;
}

/** The spec's message record for a chart event (undefined for timers). */
export function tlaMessage(ev: TransitionStep['event'], self: string): Record<string, unknown> | undefined {
  const b = ev.body;
  if (!b || ev.src === undefined) return undefined;
  const base = { msource: ev.src, mdest: self, mterm: b.term };
  switch (b.type) {
    case 'pre_vote':
      return { mtype: 'pre_vote', ...base, mlastLogTerm: b.last_log_term, mlastLogIndex: b.last_log_index };
    case 'pre_vote_res':
      return { mtype: 'pre_vote_res', ...base, mvoteGranted: b.vote_granted, mrequestedTerm: b.requested_term };
    case 'request_vote':
      return { mtype: 'request_vote', ...base, mlastLogTerm: b.last_log_term, mlastLogIndex: b.last_log_index };
    case 'request_vote_res':
      return { mtype: 'request_vote_res', ...base, mvoteGranted: b.vote_granted };
    case 'append_entries':
      return {
        mtype: 'append_entries',
        ...base,
        mprevLogIndex: b.prev_log_index,
        mprevLogTerm: b.prev_log_term,
        mentries: (b.entries as { term: number; op: unknown }[]).map((e) => [e.term, tlaValue(e.op)]),
        mcommitIndex: b.leader_commit,
        ...seqOf(b),
      };
    case 'append_entries_res':
      return {
        mtype: 'append_entries_res',
        ...base,
        msuccess: b.success,
        ...(b.success === true ? { mmatchIndex: b.match_index } : { mhint: b.hint }),
        ...seqOf(b),
      };
    case 'install_snapshot':
      return { mtype: 'install_snapshot', ...base, mlastIncludedIndex: b.last_included_index, mlastIncludedTerm: b.last_included_term };
    case 'install_snapshot_res':
      return { mtype: 'install_snapshot_res', ...base, msuccess: b.success, mmatchIndex: b.match_index };
    case 'snapshot_taken':
    case 'flush':
      // the runtime's word that it made a snapshot durable, or handed over a
      // batch of input: not messages
      return undefined;
    default:
      // A read a follower forwarded with its term: the spec's ForwardedRead
      // message (its mmustSee is history, which the trace cannot know).
      if (typeof b.proxy_term === 'number') return { mtype: 'forwarded_read', msource: ev.src, mdest: self, mterm: b.proxy_term };
      // A client request (read/write/cas/txn): the spec's ClientRequest value.
      return { mtype: 'client_request', msource: ev.src, mdest: self, value: b };
  }
}

const seqOf = (b: Record<string, unknown>): { mseq?: unknown } => (b.seq === undefined ? {} : { mseq: b.seq });


/**
 * The spec's message record for a message a node sends to another server
 * (undefined for anything else). A `sendSnapshot` effect is our snapshot as
 * the runtime sends it: of the log's snapshot index and term, in our term
 * (`ctx`, the context of the step that asked for it).
 */
export function tlaSend(self: string, e: Effect, ctx?: RaftContext): Record<string, unknown> | undefined {
  if (e.kind === 'sendSnapshot') {
    if (!ctx) return undefined;
    return {
      mtype: 'install_snapshot',
      msource: self,
      mdest: e.to,
      mterm: ctx.term,
      mlastIncludedIndex: ctx.log.snapshotIndex,
      mlastIncludedTerm: ctx.log.snapshotTerm,
    };
  }
  if (e.kind === 'proxy') {
    // forwardRead: a read forwarded with our term is the spec's ForwardedRead
    return e.term === undefined ? undefined : { mtype: 'forwarded_read', msource: self, mdest: e.to, mterm: e.term };
  }
  if (e.kind !== 'send' && e.kind !== 'reply') return undefined;
  if (!raftMessageTypes.has(e.body.type)) return undefined;
  return tlaMessage({ type: e.body.type, src: self, body: e.body as TransitionStep['event']['body'] }, e.to);
}

/**
 * Machine overrides that report every chart action's effects to `sink`
 * (on top of `base`, a test-only bug variant or none). XState runs a
 * transition's actions before it reports the microstep to the inspector, and
 * hands the emitted effects to the runtime only at the end of the macrostep,
 * so what `sink` collected between two transitions belongs to the second.
 */
export function recordingOverrides(base: MachineOverrides | undefined, sink: (effects: readonly Effect[]) => void): MachineOverrides {
  const impls = { ...chartActions, ...base?.actions } as Record<string, (ctx: RaftContext, ev: never) => { effects?: readonly Effect[] }>;
  const wrapped: Record<string, (ctx: RaftContext, ev: never) => { effects?: readonly Effect[] }> = {};
  for (const [name, impl] of Object.entries(impls)) {
    wrapped[name] = (ctx, ev) => {
      const r = impl(ctx, ev);
      if (r.effects && r.effects.length > 0) sink(r.effects);
      return r;
    };
  }
  return { ...(base?.guards ? { guards: base.guards } : {}), actions: wrapped as MachineOverrides['actions'] };
}

export class TraceWriter {
  private i = 0;
  /** Lines of the current step, while held (the node that took each transition). */
  private held: { node: string | undefined; line: Record<string, unknown> }[] | undefined;
  constructor(private readonly write: (line: string) => void) {}

  /**
   * Holds the lines that follow until `release`: the simulator holds each
   * step's lines, so that the transitions of a process that died during the
   * step (in the middle of a disk write: nothing of the step became durable
   * or was sent) can be left out, as if the step had never begun.
   */
  hold(): void {
    this.held ??= [];
  }

  /** How many lines are held (a mark for `release`'s `cut`). */
  get heldLines(): number {
    return this.held?.length ?? 0;
  }

  /**
   * Writes the held lines in order, without the transitions of the nodes in
   * `died`, nor those of a node in `cut` from the held line its mark names
   * on (a process that died part way through the step).
   */
  release(died: ReadonlySet<string> = new Set(), cut: ReadonlyMap<string, number> = new Map()): void {
    const held = this.held ?? [];
    this.held = undefined;
    held.forEach((h, k) => {
      if (h.node !== undefined && (died.has(h.node) || k >= (cut.get(h.node) ?? Infinity))) return;
      this.emit(h.line, h.node !== undefined);
    });
  }

  private emit(line: Record<string, unknown>, numbered: boolean, node?: string): void {
    if (this.held) {
      this.held.push({ node: numbered ? node : undefined, line });
      return;
    }
    if (numbered) line.i = ++this.i;
    this.write(JSON.stringify(line));
  }

  /** A line of another kind than a transition (see the top of this file). */
  event(kind: string, time: number, fields: Record<string, unknown>): void {
    this.emit({ kind, t: Math.round(time * 1000) / 1000, ...fields }, false);
  }

  header(info: Record<string, unknown>): void {
    this.write(JSON.stringify({ header: true, ...info }));
  }

  /**
   * One chart transition. `changes` tells the lowest log index changed since
   * the previous line of this node (undefined: write the whole log).
   */
  transition(time: number, node: string, step: TransitionStep, changes: LogTracker | undefined, effects: readonly Effect[] = []): void {
    const ctx = step.context;
    const from = changes ? changes.take() : 1;
    const line = {
      i: 0, // numbered when written
      t: Math.round(time * 1000) / 1000,
      node,
      transition: step.name,
      tla: tlaMapping[step.name]?.tla ?? null,
      event: tlaMessage(step.event, node) ?? { timer: step.event.type.startsWith('xstate.after') ? timerName(step) : step.event.type },
      vars: varsOf(step.role, ctx, from),
      sends: effects.map((e) => tlaSend(node, e, ctx)).filter((m) => m !== undefined),
    };
    this.emit(line, true, node);
  }
}

function timerName(step: TransitionStep): string {
  return step.role === 'leader' || step.name === 'heartbeat' || step.name === 'checkQuorum'
    ? 'heartbeatInterval'
    : 'electionTimeout';
}

/** The spec's per-server variables of one node. */
export function varsOf(role: string, ctx: RaftContext, logFrom = Infinity): Record<string, unknown> {
  const nextIndex: Record<string, number> = {};
  const matchIndex: Record<string, number> = {};
  for (const p of ctx.nodes) {
    nextIndex[p] = p === ctx.self ? ctx.log.lastIndex + 1 : (ctx.nextIndex[p] ?? 1);
    matchIndex[p] = p === ctx.self ? ctx.log.lastIndex : (ctx.matchIndex[p] ?? 0);
  }
  const log: Record<string, unknown> = { len: ctx.log.lastIndex };
  // After log compaction the log starts after a snapshot: entries up to
  // snapshotIndex are known only as committed (snapshotTerm is the last one's term).
  if (ctx.log.snapshotIndex > 0) {
    log.snapshotIndex = ctx.log.snapshotIndex;
    log.snapshotTerm = ctx.log.snapshotTerm;
  }
  if (logFrom <= ctx.log.lastIndex || logFrom !== Infinity) {
    const from = Math.max(ctx.log.snapshotIndex + 1, Math.min(logFrom, ctx.log.lastIndex + 1));
    log.from = from;
    log.entries = ctx.log.slice(from, Number.MAX_SAFE_INTEGER).map((e) => [e.term, tlaValue(e.op)]);
  }
  return {
    currentTerm: ctx.term,
    state: role,
    votedFor: ctx.votedFor ?? NIL,
    leader: ctx.leader ?? NIL,
    commitIndex: ctx.commitIndex,
    lastApplied: ctx.lastApplied,
    // The implementation's values as they are (a validator may ignore them outside their role).
    preVotes: [...((ctx as { preVotes?: readonly string[] }).preVotes ?? [])].sort(),
    votesGranted: [...ctx.votesGranted].sort(),
    nextIndex,
    matchIndex,
    log,
    heartbeatSeq: ctx.heartbeatSeq,
    acked: Object.fromEntries(ctx.peers.map((p) => [p, ctx.acked[p] ?? 0])),
    reads: ctx.reads.map((r) => [r.seq, r.readIndex, r.by ?? ctx.self]),
  };
}

/**
 * A message for a `send` line: who sent it to whom and the body's scalar
 * fields (type, msg_id or in_reply_to, term, indexes, ...); entries become
 * their count and the terms of the first and last, so a line stays small.
 */
export function messageFields(msg: { src: string; dest: string; body: Record<string, unknown> }): Record<string, unknown> {
  const out: Record<string, unknown> = { src: msg.src, dest: msg.dest };
  for (const [k, v] of Object.entries(msg.body)) {
    if (k === 'entries' && Array.isArray(v)) {
      out.entries = v.length;
      const first = v[0] as { term?: unknown } | undefined;
      const last = v[v.length - 1] as { term?: unknown } | undefined;
      if (first && last) out.entryTerms = [first.term, last.term];
    } else if (v === null || typeof v !== 'object') {
      out[k] = v;
    }
  }
  return out;
}

/**
 * The node binary's trace log (RAFT_LOG=trace), for the viewer of bench runs
 * (src/viz/viewer/bench.ts): a header naming the node once it is
 * initialised, then one line per chart transition (as TraceWriter writes them,
 * times in Unix milliseconds with microseconds) and one per Raft message
 * received from or sent to another server. The first transition after a
 * node's log object appears carries the whole log; later ones what changed.
 */
export class NodeTraceLog {
  private readonly tracer: TraceWriter;
  private headerWritten = false;
  private log: RaftLog<unknown> | undefined;
  private changes: LogTracker | undefined;

  constructor(
    write: (line: string) => void,
    private readonly node: () => { readonly id: string | undefined; readonly context: RaftContext | undefined },
    /** The node's own decoder (src/maelstrom/codec.ts decodeLine): input is untrusted and bounded before it is parsed. */
    private readonly decode: (line: string) => { readonly ok: boolean; readonly message?: unknown },
  ) {
    this.tracer = new TraceWriter(write);
  }

  private now(): number {
    return performance.timeOrigin + performance.now();
  }

  private isServer(id: unknown): boolean {
    return this.node().context?.nodes.includes(id as string) === true;
  }

  private writer(): TraceWriter {
    const n = this.node();
    if (!this.headerWritten && n.id !== undefined) {
      this.headerWritten = true;
      this.tracer.header({ node: n.id, servers: n.context?.nodes ?? [], clock: 'unix-ms' });
    }
    return this.tracer;
  }

  /** For NodeOptions.onTransition. */
  readonly onTransition = (n: { readonly id: string | undefined }, step: TransitionStep): void => {
    const fresh = this.log !== step.context.log;
    if (fresh) {
      this.log = step.context.log as RaftLog<unknown>;
      this.changes = this.log.track();
    }
    this.writer().transition(this.now(), n.id ?? '?', step, fresh ? undefined : this.changes);
  };

  /** A message the node sends (before it goes). */
  sent(msg: { src: string; dest: string; body: Record<string, unknown> }): void {
    if (this.isServer(msg.dest)) this.writer().event('send', this.now(), messageFields(msg));
  }

  /** An input line (before the node handles it): a message from another server gets a `deliver` line. */
  received(line: string): void {
    const d = this.decode(line);
    if (!d.ok) return; // the node reports bad input itself
    const m = d.message as { src?: unknown; dest?: unknown; body?: Record<string, unknown> } | null;
    const b = m?.body;
    if (!m || !b || typeof b !== 'object' || !this.isServer(m.src)) return;
    this.writer().event('deliver', this.now(), { src: m.src, dest: m.dest, type: b.type, msg_id: b.msg_id, in_reply_to: b.in_reply_to });
  }
}
