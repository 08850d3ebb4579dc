// Which action of tla/Raft.tla each chart transition mirrors, and how.
//
// Every transition of `spec/chart.ts` appears here exactly once. A transition
// mirrors one TLA+ action of `Next` (`tla`), and within it one branch, an
// operator of Raft.tla (`branch`, the action itself when absent): GrantVote
// and RejectVote are the branches of HandleRequestVoteRequest. A transition
// with `tla: null` changes no variable of the spec and says why.
//
// The mirror check (test/mirror.test.ts) parses tla/Raft.tla and holds each
// transition to its branch:
//  - the variables the transition writes (its actions' writes declared in
//    spec/action-writes.ts, mapped to TLA+ variables by `tlaVariables`; the
//    role when it has a target; the network when it consumes or sends a
//    message) are exactly the variables the branch changes (primed, not
//    UNCHANGED), history variables aside;
//  - the chart's guard is a conjunct of the branch, under the same name with
//    a capital letter (canGrantVote is CanGrantVote), unless the entry says
//    why the spec does not model it (`guardNotModelled`);
//  - the conditions `guardConditions` lists are tested by both sides: the
//    TLA+ guard refers to the TLA+ operator, the guard in machines/guards.ts
//    to the code's function.
// `sendsVia` says that the transition's AppendEntries are not sent by its
// own TLA+ step but by following AppendEntries(i, j) steps (the spec sends
// per follower; the chart's sendHeartbeats and replicateLog send to all),
// and its snapshots (the sendSnapshot effect) by SendSnapshot(i, j) steps.

export interface MirrorEntry {
  /** The TLA+ action (an operator of tla/Raft.tla used in `Next`), or null. */
  readonly tla: string | null;
  /** Required when tla is null: why no TLA+ action is needed. */
  readonly why?: string;
  /** The operator of tla/Raft.tla that is this transition's branch of `tla` (default: `tla`). */
  readonly branch?: string;
  /**
   * The actions whose steps send this transition's messages, by write: a
   * string is the action of its `send` writes (AppendEntries), a record
   * names one per write (`{ send: 'AppendEntries', sendSnapshot: 'SendSnapshot' }`).
   */
  readonly sendsVia?: string | Readonly<Record<string, string>>;
  /** Why the chart's guard has no TLA+ counterpart (timing, bounds). */
  readonly guardNotModelled?: string;
  /**
   * TLA+ variables the transition changes although none of its actions
   * writes them, and why (the runtime starts a restarted node with a fresh
   * context before the chart's restart transition runs).
   */
  readonly alsoWrites?: { readonly vars: readonly string[]; readonly why: string };
  /** With tla null: the transition writes what the spec does not model yet, and the check skips it. */
  readonly notModelledYet?: boolean;
}

/**
 * How a leader's sendHeartbeats and replicateLog send: an AppendEntries per
 * follower by AppendEntries(i, j) steps, and our snapshot to a follower
 * that needs it by SendSnapshot(i, j) steps.
 */
const LEADER_SENDS = { send: 'AppendEntries', sendSnapshot: 'SendSnapshot' } as const;

