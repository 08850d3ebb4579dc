// Which action of tla/Raft.tla each chart transition mirrors.
//
// Every transition of `spec/chart.ts` appears here exactly once. A transition
// mirrors one TLA+ action, or none when it changes no variable of the spec
// (it then says why: it only talks to clients, or keeps timing bookkeeping
// that the spec abstracts as nondeterminism). The mirror check in
// test/mirror.test.ts reads this table, the chart and tla/Raft.tla and fails
// on any name that does not line up.

export interface MirrorEntry {
  /** The TLA+ action (an operator of tla/Raft.tla used in `Next`), or null. */
  readonly tla: string | null;
  /** Required when tla is null: why no TLA+ action is needed. */
  readonly why?: string;
}

export const tlaMapping: Readonly<Record<string, MirrorEntry>> = {
  restart: { tla: 'Restart' },
  updateTerm: { tla: 'UpdateTerm' },
  rejectStaleAppendEntries: { tla: 'HandleAppendEntriesRequest' },
  rejectVote: { tla: 'HandleRequestVoteRequest' },
  grantPreVote: { tla: 'HandlePreVoteRequest' },
  rejectPreVote: { tla: 'HandlePreVoteRequest' },
  leaderRefusesPreVote: { tla: 'HandlePreVoteRequest' },
  applyCommitted: { tla: 'ApplyEntry' },
  rejectStaleSnapshot: { tla: null, why: 'snapshots are not modelled in tla/Raft.tla yet: HandleInstallSnapshotRequest is to come' },
  installSnapshot: { tla: null, why: 'snapshots are not modelled in tla/Raft.tla yet: HandleInstallSnapshotRequest is to come' },
  takeSnapshot: { tla: null, why: 'snapshots are not modelled in tla/Raft.tla yet: TakeSnapshot is to come' },
  handleInstallSnapshotResponse: { tla: null, why: 'snapshots are not modelled in tla/Raft.tla yet: HandleInstallSnapshotResponse is to come' },
  refuseClientRequest: {
    tla: null,
    why: 'answers a client with error 11 and changes no Raft variable',
  },
  followerElectionTimeout: { tla: 'Timeout' },
  grantVote: { tla: 'HandleRequestVoteRequest' },
  acceptAppendEntries: { tla: 'HandleAppendEntriesRequest' },
  proxyToLeader: {
    tla: null,
    why: 'forwards a client request to the known leader; the leader appending it is ClientRequest',
  },
  preCandidateElectionTimeout: { tla: 'Timeout' },
  recordPreVote: { tla: 'HandlePreVoteResponse' },
  becomeCandidate: { tla: 'BecomeCandidate' },
  abandonPreVote: { tla: 'HandleAppendEntriesRequest' },
  candidateElectionTimeout: { tla: 'Timeout' },
  recordVote: { tla: 'HandleRequestVoteResponse' },
  becomeLeader: { tla: 'BecomeLeader' },
  yieldToLeader: { tla: 'HandleAppendEntriesRequest' },
  leaseRead: {
    tla: null,
    why: 'a lease read is served without a log entry and without messages; it changes no Raft variable of the spec (the lease is timing, which the spec abstracts)',
  },
  sendAppendEntries: { tla: 'AppendEntries' },
  readIndex: {
    tla: null,
    why: 'a ReadIndex read is served without a log entry; it changes no Raft variable of the spec (only a broadcast counter the spec abstracts)',
  },
  answerReads: {
    tla: null,
    why: 'answers confirmed reads from the state machine; changes no Raft variable',
  },
  clientRequest: { tla: 'ClientRequest' },
  handleAppendEntriesResponse: { tla: 'HandleAppendEntriesResponse' },
  advanceCommitIndex: { tla: 'AdvanceCommitIndex' },
  checkQuorum: { tla: 'CheckQuorum' },
  heartbeat: { tla: 'AppendEntries' },
};

/**
 * TLA+ actions of `Next` that belong to the environment, not to the chart:
 * the network losing or duplicating messages (delay and reordering need no
 * action: the network is a bag), and clients submitting requests.
 */
export const environmentActions: readonly string[] = ['DropMessage', 'DuplicateMessage'];
