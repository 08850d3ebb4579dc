// The chart's guards and actions, called as the pure functions they are.
import { describe, expect, it } from 'vitest';
import { actions, guards, initialContext, type MessageEvent, type RaftContext } from '../../machines/index.js';
import type { Op } from '../../src/core/state-machine.js';

const noop: Op = { f: 'noop' };
const ev = (type: MessageEvent['type'], src: string, body: Record<string, unknown>): MessageEvent =>
  ({ type, src, body: { type, msg_id: 1, ...body } }) as MessageEvent;

function ctxWith(over: Partial<RaftContext>, terms: number[] = []): RaftContext {
  const base = initialContext({ self: 'n0', nodes: ['n0', 'n1', 'n2'] });
  for (const t of terms) base.log.append({ term: t, op: noop });
  return { ...base, ...over };
}

describe('commit rule (Figure 8)', () => {
  it('does not commit an earlier term entry by counting replicas', () => {
    // Leader of term 4 holding [1, 2]; index 2 (term 2) is on a majority.
    const ctx = ctxWith({ term: 4, matchIndex: { n1: 2, n2: 0 } }, [1, 2]);
    expect(guards.canAdvanceCommitIndex(ctx)).toBe(false);
  });

  it('commits once an entry of the current term is on a majority, and with it everything before', () => {
    const ctx = ctxWith({ term: 4, matchIndex: { n1: 3, n2: 0 } }, [1, 2, 4]);
    expect(guards.canAdvanceCommitIndex(ctx)).toBe(true);
    expect(actions.advanceCommitIndex(ctx).assign).toEqual({ commitIndex: 3 });
  });
});

describe('voting', () => {
  const req = (term: number, cand: string, lastIndex: number, lastTerm: number) =>
    ev('request_vote', cand, { term, candidate_id: cand, last_log_index: lastIndex, last_log_term: lastTerm });

  it('grants at most one vote per term', () => {
    const ctx = ctxWith({ term: 2, votedFor: 'n1' });
    expect(guards.canGrantVote(ctx, req(2, 'n1', 0, 0))).toBe(true); // same candidate again
    expect(guards.canGrantVote(ctx, req(2, 'n2', 0, 0))).toBe(false);
  });

  it('refuses a candidate whose log is less up to date', () => {
    const ctx = ctxWith({ term: 3 }, [1, 3]);
    expect(guards.canGrantVote(ctx, req(3, 'n1', 5, 2))).toBe(false);
    expect(guards.canGrantVote(ctx, req(3, 'n1', 1, 3))).toBe(false);
    expect(guards.canGrantVote(ctx, req(3, 'n1', 2, 3))).toBe(true);
  });

  it('a step down on a higher term clears the vote and forgets the leader', () => {
    const ctx = ctxWith({ term: 2, votedFor: 'n0', leader: 'n1' });
    const e = ev('append_entries', 'n2', { term: 5 });
    expect(guards.isHigherTerm(ctx, e)).toBe(true);
    expect(actions.updateTerm(ctx, e).assign).toEqual({ term: 5, votedFor: null, leader: null, votesGranted: [] });
  });
});

