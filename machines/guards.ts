// Guards of the Raft chart: pure predicates over context and event, named
// after what they test. Every guard named in spec/chart.ts is defined here.

import { majority, quorumIndex } from '../src/core/quorum.js';
import { usesLeases, type MessageEvent, type RaftContext } from './context.js';

export type Guard = (ctx: RaftContext, ev: MessageEvent) => boolean;

const termOf = (ev: MessageEvent): number => ev.body.term as number;

/** Reused by majorityMatchIndex (called after every event a leader handles). */
const matches: number[] = [];

/** The highest index stored on a majority, the leader's own log included. */
export function majorityMatchIndex(ctx: RaftContext): number {
  const peers = ctx.peers;
  matches.length = peers.length + 1;
  matches[0] = ctx.log.lastIndex;
  for (let i = 0; i < peers.length; i++) matches[i + 1] = ctx.matchIndex[peers[i]!] ?? 0;
  return quorumIndex(matches);
}

/** Does this peer need entries we have compacted away (so our snapshot)? */
export function needsSnapshot(ctx: RaftContext, peer: string): boolean {
  return (ctx.nextIndex[peer] ?? ctx.log.lastIndex + 1) <= ctx.log.snapshotIndex;
}

/** Is it time to send our snapshot to this peer (never sent, or unanswered for a while), in broadcast `seq`? */
export function snapshotDue(ctx: RaftContext, peer: string, seq = ctx.heartbeatSeq): boolean {
  const sent = ctx.snapshotSent[peer];
  return sent === undefined || seq - sent >= ctx.config.snapshotRetryTicks;
}

/** Is this peer in the replicate state (an answer showed its log matches ours up to its match index)? */
export function replicating(ctx: RaftContext, peer: string): boolean {
  return (ctx.nextIndex[peer] ?? 0) === (ctx.matchIndex[peer] ?? 0) + 1;
}

/**
 * The last index sent to a peer: in the replicate state what is in flight
 * (or its match), in the probe state just before its next index.
 */
export function sentUpTo(ctx: RaftContext, peer: string): number {
  const flying = ctx.inflight[peer] ?? [];
  return replicating(ctx, peer) && flying.length > 0 ? flying[flying.length - 1]! : (ctx.nextIndex[peer] ?? ctx.log.lastIndex + 1) - 1;
}

/**
 * How many more AppendEntries with entries may go to a peer now: in the
 * replicate state what the window has left, in the probe state one when
 * none is in flight.
 */
export function windowRoom(ctx: RaftContext, peer: string): number {
  const flying = (ctx.inflight[peer] ?? []).length;
  return replicating(ctx, peer) ? ctx.config.maxInflight - flying : flying > 0 ? 0 : 1;
}

/** Does replicateLog have something to send this peer now (entries within its window, or our snapshot)? */
export function replicationDue(ctx: RaftContext, peer: string): boolean {
  if (needsSnapshot(ctx, peer)) return (ctx.inflight[peer] ?? []).length === 0 && snapshotDue(ctx, peer);
  return windowRoom(ctx, peer) > 0 && sentUpTo(ctx, peer) < ctx.log.lastIndex;
}

/**
 * Confirmed by a majority, and applied. Each server counts once: the leader
 * itself, every peer that answered broadcast `seq` or later, and the
 * follower that forwarded the read (`by`, see canServeForwardedRead).
 */
export function isReadReady(ctx: RaftContext, read: { seq: number; readIndex: number; by?: string }): boolean {
  if (ctx.lastApplied < read.readIndex) return false;
  let acks = 1;
  for (const p of ctx.peers) if (p === read.by || (ctx.acked[p] ?? 0) >= read.seq) acks++;
  return acks >= majority(ctx.nodes.length);
}

/**
 * A read a follower forwarded to us (a peer's request carrying the term it
 * was in when it forwarded it, `proxy_term`), in a term no later than ours.
 */
export function isForwardedRead(ctx: RaftContext, ev: MessageEvent): boolean {
  const t = ev.body.proxy_term;
  return typeof t === 'number' && t <= ctx.term && ctx.peers.includes(ev.src);
}

