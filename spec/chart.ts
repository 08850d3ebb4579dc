// The Raft role statechart, declared as data.
//
// This file knows nothing of XState's runtime, of IO or of time: it names the
// states, the events, and every transition with the guard it tests and the
// actions it takes. `machines/raft.ts` builds an XState v5 machine from it;
// `spec/tla-mapping.ts` says which TLA+ action of `tla/Raft.tla` each
// transition mirrors; the chart renderer, the model-based tests and the
// mirror check all read this same table.

/**
 * The Raft roles. `precandidate` is the Pre-Vote phase (Raft thesis §9.6):
 * a node whose election timer fired first asks whether a majority would vote
 * for it, without raising its term, so a node cut off by a partition cannot
 * disrupt the cluster with an inflated term when it comes back.
 */
export const roles = ['follower', 'precandidate', 'candidate', 'leader'] as const;
export type Role = (typeof roles)[number];

/** Where a transition is declared: on the root (any role) or on one role. */
export type Source = 'raft' | Role;

/**
 * Named delays. Their lengths come from the node's configuration (and, for the
 * election timeout, from a seeded random draw kept in the context).
 */
export const delays = ['electionTimeout', 'heartbeatInterval'] as const;
export type DelayName = (typeof delays)[number];

/**
 * Events the chart reacts to. Message events carry the Maelstrom message
 * (`src` and `body`); `client_request` is any client operation (read, write,
 * cas, txn) whether it came from a client or was proxied by a peer.
 * `flush` is the runtime saying it has handed over every message of a batch
 * of input (in the binary: what one read of stdin brought): a leader sends
 * what the batch made due then, once per follower, instead of once per
 * message.
 */
export const events = [
  'pre_vote',
  'pre_vote_res',
  'request_vote',
  'request_vote_res',
  'append_entries',
  'append_entries_res',
  'install_snapshot',
  'install_snapshot_res',
  'snapshot_taken',
  'client_request',
  'flush',
] as const;
export type EventName = (typeof events)[number];

/** `after:<delay>` is a timer expiry; `always` is an eventless transition. */
export type Trigger = EventName | `after:${DelayName}` | 'always';

export interface TransitionSpec {
  /** Unique name of the transition; `spec/tla-mapping.ts` is keyed by it. */
  readonly name: string;
  readonly source: Source;
  readonly on: readonly Trigger[];
  /** Name of a guard in `machines/guards.ts`; absent means always enabled. */
  readonly guard?: string;
  /** Target role; absent means the role does not change. */
  readonly target?: Role;
  /** Re-enter the target (restarts its timers). */
  readonly reenter?: boolean;
  /** Names of actions in `machines/actions.ts`, run in order. */
  readonly actions: readonly string[];
  readonly description: string;
}

/**
 * Transitions, in priority order within a source and trigger (XState takes the
 * first enabled one; a role's transitions are tried before the root's).
 */