describe('AppendEntries receiver', () => {
  const ae = (prev: number, prevTerm: number, terms: number[], commit = 0) =>
    ev('append_entries', 'n1', {
      term: 3,
      leader_id: 'n1',
      prev_log_index: prev,
      prev_log_term: prevTerm,
      entries: terms.map((term) => ({ term, op: noop })),
      leader_commit: commit,
    });

  it('refuses a request whose prev entry does not match, with a hint', () => {
    const ctx = ctxWith({ term: 3 }, [1, 1]);
    const r = actions.handleAppendEntries(ctx, ae(5, 3, [3]));
    expect(r.effects).toContainEqual(expect.objectContaining({ kind: 'reply', body: expect.objectContaining({ success: false, hint: 3 }) }));
    expect(ctx.log.lastIndex).toBe(2);
  });

  it('a delayed duplicate of an old request erases nothing, and commit never passes what it covered', () => {
    const ctx = ctxWith({ term: 3 }, [1, 1, 3, 3]);
    const r = actions.handleAppendEntries(ctx, ae(1, 1, [1], 4));
    expect(ctx.log.lastIndex).toBe(4);
    expect(r.assign).toEqual({ commitIndex: 2 });
    expect(r.effects).toContainEqual(expect.objectContaining({ body: expect.objectContaining({ success: true, match_index: 2 }) }));
  });

  it('refuses a (forged) request that would cut the log below its commit index, and says so at error level', () => {
    const ctx = ctxWith({ term: 3, commitIndex: 3 }, [1, 1, 2, 2]);
    // prev (1, term 1) matches; the entry at index 2 would conflict (term 3 vs 1), and index 2 is committed.
    const r = actions.handleAppendEntries(ctx, ae(1, 1, [3, 3]));
    expect(ctx.log.lastIndex).toBe(4);
    expect(ctx.log.termAt(2)).toBe(1);
    expect(r.assign).toBeUndefined();
    expect(r.effects).toContainEqual(expect.objectContaining({ kind: 'log', level: 'error' }));
    expect(r.effects?.some((e) => e.kind === 'reply')).toBe(false);
    // A conflict above the commit index is Raft's normal truncation.
    const ok = actions.handleAppendEntries(ctx, ae(3, 2, [3]));
    expect(ctx.log.termAt(4)).toBe(3);
    expect(ok.effects).toContainEqual(expect.objectContaining({ body: expect.objectContaining({ success: true, match_index: 4 }) }));
  });

  it('a success that claims more than the leader holds counts only up to its last index', () => {
    const ctx = ctxWith({ term: 3, nextIndex: { n1: 3, n2: 3 }, matchIndex: { n1: 0, n2: 0 }, inflight: { n1: [2], n2: [] } }, [3, 3]);
    const r = actions.handleAppendEntriesResponse(ctx, ev('append_entries_res', 'n1', { term: 3, success: true, match_index: 99, seq: 1 }));
    expect(r.assign?.matchIndex).toEqual({ n1: 2, n2: 0 });
    expect(r.assign?.nextIndex).toEqual({ n1: 3, n2: 3 });
  });

  it('the leader backs off to the hint but never below match + 1', () => {
    const ctx = ctxWith({ term: 3, nextIndex: { n1: 10, n2: 10 }, matchIndex: { n1: 4, n2: 0 }, inflight: {} }, [3]);
    const fail = (hint: number) => ev('append_entries_res', 'n1', { term: 3, success: false, hint });
    expect(actions.handleAppendEntriesResponse(ctx, fail(7)).assign?.nextIndex).toEqual({ n1: 7, n2: 10 });
    expect(actions.handleAppendEntriesResponse(ctx, fail(1)).assign?.nextIndex).toEqual({ n1: 5, n2: 10 });
  });
});

