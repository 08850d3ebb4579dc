// What each chart action may write, declared as data.
//
// The chart's actions (machines/actions.ts) are functions; this table says,
// for each one, which parts of the node it may change, so that the mirror
// check (test/mirror.test.ts) can compare every chart transition with the
// variables its TLA+ action changes in tla/Raft.tla. test/tla/action-writes.test.ts
// holds the implementation to it: it runs simulated clusters with every
// action wrapped and fails when an action writes something not declared
// here, or when something declared here is never written (the table would
// then hide a difference from the spec).
//
// A write is one of:
//  - a context field the action assigns (`term`, `votedFor`, ...);
//  - `log`: the Raft log, the one store actions change in place;
//  - `logStart`: where the log starts, the snapshot it starts after (its
//    index and term: log.snapshotIndex, log.snapshotTerm);
//  - `send`: a message to another server (a send, or a reply to a Raft
//    request);
//  - `apply`: the runtime applies committed entries to the state machine and
//    answers the clients it tracks for them;
//  - `track`: the runtime is to answer a client once its entry is applied;
//  - `read`: the runtime answers a confirmed read from the state machine;
//  - `sendSnapshot`: the runtime sends a follower our snapshot (InstallSnapshot);
//  - `restore`: the runtime replaces the state machine with a snapshot;
//  - `answer`: a reply to a client that carries a result;
//  - `refuse`: a reply to a client with error 11 (nothing happened);
//  - `proxy`: a client request forwarded to the leader;
//  - `forward`: a read forwarded to the leader with our term (a message the
//    spec models: ForwardedRead).
// Log lines for stderr are not writes.

export type Write =
  | 'term'
  | 'votedFor'
  | 'leader'
  | 'log'
  | 'logStart'
  | 'commitIndex'
  | 'lastApplied'
  | 'preVotes'
  | 'votesGranted'
  | 'nextIndex'
  | 'matchIndex'
  | 'inflight'
  | 'sentSinceTick'
  | 'heard'
  | 'leaseTick'
  | 'heartbeatSeq'
  | 'acked'
  | 'reads'
  | 'rng'
  | 'electionTimeoutMs'
  | 'snapshotSent'
  | 'restarting'
  | 'leaderHeardAt'
  | 'broadcastTimes'
  | 'leaseUntil'
  | 'send'
  | 'apply'
  | 'track'
  | 'read'
  | 'sendSnapshot'
  | 'restore'
  | 'answer'
  | 'refuse'
  | 'proxy'
  | 'forward';

export const actionWrites: Readonly<Record<string, readonly Write[]>> = {
  recover: ['restarting'],
  updateTerm: ['term', 'votedFor', 'leader', 'votesGranted'],
  rejectAppendEntries: ['send'],
  rejectVote: ['send'],
  grantVote: ['votedFor', 'send'],
  applyCommitted: ['lastApplied', 'apply'],
  refuseUnavailable: ['refuse'],
  grantPreVote: ['send'],
  rejectPreVote: ['send'],
  becomePreCandidate: ['leader', 'preVotes'],
  requestPreVotes: ['send'],
  recordPreVote: ['preVotes'],
  becomeCandidate: ['term', 'votedFor', 'leader', 'votesGranted'],
  requestVotes: ['send'],
  recordLeader: ['leader', 'leaderHeardAt'],
  handleAppendEntries: ['log', 'commitIndex', 'send'],
  proxyToLeader: ['proxy'],
  forwardReadToLeader: ['forward'],
  recordVote: ['votesGranted'],
  becomeLeader: ['log', 'leader', 'nextIndex', 'matchIndex', 'inflight', 'sentSinceTick', 'heard', 'leaseTick', 'acked', 'reads', 'snapshotSent', 'broadcastTimes', 'leaseUntil'],
  sendHeartbeats: ['inflight', 'sentSinceTick', 'heartbeatSeq', 'send', 'snapshotSent', 'sendSnapshot', 'broadcastTimes'],
  confirmReads: ['heartbeatSeq', 'inflight', 'sentSinceTick', 'send', 'snapshotSent', 'sendSnapshot', 'broadcastTimes'],
  queueRead: ['reads'],
  queueForwardedRead: ['reads'],
  answerReads: ['reads', 'read'],
  serveLocalRead: ['read'],
  serveLeaseRead: ['read'],
  abandonReads: ['reads', 'refuse'],
  replicateLog: ['inflight', 'sentSinceTick', 'send', 'snapshotSent', 'sendSnapshot'],
  handleInstallSnapshotResponse: ['heard', 'inflight', 'snapshotSent', 'matchIndex', 'nextIndex'],
  rejectSnapshot: ['send'],
  installSnapshot: ['log', 'logStart', 'commitIndex', 'lastApplied', 'restore', 'send'],
  compactLog: ['log', 'logStart'],
  appendClientEntry: ['log', 'track'],
  handleAppendEntriesResponse: ['heard', 'inflight', 'acked', 'matchIndex', 'nextIndex', 'broadcastTimes', 'leaseUntil'],
  advanceCommitIndex: ['commitIndex'],
  stepDown: ['leader'],
  tickLeaderLease: ['leaseTick', 'heard'],
  drawElectionTimeout: ['rng', 'electionTimeoutMs'],
  // The machine builder's own action: re-raises the event (XState `raise`);
  // it writes nothing, and the event it re-raises is not consumed.
  reprocessEvent: [],
};