export const transitions: readonly TransitionSpec[] = [
  // ---- any role -----------------------------------------------------------
  {
    name: 'restart',
    source: 'raft',
    on: ['always'],
    guard: 'isRestarting',
    actions: ['recover'],
    description:
      'The node started from durable state after a crash: its term, vote and log are as it last made them durable; it is a follower that knows no leader, with nothing known committed and nothing applied (the state machine is rebuilt from the log as entries commit).',
  },
  {
    name: 'updateTerm',
    source: 'raft',
    on: ['request_vote', 'request_vote_res', 'append_entries', 'append_entries_res', 'install_snapshot', 'install_snapshot_res', 'pre_vote_res'],
    guard: 'isHigherTerm',
    target: 'follower',
    actions: ['abandonReads', 'updateTerm', 'reprocessEvent'],
    description:
      'Any Raft message carrying a higher term (but a pre-vote request, whose term is only proposed): adopt the term, ' +
      'clear the vote, forget the leader, become follower, then handle the message again as a follower.',
  },
  {
    name: 'rejectStaleAppendEntries',
    source: 'raft',
    on: ['append_entries'],
    guard: 'isStaleTerm',
    actions: ['rejectAppendEntries'],
    description: 'AppendEntries from an older term: answer failure with our term so the sender steps down.',
  },
  {
    name: 'rejectStaleSnapshot',
    source: 'raft',
    on: ['install_snapshot'],
    guard: 'isStaleTerm',
    actions: ['rejectSnapshot'],
    description: 'InstallSnapshot from an older term: answer failure with our term so the sender steps down.',
  },
  {
    name: 'installSnapshot',
    source: 'raft',
    on: ['install_snapshot'],
    guard: 'isCurrentTerm',
    target: 'follower',
    reenter: true,
    actions: ['recordLeader', 'installSnapshot'],
    description:
      "InstallSnapshot from the current term's leader (Raft §7), whatever our role: follow it, restart the election timer; unless we already hold everything it covers, replace the state machine with it, keep the log after it only if we hold its last entry, and set the commit and applied indexes to its index.",
  },
  {
    name: 'takeSnapshot',
    source: 'raft',
    on: ['snapshot_taken'],
    guard: 'isNewSnapshot',
    actions: ['compactLog'],
    description:
      'The runtime made a snapshot of the state machine at an applied index durable: discard the log entries it covers (log compaction).',
  },
  {
    name: 'rejectVote',
    source: 'raft',
    on: ['request_vote'],
    actions: ['rejectVote'],
    description:
      'A vote request we must refuse: stale term, already voted for another in this term, or a log less up to date than ours.',
  },
  {
    name: 'grantPreVote',
    source: 'raft',
    on: ['pre_vote'],
    guard: 'canGrantPreVote',
    actions: ['grantPreVote'],
    description:
      'A pre-vote for a later term from a node whose log is at least as up to date, while we know no live leader: say we would vote. Nothing changes here: no term, no vote.',
  },
  {
    name: 'rejectPreVote',
    source: 'raft',
    on: ['pre_vote'],
    actions: ['rejectPreVote'],
    description: 'A pre-vote we refuse: not for a later term, a less up-to-date log, or we hear from a live leader.',
  },
  {
    name: 'applyCommitted',
    source: 'raft',
    on: ['always'],
    guard: 'hasCommittedUnapplied',
    actions: ['applyCommitted'],
    description:
      'Apply committed entries to the state machine in log order, answering the clients this node holds requests for.',
  },
  {
    name: 'refuseClientRequest',
    source: 'raft',
    on: ['client_request'],
    actions: ['refuseUnavailable'],
    description:
      'A client request at a node that knows no leader (or a proxied request at a non-leader): error 11, definite, since nothing was appended.',
  },

  // ---- follower -----------------------------------------------------------
  {
    name: 'followerElectionTimeout',
    source: 'follower',
    on: ['after:electionTimeout'],
    target: 'precandidate',
    actions: ['becomePreCandidate', 'requestPreVotes'],
    description:
      'No leader heard from for an election timeout: forget the leader and ask every peer whether it would vote for us in the next term.',
  },
  {
    name: 'grantVote',
    source: 'follower',
    on: ['request_vote'],
    guard: 'canGrantVote',
    target: 'follower',
    reenter: true,
    actions: ['grantVote'],
    description:
      'A vote request of the current term from a candidate whose log is at least as up to date as ours, and no other vote cast in this term: grant it and restart the election timer.',
  },
  {
    name: 'acceptAppendEntries',
    source: 'follower',
    on: ['append_entries'],
    guard: 'isCurrentTerm',
    target: 'follower',
    reenter: true,
    actions: ['recordLeader', 'handleAppendEntries'],
    description:
      "AppendEntries from the current term's leader: remember the leader, restart the election timer, check the log matches at prev_log_index, append (truncating only on conflict), advance the commit index.",
  },
  {
    name: 'followerLocalRead',
    source: 'follower',
    on: ['client_request'],
    guard: 'canServeLocalRead',
    actions: ['serveLocalRead'],
    description:
      "UNSAFE, only with RAFT_READS=local (or RAFT_TXN_READS=local for a read-only txn): answer the read at once from this follower's own state machine instead of proxying it; a follower cut off from the leader answers with stale values.",
  },
  {
    name: 'forwardRead',
    source: 'follower',
    on: ['client_request'],
    guard: 'canForwardRead',
    actions: ['forwardReadToLeader'],
    description:
      'A read (or read-only txn) the leader serves by ReadIndex, at a follower that knows the leader: forward it with our term, which tells the leader we had voted for no later leader when the read was sent, and relay the answer.',
  },
  {
    name: 'proxyToLeader',
    source: 'follower',
    on: ['client_request'],
    guard: 'canProxy',
    actions: ['proxyToLeader'],
    description: 'A client request at a follower that knows the leader: forward it and relay the answer.',
  },

  // ---- precandidate -------------------------------------------------------
  {
    name: 'preCandidateElectionTimeout',
    source: 'precandidate',
    on: ['after:electionTimeout'],
    target: 'precandidate',
    reenter: true,
    actions: ['becomePreCandidate', 'requestPreVotes'],
    description: 'No majority said it would vote for us in time: ask again, still in the same term.',
  },
  {
    name: 'recordPreVote',
    source: 'precandidate',
    on: ['pre_vote_res'],
    guard: 'isPreVoteGranted',
    actions: ['recordPreVote'],
    description: 'A peer would vote for us in the next term: count it.',
  },
  {
    name: 'becomeCandidate',
    source: 'precandidate',
    on: ['always'],
    guard: 'hasPreVoteQuorum',
    target: 'candidate',
    actions: ['becomeCandidate', 'requestVotes'],
    description:
      'A majority would vote for us: start an election in the next term, vote for self, forget the leader, request votes.',
  },
  {
    name: 'abandonPreVote',
    source: 'precandidate',
    on: ['append_entries'],
    guard: 'isCurrentTerm',
    target: 'follower',
    actions: ['recordLeader', 'handleAppendEntries'],
    description: 'A leader of our term is alive after all: follow it and handle its AppendEntries.',
  },
  {
    name: 'preCandidateLocalRead',
    source: 'precandidate',
    on: ['client_request'],
    guard: 'canServeLocalRead',
    actions: ['serveLocalRead'],
    description:
      "UNSAFE, only with RAFT_READS=local (or RAFT_TXN_READS=local): answer the read from this node's own state machine, though it knows no leader and may be far behind.",
  },

  // ---- candidate ----------------------------------------------------------
  {
    name: 'candidateElectionTimeout',
    source: 'candidate',
    on: ['after:electionTimeout'],
    target: 'precandidate',
    actions: ['becomePreCandidate', 'requestPreVotes'],
    description: 'The election did not conclude in time: go back to asking for pre-votes for the next term.',
  },
  {
    name: 'recordVote',
    source: 'candidate',
    on: ['request_vote_res'],
    guard: 'isVoteGrantedInCurrentTerm',
    actions: ['recordVote'],
    description: 'A vote granted in the current term: count it.',
  },
  {
    name: 'becomeLeader',
    source: 'candidate',
    on: ['always'],
    guard: 'hasVoteQuorum',
    target: 'leader',
    actions: ['becomeLeader', 'sendHeartbeats'],
    description:
      'Votes from a majority in the current term: become leader, initialise next/match indexes, forget the known leader, append a no-op of the new term and announce it to every follower.',
  },
  {
    name: 'yieldToLeader',
    source: 'candidate',
    on: ['append_entries'],
    guard: 'isCurrentTerm',
    target: 'follower',
    actions: ['recordLeader', 'handleAppendEntries'],
    description: 'Another node won the election of our term: become its follower and handle its AppendEntries.',
  },
  {
    name: 'candidateLocalRead',
    source: 'candidate',
    on: ['client_request'],
    guard: 'canServeLocalRead',
    actions: ['serveLocalRead'],
    description:
      "UNSAFE, only with RAFT_READS=local (or RAFT_TXN_READS=local): answer the read from this node's own state machine, though it knows no leader and may be far behind.",
  },

  // ---- leader -------------------------------------------------------------
  {
    name: 'leaderRefusesPreVote',
    source: 'leader',
    on: ['pre_vote'],
    actions: ['rejectPreVote'],
    description: 'A leader is the live leader: it never says it would vote for another.',
  },
  {
    name: 'leaderLocalRead',
    source: 'leader',
    on: ['client_request'],
    guard: 'canServeLocalRead',
    actions: ['serveLocalRead'],
    description:
      "UNSAFE, only with RAFT_READS=local (or RAFT_TXN_READS=local): answer the read at once from the leader's state machine, without confirming that it still leads; a deposed leader answers with stale values.",
  },
  {
    name: 'leaseRead',
    source: 'leader',
    on: ['client_request'],
    guard: 'canServeLeaseRead',
    actions: ['serveLeaseRead'],
    description:
      'A read (RAFT_READS=lease; or a read-only txn with RAFT_TXN_READS=lease) at a leader that has committed an entry of its term, applied up to its commit index and holds a lease (a majority answered a broadcast sent less than the lease ago on its clock): answer from the state machine at once, with no confirmation round (thesis §6.4.1). Without a lease the read takes readIndex.',
  },
  {
    name: 'forwardedReadIndex',
    source: 'leader',
    on: ['client_request'],
    guard: 'canServeForwardedRead',
    actions: ['queueForwardedRead'],
    description:
      'A read a follower forwarded in a term no later than ours, at a leader that has committed an entry of its term: as readIndex, and the follower counts as one confirmation of it (with three servers it and the leader are a majority, and the read waits for no broadcast).',
  },
  {
    name: 'readIndex',
    source: 'leader',
    on: ['client_request'],
    guard: 'canServeReadIndex',
    actions: ['queueRead'],
    description:
      'A read (RAFT_READS=readindex, the default, or lease without a lease; or a read-only txn likewise with RAFT_TXN_READS) at a leader that has committed an entry of its term: note the commit index and wait for a majority to answer a broadcast sent after it (the next one, which goes at the end of the batch: confirmReads), instead of appending the read to the log (ReadIndex).',
  },
  {
    name: 'answerReads',
    source: 'leader',
    on: ['always'],
    guard: 'hasConfirmedRead',
    actions: ['answerReads'],
    description:
      'A majority answered a broadcast sent after the read arrived, and the state machine has applied up to its read index: answer it from the state machine.',
  },
  {
    name: 'clientRequest',
    source: 'leader',
    on: ['client_request'],
    actions: ['appendClientEntry'],
    description:
      'A client request (direct or proxied) at the leader: append it to the log in the current term and have the runtime track its client; the entry goes out at the end of the batch of input (replicate).',
  },
  {
    name: 'handleAppendEntriesResponse',
    source: 'leader',
    on: ['append_entries_res'],
    guard: 'isCurrentTerm',
    actions: ['handleAppendEntriesResponse'],
    description:
      'A follower answered AppendEntries of our term: on success raise its match/next index and take what the answer covers out of its in-flight window; on mismatch back its next index off (using its hint) and empty its window. What it still lacks goes out at the end of the batch (replicate).',
  },
  {
    name: 'handleInstallSnapshotResponse',
    source: 'leader',
    on: ['install_snapshot_res'],
    guard: 'isCurrentTerm',
    actions: ['handleInstallSnapshotResponse'],
    description:
      'A follower installed our snapshot: it now holds everything up to its index; raise its match and next indexes (what follows goes out at the end of the batch).',
  },
  {
    name: 'confirmReads',
    source: 'leader',
    on: ['flush'],
    guard: 'hasUnsentReadRound',
    actions: ['confirmReads'],
    description:
      'End of a batch of input in which reads arrived: number a new broadcast and send it to every follower, riding on the entries each is due within its flow control (as replicate), an empty AppendEntries to one due none; a majority of answers confirms the reads (ReadIndex, one round for all the reads of a batch, never waiting for a round in flight).',
  },
  {
    name: 'replicate',
    source: 'leader',
    on: ['flush'],
    guard: 'hasReplicationWork',
    actions: ['replicateLog'],
    description:
      "End of a batch of input: send every follower the entries it lacks, within its flow control (etcd-io/raft's progress: a follower whose log is known to match ours up to its match index gets them at once, after what is in flight, up to maxInflight messages; one whose match is unknown gets one AppendEntries at a time from its next index), or our snapshot when it needs one and it is due.",
  },
  {
    name: 'advanceCommitIndex',
    source: 'leader',
    on: ['always'],
    guard: 'canAdvanceCommitIndex',
    actions: ['advanceCommitIndex'],
    description:
      'The median of the match indexes (the highest index stored on a majority) is above the commit index and that entry is of the current term: commit up to it.',
  },
  {
    name: 'checkQuorum',
    source: 'leader',
    on: ['after:heartbeatInterval'],
    guard: 'hasLostQuorum',
    target: 'follower',
    actions: ['abandonReads', 'stepDown'],
    description:
      'A whole lease window (leaderLeaseTicks heartbeats) passed without hearing from a majority: step down to follower in the same term, forgetting the leader.',
  },
  {
    name: 'heartbeat',
    source: 'leader',
    on: ['after:heartbeatInterval'],
    target: 'leader',
    reenter: true,
    actions: ['tickLeaderLease', 'sendHeartbeats'],
    description:
      'Heartbeat tick: count a tick of the lease window, then send every follower AppendEntries from its next index (empty when it is up to date; a retransmission when a request was lost), except, while no read waits, a follower sent entries since the last tick (it heard from us already), or our snapshot to a follower that needs entries we have compacted away (again only after a few ticks without an answer).',
  },
];

/** The initial role. */
export const initialRole: Role = 'follower';

/** Which timers run in which role (the runtime draws their lengths). */
export const timers: Readonly<Record<Role, readonly DelayName[]>> = {
  follower: ['electionTimeout'],
  precandidate: ['electionTimeout'],
  candidate: ['electionTimeout'],
  leader: ['heartbeatInterval'],
};

/** Entry actions per role (bookkeeping that belongs to entering a role). */
export const entryActions: Readonly<Record<Role, readonly string[]>> = {
  // A follower keeps the timeout it has: it re-enters itself on every
  // AppendEntries, and a fresh draw there buys nothing. Each election round
  // (precandidate, candidate) draws anew, which is what breaks split votes.
  follower: [],
  precandidate: ['drawElectionTimeout'],
  candidate: ['drawElectionTimeout'],
  leader: [],
};
