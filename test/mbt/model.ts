// The test model of the Raft chart, for model-based tests with xstate/graph.
//
// The model is built mechanically from spec/chart.ts and a table of abstract
// events ("the election timer fires", "a higher term arrives", "vote quorum
// reached", ...). Each abstract event names the chart transitions the node
// must take when it happens in a given role; the model's target role is
// computed from the chart by following those transitions' targets, and the
// builder checks that each named transition exists and may fire from that
// role (a transition of the root, or of the role it is then in). A small
// abstract context tracks what decides which transitions an event triggers
// (is a leader known, does the leader have uncommitted entries, ...).
//
// Every abstract event also knows how to make itself happen to a real
// RaftNode through its Maelstrom interface (messages in, timers through the
// virtual clock) and what a peer or client must observe when it does.

import { createMachine, assign } from 'xstate';
import { roles, transitions, type Role, type TransitionSpec } from '../../spec/chart.js';
import { VirtualClock } from '../../src/runtime/clock.js';
import { RaftNode, type Message, type NodeOptions } from '../../src/maelstrom/node.js';
import { openNodeStorage } from '../../src/core/storage.js';
import { SimDisk } from '../../src/sim/disk.js';
import { Rng } from '../../src/core/random.js';

// ---- the harness: one real node, its clock, what it sends, what it takes ----

export const SELF = 'n0';
export const PEERS = ['n1', 'n2'] as const;
export const NODES = [SELF, ...PEERS];
/** The peer that plays leader or candidate towards the node under test. */
export const OTHER = 'n1';

export class Harness {
  readonly clock = new VirtualClock();
  node: RaftNode;
  /** The node's durable storage: a simulated disk that survives `crashAndRestart`. */
  readonly disk = new SimDisk(new Rng(7));
  /** Messages the node sent during the current step. */
  out: Message[] = [];
  /** Chart transitions the node took during the current step. */
  taken: string[] = [];
  /** Every transition and role observed over the harness's life. */
  readonly allTaken = new Set<string>();
  readonly rolesSeen = new Set<string>();
  private msgId = 1000;
  private readonly options: NodeOptions;
  /** What the node held just before a crash (for checking what survives it). */
  before: { term: number; votedFor: string | null; logLength: number } | undefined;

  constructor() {
    this.options = {
      clock: this.clock,
      output: (m) => this.out.push(m),
      logLevel: 'error',
      seed: 7,
      // A long lease so heartbeats alone never step the leader down; "the lease
      // expires" drives the clock through a whole window.
      config: { leaseTicks: 8 },
      onTransition: (_n, step) => {
        this.taken.push(step.name);
        this.allTaken.add(step.name);
        this.rolesSeen.add(step.role);
      },
      openStorage: (id, ids) => openNodeStorage(this.disk, id, ids),
    };
    this.node = this.start();
    this.reset();
  }

  private start(): RaftNode {
    const node = new RaftNode(this.options);
    node.handle({ src: 'c0', dest: SELF, body: { type: 'init', msg_id: 1, node_id: SELF, node_ids: NODES } });
    this.node = node;
    this.rolesSeen.add(this.role);
    return node;
  }

  /** The process dies (its timers with it) and starts again from its disk, told init as Maelstrom would. */
  crashAndRestart(): void {
    this.node.stop();
    this.disk.crash();
    this.start();
  }

  get role(): Role {
    return this.node.role!;
  }
  get ctx() {
    return this.node.context!;
  }

  reset(): void {
    this.out = [];
    this.taken = [];
  }

  /** A message from a peer or client to the node under test. */
  deliver(src: string, body: Record<string, unknown> & { type: string }): void {
    this.node.handle({ src, dest: SELF, body: { msg_id: ++this.msgId, ...body } });
    this.rolesSeen.add(this.role);
  }

  /** Fires timers one by one until `until` holds (or `limit` timers fired). */
  fireTimersUntil(until: () => boolean, limit = 200): void {
    for (let i = 0; i < limit && !until(); i++) {
      if (!this.clock.step()) break;
    }
    this.rolesSeen.add(this.role);
  }

  repliesTo(src: string): Message['body'][] {
    return this.out.filter((m) => m.dest === src).map((m) => m.body);
  }
}

// ---- the abstract context ----------------------------------------------------