export const tlaMapping: Readonly<Record<string, MirrorEntry>> = {
  restart: {
    tla: 'Restart',
    guardNotModelled: 'isRestarting says the node was started from durable state; in the spec a crash and restart may happen at any time',
    alsoWrites: {
      vars: ['state', 'leader', 'log', 'commitIndex', 'lastApplied', 'appliedLog', 'preVotes', 'votesGranted', 'nextIndex', 'matchIndex', 'heartbeatSeq', 'acked', 'reads', 'pending', 'heard'],
      why:
        'the runtime starts a restarted node with a fresh context (its term, vote and log recovered, everything else initial, and its start as the last time it heard a leader: leaderHeardAt, the quarantine of leases) before restart runs; the log recovered may lack entries a leader sent before it synced them (RAFT_LEADER_SYNC=parallel)',
    },
  },
  updateTerm: { tla: 'UpdateTerm' },
  rejectStaleAppendEntries: { tla: 'HandleAppendEntriesRequest', branch: 'RejectStaleAppendEntries' },
  rejectVote: { tla: 'HandleRequestVoteRequest', branch: 'RejectVote' },
  grantPreVote: { tla: 'HandlePreVoteRequest', branch: 'GrantPreVote' },
  rejectPreVote: { tla: 'HandlePreVoteRequest', branch: 'RejectPreVote' },
  leaderRefusesPreVote: { tla: 'HandlePreVoteRequest', branch: 'RejectPreVote' },
  applyCommitted: { tla: 'ApplyEntry' },
  rejectStaleSnapshot: { tla: 'HandleInstallSnapshotRequest', branch: 'RejectStaleSnapshot' },
  installSnapshot: { tla: 'HandleInstallSnapshotRequest', branch: 'InstallSnapshot' },
  takeSnapshot: { tla: 'TakeSnapshot' },
  handleInstallSnapshotResponse: { tla: 'HandleInstallSnapshotResponse' },
  refuseClientRequest: {
    tla: null,
    why: 'answers a client with error 11 and changes no Raft variable',
  },
  followerElectionTimeout: { tla: 'Timeout' },
  grantVote: { tla: 'HandleRequestVoteRequest', branch: 'GrantVote' },
  acceptAppendEntries: { tla: 'HandleAppendEntriesRequest', branch: 'AcceptAppendEntries' },
  proxyToLeader: {
    tla: null,
    why: 'forwards a client request to the known leader; the leader appending it is ClientRequest',
  },
  forwardRead: { tla: 'ForwardRead' },
  preCandidateElectionTimeout: { tla: 'Timeout' },
  recordPreVote: { tla: 'HandlePreVoteResponse' },
  becomeCandidate: { tla: 'BecomeCandidate' },
  abandonPreVote: { tla: 'HandleAppendEntriesRequest', branch: 'AcceptAppendEntries' },
  candidateElectionTimeout: { tla: 'Timeout' },
  recordVote: { tla: 'HandleRequestVoteResponse' },
  becomeLeader: { tla: 'BecomeLeader', sendsVia: LEADER_SENDS },
  yieldToLeader: { tla: 'HandleAppendEntriesRequest', branch: 'AcceptAppendEntries' },
  // The clock part of canServeLeaseRead (the read comes before leaseUntil) is
  // timing: the spec's HasLease holds a lease from any broadcast a majority
  // answered whose window no follower has closed (see Raft.tla, "Leader leases").
  leaseRead: { tla: 'LeaseRead' },
  forwardedReadIndex: {
    tla: 'HandleForwardedRead',
    alsoWrites: {
      vars: ['msgs'],
      why: 'the read arrives as the client request the follower forwarded (an event of the protocol layer, not a Raft message); in the spec it is the ForwardedRead message, which the step takes out of the network',
    },
  },
  readIndex: { tla: 'ReadIndex' },
  answerReads: { tla: 'AnswerReads' },
  followerLocalRead: { tla: 'LocalRead' },
  preCandidateLocalRead: { tla: 'LocalRead' },
  candidateLocalRead: { tla: 'LocalRead' },
  leaderLocalRead: { tla: 'LocalRead' },
  clientRequest: { tla: 'ClientRequest' },
  handleAppendEntriesResponse: { tla: 'HandleAppendEntriesResponse' },
  confirmReads: { tla: 'ConfirmReads', sendsVia: LEADER_SENDS },
  replicate: {
    tla: null,
    why: 'sends only, and changes no variable of the spec but the network: its AppendEntries and snapshots are AppendEntries(i, j) and SendSnapshot(i, j) steps (sendsVia); when and how many go is flow control, which the spec leaves to nondeterminism',
    sendsVia: LEADER_SENDS,
  },
  advanceCommitIndex: { tla: 'AdvanceCommitIndex' },
  checkQuorum: {
    tla: 'CheckQuorum',
    guardNotModelled: 'hasLostQuorum counts heartbeats (timing); the spec lets a leader step down at any time',
  },
  heartbeat: { tla: 'Heartbeat', sendsVia: LEADER_SENDS },
};

