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
import { isReadReady, majorityMatchIndex, needsSnapshot, sentUpTo, snapshotDue, timeOf, windowRoom } from './guards.js';
import {
  drawTimeout,
  leaseDuration,
  MAX_BROADCAST_TIMES,
  usesLeases,
  type ActionResult,
  type BroadcastTime,
  type Effect,
  type MessageEvent,
  type PendingRead,
  type RaftContext,
  type ReadQuery,
} from './context.js';
import { quorumIndex } from '../src/core/quorum.js';
import type { MicroOp } from '../src/core/state-machine.js';

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

/** What a read request asks: a key's value, or a read-only txn's reads. */
function queryOf(body: MessageEvent['body']): ReadQuery {
  return body.type === 'txn' ? { txn: body.txn as readonly MicroOp[] } : { key: body.key as string | number };
}

/**
 * A read that waits for broadcast `seq` and for the state machine to reach
 * `readIndex`. (Written out, not as a spread of queryOf's result and more
 * fields: V8 makes that slow, see withField in src/maelstrom/node.ts.)
 */
function pendingRead(ev: MessageEvent, seq: number, readIndex: number, by?: string): PendingRead {
  const to = ev.src;
  const inReplyTo = ev.body.msg_id as number;
  return ev.body.type === 'txn'
    ? { txn: ev.body.txn as readonly MicroOp[], seq, readIndex, by, to, inReplyTo }
    : { key: ev.body.key as string | number, seq, readIndex, by, to, inReplyTo };
}

/** Forward the client's request to the leader we know (with `term`: a read that our term confirms). */
function proxyEffect(ctx: RaftContext, ev: MessageEvent, term?: number): Effect {
  return { kind: 'proxy', to: ctx.leader as string, client: ev.src, inReplyTo: ev.body.msg_id, body: ev.body as ReplyBody, term };
}

/** The effect that answers a read from the state machine as it stands (by lease: only while the lease holds). */
function readEffect(q: ReadQuery, to: string, inReplyTo: number, leaseUntil?: number): Effect {
  const lease = leaseUntil === undefined ? {} : { leaseUntil };
  return q.txn !== undefined ? { kind: 'readTxn', txn: q.txn, to, inReplyTo, ...lease } : { kind: 'read', key: q.key, to, inReplyTo, ...lease };
}

/**
 * Lease mode: the send time of broadcast `seq` joins the leader's list (the
 * latest event time: the broadcast goes out after it, so the lease may start
 * early, never late); the oldest time goes beyond MAX_BROADCAST_TIMES.
 */
function withBroadcastTime(ctx: RaftContext, seq: number): { broadcastTimes?: readonly BroadcastTime[] } {
  if (!usesLeases(ctx.config)) return {};
  const kept = ctx.broadcastTimes.length >= MAX_BROADCAST_TIMES ? ctx.broadcastTimes.slice(1) : ctx.broadcastTimes;
  return { broadcastTimes: [...kept, { seq, at: ctx.now }] };
}

/**
 * Lease mode, after an answer of our term: the latest broadcast a majority
 * (ourselves included) has answered gives a lease from its send time. Times
 * of broadcasts up to it are no longer needed.
 */
function renewLease(ctx: RaftContext, acked: Readonly<Record<string, number>>): Partial<RaftContext> {
  if (!usesLeases(ctx.config) || ctx.broadcastTimes.length === 0) return {};
  const answered = [ctx.heartbeatSeq];
  for (const p of ctx.peers) answered.push(acked[p] ?? 0);
  const seq = quorumIndex(answered);
  let from: BroadcastTime | undefined;
  let drop = 0;
  for (const b of ctx.broadcastTimes) {
    if (b.seq > seq) break;
    from = b;
    drop++;
  }
  if (from === undefined) return {};
  const until = from.at + leaseDuration(ctx.config);
  return { broadcastTimes: ctx.broadcastTimes.slice(drop), ...(until > ctx.leaseUntil ? { leaseUntil: until } : {}) };
}

/**
 * AppendEntries to one peer from its next index, or from `from` (the
 * replicate state sends after what is in flight); `withEntries` false: an
 * empty heartbeat. To a peer that needs our snapshot: an empty one from the
 * snapshot index (the snapshot goes separately).
 */
