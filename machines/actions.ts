// Actions of the Raft chart: functions of context and event that return the
// context changes and the effects (messages, replies, entries to apply,
// clients to answer, log lines) for the runtime to carry out. They change
// nothing in place but the log, and that only inside the transaction
// machines/raft.ts opens around every action (rolled back if it throws). Every action named in spec/chart.ts is defined here,
// except `reprocessEvent`, which the machine builder implements with XState's
// `raise` (handle the same message again after stepping down).

import { ErrorCode } from '../src/core/errors.js';
import type { Entry } from '../src/core/log.js';
import { errorBody, type Op, type ReplyBody } from '../src/core/state-machine.js';
import { majority } from '../src/core/quorum.js';
import { isReadReady, leaseRenewalDue, majorityMatchIndex, needsSnapshot, readsAwaitRound, snapshotDue } from './guards.js';
import { drawTimeout, type ActionResult, type Effect, type InflightAppend, type MessageEvent, type RaftContext } from './context.js';

export type Action = (ctx: RaftContext, ev: MessageEvent) => ActionResult;

const reply = (ev: MessageEvent, body: ReplyBody): Effect[] =>
  ev.body.msg_id === undefined ? [] : [{ kind: 'reply', to: ev.src, inReplyTo: ev.body.msg_id, body }];

const info = (text: string): Effect => ({ kind: 'log', level: 'info', text });

/** The broadcast number of an AppendEntries, echoed in its answer. */
const seqOf = (ev: MessageEvent): { seq?: number } => (ev.body.seq === undefined ? {} : { seq: ev.body.seq as number });

/** The op a client request puts in the log. */
export function opOfRequest(body: MessageEvent['body']): Op {
  const b = body as Record<string, unknown>;
  switch (b.type) {
    case 'read':
      return { f: 'read', key: b.key as string | number };
    case 'write':
      return { f: 'write', key: b.key as string | number, value: b.value };
    case 'cas':
      return { f: 'cas', key: b.key as string | number, from: b.from, to: b.to };
    case 'txn':
      return { f: 'txn', txn: b.txn as Extract<Op, { f: 'txn' }>['txn'] };
    default:
      throw new Error(`not a client request: ${String(b.type)}`);
  }
}

/** An AppendEntries being built, with what it carries. */
interface Append {
  readonly effect: Effect & { kind: 'send' };
  /** The last index it carries (0: none). */
  readonly last: number;
  readonly bytes: number;
}

/**
 * AppendEntries to one peer from index `next` (entries unless `withEntries`
 * is false: an empty one), with broadcast number `seq`. To a peer that needs
 * our snapshot: an empty one from the snapshot index (the snapshot goes
 * separately).
 */
function appendEntries(ctx: RaftContext, peer: string, next: number, seq: number, withEntries: boolean): Append {
  if (needsSnapshot(ctx, peer)) {
    next = ctx.log.snapshotIndex + 1;
    withEntries = false;
  }
  const prev = next - 1;
  const entries = withEntries && next <= ctx.log.lastIndex ? ctx.log.slice(next, ctx.config.maxBatch, ctx.config.maxBatchBytes) : [];
  const last = entries.length === 0 ? 0 : prev + entries.length;
  return {
    effect: {
      kind: 'send',
      to: peer,
      body: {
        type: 'append_entries',
        term: ctx.term,
        leader_id: ctx.self,
        prev_log_index: prev,
        prev_log_term: ctx.log.termAt(prev) ?? 0,
        entries,
        leader_commit: ctx.commitIndex,
        seq,
      },
    },
    last,
    bytes: last === 0 ? 0 : ctx.log.bytesBetween(next, last),
  };
}

/** Room for one more AppendEntries with entries: probe, nothing in flight; replicate, within the window. */
function windowOpen(ctx: RaftContext, progress: 'probe' | 'replicate' | undefined, inflight: readonly InflightAppend[]): boolean {
  if (progress !== 'replicate') return inflight.length === 0;
  if (inflight.length >= ctx.config.maxInflight) return false;
  let bytes = 0;
  for (const a of inflight) bytes += a.bytes;
  return bytes < ctx.config.maxInflightBytes;
}