/** A follower proxies requests that come from clients (never twice) to a leader it knows. */
function canProxy(ctx: RaftContext, ev: MessageEvent): boolean {
  return ctx.leader !== null && !ctx.nodes.includes(ev.src);
}

/**
 * A read (or, with RAFT_TXN_READS=readindex, a read-only txn) can skip the
 * log (ReadIndex, Raft thesis §6.4) once this leader has committed an entry
 * of its own term, so its commit index is up to date, while it holds fewer
 * than maxPending reads. Lease mode without a lease comes here too.
 */
function canServeReadIndex(ctx: RaftContext, ev: MessageEvent): boolean {
  return isReadServedBy(ctx, ev, 'readindex') && ctx.log.termAt(ctx.commitIndex) === ctx.term && ctx.reads.length < ctx.config.maxPending;
}

/** A txn whose every micro-op is a read (validation has checked the shape). */
export function isReadOnlyTxn(body: MessageEvent['body']): boolean {
  return body.type === 'txn' && Array.isArray(body.txn) && (body.txn as unknown[]).every((m) => Array.isArray(m) && m[0] === 'r');
}

/**
 * A read (or read-only txn) that the configured mode serves: `reads` for a
 * read, `txnReads` for a read-only txn. Lease mode falls back to ReadIndex,
 * so a `readindex` question is true of it too.
 */
function isReadServedBy(ctx: RaftContext, ev: MessageEvent, mode: RaftContext['config']['reads']): boolean {
  if (ev.body.msg_id === undefined) return false;
  const m = ev.body.type === 'read' ? ctx.config.reads : isReadOnlyTxn(ev.body) ? ctx.config.txnReads : undefined;
  return m === mode || (mode === 'readindex' && m === 'lease');
}

/** The present as well as the chart knows it: the event's time, or the latest time an event carried. */
export function timeOf(ctx: RaftContext, ev: MessageEvent): number {
  return typeof ev.at === 'number' && ev.at > ctx.now ? ev.at : ctx.now;
}

/**
 * Lease mode: has electionMinMs passed on our clock since we last heard from
 * a leader (or, restarted, since we started)? Until then we grant no vote and
 * no pre-vote: a leader's lease counts on it. Always true in other modes.
 */
export function isLeaderSilent(ctx: RaftContext, ev: MessageEvent): boolean {
  return !usesLeases(ctx.config) || timeOf(ctx, ev) - ctx.leaderHeardAt >= ctx.config.electionMinMs;
}

/** Lease mode: does the leader's lease hold at time `now`? (It ends at leaseUntil, exclusive.) */
export function leaseHolds(ctx: RaftContext, now: number): boolean {
  return now < ctx.leaseUntil;
}

