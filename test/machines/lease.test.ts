// Leader leases (RAFT_READS=lease): the guards and actions as pure
// functions, the configuration check, and a small cluster in one process:
// a read by lease costs no message, a deposed leader's lease runs out before
// another leader can be elected, and the same scenario with a lease longer
// than the safe bound (a test-only variant) serves a stale read that the
// linearizability checker rejects.
import { describe, expect, it } from 'vitest';
import { actions, guards, initialContext, type MessageEvent, type RaftConfig, type RaftContext } from '../../machines/index.js';
import { defaultConfig, leaseConfigProblem, leaseDuration, maxLeaseMs, LEASE_SLOP_MS } from '../../machines/context.js';
import type { Op } from '../../src/core/state-machine.js';
import { LocalCluster } from '../support/local-cluster.js';
import { BUGS } from '../../src/sim/bugs.js';
import { checkLinearizable } from '../../src/bench/checker/linearizable.js';
import type { HistoryEvent } from '../../src/bench/types.js';

const noop: Op = { f: 'noop' };
const LEASE: Partial<RaftConfig> = { reads: 'lease', txnReads: 'lease' };
const ev = (type: MessageEvent['type'], src: string, body: Record<string, unknown>, at?: number): MessageEvent =>
  ({ type, src, ...(at === undefined ? {} : { at }), body: { type, msg_id: 1, ...body } }) as MessageEvent;

function ctxWith(over: Partial<RaftContext>, config: Partial<RaftConfig> = LEASE, extra: Parameters<typeof initialContext>[0] extends infer I ? Partial<I> : never = {}): RaftContext {
  const base = initialContext({ self: 'n0', nodes: ['n0', 'n1', 'n2'], config, ...extra });
  return { ...base, ...over };
}

/** A leader of term 2 that committed and applied its no-op (index 1). */
function leaderCtx(over: Partial<RaftContext> = {}): RaftContext {
  const c = ctxWith({ term: 2, commitIndex: 1, lastApplied: 1, heartbeatSeq: 0, acked: {}, ...over });
  c.log.append({ term: 2, op: noop });
  return c;
}

const read = (at: number) => ev('client_request', 'c1', { type: 'read', key: 'k' }, at);

describe('lease configuration', () => {
  it('defaults to the longest safe lease: electionMin * (1 - rho) / (1 + rho), less the slop', () => {
    const c = { ...defaultConfig, ...LEASE };
    expect(c.leaseDriftRatio).toBe(0.1);
    expect(maxLeaseMs(c)).toBe(Math.floor((300 * 0.9) / 1.1) - LEASE_SLOP_MS);
    expect(leaseDuration(c)).toBe(240);
    expect(leaseConfigProblem(c)).toBeUndefined();
  });

  it('refuses a lease longer than the bound, a drift outside [0, 1), and a bound that leaves no lease', () => {
    const c = { ...defaultConfig, ...LEASE };
    expect(leaseConfigProblem({ ...c, leaseMs: 240 })).toBeUndefined();
    expect(leaseConfigProblem({ ...c, leaseMs: 241 })).toMatch(/unsafe: it must be at most .* = 240 ms/);
    expect(leaseConfigProblem({ ...c, leaseMs: 400 })).toMatch(/unsafe/);
    expect(leaseConfigProblem({ ...c, leaseDriftRatio: 1 })).toMatch(/drift/);
    expect(leaseConfigProblem({ ...c, leaseDriftRatio: -0.1 })).toMatch(/drift/);
    expect(leaseConfigProblem({ ...c, electionMinMs: 5 })).toMatch(/no room/);
    // A bigger drift bound shortens the safe lease.
    expect(leaseConfigProblem({ ...c, leaseDriftRatio: 0.5, leaseMs: 240 })).toMatch(/unsafe/);
    // Without lease reads nothing is checked.
    expect(leaseConfigProblem({ ...defaultConfig, leaseMs: 10_000 })).toBeUndefined();
  });

  it('the simulator refuses an unsafe lease too', async () => {
    const { runSimulation } = await import('../../src/sim/simulation.js');
    expect(() => runSimulation({ seed: 1, duration: 1, config: { ...LEASE, leaseMs: 1000 } })).toThrow(/unsafe/);
  });
});

