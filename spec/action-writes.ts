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
//  - `log`, `sm`, `pending`: the mutable stores it changes in place (the
//    Raft log, the state machine, the table of client requests to answer);
//  - `send`: a message to another server (a send, or a reply to a Raft
//    request);
//  - `answer`: a reply to a client that carries a result (read_ok, write_ok,
//    an error such as 20 or 22 that the state machine decided);
//  - `refuse`: a reply to a client with error 11 (nothing happened);
//  - `proxy`: a client request forwarded to the leader.
// Log lines for stderr are not writes.

export type Write =
  | 'term'
  | 'votedFor'
  | 'leader'
  | 'log'
  | 'commitIndex'
  | 'lastApplied'
  | 'sm'
  | 'pending'
  | 'preVotes'
  | 'votesGranted'
  | 'nextIndex'
  | 'matchIndex'
  | 'inflight'
  | 'heard'
  | 'leaseTick'
  | 'heartbeatSeq'
  | 'acked'
  | 'reads'
  | 'rng'
  | 'electionTimeoutMs'
  | 'send'
  | 'answer'
  | 'refuse'
  | 'proxy';

export const actionWrites: Readonly<Record<string, readonly Write[]>> = {
  updateTerm: ['term', 'votedFor', 'leader', 'votesGranted'],
  rejectAppendEntries: ['send'],
  rejectVote: ['send'],
  grantVote: ['votedFor', 'send'],
  applyCommitted: ['lastApplied', 'sm', 'pending', 'answer'],
  refuseUnavailable: ['refuse'],
  grantPreVote: ['send'],
  rejectPreVote: ['send'],
  becomePreCandidate: ['leader', 'preVotes'],
  requestPreVotes: ['send'],
  recordPreVote: ['preVotes'],
  becomeCandidate: ['term', 'votedFor', 'leader', 'votesGranted'],
  requestVotes: ['send'],
  recordLeader: ['leader'],
  handleAppendEntries: ['log', 'commitIndex', 'send'],
  proxyToLeader: ['proxy'],
  recordVote: ['votesGranted'],
  becomeLeader: ['log', 'leader', 'nextIndex', 'matchIndex', 'inflight', 'heard', 'leaseTick', 'acked', 'reads'],
  sendHeartbeats: ['inflight', 'heartbeatSeq', 'send'],
  confirmLeadership: ['heartbeatSeq', 'send'],
  queueRead: ['reads'],
  answerReads: ['reads', 'answer'],
  abandonReads: ['reads', 'refuse'],
  replicateLog: ['inflight', 'send'],
  appendClientEntry: ['log', 'pending'],
  handleAppendEntriesResponse: ['heard', 'inflight', 'acked', 'matchIndex', 'nextIndex'],
  advanceCommitIndex: ['commitIndex'],
  stepDown: ['leader'],
  tickLeaderLease: ['leaseTick', 'heard'],
  drawElectionTimeout: ['rng', 'electionTimeoutMs'],
  // The machine builder's own action: re-raises the event (XState `raise`);
  // it writes nothing, and the event it re-raises is not consumed.
  reprocessEvent: [],
};