export interface ModelContext {
  /** Term 0: no message can be of an older term yet. */
  readonly fresh: boolean;
  /** A follower knows the leader of its term. */
  readonly leaderKnown: boolean;
  /** The leader has entries it has not committed. */
  readonly uncommitted: boolean;
  /** The leader committed an entry of its own term (ReadIndex is allowed). */
  readonly committedInTerm: boolean;
  /** The leader holds a ReadIndex read waiting for confirmation. */
  readonly readQueued: boolean;
}

export const initialModelContext: ModelContext = {
  fresh: true,
  leaderKnown: false,
  uncommitted: false,
  committedInTerm: false,
  readQueued: false,
};

const AS_FOLLOWER = { leaderKnown: false, uncommitted: false, committedInTerm: false, readQueued: false };

// ---- the abstract events -------------------------------------------------------

export interface AbstractEvent {
  readonly type: string;
  /** Chart transitions this event needs; it is left out of the model when the chart lacks one. */
  readonly requires?: readonly string[];
  readonly label: string;
  enabled(role: Role, m: ModelContext): boolean;
  /** The chart transitions the node must take (as a multiset). */
  expect(role: Role, m: ModelContext): string[];
  /** The abstract context afterwards. */
  update(role: Role, m: ModelContext): Partial<ModelContext>;
  /** Makes it happen to the real node. */
  exec(h: Harness): void;
  /** The role afterwards whatever the transitions say (a restart is a new process, a follower). */
  readonly forcesRole?: Role;
  /** What a peer or client observes (throws on a mismatch). */
  observe(h: Harness, role: Role, m: ModelContext, termBefore: number): void;
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}

/** The name of the chart transition a role declares for a trigger (and guard), from spec/chart.ts. */
export function chartTransition(role: Role, trigger: string, guard?: string): string {
  const t = transitions.find((x) => x.source === role && x.on.includes(trigger as never) && (guard === undefined || x.guard === guard));
  if (!t) throw new Error(`the chart declares no ${trigger}${guard ? ` [${guard}]` : ''} transition in ${role}`);
  return t.name;
}

/**
 * When a leader stops leading: reads waiting for confirmation are refused
 * with 11 (definite: a read changes nothing), while writes in the log get no
 * answer (their fate is unknown; the client times out).
 */
function leadershipEnded(h: Harness, r: Role, m: ModelContext): void {
  if (r !== 'leader') return;
  const reads = h.repliesTo('c2');
  if (m.readQueued) check(reads.length === 1 && reads[0]!.code === 11, `a waiting read is refused with 11: ${JSON.stringify(reads)}`);
  else check(reads.length === 0, 'no read was waiting');
  check(h.repliesTo('c1').length === 0, 'a write of unknown fate gets no definite answer');
}

const voteRes = (h: Harness) => h.repliesTo(OTHER).filter((b) => b.type === 'request_vote_res');
const aeRes = (h: Harness) => h.repliesTo(OTHER).filter((b) => b.type === 'append_entries_res');
const appendEntriesSent = (h: Harness) => h.out.filter((m) => m.body.type === 'append_entries');