describe('flow control (etcd-io/raft progress: probe and replicate)', () => {
  const sends = (r: { effects?: readonly unknown[] }) =>
    (r.effects ?? []).filter((e): e is { kind: 'send'; to: string; body: { prev_log_index: number; entries: unknown[] } } => (e as { kind: string }).kind === 'send');
  const small = (ctx: ReturnType<typeof ctxWith>, maxInflight: number) => ({ ...ctx, config: { ...ctx.config, maxBatch: 2, maxInflight } });

  it('a follower known to match (next = match + 1) gets new entries at once after what is in flight, up to the window', () => {
    // log of 9 entries; n1 matched up to 3 and has 4..5 in flight; n2 matched up to 9.
    const ctx = small(ctxWith({ term: 2, nextIndex: { n1: 4, n2: 10 }, matchIndex: { n1: 3, n2: 9 }, inflight: { n1: [5], n2: [] } }, [1, 1, 1, 2, 2, 2, 2, 2, 2]), 3);
    const r = actions.replicateLog(ctx);
    const s = sends(r);
    // two more messages fit the window of 3: entries 6..7 and 8..9, to n1 only
    expect(s.map((e) => [e.to, e.body.prev_log_index, e.body.entries.length])).toEqual([
      ['n1', 5, 2],
      ['n1', 7, 2],
    ]);
    expect(r.assign?.inflight).toEqual({ n1: [5, 7, 9], n2: [] });
    // a new entry: n2 (up to date, nothing in flight) gets it; n1's window is full
    const full = small({ ...ctx, inflight: { n1: [5, 7, 9], n2: [] } }, 3);
    ctx.log.append({ term: 2, op: { f: 'noop' } });
    expect(sends(actions.replicateLog(full)).map((e) => [e.to, e.body.prev_log_index])).toEqual([['n2', 9]]);
  });

  it('a follower whose match is unknown (probe) gets one AppendEntries at a time from its next index', () => {
    const ctx = small(ctxWith({ term: 2, nextIndex: { n1: 6, n2: 6 }, matchIndex: { n1: 0, n2: 0 }, inflight: { n1: [6], n2: [] } }, [1, 1, 1, 2, 2, 2, 2, 2, 2]), 8);
    const s = sends(actions.replicateLog(ctx));
    expect(s.map((e) => [e.to, e.body.prev_log_index, e.body.entries.length])).toEqual([['n2', 5, 2]]);
  });

  it('answers take what they cover out of the window; a mismatch empties it and probes from the hint', () => {
    const ctx = ctxWith({ term: 2, nextIndex: { n1: 4, n2: 10 }, matchIndex: { n1: 3, n2: 9 }, inflight: { n1: [5, 7, 9], n2: [] } }, [1, 1, 1, 2, 2, 2, 2, 2, 2]);
    const ok = actions.handleAppendEntriesResponse(ctx, ev('append_entries_res', 'n1', { term: 2, success: true, match_index: 7, seq: 1 }));
    expect(ok.assign?.inflight).toEqual({ n1: [9], n2: [] });
    expect(ok.assign?.nextIndex).toEqual({ n1: 8, n2: 10 });
    const bad = actions.handleAppendEntriesResponse(ctx, ev('append_entries_res', 'n1', { term: 2, success: false, hint: 5 }));
    expect(bad.assign?.inflight).toEqual({ n1: [], n2: [] });
    expect(bad.assign?.nextIndex).toEqual({ n1: 4, n2: 10 });
  });
});

describe('ReadIndex (Raft thesis 6.4)', () => {
  const read = { seq: 3, readIndex: 3, key: 'k', to: 'c1', inReplyTo: 1 };
  it('a read is ready once a majority (the leader with one peer) answered a broadcast sent after it arrived, and the state machine reached its read index', () => {
    const ready = ctxWith({ term: 2, commitIndex: 3, lastApplied: 3, acked: { n1: 3 }, reads: [read] }, [1, 2, 2]);
    expect(guards.hasConfirmedRead(ready)).toBe(true);
    // An answer to an earlier broadcast proves nothing about the time of the read.
    expect(guards.hasConfirmedRead({ ...ready, acked: { n1: 2, n2: 2 } })).toBe(false);
    // Not applied up to the read index yet (an apply that lags the commit index).
    expect(guards.hasConfirmedRead({ ...ready, lastApplied: 2 })).toBe(false);
  });

  it('no read skips the log before the leader committed an entry of its term', () => {
    const rd = ev('client_request', 'c1', { type: 'read', key: 'k' });
    // Leader of term 3 whose commit index (2) is of term 2: its predecessor may have committed more.
    const ctx = ctxWith({ term: 3, commitIndex: 2, lastApplied: 2 }, [1, 2, 3]);
    expect(guards.canServeReadIndex(ctx, rd)).toBe(false);
    expect(guards.canServeReadIndex({ ...ctx, commitIndex: 3, lastApplied: 3 }, rd)).toBe(true);
  });
});

