// Where the time of an operation goes, from the bench's message journal:
// how late the bench delivers server messages against their due time, how
// long a leader takes from a client request's delivery to the next
// AppendEntries it sends, how long a follower takes from an AppendEntries'
// delivery to its answer, and a leader-bound request's whole time at the
// leader. Run with `npm run bench:hops -- [raftchart test flags]`.

import type { JournalRecord } from './net.js';
import { quantiles } from './stats.js';
import type { LatencyQuantiles as Quantiles } from './types.js';

export interface HopBreakdown {
  /** The node that sent the most AppendEntries. */
  readonly leader: string | null;
  /** Server messages: delivered minus due (ms), the bench's own lateness. */
  readonly deliveryLateness: Quantiles;
  /** Leader: a client write or cas delivered, to the next AppendEntries it sends (ms). */
  readonly leaderToAppend: Quantiles;
  /** Follower: an AppendEntries delivered, to its next answer to it (ms). */
  readonly followerToAnswer: Quantiles;
  /** Leader: a client request delivered, to the answer sent (ms). */
  readonly leaderRequestToAnswer: Quantiles;
  /** The same, for reads only and for writes and cas only (ms). */
  readonly leaderReadToAnswer: Quantiles;
  readonly leaderWriteToAnswer: Quantiles;
  /** Leader: the last AppendEntries answer delivered before it answered a write or cas, to that answer (ms): commit and apply. */
  readonly leaderAckToAnswer: Quantiles;
}

const isServer = (id: string): boolean => id.startsWith('n');

/** First index in `sorted` (ascending) whose value is at least `t`. */
function firstAtLeast(sorted: readonly number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function hopBreakdown(journal: readonly JournalRecord[]): HopBreakdown {
  const appendsBy = new Map<string, number[]>();
  const answersBy = new Map<string, number[]>();
  const late: number[] = [];
  const replies = new Map<string, number>();
  const acksTo = new Map<string, number[]>();
  for (const r of journal) {
    if (r.delivered !== null && isServer(r.src) && isServer(r.dest)) late.push(r.delivered - r.due);
    if (r.type === 'append_entries') (appendsBy.get(r.src) ?? appendsBy.set(r.src, []).get(r.src)!).push(r.sent);
    if (r.type === 'append_entries_res') (answersBy.get(`${r.src}>${r.dest}`) ?? answersBy.set(`${r.src}>${r.dest}`, []).get(`${r.src}>${r.dest}`)!).push(r.sent);
    if (isServer(r.src) && !isServer(r.dest) && r.inReplyTo !== null) replies.set(`${r.dest}#${r.inReplyTo}`, r.sent);
    if (r.type === 'append_entries_res' && r.delivered !== null) (acksTo.get(r.dest) ?? acksTo.set(r.dest, []).get(r.dest)!).push(r.delivered);
  }
  for (const xs of acksTo.values()) xs.sort((a, b) => a - b);
  let leader: string | null = null;
  for (const [n, xs] of appendsBy) if (leader === null || xs.length > appendsBy.get(leader)!.length) leader = n;
  const toAppend: number[] = [];
  const whole: number[] = [];
  const reads: number[] = [];
  const writes: number[] = [];
  const ackToAnswer: number[] = [];
  const leaderAcks = leader === null ? [] : (acksTo.get(leader) ?? []);
  const answer: number[] = [];
  const leaderAppends = leader === null ? [] : appendsBy.get(leader)!;
  for (const r of journal) {
    if (r.delivered === null) continue;
    if (r.dest === leader && !isServer(r.src)) {
      if (r.type === 'write' || r.type === 'cas') {
        const k = firstAtLeast(leaderAppends, r.delivered);
        if (k < leaderAppends.length) toAppend.push(leaderAppends[k]! - r.delivered);
      }
      const rep = r.msgId === null ? undefined : replies.get(`${r.src}#${r.msgId}`);
      if (rep !== undefined) {
        whole.push(rep - r.delivered);
        if (r.type === 'read') reads.push(rep - r.delivered);
        if (r.type === 'write' || r.type === 'cas') {
          writes.push(rep - r.delivered);
          // The last acknowledgement the leader got before answering (and after the request came).
          const k = firstAtLeast(leaderAcks, rep) - 1;
          if (k >= 0 && leaderAcks[k]! >= r.delivered) ackToAnswer.push(rep - leaderAcks[k]!);
        }
      }
    }
    if (r.type === 'append_entries' && isServer(r.dest)) {
      const sent = answersBy.get(`${r.dest}>${r.src}`) ?? [];
      const k = firstAtLeast(sent, r.delivered);
      if (k < sent.length) answer.push(sent[k]! - r.delivered);
    }
  }
  return {
    leader,
    deliveryLateness: quantiles(late),
    leaderToAppend: quantiles(toAppend),
    followerToAnswer: quantiles(answer),
    leaderRequestToAnswer: quantiles(whole),
    leaderReadToAnswer: quantiles(reads),
    leaderWriteToAnswer: quantiles(writes),
    leaderAckToAnswer: quantiles(ackToAnswer),
  };
}

export function formatHops(h: HopBreakdown): string {
  const f = (q: Quantiles): string => (q.count === 0 ? 'none' : `p50 ${q.p50!.toFixed(2)} ms, p95 ${q.p95!.toFixed(2)} ms (${q.count})`);
  return [
    `leader: ${h.leader ?? 'none'}`,
    `bench delivery lateness of server messages (delivered - due): ${f(h.deliveryLateness)}`,
    `leader, client write/cas delivered -> next AppendEntries sent: ${f(h.leaderToAppend)}`,
    `follower, AppendEntries delivered -> its answer sent: ${f(h.followerToAnswer)}`,
    `leader, client request delivered -> answer sent: ${f(h.leaderRequestToAnswer)}`,
    `  reads: ${f(h.leaderReadToAnswer)}`,
    `  writes and cas: ${f(h.leaderWriteToAnswer)}`,
    `leader, last AppendEntries answer delivered -> write/cas answer sent: ${f(h.leaderAckToAnswer)}`,
  ].join('\n');
}
