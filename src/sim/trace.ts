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
// The first line of a file is a header naming the servers and the run.
//
// Added for trace validation (tla/TraceRaft.tla, `npm run tlc:trace`):
// `sends` lists the messages to other servers that the transition itself
// sent (in the spec's field names, as `event`), `vars` also carries the
// ReadIndex and client bookkeeping the spec models (heartbeatSeq, acked,
// reads as [seq, readIndex] pairs, pending as [index, term] pairs), AppendEntries
// requests and answers carry their broadcast number as `mseq`, and the header
// gives `maxBatch`.

import { tlaMapping } from '../../spec/tla-mapping.js';
import { actions as chartActions, type Effect, type RaftContext } from '../../machines/index.js';
import type { MachineOverrides } from '../../machines/raft.js';
import type { TransitionStep } from '../runtime/node.js';
import type { LogWatch } from './invariants.js';

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
    default:
      // A client request (read/write/cas/txn): the spec's ClientRequest value.
      return { mtype: 'client_request', msource: ev.src, mdest: self, value: b };
  }
}

const seqOf = (b: Record<string, unknown>): { mseq?: unknown } => (b.seq === undefined ? {} : { mseq: b.seq });

/** The spec's message record for a message a node sends to another server (undefined for client replies). */
export function tlaSend(self: string, e: Effect): Record<string, unknown> | undefined {
  if (e.kind !== 'send' && e.kind !== 'reply') return undefined;
  if (!RAFT_TYPES.has(e.body.type)) return undefined;
  const m = tlaMessage({ type: e.body.type, src: self, body: e.body as TransitionStep['event']['body'] }, e.to);
  return m;
}
const RAFT_TYPES = new Set(['pre_vote', 'pre_vote_res', 'request_vote', 'request_vote_res', 'append_entries', 'append_entries_res']);

/**
 * Machine overrides that report every chart action's effects to `sink`
 * (on top of `base`, a test-only bug variant or none). XState runs a
 * transition's actions before it reports the microstep to the inspector, and
 * hands the emitted effects to the runtime only at the end of the macrostep,
 * so what `sink` collected between two transitions belongs to the second.
 */
export function recordingOverrides(base: MachineOverrides | undefined, sink: (effects: readonly Effect[]) => void): MachineOverrides {
  const wrapped: Record<string, (ctx: RaftContext, ev: never) => ReturnType<(typeof chartActions)[keyof typeof chartActions]>> = {};
  const impls = { ...chartActions, ...base?.actions } as Record<string, (ctx: RaftContext, ev: never) => { effects?: readonly Effect[] }>;
  for (const [name, impl] of Object.entries(impls)) {
    wrapped[name] = (ctx, ev) => {
      const r = impl(ctx, ev);
      if (r.effects && r.effects.length > 0) sink(r.effects);
      return r as never;
    };
  }
  return { ...(base?.guards ? { guards: base.guards } : {}), actions: wrapped as MachineOverrides['actions'] };
}

export class TraceWriter {
  private i = 0;
  constructor(private readonly write: (line: string) => void) {}

  header(info: Record<string, unknown>): void {
    this.write(JSON.stringify({ header: true, ...info }));
  }

  transition(time: number, node: string, step: TransitionStep, watch: LogWatch | undefined, effects: readonly Effect[] = []): void {
    const ctx = step.context;
    const from = watch ? watch.takeForTrace() : 1;
    const line = {
      i: ++this.i,
      t: Math.round(time * 1000) / 1000,
      node,
      transition: step.name,
      tla: tlaMapping[step.name]?.tla ?? null,
      event: tlaMessage(step.event, node) ?? { timer: step.event.type.startsWith('xstate.after') ? timerName(step) : step.event.type },
      vars: varsOf(step.role, ctx, from),
      sends: effects.map((e) => tlaSend(node, e)).filter((m) => m !== undefined),
    };
    this.write(JSON.stringify(line));
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
  if (logFrom <= ctx.log.lastIndex || logFrom !== Infinity) {
    const from = Math.max(1, Math.min(logFrom, ctx.log.lastIndex + 1));
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
    reads: ctx.reads.map((r) => [r.seq, r.readIndex]),
    pending: [...ctx.pending.entries()].map(([index, p]) => [index, p.term]).sort((a, b) => a[0]! - b[0]!),
  };
}