export const abstractEvents: readonly AbstractEvent[] = [
  {
    type: 'ELECTION_TIMER_FIRES',
    label: 'the election timer fires',
    enabled: (r) => r !== 'leader',
    expect: (r) => [chartTransition(r, 'after:electionTimeout')],
    update: (r, m) => ({ ...AS_FOLLOWER, fresh: m.fresh && targetOf(r, [chartTransition(r, 'after:electionTimeout')]) !== 'candidate' }),
    exec: (h) => h.fireTimersUntil(() => h.taken.length > 0),
    observe: (h, r, _m, t0) => {
      const to = targetOf(r, [chartTransition(r, 'after:electionTimeout')]);
      const type = to === 'precandidate' ? 'pre_vote' : 'request_vote';
      const sent = h.out.filter((m) => m.body.type === type);
      check(sent.length === PEERS.length, `expected ${type} to every peer, got ${JSON.stringify(h.out)}`);
      for (const m of sent) check(m.body.term === t0 + 1 && m.body.candidate_id === SELF, `${type} for term T+1 for self`);
      check(h.ctx.term === (to === 'candidate' ? t0 + 1 : t0), 'a candidate takes the next term, a pre-candidate does not');
    },
  },
  {
    type: 'PRE_VOTE_QUORUM_REACHED',
    requires: ['recordPreVote', 'becomeCandidate'],
    label: 'a peer would vote for us in the next term: with our own, a quorum of 3',
    enabled: (r) => r === 'precandidate',
    expect: () => ['recordPreVote', 'becomeCandidate'],
    update: () => ({ ...AS_FOLLOWER, fresh: false }),
    exec: (h) => h.deliver(OTHER, { type: 'pre_vote_res', term: h.ctx.term, vote_granted: true, requested_term: h.ctx.term + 1 }),
    observe: (h, _r, _m, t0) => {
      const rv = h.out.filter((m) => m.body.type === 'request_vote');
      check(rv.length === PEERS.length && rv.every((m) => m.body.term === t0 + 1), `a real election in term T+1: ${JSON.stringify(h.out)}`);
    },
  },
  {
    type: 'PRE_VOTE_REQUESTED',
    requires: ['grantPreVote', 'rejectPreVote', 'leaderRefusesPreVote'],
    label: 'an up-to-date peer asks whether we would vote for it in term T+1',
    enabled: () => true,
    expect: (r, m) =>
      r === 'leader' ? ['leaderRefusesPreVote'] : r === 'follower' && m.leaderKnown ? ['rejectPreVote'] : ['grantPreVote'],
    update: () => ({}),
    exec: (h) =>
      h.deliver(OTHER, {
        type: 'pre_vote',
        term: h.ctx.term + 1,
        candidate_id: OTHER,
        last_log_index: h.ctx.log.lastIndex,
        last_log_term: h.ctx.log.lastTerm,
      }),
    observe: (h, r, m, t0) => {
      const res = h.repliesTo(OTHER).filter((b) => b.type === 'pre_vote_res');
      const grant = !(r === 'leader' || (r === 'follower' && m.leaderKnown));
      check(res.length === 1 && res[0]!.vote_granted === grant && res[0]!.term === t0, `pre-vote ${grant ? 'granted' : 'refused (a live leader is known)'}: ${JSON.stringify(res)}`);
      check(h.ctx.term === t0 && h.ctx.votedFor === (h.ctx.votedFor ?? null), 'a pre-vote changes no term');
    },
  },
  {
    type: 'HIGHER_TERM_ARRIVES',
    label: 'a higher term arrives (a refused vote response of term T+1)',
    enabled: () => true,
    expect: () => ['updateTerm'],
    update: () => ({ fresh: false, ...AS_FOLLOWER }),
    exec: (h) => h.deliver(OTHER, { type: 'request_vote_res', term: h.ctx.term + 1, vote_granted: false }),
    observe: (h, r, m, t0) => {
      check(h.repliesTo(OTHER).length === 0, 'a response is not answered');
      leadershipEnded(h, r, m);
      check(h.ctx.term === t0 + 1, 'adopts the higher term');
    },
  },
  {
    type: 'VOTE_REQUESTED_IN_NEWER_TERM',
    label: 'an up-to-date candidate of term T+1 asks for a vote',
    enabled: () => true,
    expect: () => ['updateTerm', 'grantVote'],
    update: () => ({ fresh: false, ...AS_FOLLOWER }),
    exec: (h) =>
      h.deliver(OTHER, {
        type: 'request_vote',
        term: h.ctx.term + 1,
        candidate_id: OTHER,
        last_log_index: h.ctx.log.lastIndex,
        last_log_term: h.ctx.log.lastTerm,
      }),
    observe: (h, r, m, t0) => {
      leadershipEnded(h, r, m);
      const res = voteRes(h);
      check(res.length === 1 && res[0]!.vote_granted === true && res[0]!.term === t0 + 1, `vote granted in term T+1: ${JSON.stringify(res)}`);
    },
  },
  {
    type: 'STALE_VOTE_REQUEST',
    label: 'a candidate of an older term asks for a vote',
    enabled: (_r, m) => !m.fresh,
    expect: () => ['rejectVote'],
    update: () => ({}),
    exec: (h) => h.deliver(OTHER, { type: 'request_vote', term: h.ctx.term - 1, candidate_id: OTHER, last_log_index: 99, last_log_term: 99 }),
    observe: (h, _r, _m, t0) => {
      const res = voteRes(h);
      check(res.length === 1 && res[0]!.vote_granted === false && res[0]!.term === t0, `vote refused, our term advertised: ${JSON.stringify(res)}`);
    },
  },
  {
    type: 'STALE_APPEND_ENTRIES',
    label: 'AppendEntries of an older term',
    enabled: (_r, m) => !m.fresh,
    expect: () => ['rejectStaleAppendEntries'],
    update: () => ({}),
    exec: (h) =>
      h.deliver(OTHER, { type: 'append_entries', term: h.ctx.term - 1, leader_id: OTHER, prev_log_index: 0, prev_log_term: 0, entries: [], leader_commit: 0 }),
    observe: (h, _r, _m, t0) => {
      const res = aeRes(h);
      check(res.length === 1 && res[0]!.success === false && res[0]!.term === t0, `refused with our term: ${JSON.stringify(res)}`);
    },
  },
  {
    type: 'APPEND_ENTRIES_OF_CURRENT_TERM',
    label: "AppendEntries (a heartbeat) from the current term's leader",
    enabled: (r, m) => r !== 'leader' && !m.fresh,
    expect: (r) => [chartTransition(r, 'append_entries', 'isCurrentTerm')],
    update: () => ({ ...AS_FOLLOWER, leaderKnown: true }),
    exec: (h) =>
      h.deliver(OTHER, {
        type: 'append_entries',
        term: h.ctx.term,
        leader_id: OTHER,
        prev_log_index: h.ctx.log.lastIndex,
        prev_log_term: h.ctx.log.lastTerm,
        entries: [],
        leader_commit: h.ctx.commitIndex,
      }),
    observe: (h, _r, _m, t0) => {
      const res = aeRes(h);
      check(res.length === 1 && res[0]!.success === true && res[0]!.term === t0 && res[0]!.match_index === h.ctx.log.lastIndex, `accepted: ${JSON.stringify(res)}`);
    },
  },
  {
    type: 'APPEND_ENTRIES_COMMITTING_AN_ENTRY',
    label: "AppendEntries from the current term's leader carrying an entry it has committed",
    enabled: (r, m) => r !== 'leader' && !m.fresh,
    expect: (r) => [chartTransition(r, 'append_entries', 'isCurrentTerm'), 'applyCommitted'],
    update: () => ({ ...AS_FOLLOWER, leaderKnown: true }),
    exec: (h) =>
      h.deliver(OTHER, {
        type: 'append_entries',
        term: h.ctx.term,
        leader_id: OTHER,
        prev_log_index: h.ctx.log.lastIndex,
        prev_log_term: h.ctx.log.lastTerm,
        entries: [{ term: h.ctx.term, op: { f: 'write', key: 'k', value: 7 } }],
        leader_commit: h.ctx.log.lastIndex + 1,
      }),
    observe: (h, _r, _m, t0) => {
      const res = aeRes(h);
      check(res.length === 1 && res[0]!.success === true && res[0]!.term === t0, `accepted: ${JSON.stringify(res)}`);
      check(h.ctx.lastApplied === h.ctx.log.lastIndex && h.node.stateMachine!.peek('k').value === 7, 'applied the committed entry');
    },
  },
  {
    type: 'APPEND_ENTRIES_OF_HIGHER_TERM',
    label: 'AppendEntries from the leader of term T+1',
    enabled: () => true,
    expect: () => ['updateTerm', 'acceptAppendEntries'],
    update: () => ({ fresh: false, ...AS_FOLLOWER, leaderKnown: true }),
    exec: (h) =>
      h.deliver(OTHER, {
        type: 'append_entries',
        term: h.ctx.term + 1,
        leader_id: OTHER,
        prev_log_index: 0,
        prev_log_term: 0,
        entries: [],
        leader_commit: 0,
      }),
    observe: (h, r, m, t0) => {
      leadershipEnded(h, r, m);
      const res = aeRes(h);
      check(res.length === 1 && res[0]!.success === true && res[0]!.term === t0 + 1, `accepted in term T+1: ${JSON.stringify(res)}`);
    },
  },
  {
    type: 'VOTE_QUORUM_REACHED',
    label: 'a peer grants its vote: with our own, a quorum of 3',
    enabled: (r) => r === 'candidate',
    expect: () => ['recordVote', 'becomeLeader'],
    update: () => ({ uncommitted: true, committedInTerm: false, readQueued: false, leaderKnown: false }),
    exec: (h) => h.deliver(OTHER, { type: 'request_vote_res', term: h.ctx.term, vote_granted: true }),
    observe: (h, _r, _m, t0) => {
      const ae = appendEntriesSent(h);
      check(ae.length === PEERS.length, `announces itself to every peer: ${ae.length}`);
      for (const m of ae) {
        const entries = m.body.entries as { term: number; op: { f: string } }[];
        check(m.body.term === t0 && m.body.leader_id === SELF, 'AppendEntries of its term');
        check(entries.length > 0 && entries[entries.length - 1]!.op.f === 'noop' && entries[entries.length - 1]!.term === t0, 'carrying a no-op of the new term');
      }
    },
  },
  {
    type: 'CLIENT_WRITE',
    label: 'a client sends a write',
    enabled: () => true,
    expect: (r, m) =>
      r === 'leader' ? ['clientRequest'] : r === 'follower' && m.leaderKnown ? ['proxyToLeader'] : ['refuseClientRequest'],
    update: (r) => (r === 'leader' ? { uncommitted: true } : {}),
    exec: (h) => h.deliver('c1', { type: 'write', key: 'x', value: 1 }),
    observe: (h, r, m) => {
      const toClient = h.repliesTo('c1');
      if (r === 'leader') {
        check(toClient.length === 0, 'the leader answers only after commit');
      } else if (r === 'follower' && m.leaderKnown) {
        const fwd = h.repliesTo(OTHER);
        check(toClient.length === 0 && fwd.length === 1 && fwd[0]!.type === 'write' && fwd[0]!.value === 1, `proxied to the leader: ${JSON.stringify(h.out)}`);
      } else {
        check(toClient.length === 1 && toClient[0]!.type === 'error' && toClient[0]!.code === 11, `refused with 11: ${JSON.stringify(toClient)}`);
      }
    },
  },
  {
    type: 'CLIENT_READ_AFTER_COMMIT',
    label: 'a client reads at a leader that has committed in its term',
    enabled: (r, m) => r === 'leader' && m.committedInTerm && !m.readQueued,
    expect: () => ['readIndex'],
    update: () => ({ readQueued: true }),
    exec: (h) => h.deliver('c2', { type: 'read', key: 'x' }),
    observe: (h, _r, _m, t0) => {
      check(h.repliesTo('c2').length === 0, 'not answered before a majority confirms');
      const ae = appendEntriesSent(h);
      check(ae.length === PEERS.length && ae.every((m) => m.body.term === t0), 'broadcasts to confirm leadership');
    },
  },
  {
    type: 'MAJORITY_ACKNOWLEDGES',
    label: 'a peer acknowledges all entries and the latest broadcast',
    enabled: (r) => r === 'leader',
    expect: (_r, m) => [
      'handleAppendEntriesResponse',
      ...(m.uncommitted ? ['advanceCommitIndex', 'applyCommitted'] : []),
      ...(m.readQueued ? ['answerReads'] : []),
    ],
    update: () => ({ uncommitted: false, committedInTerm: true, readQueued: false }),
    exec: (h) =>
      h.deliver(OTHER, { type: 'append_entries_res', term: h.ctx.term, success: true, match_index: h.ctx.log.lastIndex, seq: h.ctx.heartbeatSeq }),
    observe: (h, _r, m) => {
      check(h.ctx.commitIndex === h.ctx.log.lastIndex, 'everything committed');
      if (m.readQueued) {
        const r = h.repliesTo('c2');
        check(r.length === 1 && (r[0]!.type === 'read_ok' || r[0]!.code === 20), `the read is answered: ${JSON.stringify(r)}`);
      }
      const writes = h.out.filter((x) => x.dest === 'c1');
      check(writes.every((x) => x.body.type === 'write_ok'), 'writes are answered write_ok');
    },
  },
  {
    type: 'PEER_REFUSES_APPEND',
    label: 'a peer that never acknowledged refuses AppendEntries (log mismatch)',
    enabled: (r) => r === 'leader',
    expect: () => ['handleAppendEntriesResponse'],
    update: () => ({}),
    // n2, which never acknowledged anything in the model, so its log may really differ.
    exec: (h) => h.deliver('n2', { type: 'append_entries_res', term: h.ctx.term, success: false, hint: 1 }),
    observe: (h) => {
      const ae = appendEntriesSent(h).filter((m) => m.dest === 'n2');
      check(ae.length === 1 && (ae[0]!.body.entries as unknown[]).length > 0, `retries with earlier entries: ${JSON.stringify(ae)}`);
    },
  },
  {
    type: 'HEARTBEAT_TIMER_FIRES',
    label: 'the heartbeat timer fires',
    enabled: (r) => r === 'leader',
    expect: () => ['heartbeat'],
    update: () => ({}),
    exec: (h) => h.fireTimersUntil(() => h.taken.length > 0),
    observe: (h, _r, _m, t0) => {
      const ae = appendEntriesSent(h);
      check(ae.length === PEERS.length && ae.every((m) => m.body.term === t0), 'heartbeats every peer with its term');
    },
  },
  {
    type: 'LEASE_EXPIRES',
    label: 'a whole lease window passes without a majority answering',
    enabled: (r) => r === 'leader',
    expect: () => ['checkQuorum'],
    update: () => AS_FOLLOWER,
    exec: (h) => h.fireTimersUntil(() => h.taken.includes('checkQuorum'), 1000),
    observe: (h, r, m, t0) => {
      leadershipEnded(h, r, m);
      check(h.ctx.term === t0, 'steps down in the same term');
    },
  },
  {
    type: 'CRASH_AND_RESTART',
    requires: ['restart'],
    label: 'the process is killed and started again from its data directory',
    enabled: () => true,
    // In term 0 nothing was ever made durable (a vote and an entry both need a
    // term): the node starts as new, and takes no restart.
    expect: (_r, m) => (m.fresh ? [] : ['restart']),
    forcesRole: 'follower',
    update: (_r, m) => ({ ...AS_FOLLOWER, fresh: m.fresh }),
    exec: (h) => {
      h.before = { term: h.ctx.term, votedFor: h.ctx.votedFor, logLength: h.ctx.log.lastIndex };
      h.crashAndRestart();
    },
    observe: (h, _r, _m, t0) => {
      // init is answered; term, vote and log are as they were made durable; nothing else is sent.
      check(h.repliesTo('c0').some((b) => b.type === 'init_ok'), 'init answered after the restart');
      check(h.out.every((m) => m.dest === 'c0'), `nothing sent but the init answer: ${JSON.stringify(h.out)}`);
      check(h.ctx.term === t0 && h.ctx.votedFor === h.before!.votedFor && h.ctx.log.lastIndex === h.before!.logLength, 'term, vote and log survive the crash');
      check(h.ctx.commitIndex === 0 && h.ctx.lastApplied === 0 && h.ctx.leader === null, 'what was only in memory is gone');
    },
  },
  {
    type: 'SNAPSHOT_TAKEN',
    requires: ['takeSnapshot'],
    label: "an entry the leader committed arrives and is applied, then the node snapshots its state machine and compacts its log",
    enabled: (r, m) => r !== 'leader' && !m.fresh,
    expect: (r) => [chartTransition(r, 'append_entries', 'isCurrentTerm'), 'applyCommitted', 'takeSnapshot'],
    update: () => ({ ...AS_FOLLOWER, leaderKnown: true }),
    exec: (h) => {
      h.deliver(OTHER, {
        type: 'append_entries',
        term: h.ctx.term,
        leader_id: OTHER,
        prev_log_index: h.ctx.log.lastIndex,
        prev_log_term: h.ctx.log.lastTerm,
        entries: [{ term: h.ctx.term, op: { f: 'write', key: 'snapped', value: 5 } }],
        leader_commit: h.ctx.log.lastIndex + 1,
      });
      h.node.snapshotNow();
    },
    observe: (h) => {
      check(h.ctx.log.snapshotIndex === h.ctx.log.lastIndex && h.ctx.log.length === 0, `the log starts after the snapshot: ${h.ctx.log.snapshotIndex}..${h.ctx.log.lastIndex}`);
      check(h.node.stateMachine!.peek('snapped').value === 5, 'the state machine is as before');
    },
  },
  {
    type: 'INSTALL_SNAPSHOT_OF_CURRENT_TERM',
    requires: ['installSnapshot'],
    label: "InstallSnapshot from the current term's leader, covering entries we do not have",
    enabled: (r, m) => r !== 'leader' && !m.fresh,
    expect: () => ['installSnapshot'],
    update: () => ({ ...AS_FOLLOWER, leaderKnown: true }),
    exec: (h) =>
      h.deliver(OTHER, {
        type: 'install_snapshot',
        term: h.ctx.term,
        leader_id: OTHER,
        last_included_index: h.ctx.log.lastIndex + 5,
        last_included_term: h.ctx.term,
        offset: 0,
        data: JSON.stringify([['sinstalled', 42]]),
        done: true,
      }),
    observe: (h, _r, _m, t0) => {
      const res = h.repliesTo(OTHER).filter((b) => b.type === 'install_snapshot_res');
      check(res.length === 1 && res[0]!.success === true && res[0]!.term === t0 && res[0]!.match_index === h.ctx.log.lastIndex, `installed: ${JSON.stringify(res)}`);
      check(h.node.stateMachine!.peek('installed').value === 42 && h.ctx.commitIndex === h.ctx.log.lastIndex, 'the state machine is the snapshot');
    },
  },
  {
    type: 'STALE_INSTALL_SNAPSHOT',
    requires: ['rejectStaleSnapshot'],
    label: 'InstallSnapshot from a leader of an older term',
    enabled: (_r, m) => !m.fresh,
    expect: () => ['rejectStaleSnapshot'],
    update: () => ({}),
    exec: (h) =>
      h.deliver(OTHER, {
        type: 'install_snapshot',
        term: h.ctx.term - 1,
        leader_id: OTHER,
        last_included_index: 99,
        last_included_term: 1,
        offset: 0,
        data: '[]',
        done: true,
      }),
    observe: (h, _r, _m, t0) => {
      const res = h.repliesTo(OTHER).filter((b) => b.type === 'install_snapshot_res');
      check(res.length === 1 && res[0]!.success === false && res[0]!.term === t0, `refused with our term: ${JSON.stringify(res)}`);
    },
  },
  {
    type: 'SNAPSHOT_ACKNOWLEDGED',
    requires: ['handleInstallSnapshotResponse'],
    label: 'a follower says it installed our snapshot (up to an index it already had)',
    enabled: (r) => r === 'leader',
    expect: () => ['handleInstallSnapshotResponse'],
    update: () => ({}),
    exec: (h) => h.deliver(OTHER, { type: 'install_snapshot_res', term: h.ctx.term, success: true, match_index: 0 }),
    observe: (h) => check(h.out.every((m) => m.body.type === 'append_entries'), `nothing but AppendEntries follows: ${JSON.stringify(h.out)}`),
  },
];