export const guards = {
  isHigherTerm: (ctx, ev) => termOf(ev) > ctx.term,
  isStaleTerm: (ctx, ev) => termOf(ev) < ctx.term,
  isCurrentTerm: (ctx, ev) => termOf(ev) === ctx.term,

  /** Figure 2 RequestVote: same term, no other vote this term, candidate's log at least as up to date. */
  canGrantVote: (ctx, ev) => {
    const b = ev.body as unknown as { term: number; candidate_id: string; last_log_index: number; last_log_term: number };
    return (
      b.term === ctx.term &&
      (ctx.votedFor === null || ctx.votedFor === b.candidate_id) &&
      ctx.log.isUpToDate(b.last_log_index, b.last_log_term) &&
      isLeaderSilent(ctx, ev)
    );
  },

  /**
   * Pre-Vote: a later term, a log at least as up to date, and no live leader
   * known (leader stickiness); in lease mode also no leader heard from for
   * electionMinMs (as for a vote, so a pre-vote predicts the vote).
   */
  canGrantPreVote: (ctx, ev) => {
    const b = ev.body as unknown as { term: number; last_log_index: number; last_log_term: number };
    return b.term > ctx.term && ctx.leader === null && ctx.log.isUpToDate(b.last_log_index, b.last_log_term) && isLeaderSilent(ctx, ev);
  },
  isPreVoteGranted: (ctx, ev) => ev.body.vote_granted === true && ev.body.requested_term === ctx.term + 1,
  hasPreVoteQuorum: (ctx) => ctx.preVotes.length >= majority(ctx.nodes.length),

  isVoteGrantedInCurrentTerm: (ctx, ev) => termOf(ev) === ctx.term && ev.body.vote_granted === true,
  hasVoteQuorum: (ctx) => ctx.votesGranted.length >= majority(ctx.nodes.length),

  hasCommittedUnapplied: (ctx) => ctx.commitIndex > ctx.lastApplied,

  /** The runtime made a snapshot the log does not know yet, of an applied index it still holds. */
  isNewSnapshot: (ctx, ev) => {
    const i = ev.body.index as number;
    return i > ctx.log.snapshotIndex && i <= ctx.lastApplied && ctx.log.has(i);
  },

  /** The node started from durable state and has not yet taken the chart's restart. */
  isRestarting: (ctx) => ctx.restarting,

  /** Only the current term's entries are committed by counting replicas (§5.4.2, Figure 8). */
  canAdvanceCommitIndex: (ctx) => {
    const n = majorityMatchIndex(ctx);
    return n > ctx.commitIndex && ctx.log.termAt(n) === ctx.term;
  },

  /** A follower proxies requests that come from clients (never twice) to a leader it knows. */
  canProxy,

  /**
   * A read (or read-only txn) the leader serves by ReadIndex, at a follower
   * that can proxy it: it goes with our term, which the leader counts as a
   * confirmation of the read (canServeForwardedRead).
   */
  canForwardRead: (ctx, ev) => canProxy(ctx, ev) && isReadServedBy(ctx, ev, 'readindex'),

  /**
   * Lease mode (thesis §6.4.1): a leader that has committed an entry of its
   * term, applied up to its commit index, and holds a lease at the read's
   * time answers from its state machine at once.
   */
  canServeLeaseRead: (ctx, ev) =>
    isReadServedBy(ctx, ev, 'lease') &&
    ctx.log.termAt(ctx.commitIndex) === ctx.term &&
    ctx.lastApplied >= ctx.commitIndex &&
    leaseHolds(ctx, timeOf(ctx, ev)),

  /** See canServeReadIndex above. */
  canServeReadIndex,

  /**
   * A read a follower forwarded in a term no later than ours, at a leader
   * that can serve ReadIndex: as readIndex, and the follower counts as one
   * confirmation (with three servers, leader and follower are a majority and
   * the read waits for no broadcast). Safe because the follower was in a
   * term no later than ours after the client sent the read, and so were we:
   * neither of us had voted for a leader of a later term by then. A leader
   * elected before the read was sent, in a term later than ours, had the
   * votes of a majority without us two; the confirmations of the read (us,
   * the follower, and the peers that answer a broadcast sent after it
   * arrived) are a majority, which would share a server with it, one that
   * voted in the later term and then confirmed our earlier one: impossible.
   */
  canServeForwardedRead: (ctx, ev) => canServeReadIndex(ctx, ev) && isForwardedRead(ctx, ev),

  /**
   * RAFT_READS=local (or RAFT_TXN_READS=local for a read-only txn): any node,
   * whatever its role, answers from its own state machine at once. Unsafe on
   * purpose: a node cut off from the leader answers with stale values.
   */
  canServeLocalRead: (ctx, ev) => isReadServedBy(ctx, ev, 'local'),

  /** The oldest waiting read is confirmed by a majority and its read index is applied. */
  hasConfirmedRead: (ctx) => ctx.reads.length > 0 && isReadReady(ctx, ctx.reads[0]!),

  /** Reads wait for a broadcast not sent yet (they arrived after the last one went). */
  hasUnsentReadRound: (ctx) => ctx.reads.length > 0 && ctx.reads[ctx.reads.length - 1]!.seq > ctx.heartbeatSeq,

  /** Some follower is due entries (within its flow-control window) or our snapshot. */
  hasReplicationWork: (ctx) => ctx.peers.some((p) => replicationDue(ctx, p)),

  /** The lease window ends on this tick and fewer than a majority (self included) answered in it. */
  hasLostQuorum: (ctx) =>
    ctx.leaseTick + 1 >= ctx.config.leaseTicks && ctx.heard.length + 1 < majority(ctx.nodes.length),
} satisfies Record<string, Guard>;

export type GuardName = keyof typeof guards;