function appendEntriesTo(ctx: RaftContext, peer: string, seq: number, withEntries = true, from?: number): Effect & { kind: 'send' } {
  const snapshot = needsSnapshot(ctx, peer);
  const next = snapshot ? ctx.log.snapshotIndex + 1 : (from ?? ctx.nextIndex[peer] ?? ctx.log.lastIndex + 1);
  const prev = next - 1;
  if (snapshot) withEntries = false;
  return {
    kind: 'send',
    to: peer,
    body: {
      type: 'append_entries',
      term: ctx.term,
      leader_id: ctx.self,
      prev_log_index: prev,
      prev_log_term: ctx.log.termAt(prev) ?? 0,
      entries: withEntries ? ctx.log.slice(next, ctx.config.maxBatch, ctx.config.maxBatchBytes) : [],
      leader_commit: ctx.commitIndex,
      seq,
    },
  };
}

/** The AppendEntries (at most `room`) that send a peer the entries after `sentUpTo`, in broadcast `seq`. */
function appendEntriesAfter(ctx: RaftContext, peer: string, sentUpTo: number, room: number, seq: number): (Effect & { kind: 'send' })[] {
  const sends: (Effect & { kind: 'send' })[] = [];
  let from = sentUpTo + 1;
  while (sends.length < room && from <= ctx.log.lastIndex) {
    const e = appendEntriesTo(ctx, peer, seq, true, from);
    sends.push(e);
    from = lastIndexCarried(e) + 1;
  }
  return sends;
}

/** A vote (or pre-vote) request for `term` to every peer, with our log's last entry. */
function askForVotes(ctx: RaftContext, type: 'pre_vote' | 'request_vote', term: number): Effect[] {
  return ctx.peers.map((to) => ({
    kind: 'send',
    to,
    body: { type, term, candidate_id: ctx.self, last_log_index: ctx.log.lastIndex, last_log_term: ctx.log.lastTerm },
  }));
}

/** The last log index an AppendEntries carries (0 when it carries none). */
function lastIndexCarried(e: Effect & { kind: 'send' }): number {
  const entries = e.body.entries as unknown[];
  return entries.length === 0 ? 0 : (e.body.prev_log_index as number) + entries.length;
}

/**
 * replicateLog's sends: to each peer what its flow control lets go (see
 * replicateLog); with `everyPeer`, an empty AppendEntries to each peer that
 * gets nothing else (a broadcast that reads wait for). They carry broadcast
 * number `seq` (the latest, unless a new one is being sent).
 */