/**
 * TLA+ actions of `Next` that belong to the environment, not to the chart:
 * the network losing or duplicating messages (delay and reordering need no
 * action: the network is a bag).
 */
export const environmentActions: readonly string[] = ['DropMessage', 'DuplicateMessage'];

/**
 * The TLA+ variables each write of spec/action-writes.ts changes; null when
 * the spec does not model it (timing and flow-control bookkeeping that only
 * holds sends back or decides when a timer fires, which the spec leaves to
 * nondeterminism). The runtime's effects name what they change in the spec:
 * applying entries changes what was applied, which writes are waiting and
 * which are answered; tracking a client adds a waiting write; answering a
 * read adds an answer.
 */
export const tlaVariables: Readonly<Record<string, string | readonly string[] | null>> = {
  term: 'currentTerm',
  votedFor: 'votedFor',
  leader: 'leader',
  log: 'log',
  logStart: ['snapshotIndex', 'snapshotTerm'],
  commitIndex: 'commitIndex',
  lastApplied: 'lastApplied',
  preVotes: 'preVotes',
  votesGranted: 'votesGranted',
  nextIndex: 'nextIndex',
  matchIndex: 'matchIndex',
  heartbeatSeq: 'heartbeatSeq',
  acked: 'acked',
  reads: 'reads',
  send: 'msgs',
  apply: ['appliedLog', 'pending', 'answered'],
  track: 'pending',
  read: 'answered',
  answer: 'answered',
  inflight: null,
  sentSinceTick: null,
  heard: null,
  leaseTick: null,
  rng: null,
  electionTimeoutMs: null,
  restarting: null,
  // When this node last heard from its leader: the spec records what it
  // heard (the leader, term and broadcast number), not when
  leaderHeardAt: 'heard',
  // the leader's lease as times (send times, its end) is timing: the spec
  // derives the lease from acked and the windows followers closed (HasLease)
  broadcastTimes: null,
  leaseUntil: null,
  // when a snapshot is due again is timing (snapshotRetryTicks), as flow control is
  snapshotSent: null,
  sendSnapshot: 'msgs',
  // the runtime restores the state machine from a snapshot and forgets the
  // writes it waited to answer at or below its index
  restore: ['appliedLog', 'pending'],
  refuse: null,
  proxy: null,
  forward: 'msgs',
};

/** The TLA+ variable of the role (a transition with a target writes it). */
export const roleVariable = 'state';
/** The TLA+ variable of the network (consuming or sending a message writes it). */
export const networkVariable = 'msgs';
/**
 * TLA+ variables that record history for invariants and bounds, and the
 * leases' clock assumption (`expired`: which lease windows have closed, a
 * ghost that only LeaseRead's enabling condition reads); no chart transition
 * writes them.
 */
export const historyVariables: readonly string[] = ['elected', 'committed', 'restartCount', 'expired'];

/**
 * The conditions a chart guard tests, on both sides: `tla` is an operator
 * that the TLA+ guard (the guard's name with a capital letter) refers to,
 * `code` a function that the guard in machines/guards.ts calls.
 */
export const guardConditions: Readonly<Record<string, readonly { readonly tla: string; readonly code: string }[]>> = {
  canGrantVote: [{ tla: 'LogUpToDate', code: 'isUpToDate' }],
  canGrantPreVote: [{ tla: 'LogUpToDate', code: 'isUpToDate' }],
  hasPreVoteQuorum: [{ tla: 'Quorum', code: 'majority' }],
  hasVoteQuorum: [{ tla: 'Quorum', code: 'majority' }],
  canAdvanceCommitIndex: [{ tla: 'MedianMatch', code: 'majorityMatchIndex' }],
  hasConfirmedRead: [{ tla: 'IsReadReady', code: 'isReadReady' }],
  canServeLeaseRead: [{ tla: 'HasLease', code: 'leaseHolds' }],
};