describe('the leader lease', () => {
  it('starts at the send time of the broadcast a majority answered, not at the answer', () => {
    // The heartbeat goes out at 1000 (the latest event time before it) ...
    let c = leaderCtx({ now: 1000 });
    c = { ...c, ...actions.sendHeartbeats(c).assign };
    expect(c.broadcastTimes).toEqual([{ seq: 1, at: 1000 }]);
    expect(c.leaseUntil).toBe(-Infinity);
    // ... and one peer (with the leader, a majority of 3) answers it at 1090.
    c = { ...c, now: 1090 };
    const a = actions.handleAppendEntriesResponse(c, ev('append_entries_res', 'n1', { term: 2, success: true, match_index: 1, seq: 1 }, 1090));
    c = { ...c, ...a.assign };
    expect(c.leaseUntil).toBe(1000 + 240);
    expect(c.broadcastTimes).toEqual([]);
    // An answer to an older broadcast does not move it back.
    const again = actions.handleAppendEntriesResponse(c, ev('append_entries_res', 'n2', { term: 2, success: true, match_index: 1, seq: 1 }, 1100));
    expect({ ...c, ...again.assign }.leaseUntil).toBe(1240);
  });

  it('is not taken from a broadcast only a minority answered', () => {
    const c5 = initialContext({ self: 'n0', nodes: ['n0', 'n1', 'n2', 'n3', 'n4'], config: LEASE });
    c5.log.append({ term: 2, op: noop });
    let c: RaftContext = { ...c5, term: 2, commitIndex: 1, lastApplied: 1, now: 500 };
    c = { ...c, ...actions.sendHeartbeats(c).assign };
    c = { ...c, ...actions.handleAppendEntriesResponse(c, ev('append_entries_res', 'n1', { term: 2, success: true, match_index: 1, seq: 1 }, 510)).assign };
    expect(c.leaseUntil).toBe(-Infinity); // 2 of 5
    c = { ...c, ...actions.handleAppendEntriesResponse(c, ev('append_entries_res', 'n2', { term: 2, success: false, hint: 1, seq: 1 }, 520)).assign };
    expect(c.leaseUntil).toBe(740); // 3 of 5 (a refusal of our term is an answer too)
  });

  it('serves a read up to, not at, the lease end (the boundary)', () => {
    const c = leaderCtx({ leaseUntil: 1240, now: 1000 });
    expect(guards.canServeLeaseRead(c, read(1239))).toBe(true);
    expect(guards.canServeLeaseRead(c, read(1239.999))).toBe(true);
    expect(guards.canServeLeaseRead(c, read(1240))).toBe(false);
    expect(guards.canServeLeaseRead(c, read(1500))).toBe(false);
    // The fallback: ReadIndex serves what the lease does not.
    expect(guards.canServeReadIndex(c, read(1240))).toBe(true);
  });

  it('needs an entry of its term committed and everything committed applied', () => {
    expect(guards.canServeLeaseRead(leaderCtx({ leaseUntil: 2000, lastApplied: 0 }), read(1000))).toBe(false);
    const old = ctxWith({ term: 3, commitIndex: 1, lastApplied: 1, leaseUntil: 2000 });
    old.log.append({ term: 2, op: noop });
    expect(guards.canServeLeaseRead(old, read(1000))).toBe(false);
  });

  it('serves only in lease mode, reads and read-only txns as configured', () => {
    const txn = ev('client_request', 'c1', { type: 'txn', txn: [['r', 'l', null]] }, 1000);
    const txnAppend = ev('client_request', 'c1', { type: 'txn', txn: [['append', 'l', 1]] }, 1000);
    expect(guards.canServeLeaseRead(leaderCtx({ leaseUntil: 2000 }), txn)).toBe(true);
    expect(guards.canServeLeaseRead(leaderCtx({ leaseUntil: 2000 }), txnAppend)).toBe(false);
    const readsOnly = { ...leaderCtx({ leaseUntil: 2000 }), config: { ...defaultConfig, reads: 'lease' as const } };
    expect(guards.canServeLeaseRead(readsOnly, read(1000))).toBe(true);
    expect(guards.canServeLeaseRead(readsOnly, txn)).toBe(false);
    const readindex = { ...leaderCtx({ leaseUntil: 2000 }), config: defaultConfig };
    expect(guards.canServeLeaseRead(readindex, read(1000))).toBe(false);
  });

  it('a lease read carries the lease end, so the runtime refuses it if the answer is written too late', () => {
    const r = actions.serveLeaseRead(leaderCtx({ leaseUntil: 1240 }), read(1000));
    expect(r.effects).toEqual([{ kind: 'read', key: 'k', to: 'c1', inReplyTo: 1, leaseUntil: 1240 }]);
  });

  it('a new leadership starts without a lease', () => {
    const c = ctxWith({ term: 3, leaseUntil: 99_999, broadcastTimes: [{ seq: 4, at: 1 }] });
    const a = actions.becomeLeader(c).assign!;
    expect(a.leaseUntil).toBe(-Infinity);
    expect(a.broadcastTimes).toEqual([]);
  });
});