/** Copy-on-write edits of the per-peer leader records, assigned once at the end of an action. */
class LeaderEdits {
  nextIndex: Record<string, number> | undefined;
  inflight: Record<string, readonly InflightAppend[]> | undefined;
  snapshotSent: Record<string, number> | undefined;
  constructor(private readonly ctx: RaftContext) {}
  next(p: string): number {
    return (this.nextIndex ?? this.ctx.nextIndex)[p] ?? this.ctx.log.lastIndex + 1;
  }
  flight(p: string): readonly InflightAppend[] {
    return (this.inflight ?? this.ctx.inflight)[p] ?? [];
  }
  setNext(p: string, n: number): void {
    (this.nextIndex ??= { ...this.ctx.nextIndex })[p] = n;
  }
  setFlight(p: string, f: readonly InflightAppend[]): void {
    (this.inflight ??= { ...this.ctx.inflight })[p] = f;
  }
  sentSnapshot(p: string, seq: number): void {
    (this.snapshotSent ??= { ...this.ctx.snapshotSent })[p] = seq;
    this.setFlight(p, [{ last: this.ctx.log.snapshotIndex, bytes: 0 }]);
  }
  assign(): Partial<RaftContext> {
    return {
      ...(this.nextIndex ? { nextIndex: this.nextIndex } : {}),
      ...(this.inflight ? { inflight: this.inflight } : {}),
      ...(this.snapshotSent ? { snapshotSent: this.snapshotSent } : {}),
    };
  }
}

/** Most recent timed broadcasts kept for leases. */
const ROUNDS_KEPT = 8;

/** A vote (or pre-vote) request for `term` to every peer, with our log's last entry. */
function askForVotes(ctx: RaftContext, type: 'pre_vote' | 'request_vote', term: number): Effect[] {
  return ctx.peers.map((to) => ({
    kind: 'send',
    to,
    body: { type, term, candidate_id: ctx.self, last_log_index: ctx.log.lastIndex, last_log_term: ctx.log.lastTerm },
  }));
}