function replicate(ctx: RaftContext, everyPeer: boolean, seq = ctx.heartbeatSeq): ActionResult {
  let inflight: Record<string, readonly number[]> | undefined;
  let snapshotSent: Record<string, number> | undefined;
  let sentSinceTick: string[] | undefined;
  const effects: Effect[] = [];
  const sentTo = (p: string): void => {
    if (!(sentSinceTick ?? ctx.sentSinceTick).includes(p)) sentSinceTick = [...(sentSinceTick ?? ctx.sentSinceTick), p];
  };
  for (const p of ctx.peers) {
    const flying = ctx.inflight[p] ?? [];
    if (needsSnapshot(ctx, p)) {
      if (flying.length === 0 && snapshotDue(ctx, p, seq)) {
        effects.push({ kind: 'sendSnapshot', to: p });
        (snapshotSent ??= { ...ctx.snapshotSent })[p] = seq;
        (inflight ??= { ...ctx.inflight })[p] = [ctx.log.snapshotIndex];
      }
      if (everyPeer) effects.push(appendEntriesTo(ctx, p, seq, false));
      continue;
    }
    const sends = appendEntriesAfter(ctx, p, sentUpTo(ctx, p), windowRoom(ctx, p), seq);
    if (sends.length > 0) {
      effects.push(...sends);
      (inflight ??= { ...ctx.inflight })[p] = [...flying, ...sends.map(lastIndexCarried)];
      sentTo(p);
    } else if (everyPeer) {
      effects.push(appendEntriesTo(ctx, p, seq, false));
      sentTo(p);
    }
  }
  if (effects.length === 0) return {};
  // Built field by field: an object made by a spread and then given more
  // fields takes a slow path in V8 (see withField in src/maelstrom/node.ts).
  const assign: { inflight?: typeof inflight; snapshotSent?: typeof snapshotSent; sentSinceTick?: typeof sentSinceTick } = {};
  if (inflight) assign.inflight = inflight;
  if (snapshotSent) assign.snapshotSent = snapshotSent;
  if (sentSinceTick) assign.sentSinceTick = sentSinceTick;
  return { assign, effects };
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
    effects: [{ kind: 'apply', from: ctx.lastApplied + 1, upTo: ctx.commitIndex, entries: ctx.log.slice(ctx.lastApplied + 1, ctx.commitIndex - ctx.lastApplied) }],
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

  /** Note the leader of our term and when we heard from it (lease mode counts on it: isLeaderSilent). */
  recordLeader: (ctx, ev) =>
    ctx.leader === ev.body.leader_id
      ? { assign: { leaderHeardAt: timeOf(ctx, ev) } }
      : {
          assign: { leader: ev.body.leader_id as string, leaderHeardAt: timeOf(ctx, ev) },
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

  proxyToLeader: (ctx, ev) => ({ effects: [proxyEffect(ctx, ev)] }),

  /** As proxyToLeader, with our term: the leader may count it as a confirmation of the read. */
  forwardReadToLeader: (ctx, ev) => ({ effects: [proxyEffect(ctx, ev, ctx.term)] }),

  recordVote: (ctx, ev) => (ctx.votesGranted.includes(ev.src) ? {} : { assign: { votesGranted: [...ctx.votesGranted, ev.src] } }),

  /** Initialise leader state and append a no-op of the new term (commits earlier entries promptly). */
  becomeLeader: (ctx) => {
    const next = ctx.log.lastIndex + 1;
    ctx.log.append({ term: ctx.term, op: { f: 'noop' } });
    const nextIndex: Record<string, number> = {};
    const matchIndex: Record<string, number> = {};
    const inflight: Record<string, readonly number[]> = {};
    for (const p of ctx.peers) {
      nextIndex[p] = next;
      matchIndex[p] = 0;
      inflight[p] = [];
    }
    return {
      assign: {
        leader: null,
        nextIndex,
        matchIndex,
        inflight,
        sentSinceTick: [],
        heard: [],
        leaseTick: 0,
        acked: {},
        reads: [],
        snapshotSent: {},
        broadcastTimes: [],
        leaseUntil: -Infinity,
      },
      effects: [info(`became leader for term ${ctx.term}`)],
    };
  },

  /**
   * Every peer gets AppendEntries from its next index: heartbeat and
   * retransmission; a peer that needs entries we compacted away also gets our
   * snapshot, when it is due. A peer that was sent entries since the last
   * tick gets nothing (unless reads wait for this broadcast).
   */
  sendHeartbeats: (ctx) => {
    const inflight: Record<string, readonly number[]> = {};
    const effects: Effect[] = [];
    // The number of the broadcast this tick sends.
    const seq = ctx.heartbeatSeq + 1;
    let snapshotSent: Record<string, number> | undefined;
    // A follower sent entries since the last tick already knows we lead and
    // restarted its election timer: no heartbeat of its own (unless reads
    // wait, whose confirmation needs this broadcast's number).
    const skip = ctx.reads.length === 0 ? ctx.sentSinceTick : [];
    for (const p of ctx.peers) {
      if (skip.includes(p)) {
        inflight[p] = ctx.inflight[p] ?? [];
        continue;
      }
      // From the next index: a retransmission of what is still unanswered
      // (nothing went to this peer for a whole tick, so it was likely lost).
      const e = appendEntriesTo(ctx, p, seq);
      effects.push(e);
      const carried = lastIndexCarried(e);
      inflight[p] = carried > 0 ? [carried] : [];
      if (needsSnapshot(ctx, p) && snapshotDue(ctx, p, seq)) {
        effects.push({ kind: 'sendSnapshot', to: p });
        (snapshotSent ??= { ...ctx.snapshotSent })[p] = seq;
        inflight[p] = [ctx.log.snapshotIndex];
      }
    }
    return {
      assign: {
        inflight,
        heartbeatSeq: seq,
        sentSinceTick: [],
        ...(snapshotSent ? { snapshotSent } : {}),
        ...withBroadcastTime(ctx, seq),
      },
      effects,
    };
  },

  /** ReadIndex: remember the commit index; answer once a later broadcast is acknowledged by a majority. */
  queueRead: (ctx, ev) => ({
    assign: { reads: [...ctx.reads, pendingRead(ev, ctx.heartbeatSeq + 1, ctx.commitIndex)] },
  }),

  /** As queueRead, for a read a follower forwarded: the follower counts as one confirmation. */
  queueForwardedRead: (ctx, ev) => ({
    assign: { reads: [...ctx.reads, pendingRead(ev, ctx.heartbeatSeq + 1, ctx.commitIndex, ev.src)] },
  }),

  /** RAFT_READS=local: answer from this node's state machine as it stands, whatever it has applied (unsafe). */
  serveLocalRead: (_ctx, ev) => ({
    effects: [readEffect(queryOf(ev.body), ev.src, ev.body.msg_id as number)],
  }),

  /** Lease mode, lease held: answer from the state machine at once (only while the lease still holds when the answer is written). */
  serveLeaseRead: (ctx, ev) => ({
    effects: [readEffect(queryOf(ev.body), ev.src, ev.body.msg_id as number, ctx.leaseUntil)],
  }),

  /** Answer every confirmed, applied read from the state machine, oldest first. */
  answerReads: (ctx) => {
    let i = 0;
    const effects: Effect[] = [];
    while (i < ctx.reads.length && isReadReady(ctx, ctx.reads[i]!)) {
      const r = ctx.reads[i]!;
      effects.push(readEffect(r, r.to, r.inReplyTo));
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

  /**
   * Every peer gets the entries it lacks, within its flow control: in the
   * replicate state at once, after what is in flight, up to `maxInflight`
   * messages; in the probe state one AppendEntries from its next index when
   * nothing is in flight; or our snapshot, when due.
   */
  replicateLog: (ctx) => replicate(ctx, false),

  /**
   * Reads wait for a broadcast not sent yet: number a new one and send it to
   * every peer, riding on the entries each is due (an empty AppendEntries to
   * a peer due none).
   */
  confirmReads: (ctx) => {
    const seq = ctx.heartbeatSeq + 1;
    const r = replicate(ctx, true, seq);
    const assign: Partial<RaftContext> = Object.assign({}, r.assign, { heartbeatSeq: seq }, withBroadcastTime(ctx, seq));
    return { assign, effects: r.effects ?? [] };
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
    if (ev.body.success === true) {
      // A success can only cover entries we have; a larger claim is ignored.
      const newMatch = Math.max(match, Math.min(ev.body.match_index as number, ctx.log.lastIndex));
      // The messages in flight are delivered once the match reaches what they
      // carried; an answer to an empty heartbeat leaves them in flight.
      const flying = ctx.inflight[peer] ?? [];
      const left = flying.filter((last) => last > newMatch);
      const inflight = left.length === flying.length ? ctx.inflight : { ...ctx.inflight, [peer]: left };
      return {
        assign: {
          heard,
          inflight,
          acked,
          matchIndex: newMatch === match ? ctx.matchIndex : { ...ctx.matchIndex, [peer]: newMatch },
          nextIndex: { ...ctx.nextIndex, [peer]: Math.max(next, newMatch + 1) },
          ...(acked === ctx.acked ? {} : renewLease(ctx, acked)),
        },
      };
    }
    // A mismatch: whatever is in flight follows a gap; back off (to the
    // replicate state again when that reaches just past the match) and send
    // again from there.
    const backedOff = Math.max(match + 1, Math.min(next - 1, ev.body.hint as number), 1);
    const inflight = { ...ctx.inflight, [peer]: [] };
    return {
      assign: {
        heard,
        inflight,
        acked,
        nextIndex: { ...ctx.nextIndex, [peer]: backedOff },
        ...(acked === ctx.acked ? {} : renewLease(ctx, acked)),
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