describe('votes while a lease may count on us', () => {
  const E = defaultConfig.electionMinMs;
  const vote = (at: number) => ev('request_vote', 'n2', { term: 3, candidate_id: 'n2', last_log_index: 9, last_log_term: 9 }, at);
  const preVote = (at: number) => ev('pre_vote', 'n2', { term: 4, candidate_id: 'n2', last_log_index: 9, last_log_term: 9 }, at);

  it('a node that heard from a leader at t grants no vote and no pre-vote before t + electionMin on its clock', () => {
    let c = ctxWith({ term: 3 });
    c = { ...c, ...actions.recordLeader(c, ev('append_entries', 'n1', { leader_id: 'n1' }, 1000)).assign };
    expect(c.leaderHeardAt).toBe(1000);
    c = { ...c, leader: null }; // e.g. updateTerm forgot the leader: the time still counts
    expect(guards.canGrantVote(c, vote(1000 + E - 1))).toBe(false);
    expect(guards.canGrantPreVote(c, preVote(1000 + E - 1))).toBe(false);
    expect(guards.canGrantVote(c, vote(1000 + E))).toBe(true);
    expect(guards.canGrantPreVote(c, preVote(1000 + E))).toBe(true);
  });

  it('outside lease mode votes do not wait (Figure 2 and Pre-Vote only)', () => {
    const c = ctxWith({ term: 3, leaderHeardAt: 1000 }, {});
    expect(guards.canGrantVote(c, vote(1001))).toBe(true);
  });

  it('a node restarted from durable state waits electionMin from its start (quarantine); a new node does not', () => {
    const recovered = { hardState: { term: 3, votedFor: null }, entries: [] };
    const restarted = ctxWith({}, LEASE, { recovered, startedAt: 5000 });
    expect(restarted.leaderHeardAt).toBe(5000);
    expect(guards.canGrantVote(restarted, vote(5000 + E - 1))).toBe(false);
    expect(guards.canGrantPreVote({ ...restarted, term: 3 }, preVote(5000 + E - 1))).toBe(false);
    expect(guards.canGrantVote(restarted, vote(5000 + E))).toBe(true);
    const fresh = ctxWith({ term: 3 }, LEASE, { startedAt: 5000 });
    expect(guards.canGrantVote(fresh, vote(5001))).toBe(true);
  });
});