export const actions = {
  /** A restart from durable state: only term, vote and log survived; the rest starts over. */
  recover: (ctx) => ({
    assign: { restarting: false },
    effects: [info(`restarted from durable state: term ${ctx.term}, voted for ${ctx.votedFor ?? 'nobody'}, ${ctx.log.lastIndex} log entries`)],
  }),

  updateTerm: (ctx, ev) => ({
    assign: { term: ev.body.term as number, votedFor: null, leader: null, votesGranted: [] },
    effects: [info(`term ${ev.body.term} seen from ${ev.src}: following (was term ${ctx.term})`)],
  }),

  rejectAppendEntries: (ctx, ev) => ({
    effects: reply(ev, { type: 'append_entries_res', term: ctx.term, success: false, hint: 0 }),
  }),

  rejectVote: (ctx, ev) => ({
    effects: reply(ev, { type: 'request_vote_res', term: ctx.term, vote_granted: false }),
  }),

  grantVote: (ctx, ev) => ({
    assign: { votedFor: ev.body.candidate_id as string },
    effects: [
      info(`voted for ${ev.body.candidate_id} in term ${ctx.term}`),
      ...reply(ev, { type: 'request_vote_res', term: ctx.term, vote_granted: true }),
    ],
  }),

  /**
   * Committed entries are to be applied, in order: the runtime applies them
   * (answering the clients it tracks for them) before it carries out any
   * effect that follows.
   */
  applyCommitted: (ctx) => ({
    assign: { lastApplied: ctx.commitIndex },
    effects: [{ kind: 'apply', upTo: ctx.commitIndex, log: ctx.log }],
  }),

  refuseUnavailable: (ctx, ev) => ({
    effects: reply(
      ev,
      errorBody(
        ErrorCode.TemporarilyUnavailable,
        ctx.leader === null
            ? 'no known leader'
            : `not the leader (${ctx.leader} is); proxied requests are not proxied again`,
      ),
    ),
  }),

  grantPreVote: (ctx, ev) => ({
    effects: reply(ev, { type: 'pre_vote_res', term: ctx.term, vote_granted: true, requested_term: ev.body.term as number }),
  }),

  rejectPreVote: (ctx, ev) => ({
    effects: reply(ev, { type: 'pre_vote_res', term: ctx.term, vote_granted: false, requested_term: ev.body.term as number }),
  }),

  becomePreCandidate: (ctx) => ({
    assign: { leader: null, preVotes: [ctx.self] },
    effects: [{ kind: 'log', level: 'debug', text: `asking for pre-votes for term ${ctx.term + 1}` }],
  }),

  requestPreVotes: (ctx) => ({ effects: askForVotes(ctx, 'pre_vote', ctx.term + 1) }),

  recordPreVote: (ctx, ev) =>
    ctx.preVotes.includes(ev.src) ? {} : { assign: { preVotes: [...ctx.preVotes, ev.src] } },

  becomeCandidate: (ctx) => ({
    assign: { term: ctx.term + 1, votedFor: ctx.self, leader: null, votesGranted: [ctx.self] },
    effects: [info(`became candidate for term ${ctx.term + 1}`)],
  }),

  requestVotes: (ctx) => ({ effects: askForVotes(ctx, 'request_vote', ctx.term) }),

  recordLeader: (ctx, ev) =>
    ctx.leader === ev.body.leader_id
      ? {}
      : {
          assign: { leader: ev.body.leader_id as string },
          effects: [info(`following leader ${ev.body.leader_id} in term ${ctx.term}`)],
        },

  /** Figure 2, AppendEntries receiver rules 2-5. */
  handleAppendEntries: (ctx, ev) => {
    const b = ev.body as unknown as {
      prev_log_index: number;
      prev_log_term: number;
      entries: Entry<Op>[];
      leader_commit: number;
    };
    if (!ctx.log.matches(b.prev_log_index, b.prev_log_term)) {
      // Hint: nothing useful at or after this index, so the leader can skip a whole term.
      const hint =
        b.prev_log_index > ctx.log.lastIndex ? ctx.log.lastIndex + 1 : ctx.log.firstIndexOfTerm(b.prev_log_index);
      return {
        effects: reply(ev, {
          type: 'append_entries_res',
          term: ctx.term,
          success: false,
          hint: Math.max(hint, 1),
          ...seqOf(ev),
        }),
      };
    }
    // An honest leader never conflicts with a committed entry (Leader
    // Completeness); a message that does is refused rather than allowed to
    // erase what clients were told is done.
    const conflict = ctx.log.firstConflict(b.prev_log_index, b.entries);
    if (conflict !== undefined && conflict <= ctx.commitIndex) {
      return {
        effects: [
          {
            kind: 'log',
            level: 'error',
            text: `refused append_entries from ${ev.src} (term ${ctx.term}): it conflicts with committed entry ${conflict} (commit index ${ctx.commitIndex}); Raft peers must be honest`,
          },
        ],
      };
    }
    const { lastNew, truncatedFrom } = ctx.log.appendFrom(b.prev_log_index, b.entries);
    const effects: Effect[] = [];
    if (truncatedFrom !== undefined) {
      effects.push(info(`truncated conflicting entries from index ${truncatedFrom}`));
    }
    const commitIndex = Math.max(ctx.commitIndex, Math.min(b.leader_commit, lastNew));
    effects.push(
      ...reply(ev, { type: 'append_entries_res', term: ctx.term, success: true, match_index: lastNew, ...seqOf(ev) }),
    );
    return { assign: commitIndex === ctx.commitIndex ? {} : { commitIndex }, effects };
  },

  proxyToLeader: (ctx, ev) => ({
    effects: [
      {
        kind: 'proxy',
        to: ctx.leader as string,
        client: ev.src,
        inReplyTo: ev.body.msg_id,
        body: ev.body as ReplyBody,
      },
    ],
  }),

  recordVote: (ctx, ev) => (ctx.votesGranted.includes(ev.src) ? {} : { assign: { votesGranted: [...ctx.votesGranted, ev.src] } }),

  /** Initialise leader state and append a no-op of the new term (commits earlier entries promptly). */
  becomeLeader: (ctx) => {
    const next = ctx.log.lastIndex + 1;
    ctx.log.append({ term: ctx.term, op: { f: 'noop' } });
    const nextIndex: Record<string, number> = {};
    const matchIndex: Record<string, number> = {};
    const progress: Record<string, 'probe' | 'replicate'> = {};
    const inflight: Record<string, readonly InflightAppend[]> = {};
    for (const p of ctx.peers) {
      nextIndex[p] = next;
      matchIndex[p] = 0;
      progress[p] = 'probe';
      inflight[p] = [];
    }
    return {
      assign: {
        leader: null,
        nextIndex,
        matchIndex,
        progress,
        inflight,
        sentSinceTick: [],
        heard: [],
        leaseTick: 0,
        acked: {},
        reads: [],
        rounds: [],
        snapshotSent: {},
      },
      effects: [info(`became leader for term ${ctx.term}`)],
    };
  },

  /**
   * Heartbeat tick (and a new leader's announcement), with a new broadcast
   * number: every follower that got no AppendEntries since the last tick
   * gets one from its next index: in probe, with what it lacks (a
   * retransmission: it replaces what was in flight); in replicate, with new
   * entries if the window has room, else empty. A follower that needs
   * entries we compacted away gets an empty one, and our snapshot when due.
   */
  sendHeartbeats: (ctx) => {
    const seq = ctx.heartbeatSeq + 1;
    const effects: Effect[] = [];
    const edits = new LeaderEdits(ctx);
    const sending = { ...ctx, heartbeatSeq: seq };
    for (const p of ctx.peers) {
      if (ctx.sentSinceTick.includes(p)) continue;
      if (needsSnapshot(ctx, p)) {
        effects.push(appendEntries(ctx, p, 0, seq, false).effect);
        if (snapshotDue(sending, p)) {
          effects.push({ kind: 'sendSnapshot', to: p });
          edits.sentSnapshot(p, seq);
        }
        continue;
      }
      const next = edits.next(p);
      if (ctx.progress[p] !== 'replicate') {
        const a = appendEntries(ctx, p, next, seq, true);
        effects.push(a.effect);
        edits.setFlight(p, a.last === 0 ? [] : [{ last: a.last, bytes: a.bytes }]);
        continue;
      }
      const flight = edits.flight(p);
      const a = appendEntries(ctx, p, next, seq, windowOpen(ctx, 'replicate', flight));
      effects.push(a.effect);
      if (a.last > 0) {
        edits.setFlight(p, [...flight, { last: a.last, bytes: a.bytes }]);
        edits.setNext(p, a.last + 1);
      }
    }
    return { assign: { heartbeatSeq: seq, sentSinceTick: [], ...edits.assign() }, effects };
  },

  /**
   * End of a batch: every follower gets the entries it lacks within its flow
   * control (probe: one AppendEntries at a time; replicate: as many as the
   * in-flight window allows, its next index moved past them at once), or
   * our snapshot when it needs it and it is due. If reads wait for a
   * broadcast (or, with lease reads, the lease is due for renewal), these
   * AppendEntries carry a new broadcast number, and empty ones go to the
   * most responsive other followers until a majority has one (reads ride on
   * entries when there are any, and cost a round of their own only when
   * there are none).
   */
  replicateLog: (ctx, ev) => {
    const confirm = readsAwaitRound(ctx) || leaseRenewalDue(ctx, ev.at);
    const seq = confirm ? ctx.heartbeatSeq + 1 : ctx.heartbeatSeq;
    const sending = confirm ? { ...ctx, heartbeatSeq: seq } : ctx;
    const effects: Effect[] = [];
    const edits = new LeaderEdits(ctx);
    const sentTo: string[] = [];
    const last = ctx.log.lastIndex;
    for (const p of ctx.peers) {
      if (needsSnapshot(ctx, p)) {
        if (edits.flight(p).length === 0 && snapshotDue(sending, p)) {
          effects.push({ kind: 'sendSnapshot', to: p });
          edits.sentSnapshot(p, seq);
        }
        continue;
      }
      const progress = ctx.progress[p];
      let next = edits.next(p);
      let flight = edits.flight(p);
      while (next <= last && windowOpen(ctx, progress, flight)) {
        const a = appendEntries(ctx, p, next, seq, true);
        effects.push(a.effect);
        if (sentTo[sentTo.length - 1] !== p) sentTo.push(p);
        flight = [...flight, { last: a.last, bytes: a.bytes }];
        edits.setFlight(p, flight);
        if (progress !== 'replicate') break;
        next = a.last + 1;
        edits.setNext(p, next);
      }
    }
    let assign: Partial<RaftContext> = edits.assign();
    if (confirm) {
      // Enough followers for a majority must get this broadcast number.
      let need = majority(ctx.nodes.length) - 1 - sentTo.length;
      if (need > 0) {
        const others = ctx.peers.filter((p) => !sentTo.includes(p) && !needsSnapshot(ctx, p));
        // Most responsive first: the highest broadcast number answered.
        others.sort((x, y) => (ctx.acked[y] ?? 0) - (ctx.acked[x] ?? 0));
        for (const p of others) {
          if (need-- <= 0) break;
          effects.push(appendEntries(ctx, p, edits.next(p), seq, false).effect);
          sentTo.push(p);
        }
      }
      assign = {
        ...assign,
        heartbeatSeq: seq,
        ...(ev.at !== undefined ? { rounds: [...ctx.rounds.slice(-(ROUNDS_KEPT - 1)), [seq, ev.at] as const] } : {}),
      };
    }
    let sentSinceTick = ctx.sentSinceTick;
    for (const p of sentTo) if (!sentSinceTick.includes(p)) sentSinceTick = [...sentSinceTick, p];
    if (sentSinceTick !== ctx.sentSinceTick) assign = { ...assign, sentSinceTick };
    return { assign, effects };
  },

  /** ReadIndex: remember the commit index; answer once a broadcast sent after it is acknowledged by a majority. */
  queueRead: (ctx, ev) => ({
    assign: {
      reads: [
        ...ctx.reads,
        {
          seq: ctx.heartbeatSeq + 1,
          readIndex: ctx.commitIndex,
          key: ev.body.key as string | number,
          to: ev.src,
          inReplyTo: ev.body.msg_id as number,
        },
      ],
    },
  }),

  /** A read under a lease: confirmed already (broadcast 0), answered once applied up to the commit index. */
  queueLeaseRead: (ctx, ev) => ({
    assign: {
      reads: [
        ...ctx.reads,
        { seq: 0, readIndex: ctx.commitIndex, key: ev.body.key as string | number, to: ev.src, inReplyTo: ev.body.msg_id as number },
      ],
    },
  }),

  /** Answer every confirmed, applied read from the state machine, oldest first. */
  answerReads: (ctx) => {
    let i = 0;
    const effects: Effect[] = [];
    while (i < ctx.reads.length && isReadReady(ctx, ctx.reads[i]!)) {
      const r = ctx.reads[i]!;
      effects.push({ kind: 'read', key: r.key, to: r.to, inReplyTo: r.inReplyTo });
      i++;
    }
    return { assign: { reads: ctx.reads.slice(i) }, effects };
  },

  /** Reads still waiting when leadership ends fail definitely (a read changes nothing, so 11 is safe). */
  abandonReads: (ctx) =>
    ctx.reads.length === 0
      ? {}
      : {
          assign: { reads: [] },
          effects: ctx.reads.map(
            (r): Effect => ({
              kind: 'reply',
              to: r.to,
              inReplyTo: r.inReplyTo,
              body: errorBody(ErrorCode.TemporarilyUnavailable, 'leadership lost before the read was confirmed'),
            }),
          ),
        },

  /** A follower installed our snapshot: it holds everything up to the snapshot's index. */
  handleInstallSnapshotResponse: (ctx, ev) => {
    const peer = ev.src;
    if (!ctx.peers.includes(peer) || ev.body.success !== true) return {};
    const match = ctx.matchIndex[peer] ?? 0;
    const newMatch = Math.max(match, Math.min(ev.body.match_index as number, ctx.log.lastIndex));
    const { [peer]: _answered, ...snapshotSent } = ctx.snapshotSent;
    return {
      assign: {
        heard: ctx.heard.includes(peer) ? ctx.heard : [...ctx.heard, peer],
        inflight: { ...ctx.inflight, [peer]: [] },
        progress: { ...ctx.progress, [peer]: 'replicate' },
        snapshotSent,
        matchIndex: newMatch === match ? ctx.matchIndex : { ...ctx.matchIndex, [peer]: newMatch },
        nextIndex: { ...ctx.nextIndex, [peer]: Math.max(ctx.nextIndex[peer] ?? 1, newMatch + 1) },
      },
    };
  },

  rejectSnapshot: (ctx, ev) => ({
    effects: reply(ev, { type: 'install_snapshot_res', term: ctx.term, success: false, match_index: 0 }),
  }),

  /**
   * Raft §7, InstallSnapshot receiver: a snapshot that covers no more than
   * we know committed changes nothing; otherwise the log gives way to it
   * (keeping what follows if we hold its last entry), the runtime restores
   * the state machine from it, and commit and applied indexes move to it.
   */
  installSnapshot: (ctx, ev) => {
    const b = ev.body as unknown as { last_included_index: number; last_included_term: number; data: string };
    const ok = reply(ev, { type: 'install_snapshot_res', term: ctx.term, success: true, match_index: b.last_included_index });
    if (b.last_included_index <= ctx.commitIndex) return { effects: ok };
    ctx.log.installSnapshot(b.last_included_index, b.last_included_term);
    return {
      assign: { commitIndex: b.last_included_index, lastApplied: b.last_included_index },
      effects: [
        info(`installed a snapshot up to index ${b.last_included_index} (term ${b.last_included_term}) from ${ev.src}`),
        { kind: 'restore', index: b.last_included_index, term: b.last_included_term, data: b.data },
        ...ok,
      ],
    };
  },

  /** The runtime made a snapshot durable: the log entries it covers go. */
  compactLog: (ctx, ev) => {
    const index = ev.body.index as number;
    ctx.log.compactTo(index);
    return { effects: [{ kind: 'log', level: 'debug', text: `log compacted up to index ${index}` }] };
  },

  appendClientEntry: (ctx, ev) => {
    const index = ctx.log.append({ term: ctx.term, op: opOfRequest(ev.body) });
    return ev.body.msg_id === undefined
      ? {}
      : { effects: [{ kind: 'track', index, term: ctx.term, to: ev.src, inReplyTo: ev.body.msg_id }] };
  },

  handleAppendEntriesResponse: (ctx, ev) => {
    const peer = ev.src;
    if (!ctx.peers.includes(peer)) return {};
    const heard = ctx.heard.includes(peer) ? ctx.heard : [...ctx.heard, peer];
    // Any answer of our term (success or not) shows the peer still took us as leader.
    const seq = ev.body.seq;
    const acked =
      typeof seq === 'number' && seq > (ctx.acked[peer] ?? 0) ? { ...ctx.acked, [peer]: seq } : ctx.acked;
    const match = ctx.matchIndex[peer] ?? 0;
    const next = ctx.nextIndex[peer] ?? 1;
    const flight = ctx.inflight[peer] ?? [];
    if (ev.body.success === true) {
      // A success can only cover entries we have; a larger claim is ignored.
      const newMatch = Math.max(match, Math.min(ev.body.match_index as number, ctx.log.lastIndex));
      // What the match reaches is delivered; an answer to an empty
      // AppendEntries leaves the rest in flight. The follower's log end is
      // known now: replicate.
      let delivered = 0;
      while (delivered < flight.length && flight[delivered]!.last <= newMatch) delivered++;
      return {
        assign: {
          heard,
          acked,
          ...(delivered > 0 ? { inflight: { ...ctx.inflight, [peer]: flight.slice(delivered) } } : {}),
          ...(ctx.progress[peer] !== 'replicate' ? { progress: { ...ctx.progress, [peer]: 'replicate' } } : {}),
          ...(newMatch !== match ? { matchIndex: { ...ctx.matchIndex, [peer]: newMatch } } : {}),
          ...(newMatch + 1 > next ? { nextIndex: { ...ctx.nextIndex, [peer]: newMatch + 1 } } : {}),
        },
      };
    }
    // A refusal: the follower has nothing useful at or after its hint. One
    // at or past our next index answers an AppendEntries sent before we
    // backed off already (pipelined ones are refused one after another):
    // stale. Otherwise back off to the hint (never below match + 1) and
    // probe: one AppendEntries at a time until an answer shows where its
    // log ends.
    const hint = ev.body.hint as number;
    if (hint >= next) return { assign: { heard, acked } };
    return {
      assign: {
        heard,
        acked,
        inflight: { ...ctx.inflight, [peer]: [] },
        progress: { ...ctx.progress, [peer]: 'probe' },
        nextIndex: { ...ctx.nextIndex, [peer]: Math.max(match + 1, hint) },
      },
    };
  },

  advanceCommitIndex: (ctx) => {
    const n = majorityMatchIndex(ctx);
    return { assign: { commitIndex: n }, effects: [{ kind: 'log', level: 'debug', text: `commit index now ${n}` }] };
  },

  stepDown: (ctx) => ({
    assign: { leader: null },
    effects: [info(`stepping down in term ${ctx.term}: no majority heard for ${ctx.config.leaseTicks} heartbeats`)],
  }),

  tickLeaderLease: (ctx) =>
    ctx.leaseTick + 1 >= ctx.config.leaseTicks
      ? { assign: { leaseTick: 0, heard: [] } }
      : { assign: { leaseTick: ctx.leaseTick + 1 } },

  drawElectionTimeout: (ctx) => {
    const { ms, rng } = drawTimeout(ctx.rng, ctx.config);
    return { assign: { rng, electionTimeoutMs: ms } };
  },
} satisfies Record<string, Action>;

export type ActionName = keyof typeof actions;
