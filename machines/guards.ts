// Guards of the Raft chart: pure predicates over context and event, named
// after what they test. Every guard named in spec/chart.ts is defined here.

import { majority, quorumIndex } from '../src/core/quorum.js';
import type { MessageEvent, RaftContext } from './context.js';

export type Guard = (ctx: RaftContext, ev: MessageEvent) => boolean;

const termOf = (ev: MessageEvent): number => ev.body.term as number;

/** The highest index stored on a majority, the leader's own log included. */
export function majorityMatchIndex(ctx: RaftContext): number {
  const matches = [ctx.log.lastIndex];
  for (const p of ctx.peers) matches.push(ctx.matchIndex[p] ?? 0);
  return quorumIndex(matches);
}

/** Confirmed by a majority (self included) answering broadcast `seq` or later, and applied. */
export function isReadReady(ctx: RaftContext, read: { seq: number; readIndex: number }): boolean {
  if (ctx.lastApplied < read.readIndex) return false;
  let acks = 1;
  for (const p of ctx.peers) if ((ctx.acked[p] ?? 0) >= read.seq) acks++;
  return acks >= majority(ctx.nodes.length);
}

/**
 * Until when (the leader's clock) the leader holds a lease (Raft thesis
 * 6.4.1), or -Infinity: the broadcast with the highest number a majority
 * (self included) answered was first sent at `at`; every follower that
 * answered it restarted its election timer after `at`, and none of them
 * grants a pre-vote (so no other node can become leader) before its timer
 * fires, at least electionMinMs later by its clock. With clocks whose rates
 * differ by at most a factor 1 + clockDrift, the leader is alone until
 * at + electionMinMs / (1 + clockDrift) by its own; leaseMarginMs more is
 * taken off for what the bound leaves out (scheduling, the time the clock
 * is read).
 */
export function leaseExpiry(ctx: RaftContext): number {
  if (ctx.rounds.length === 0) return -Infinity;
  // The highest broadcast number answered by a majority: the majority-th
  // largest of the peers' acknowledged numbers, ours counting as the latest.
  const acked: number[] = [ctx.heartbeatSeq];
  for (const p of ctx.peers) acked.push(ctx.acked[p] ?? 0);
  const seq = quorumIndex(acked);
  let at = -Infinity;
  for (const [s, t] of ctx.rounds) if (s <= seq) at = t;
  return at + ctx.config.electionMinMs / (1 + ctx.config.clockDrift) - ctx.config.leaseMarginMs;
}

/** Can this follower take (more) entries now: in probe, nothing in flight; in replicate, room in the window. */
export function canSendEntries(ctx: RaftContext, peer: string): boolean {
  const inflight = ctx.inflight[peer] ?? [];
  if (ctx.progress[peer] !== 'replicate') return inflight.length === 0;
  if (inflight.length >= ctx.config.maxInflight) return false;
  let bytes = 0;
  for (const a of inflight) bytes += a.bytes;
  return bytes < ctx.config.maxInflightBytes;
}

/** Does a peer need entries we have compacted away (so our snapshot)? */
export function needsSnapshot(ctx: RaftContext, peer: string): boolean {
  return (ctx.nextIndex[peer] ?? ctx.log.lastIndex + 1) <= ctx.log.snapshotIndex;
}

/** Is it time to send our snapshot to this peer (never sent, or unanswered for a while)? */
export function snapshotDue(ctx: RaftContext, peer: string): boolean {
  const sent = ctx.snapshotSent[peer];
  return sent === undefined || ctx.heartbeatSeq - sent >= ctx.config.snapshotRetryTicks;
}

/**
 * With lease reads, a leader starts a timed broadcast at the end of a batch
 * once the latest one is a heartbeat interval old, so the lease is renewed
 * while the leader is busy (the heartbeats of an idle leader, sent on a
 * timer, renew it through the batches their answers come in).
 */
export function leaseRenewalDue(ctx: RaftContext, at: number | undefined): boolean {
  if (!ctx.config.leaseReads || at === undefined) return false;
  const n = ctx.rounds.length;
  return n === 0 || at - ctx.rounds[n - 1]![1] >= ctx.config.heartbeatMs;
}

/** Reads wait for a broadcast not sent yet. */
export function readsAwaitRound(ctx: RaftContext): boolean {
  const n = ctx.reads.length;
  return n > 0 && ctx.reads[n - 1]!.seq > ctx.heartbeatSeq;
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
      ctx.log.isUpToDate(b.last_log_index, b.last_log_term)
    );
  },

  /** Pre-Vote: a later term, a log at least as up to date, and no live leader known (leader stickiness). */
  canGrantPreVote: (ctx, ev) => {
    const b = ev.body as unknown as { term: number; last_log_index: number; last_log_term: number };
    return b.term > ctx.term && ctx.leader === null && ctx.log.isUpToDate(b.last_log_index, b.last_log_term);
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
  canProxy: (ctx, ev) => ctx.leader !== null && !ctx.nodes.includes(ev.src),

  /**
   * A read can skip the log (ReadIndex, Raft thesis §6.4) once this leader has
   * committed an entry of its own term, so its commit index is up to date.
   */
  canServeReadIndex: (ctx, ev) =>
    ctx.config.readIndex &&
    ev.body.type === 'read' &&
    ev.body.msg_id !== undefined &&
    ctx.log.termAt(ctx.commitIndex) === ctx.term &&
    ctx.reads.length < ctx.config.maxPending,

  /** As canServeReadIndex, with lease reads on and the lease held at the time the read is handed over. */
  canServeLeaseRead: (ctx, ev) =>
    ctx.config.leaseReads &&
    ev.at !== undefined &&
    ev.body.type === 'read' &&
    ev.body.msg_id !== undefined &&
    ctx.log.termAt(ctx.commitIndex) === ctx.term &&
    ctx.reads.length < ctx.config.maxPending &&
    ev.at < leaseExpiry(ctx),

  /**
   * At the end of a batch: some follower can take entries it lacks (or needs
   * our snapshot, and it is due), or reads wait for a broadcast.
   */
  hasReplicationWork: (ctx, ev) => {
    if (readsAwaitRound(ctx) || leaseRenewalDue(ctx, ev.at)) return true;
    for (const p of ctx.peers) {
      if (needsSnapshot(ctx, p)) {
        if ((ctx.inflight[p] ?? []).length === 0 && snapshotDue(ctx, p)) return true;
      } else if ((ctx.nextIndex[p] ?? 0) <= ctx.log.lastIndex && canSendEntries(ctx, p)) {
        return true;
      }
    }
    return false;
  },

  /** The oldest waiting read is confirmed by a majority and its read index is applied. */
  hasConfirmedRead: (ctx) => ctx.reads.length > 0 && isReadReady(ctx, ctx.reads[0]!),

  /** The lease window ends on this tick and fewer than a majority (self included) answered in it. */
  hasLostQuorum: (ctx) =>
    ctx.leaseTick + 1 >= ctx.config.leaseTicks && ctx.heard.length + 1 < majority(ctx.nodes.length),
} satisfies Record<string, Guard>;

export type GuardName = keyof typeof guards;