/** A 3-node cluster with leases: its leader, its followers, something committed and applied everywhere. */
function leaseCluster(overrides?: (typeof BUGS)['lease-too-long']) {
  // CheckQuorum slow (leaseTicks 100: 5 s), so a cut-off leader keeps its role long after another is elected.
  const c = new LocalCluster({ nodeCount: 3, nodeOptions: { config: { ...LEASE, leaseTicks: 100 }, ...(overrides ? { overrides } : {}) } });
  c.run(2000);
  const leader = c.leaders()[0]!.id;
  c.request('cw', leader, { type: 'write', msg_id: 1, key: 'k', value: 1 });
  c.run(300);
  expect(c.inbox.get('cw')!.map((m) => m.body.type)).toEqual(['write_ok']);
  return { c, leader, followers: c.ids.filter((n) => n !== leader) };
}

/**
 * The deposed-leader scenario: cut the leader off, let the others elect a
 * new leader and overwrite k, then read k at the old leader. Returns the
 * lin-kv history a client saw (write 1, write 2, the read) and the answer.
 */
function deposedLeaderRead(overrides?: (typeof BUGS)['lease-too-long']) {
  const { c, leader, followers } = leaseCluster(overrides);
  c.partition([leader], followers);
  c.run(1000);
  const now = c.leaders().filter((l) => l.id !== leader);
  expect(now).toHaveLength(1);
  expect(c.leaders().map((l) => l.id)).toContain(leader); // the old leader still thinks it leads
  c.request('cw', now[0]!.id, { type: 'write', msg_id: 2, key: 'k', value: 2 });
  c.run(50);
  expect(c.inbox.get('cw')!.map((m) => m.body.type)).toEqual(['write_ok', 'write_ok']);
  c.request('cr', leader, { type: 'read', msg_id: 3, key: 'k' });
  c.run(20);
  const answer = c.inbox.get('cr')?.[0]?.body;
  const t = (ms: number) => ms * 1e6;
  const op = (index: number, type: HistoryEvent['type'], f: HistoryEvent['f'], value: unknown, process: number): HistoryEvent => ({
    index,
    type,
    f,
    key: 0,
    value,
    process,
    client: `c${process}`,
    node: leader,
    time: index * 1e6,
  });
  // In real-time order: both writes acknowledged before the read was sent.
  const history: HistoryEvent[] = [
    op(0, 'invoke', 'write', 1, 0),
    op(1, 'ok', 'write', 1, 0),
    op(2, 'invoke', 'write', 2, 0),
    op(3, 'ok', 'write', 2, 0),
    op(4, 'invoke', 'read', null, 1),
    answer?.type === 'read_ok' ? op(5, 'ok', 'read', answer.value, 1) : op(5, 'fail', 'read', null, 1),
  ];
  return { answer, history };
}

describe('leases in a cluster', () => {
  it('a read at a leader holding a lease is answered at once, with no message between servers', () => {
    const { c, leader } = leaseCluster();
    const before = c.sent;
    c.request('c1', leader, { type: 'read', msg_id: 5, key: 'k' });
    expect(c.sent - before).toBe(1); // the answer only
    c.run(3);
    expect(c.inbox.get('c1')!.map((m) => m.body)).toEqual([{ type: 'read_ok', value: 1, in_reply_to: 5 }]);
  });

  it('a deposed leader serves no read once another is elected: its lease ran out first (the situation arose: two nodes lead)', () => {
    const { answer, history } = deposedLeaderRead();
    // No stale answer: the read waits for a confirmation round that cannot come.
    expect(answer).toBeUndefined();
    expect(checkLinearizable(history).valid).toBe(true);
  });

  it('known-bad twin: with a lease longer than the election timeout the deposed leader answers the overwritten value, and the checker rejects the history', () => {
    const { answer, history } = deposedLeaderRead(BUGS['lease-too-long']);
    expect(answer).toMatchObject({ type: 'read_ok', value: 1 });
    expect(checkLinearizable(history).valid).toBe(false);
  });
});