describe('forwarded reads', () => {
  const read = { seq: 3, readIndex: 3, key: 'k', to: 'n1', inReplyTo: 1 };
  const five = (over: Partial<RaftContext>): RaftContext => {
    const base = initialContext({ self: 'n0', nodes: ['n0', 'n1', 'n2', 'n3', 'n4'] });
    for (const t of [1, 2, 2]) base.log.append({ term: t, op: noop });
    return { ...base, ...over };
  };

  it('the follower that forwarded a read counts as one confirmation: with three servers the read waits for no broadcast', () => {
    const ctx = ctxWith({ term: 2, commitIndex: 3, lastApplied: 3, reads: [{ ...read, by: 'n1' }] }, [1, 2, 2]);
    expect(guards.hasConfirmedRead(ctx)).toBe(true);
    // a client's own read still waits for a peer's answer
    expect(guards.hasConfirmedRead({ ...ctx, reads: [read] })).toBe(false);
    // and nothing is answered before the state machine reaches the read index
    expect(guards.hasConfirmedRead({ ...ctx, lastApplied: 2 })).toBe(false);
  });

  it('with five servers the forwarder is one confirmation, not a majority, and counts once', () => {
    const fwd = { ...read, by: 'n1' };
    expect(guards.hasConfirmedRead(five({ term: 2, commitIndex: 3, lastApplied: 3, reads: [fwd] }))).toBe(false);
    // the forwarder's own answer to the broadcast adds nothing
    expect(guards.hasConfirmedRead(five({ term: 2, commitIndex: 3, lastApplied: 3, reads: [fwd], acked: { n1: 3 } }))).toBe(false);
    // another peer's answer makes three of five
    expect(guards.hasConfirmedRead(five({ term: 2, commitIndex: 3, lastApplied: 3, reads: [fwd], acked: { n2: 3 } }))).toBe(true);
  });

  it('a leader takes a read as forwarded only from a peer, with a term no later than its own', () => {
    const ctx = ctxWith({ term: 2, commitIndex: 3, lastApplied: 3 }, [1, 2, 2]);
    const fwd = (src: string, body: Record<string, unknown>) => ev('client_request', src, { type: 'read', key: 'k', ...body });
    expect(guards.canServeForwardedRead(ctx, fwd('n1', { proxy_term: 2 }))).toBe(true);
    expect(guards.canServeForwardedRead(ctx, fwd('n1', { proxy_term: 1 }))).toBe(true);
    // a follower of a later term knows something we do not
    expect(guards.canServeForwardedRead(ctx, fwd('n1', { proxy_term: 3 }))).toBe(false);
    // a client cannot vouch for anything
    expect(guards.canServeForwardedRead(ctx, fwd('c1', { proxy_term: 2 }))).toBe(false);
    // a peer's request without its term (a proxied write's way) is not one
    expect(guards.canServeForwardedRead(ctx, fwd('n1', {}))).toBe(false);
    // nor before the leader committed an entry of its term
    expect(guards.canServeForwardedRead({ ...ctx, term: 3 }, fwd('n1', { proxy_term: 3 }))).toBe(false);
    const queued = actions.queueForwardedRead(ctx, fwd('n1', { proxy_term: 2 })).assign?.reads;
    expect(queued).toEqual([{ key: 'k', seq: 1, readIndex: 3, by: 'n1', to: 'n1', inReplyTo: 1 }]);
  });

  it('a follower forwards a read with its term, and a write without', () => {
    const ctx = ctxWith({ term: 4, leader: 'n1' });
    const rd = ev('client_request', 'c1', { type: 'read', key: 'k' });
    const wr = ev('client_request', 'c1', { type: 'write', key: 'k', value: 1 });
    expect(guards.canForwardRead(ctx, rd)).toBe(true);
    expect(guards.canForwardRead(ctx, wr)).toBe(false);
    // never a peer's request (a follower does not proxy twice), nor with no leader known
    expect(guards.canForwardRead(ctx, ev('client_request', 'n2', { type: 'read', key: 'k' }))).toBe(false);
    expect(guards.canForwardRead({ ...ctx, leader: null }, rd)).toBe(false);
    expect(actions.forwardReadToLeader(ctx, rd).effects).toEqual([
      { kind: 'proxy', to: 'n1', client: 'c1', inReplyTo: 1, body: rd.body, term: 4 },
    ]);
  });
});

describe('snapshots', () => {
  it('a snapshot is taken only of an applied index the log still holds', () => {
    const ctx = ctxWith({ term: 2, commitIndex: 3, lastApplied: 2 }, [1, 2, 2]);
    const taken = (index: number) => ev('snapshot_taken', 'n0', { index });
    expect(guards.isNewSnapshot(ctx, taken(2))).toBe(true);
    expect(guards.isNewSnapshot(ctx, taken(3))).toBe(false); // committed, not applied
    expect(guards.isNewSnapshot(ctx, taken(4))).toBe(false); // past the log
    expect(guards.isNewSnapshot(ctx, taken(0))).toBe(false); // nothing new
  });
});