/** The abstract events whose transitions the chart has. */
export function modelEvents(): AbstractEvent[] {
  const names = new Set(transitions.map((t) => t.name));
  return abstractEvents.filter((e) => (e.requires ?? []).every((n) => names.has(n)));
}

/** Transitions a lease-expiry may take on its way (heartbeats of the window), not part of the multiset check. */
export const backgroundTransitions: Readonly<Record<string, readonly string[]>> = {
  LEASE_EXPIRES: ['heartbeat'],
};

// ---- the model machine, built from the chart ---------------------------------

const byName = new Map<string, TransitionSpec>(transitions.map((t) => [t.name, t]));

/** Follows the chart: where a role ends up after these transitions; throws if one cannot fire there. */
export function targetOf(role: Role, names: readonly string[]): Role {
  let at = role;
  for (const n of names) {
    const t = byName.get(n);
    if (!t) throw new Error(`abstract event expects unknown chart transition ${n}`);
    if (t.source !== 'raft' && t.source !== at) throw new Error(`chart transition ${n} cannot fire in ${at} (its source is ${t.source})`);
    if (t.target) at = t.target;
  }
  return at;
}

export function buildTestMachine() {
  const states: Record<string, { on: Record<string, unknown[]> }> = {};
  for (const role of roles) {
    const on: Record<string, unknown[]> = {};
    for (const ev of modelEvents()) {
      const options: unknown[] = [];
      for (const target of roles) {
        options.push({
          guard: ({ context }: { context: ModelContext }) =>
            ev.enabled(role, context) && (ev.forcesRole ?? targetOf(role, ev.expect(role, context))) === target,
          target: target === role ? undefined : target,
          reenter: false,
          actions: assign(({ context }: { context: ModelContext }) => ({ ...context, ...ev.update(role, context) })),
        });
      }
      on[ev.type] = options;
    }
    states[role] = { on };
  }
  return createMachine({
    id: 'raftModel',
    initial: 'follower',
    context: initialModelContext,
    states,
  } as never);
}
