-------------------------------- MODULE Raft --------------------------------
(***************************************************************************)
(* Raft as raftchart implements it.                                        *)
(*                                                                         *)
(* Every chart transition of spec/chart.ts is one step of this spec:       *)
(* spec/tla-mapping.ts names, for each transition, the action of Next it   *)
(* belongs to and the operator below that is its branch (GrantVote and     *)
(* RejectVote are the two branches of HandleRequestVoteRequest, ...).      *)
(* test/mirror.test.ts parses this module and checks, per transition,     *)
(* that the variables the chart's actions write are exactly the variables  *)
(* the branch changes (those primed and not UNCHANGED), and that the       *)
(* chart's guard is a conjunct of the branch under the same name           *)
(* (canGrantVote is CanGrantVote).  tla/TraceRaft.tla replays the          *)
(* simulator's traces as behaviours of this spec.                          *)
(*                                                                         *)
(* Timing is abstracted as nondeterminism: an election timeout, a          *)
(* heartbeat and a CheckQuorum step-down may happen at any time.  The      *)
(* network is a bag of messages: any message may be received next;         *)
(* DropMessage and DuplicateMessage are the network losing and copying     *)
(* one.  Restart is a crash and restart of a server that keeps its        *)
(* persistent state (currentTerm, votedFor, its snapshot and its log; a    *)
(* leader may lose the entries of its term it had not synced yet).         *)
(*                                                                         *)
(* Log compaction (Raft section 7): TakeSnapshot discards the log up to    *)
(* the applied index; a leader sends its snapshot (SendSnapshot) to a      *)
(* follower that needs an entry it discarded; the follower installs it    *)
(* (HandleInstallSnapshotRequest).  See "Snapshots" below for how a        *)
(* compacted log is represented.                                          *)
(*                                                                         *)
(* Clients: ClientRequest is a write entering a leader's log, ReadIndex    *)
(* and AnswerReads serve reads without the log (ReadIndex, Raft thesis     *)
(* 6.4; a read a follower forwards with its term, ForwardRead, counts the  *)
(* follower as one confirmation: HandleForwardedRead),                     *)
(* LeaseRead serves them at once by a leader lease (thesis 6.4.1,          *)
(* with Leases; see "Leader leases" below), ApplyEntry answers the writes  *)
(* a server holds.  Every answer is    *)
(* recorded in `answered`, and AnswersLinearizable checks it against the   *)
(* committed log.                                                          *)
(*                                                                         *)
(* Bugs is a set of names of known implementation mistakes; the main      *)
(* models set it to {}, each MCRaftBug*.cfg switches one on and expects    *)
(* TLC to report the violation its cfg names.                              *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets, Bags, TLC

CONSTANTS
    Server,          \* the set of servers
    Value,           \* values clients may submit
    Nil,             \* "no server" (no vote, no known leader)
    Noop,            \* the value of the entry a new leader appends
    MaxBatch,        \* most entries one AppendEntries carries (>= 1)
    Leases,          \* TRUE: reads may be served by leader leases (RAFT_READS=lease)
    Bugs             \* the deliberate mistakes switched on ({} in the real protocol)

KnownBugs == {
    "CommitEarlierTerm",       \* commit by counting replicas, any term (Figure 8)
    "TwoVotesPerTerm",         \* grant a vote ignoring votedFor
    "TruncateWithoutConflict", \* truncate at prevLogIndex on every append
    "NoStepDown",              \* a leader adopts a higher term but stays leader
    "CountStaleVote",          \* a candidate counts a vote granted in an earlier term
    "MatchIsLogLength",        \* a follower answers matchIndex = its log length
    "LogOkIgnoresTerm",        \* AppendEntries' log check ignores prevLogTerm
    "ReadWithoutTermCommit",   \* ReadIndex before the leader committed in its term
    "ReadWithoutConfirmation", \* a read answered without the confirmation round
    "VoteNotPersisted",        \* a restart forgets the vote
    "LeaderIgnoresHigherTerm", \* a leader ignores a higher term in an AppendEntries answer
    "PreVoteRaisesTerm",       \* a pre-vote request raises the receiver's term
    "LocalReads",              \* any server answers reads from its own state (RAFT_READS=local)
    "SnapshotKeepsConflictingLog", \* an installed snapshot keeps the log after its index
                               \* though our entry there is of another term
    "LeaseNoDriftMargin",      \* a follower may time out or vote before the leader's
                               \* lease that counts on it has run out
    "LeaseNoQuarantine",       \* a restarted server may vote at once, though it may
                               \* have answered a leased broadcast just before
    "ReadConfirmedBySender",   \* a read counts its sender as a confirmation, though
                               \* only a forwarding follower's term says anything
    "LeaderCountsUnsynced"     \* a leader counts its own entries in a commit quorum
                               \* before they are on its disk: a restart may lose
                               \* entries of its term it had committed
}
Bug(name) == name \in Bugs

ASSUME Nil \notin Server /\ Noop \notin Value /\ MaxBatch \in Nat \ {0} /\ Leases \in BOOLEAN
ASSUME Bugs \subseteq KnownBugs

Follower == "follower"
PreCandidate == "precandidate"   \* Pre-Vote (Raft thesis 9.6)
Candidate == "candidate"
Leader == "leader"
Role == {Follower, PreCandidate, Candidate, Leader}

-----------------------------------------------------------------------------
(* Per-server state. *)
VARIABLES
    currentTerm,   \* currentTerm[i]: latest term i has seen (persistent)
    state,         \* state[i]: the chart's role
    votedFor,      \* votedFor[i]: whom i voted for in currentTerm[i], or Nil (persistent)
    leader,        \* leader[i]: the leader i knows of in currentTerm[i], or Nil
    snapshotIndex, \* snapshotIndex[i]: the last index i's snapshot covers, 0 if none (persistent)
    snapshotTerm,  \* snapshotTerm[i]: the term of the entry at snapshotIndex[i], 0 if none (persistent)
    log,           \* log[i]: the entries [term, value] after the snapshot: log[i][k] is
                   \* the entry at index snapshotIndex[i] + k (persistent)
    commitIndex,   \* commitIndex[i]: highest index i knows committed
    lastApplied,   \* lastApplied[i]: highest index i applied to its state machine
    appliedLog,    \* appliedLog[i]: the entries i applied, in order (the state
                   \* machine's input; kept apart from log so that a log
                   \* truncated after applying cannot hide what was applied)
    preVotes,      \* preVotes[i]: servers that would vote for i in currentTerm[i] + 1
    votesGranted,  \* votesGranted[i]: servers that granted i a vote this term
    nextIndex,     \* nextIndex[i][j]: next entry the leader i sends to j
    matchIndex,    \* matchIndex[i][j]: highest index the leader i knows j stores
    heartbeatSeq,  \* heartbeatSeq[i]: number of the leader's latest AppendEntries
                   \* broadcast in its term (1 after BecomeLeader)
    acked,         \* acked[i][j]: highest broadcast number j answered in i's term
    reads          \* reads[i]: reads waiting at the leader i, oldest first:
                   \* [seq, readIndex, mustSee, by] (mustSee is history, see
                   \* below; by is the follower that forwarded the read, or i)

(* Kept by the node's runtime beside the chart (the `track` and `apply`
   effects): the writes i must answer once applied, as [index, term]. *)
VARIABLE pending

(* The network: a bag (multiset) of messages. *)
VARIABLE msgs

(* History, for invariants and model bounds only; no action reads them. *)
VARIABLES
    elected,       \* set of <<term, server>>: who became leader in which term
    committed,     \* set of [index, entry, term]: entries committed by a leader
                   \* in term `term`
    answered,      \* the answers clients got: [kind |-> "read", mustSee, state]
                   \* or [kind |-> "write", index, entry]
    restartCount   \* how many Restart steps happened

(* Leader leases (with Leases; see "Leader leases" below). *)
VARIABLES
    heard,         \* heard[i]: the leader i last accepted an AppendEntries or a
                   \* snapshot from, its term, and the highest broadcast number
                   \* it accepted from it (the code keeps when, not which)
    expired        \* expired[i]: (the clock assumption, a ghost no server reads)
                   \* the lease windows of leader i's broadcasts numbered up to
                   \* this have closed: a follower that accepted one of them
                   \* has since timed out or voted

serverVars == <<currentTerm, state, votedFor, leader>>
snapshotVars == <<snapshotIndex, snapshotTerm>>
logVars == <<log, snapshotVars, commitIndex, lastApplied, appliedLog>>
candidateVars == <<preVotes, votesGranted>>
leaderVars == <<nextIndex, matchIndex>>
clientVars == <<heartbeatSeq, acked, reads, pending>>
historyVars == <<elected, committed, answered, restartCount>>
leaseVars == <<heard, expired>>
vars == <<serverVars, logVars, candidateVars, leaderVars, clientVars, msgs, historyVars, leaseVars>>

-----------------------------------------------------------------------------
(* Helpers. *)

Min(a, b) == IF a <= b THEN a ELSE b
Max(a, b) == IF a >= b THEN a ELSE b

Quorum == {Q \in SUBSET Server : Cardinality(Q) * 2 > Cardinality(Server)}

Entry == [term : Nat, value : Value \cup {Noop}]

(* Snapshots.  The log of a server starts after its snapshot, as the code's
   RaftLog does (src/core/log.ts): entries up to snapshotIndex[i] are gone,
   the one at snapshotIndex[i] is known only by its term (snapshotTerm[i]),
   and log[i] holds the entries after it.  So an action cannot read a
   compacted entry by mistake: every access goes through the operators
   below, by the index the code uses (a log index, not a position in
   log[i]), and is only defined where the code's is.

   The snapshot's data, the state machine at snapshotIndex[i], is the
   prefix of appliedLog[i] up to snapshotIndex[i] (the state machine is a
   function of the entries applied, in order): a snapshot is taken at the
   applied index, an installed one replaces appliedLog, and a restart keeps
   that prefix.  SnapshotSound checks that the prefix is there and ends
   with an entry of term snapshotTerm[i]. *)

(* The index of i's last entry (the snapshot index when it holds none). *)
LastIndex(i) == snapshotIndex[i] + Len(log[i])
LastTerm(i) == IF Len(log[i]) = 0 THEN snapshotTerm[i] ELSE log[i][Len(log[i])].term
(* Does i hold the entry at index k (not compacted, not past the end)? *)
Holds(i, k) == snapshotIndex[i] < k /\ k <= LastIndex(i)
(* The entry at index k, for Holds(i, k). *)
EntryAt(i, k) == log[i][k - snapshotIndex[i]]
(* The term at index k, for snapshotIndex[i] <= k <= LastIndex(i) (0 at 0). *)
TermAt(i, k) == IF k = snapshotIndex[i] THEN snapshotTerm[i] ELSE EntryAt(i, k).term
(* The entries at indexes from..to (all held, or none when to < from). *)
Entries(i, from, to) == SubSeq(log[i], from - snapshotIndex[i], to - snapshotIndex[i])
(* What the snapshot of i holds: the state machine's input up to its index. *)
SnapshotData(i) == SubSeq(appliedLog[i], 1, snapshotIndex[i])
(* The log as if nothing were compacted (for invariants; no action reads it). *)
FullLog(i) == SnapshotData(i) \o log[i]

Send(m) == msgs' = msgs (+) SetToBag({m})
Discard(m) == msgs' = msgs (-) SetToBag({m})
Reply(response, request) == msgs' = (msgs (-) SetToBag({request})) (+) SetToBag({response})

(* The candidate's log is at least as up to date as i's (Raft 5.4.1). *)
LogUpToDate(i, lastLogTerm, lastLogIndex) ==
    \/ lastLogTerm > LastTerm(i)
    \/ /\ lastLogTerm = LastTerm(i)
       /\ lastLogIndex >= LastIndex(i)

(* The median of the match indexes: the highest index stored on a majority,
   counting the leader itself at its last index. *)
MatchOf(i, j) == IF i = j THEN LastIndex(i) ELSE matchIndex[i][j]
StoredOnQuorum(i, n) == \E Q \in Quorum : \A j \in Q : MatchOf(i, j) >= n
MedianMatch(i) == CHOOSE n \in 0..LastIndex(i) :
                      /\ StoredOnQuorum(i, n)
                      /\ \A k \in (n+1)..LastIndex(i) : ~StoredOnQuorum(i, k)

(* Figure 2 append of the entries following index prev: skip the entries that
   already match, truncate only at the first conflicting entry, append the
   rest.  A delayed duplicate therefore never erases anything.  Entries at or
   below the snapshot index are skipped: they are committed, so every
   leader's match them.  The result is the new log[i] (after the snapshot). *)
FirstNew(i, prev, entries) ==
    LET new == {k \in 1..Len(entries) :
                    /\ prev + k > snapshotIndex[i]
                    /\ \/ prev + k > LastIndex(i)
                       \/ TermAt(i, prev + k) /= entries[k].term}
    IN IF new = {} THEN 0 ELSE CHOOSE k \in new : \A k2 \in new : k <= k2
MergeEntries(i, prev, entries) ==
    IF Bug("TruncateWithoutConflict")
    THEN \* the seed's bug
         Entries(i, snapshotIndex[i] + 1, Max(prev, snapshotIndex[i]))
         \o SubSeq(entries, Max(snapshotIndex[i] - prev, 0) + 1, Len(entries))
    ELSE LET k == FirstNew(i, prev, entries)
         IN IF k = 0 THEN log[i]
            ELSE Entries(i, snapshotIndex[i] + 1, prev + k - 1) \o SubSeq(entries, k, Len(entries))

(* The back-off hint of a failed AppendEntries: the first index of the term
   of our entry at prevLogIndex, never below the first entry we hold (or our
   last index + 1 when we have no entry there), so that the leader skips a
   whole conflicting term at once. *)
FirstIndexOfTerm(i, n) ==
    IF n <= snapshotIndex[i] THEN n
    ELSE CHOOSE k \in (snapshotIndex[i] + 1)..n :
             /\ \A k2 \in k..n : TermAt(i, k2) = TermAt(i, n)
             /\ k - 1 > snapshotIndex[i] => TermAt(i, k - 1) /= TermAt(i, n)
BackOffHint(i, prev) ==
    IF prev > LastIndex(i) THEN LastIndex(i) + 1 ELSE FirstIndexOfTerm(i, prev)

(* Leader leases.  A leader's lease is measured from the send time of a
   broadcast that a majority (the leader included) answered; a follower that
   accepted a broadcast grants no vote, and times out no earlier, than an
   election timeout (at least electionMinMs on its clock) after it heard
   from the leader; a lease lasts at most electionMinMs * (1 - rho) / (1 + rho)
   on the leader's clock, rho the bound on clock drift.  So, in real time,
   the lease window of a broadcast closes before any follower that accepted
   it (or a later one of the same leader) times out or votes.  The spec has
   no real time: that ordering is the clock assumption, and it is stated as
   a ghost, `expired`: a follower's Timeout or GrantVote closes the windows
   of every broadcast it accepted from its leader (CloseWindows), and
   LeaseRead needs a broadcast whose window is still open.  A restarted
   server counts its start as the last time it heard a leader (a
   quarantine): its `heard` survives the restart. *)
NoHeard == [leader |-> Nil, term |-> 0, seq |-> 0]

(* i accepted an AppendEntries (broadcast seq; 0 for a snapshot) from j in
   i's current term. *)
Heard(i, j, seq) ==
    heard' = [heard EXCEPT ![i] =
                 IF @.leader = j /\ @.term = currentTerm[i]
                 THEN [@ EXCEPT !.seq = Max(@, seq)]
                 ELSE [leader |-> j, term |-> currentTerm[i], seq |-> seq]]

(* i's election timeout fired, or i votes: an election timeout has passed
   since i last heard from its leader, so that leader's lease windows of the
   broadcasts i accepted have closed (the clock assumption). *)
CloseWindows(i) ==
    LET h == heard[i] IN
    IF h.leader /= Nil /\ currentTerm[h.leader] = h.term /\ ~Bug("LeaseNoDriftMargin")
    THEN expired' = [expired EXCEPT ![h.leader] = Max(@, h.seq)]
    ELSE UNCHANGED expired

(* The highest index committed so far (history; what a read must see). *)
CommittedLen == LET idx == {c.index : c \in committed}
                IN IF idx = {} THEN 0 ELSE CHOOSE n \in idx : \A k \in idx : k <= n

-----------------------------------------------------------------------------
(* Message types. *)
PreVoteRequest == "pre_vote"
PreVoteResponse == "pre_vote_res"
RequestVoteRequest == "request_vote"
RequestVoteResponse == "request_vote_res"
AppendEntriesRequest == "append_entries"
AppendEntriesResponse == "append_entries_res"
InstallSnapshotRequest == "install_snapshot"
InstallSnapshotResponse == "install_snapshot_res"
ForwardedRead == "forwarded_read"   \* a client's read a follower forwards (ForwardRead)

(* Does the follower j need entries the leader i has compacted away (so its
   snapshot)?  The code's needsSnapshot. *)
NeedsSnapshot(i, j) == nextIndex[i][j] <= snapshotIndex[i]

(* An AppendEntries from the leader i to j: its entries from index `from`,
   at most `count` of them, numbered with broadcast `seq`.  To a follower
   that needs our snapshot, an empty one from the snapshot index (its
   prevLogTerm the snapshot's term), as the code sends (appendEntriesTo). *)
AppendEntriesFrom(i, j, from, count, seq) ==
    LET next == IF NeedsSnapshot(i, j) THEN snapshotIndex[i] + 1 ELSE from
        prevLogIndex == next - 1
        lastEntry == IF NeedsSnapshot(i, j) THEN prevLogIndex
                     ELSE Min(LastIndex(i), prevLogIndex + count)
    IN [mtype |-> AppendEntriesRequest,
        mterm |-> currentTerm[i],
        mprevLogIndex |-> prevLogIndex,
        mprevLogTerm |-> TermAt(i, prevLogIndex),
        mentries |-> Entries(i, next, lastEntry),
        mcommitIndex |-> commitIndex[i],
        mseq |-> seq,
        msource |-> i,
        mdest |-> j]

(* The AppendEntries from nextIndex[i][j]. *)
AppendEntriesMessage(i, j, count, seq) == AppendEntriesFrom(i, j, nextIndex[i][j], count, seq)

(* Where an AppendEntries of i to j may start: at nextIndex[i][j], or, once
   an answer showed j's log matches i's up to matchIndex[i][j] (nextIndex is
   just past it: etcd-io/raft's replicate state), after entries already sent
   and not yet answered (pipelining: the code sends after the last index in
   flight, which the spec does not track, so any later index of i's log). *)
AppendEntriesStarts(i, j) ==
    {nextIndex[i][j]} \cup
        IF nextIndex[i][j] = matchIndex[i][j] + 1 THEN nextIndex[i][j]..LastIndex(i) ELSE {}

-----------------------------------------------------------------------------
Init ==
    /\ currentTerm = [i \in Server |-> 0]
    /\ state = [i \in Server |-> Follower]
    /\ votedFor = [i \in Server |-> Nil]
    /\ leader = [i \in Server |-> Nil]
    /\ snapshotIndex = [i \in Server |-> 0]
    /\ snapshotTerm = [i \in Server |-> 0]
    /\ log = [i \in Server |-> << >>]
    /\ commitIndex = [i \in Server |-> 0]
    /\ lastApplied = [i \in Server |-> 0]
    /\ appliedLog = [i \in Server |-> << >>]
    /\ preVotes = [i \in Server |-> {}]
    /\ votesGranted = [i \in Server |-> {}]
    /\ nextIndex = [i \in Server |-> [j \in Server |-> 1]]
    /\ matchIndex = [i \in Server |-> [j \in Server |-> 0]]
    /\ heartbeatSeq = [i \in Server |-> 0]
    /\ acked = [i \in Server |-> [j \in Server |-> 0]]
    /\ reads = [i \in Server |-> << >>]
    /\ pending = [i \in Server |-> {}]
    /\ msgs = EmptyBag
    /\ elected = {}
    /\ committed = {}
    /\ answered = {}
    /\ restartCount = 0
    /\ heard = [i \in Server |-> NoHeard]
    /\ expired = [i \in Server |-> 0]

-----------------------------------------------------------------------------
(* The chart's guards, under the chart's names (isHigherTerm is
   IsHigherTerm).  The mirror check finds each one as a conjunct of the
   branch its transition maps to. *)

IsHigherTerm(i, m) == m.mterm > currentTerm[i]
IsStaleTerm(i, m) == m.mterm < currentTerm[i]
IsCurrentTerm(i, m) == m.mterm = currentTerm[i]

(* Figure 2 RequestVote: same term, no other vote this term, the candidate's
   log at least as up to date. *)
CanGrantVote(i, m) ==
    /\ IsCurrentTerm(i, m)
    /\ \/ votedFor[i] \in {Nil, m.msource}
       \/ Bug("TwoVotesPerTerm")
    /\ LogUpToDate(i, m.mlastLogTerm, m.mlastLogIndex)

(* Pre-Vote: a later term, a log at least as up to date, and no live leader
   known (leader stickiness). *)
CanGrantPreVote(i, m) ==
    /\ m.mterm > currentTerm[i]
    /\ leader[i] = Nil
    /\ LogUpToDate(i, m.mlastLogTerm, m.mlastLogIndex)

(* In lease mode a server grants no vote and no pre-vote until an election
   timeout has passed on its clock since it last heard from a leader (or
   since it started, after a restart): timing, so here it may refuse any
   (refusing is always safe). *)
MayRefuseByClock == Leases

IsPreVoteGranted(i, m) == m.mvoteGranted /\ m.mrequestedTerm = currentTerm[i] + 1
HasPreVoteQuorum(i) == preVotes[i] \in Quorum
IsVoteGrantedInCurrentTerm(i, m) ==
    /\ \/ IsCurrentTerm(i, m)
       \/ Bug("CountStaleVote") /\ m.mterm < currentTerm[i]
    /\ m.mvoteGranted
HasVoteQuorum(i) == votesGranted[i] \in Quorum
HasCommittedUnapplied(i) == lastApplied[i] < commitIndex[i]

(* Only the current term's entries are committed by counting replicas
   (Raft 5.4.2, Figure 8). *)
CanAdvanceCommitIndex(i) ==
    LET n == MedianMatch(i) IN
    /\ n > commitIndex[i]
    /\ \/ TermAt(i, n) = currentTerm[i]
       \/ Bug("CommitEarlierTerm")

(* A leader serves a read without the log once it has committed an entry of
   its own term, so that its commit index is up to date. *)
CanServeReadIndex(i) ==
    \/ /\ commitIndex[i] > 0
       /\ TermAt(i, commitIndex[i]) = currentTerm[i]
    \/ Bug("ReadWithoutTermCommit")

(* A read is ready once a majority (the leader included) answered a
   broadcast numbered at least the read's, and the leader applied up to the
   read's index. *)
IsReadReady(i, r) ==
    LET confirmed == {i, r.by} \cup {j \in Server \ {i} : acked[i][j] >= r.seq}
    IN
    /\ lastApplied[i] >= r.readIndex
    /\ \/ confirmed \in Quorum
       \/ Bug("ReadWithoutConfirmation")
       \/ /\ Bug("ReadConfirmedBySender")   \* a client counted as a server
          /\ r.by = i
          /\ Cardinality(confirmed) * 2 + 2 > Cardinality(Server)
HasConfirmedRead(i) == reads[i] /= << >> /\ IsReadReady(i, Head(reads[i]))

(* The chart's eventless transitions (becomeCandidate, becomeLeader,
   advanceCommitIndex, applyCommitted, answerReads) run before the machine
   handles its next event: XState takes an enabled eventless transition within
   the macrostep of the event that enabled it.  So a server handles no event,
   timer or client request while one of them is enabled: every action of
   server i that an event triggers requires Settled(i).  Other servers and
   the network may still move in between. *)
Settled(i) ==
    /\ ~(state[i] = PreCandidate /\ HasPreVoteQuorum(i))
    /\ ~(state[i] = Candidate /\ HasVoteQuorum(i))
    /\ ~(state[i] = Leader /\ CanAdvanceCommitIndex(i))
    /\ ~HasCommittedUnapplied(i)
    /\ ~(state[i] = Leader /\ HasConfirmedRead(i))

-----------------------------------------------------------------------------
(* Actions of the servers. *)

(* Chart: updateTerm (any role, any Raft message with a higher term but a
   pre-vote request, whose term is only proposed).  Adopt the term, clear the
   vote and the votes granted, forget the leader, become follower; reads
   waiting at a leader fail (error 11, which is always safe for a read).  The
   message stays in the network: the chart's reprocessEvent handles it next,
   as a follower of the new term (any step may come in between, which only
   adds behaviours). *)
UpdateTerm(m) ==
    LET i == m.mdest IN
    /\ Settled(i)
    /\ \/ m.mtype /= PreVoteRequest
       \/ Bug("PreVoteRaisesTerm")
    /\ ~(Bug("LeaderIgnoresHigherTerm") /\ m.mtype = AppendEntriesResponse /\ state[i] = Leader)
    /\ m.mtype /= ForwardedRead   \* a client's request to the chart, not a Raft message
    /\ IsHigherTerm(i, m)
    /\ currentTerm' = [currentTerm EXCEPT ![i] = m.mterm]
    /\ votedFor' = [votedFor EXCEPT ![i] = Nil]
    /\ leader' = [leader EXCEPT ![i] = Nil]
    /\ votesGranted' = [votesGranted EXCEPT ![i] = {}]
    /\ reads' = [reads EXCEPT ![i] = << >>]
    /\ IF Bug("NoStepDown") /\ state[i] = Leader
       THEN UNCHANGED state                                 \* the bug
       ELSE state' = [state EXCEPT ![i] = Follower]
    /\ UNCHANGED <<logVars, preVotes, leaderVars, heartbeatSeq, acked, pending,
                   msgs, historyVars, leaseVars>>

(* Next term, vote for self, forget the leader, request votes: what
   becomeCandidate does after a pre-vote quorum. *)
Campaign(i) ==
    /\ state' = [state EXCEPT ![i] = Candidate]
    /\ currentTerm' = [currentTerm EXCEPT ![i] = currentTerm[i] + 1]
    /\ votedFor' = [votedFor EXCEPT ![i] = i]
    /\ leader' = [leader EXCEPT ![i] = Nil]
    /\ votesGranted' = [votesGranted EXCEPT ![i] = {i}]
    /\ msgs' = msgs (+) SetToBag({[mtype |-> RequestVoteRequest,
                                    mterm |-> currentTerm[i] + 1,
                                    mlastLogTerm |-> LastTerm(i),
                                    mlastLogIndex |-> LastIndex(i),
                                    msource |-> i,
                                    mdest |-> j] : j \in Server \ {i}})

(* Chart: followerElectionTimeout, preCandidateElectionTimeout,
   candidateElectionTimeout.  Forget the leader and ask every peer whether it
   would vote for us in the next term (Pre-Vote); the term does not change.
   An election timeout has passed since we last heard from our leader: the
   lease windows of what we accepted from it have closed. *)
Timeout(i) ==
    /\ Settled(i)
    /\ state[i] \in {Follower, PreCandidate, Candidate}
    /\ CloseWindows(i)
    /\ state' = [state EXCEPT ![i] = PreCandidate]
    /\ leader' = [leader EXCEPT ![i] = Nil]
    /\ preVotes' = [preVotes EXCEPT ![i] = {i}]
    /\ msgs' = msgs (+) SetToBag({[mtype |-> PreVoteRequest,
                                    mterm |-> currentTerm[i] + 1,
                                    mlastLogTerm |-> LastTerm(i),
                                    mlastLogIndex |-> LastIndex(i),
                                    msource |-> i,
                                    mdest |-> j] : j \in Server \ {i}})
    /\ UNCHANGED <<currentTerm, votedFor, logVars, votesGranted, leaderVars,
                   clientVars, historyVars, heard>>

(* Chart: grantPreVote (any role but leader).  We would vote for the sender in
   the term it proposes.  Nothing changes here: no term, no vote. *)
GrantPreVote(m) ==
    LET i == m.mdest IN
    /\ state[i] /= Leader
    /\ CanGrantPreVote(i, m)
    /\ Reply([mtype |-> PreVoteResponse,
              mterm |-> currentTerm[i],
              mvoteGranted |-> TRUE,
              mrequestedTerm |-> m.mterm,
              msource |-> i,
              mdest |-> m.msource], m)

(* Chart: rejectPreVote (any role), leaderRefusesPreVote (leader).  A refusal
   the sender ignores (ours is not a newer term than the sender's) is not
   sent: sending and losing it is the same. *)
RejectPreVote(m) ==
    LET i == m.mdest IN
    /\ \/ ~(state[i] /= Leader /\ CanGrantPreVote(i, m))
       \/ MayRefuseByClock
    /\ IF currentTerm[i] >= m.mterm
       THEN Reply([mtype |-> PreVoteResponse,
                   mterm |-> currentTerm[i],
                   mvoteGranted |-> FALSE,
                   mrequestedTerm |-> m.mterm,
                   msource |-> i,
                   mdest |-> m.msource], m)
       ELSE Discard(m)

HandlePreVoteRequest(m) ==
    /\ m.mtype = PreVoteRequest
    /\ Settled(m.mdest)
    /\ \/ GrantPreVote(m)
       \/ RejectPreVote(m)
    /\ UNCHANGED <<serverVars, logVars, candidateVars, leaderVars, clientVars,
                   historyVars, leaseVars>>

(* Chart: recordPreVote (precandidate).  A peer would vote for us in the next
   term.  Other answers are ignored by the chart (a newer term goes through
   UpdateTerm): for the spec they are lost (DropMessage). *)
HandlePreVoteResponse(m) ==
    LET i == m.mdest IN
    /\ m.mtype = PreVoteResponse
    /\ Settled(i)
    /\ state[i] = PreCandidate
    /\ IsPreVoteGranted(i, m)
    /\ preVotes' = [preVotes EXCEPT ![i] = @ \cup {m.msource}]
    /\ Discard(m)
    /\ UNCHANGED <<serverVars, logVars, votesGranted, leaderVars, clientVars,
                   historyVars, leaseVars>>

(* Chart: becomeCandidate (precandidate, eventless).  A majority would vote
   for us: start an election in the next term, vote for self, forget the
   leader, send RequestVote to every peer. *)
BecomeCandidate(i) ==
    /\ state[i] = PreCandidate
    /\ HasPreVoteQuorum(i)
    /\ Campaign(i)
    /\ UNCHANGED <<logVars, preVotes, leaderVars, clientVars, historyVars, leaseVars>>

(* Chart: grantVote (follower).  Grant the vote and stay follower (the chart
   re-enters the role, restarting the election timer).  In lease mode the
   code grants it only an election timeout after it last heard from a
   leader (or started): the lease windows of what it accepted have closed.
   Other modes serve no lease reads, so closing them changes nothing. *)
GrantVote(m) ==
    LET i == m.mdest IN
    /\ state[i] = Follower
    /\ CanGrantVote(i, m)
    /\ CloseWindows(i)
    /\ votedFor' = [votedFor EXCEPT ![i] = m.msource]
    /\ state' = [state EXCEPT ![i] = Follower]
    /\ Reply([mtype |-> RequestVoteResponse,
              mterm |-> currentTerm[i],
              mvoteGranted |-> TRUE,
              msource |-> i,
              mdest |-> m.msource], m)

(* Chart: rejectVote (any role).  A refusal of the candidate's own term is
   ignored by the candidate (the chart has no transition for it), so it is
   not sent: sending and losing it is the same.  A refusal of a newer term is
   sent: it makes a stale candidate step down. *)
RejectVote(m) ==
    LET i == m.mdest IN
    /\ \/ ~(state[i] = Follower /\ CanGrantVote(i, m))
       \/ MayRefuseByClock
    /\ IF m.mterm < currentTerm[i]
       THEN Reply([mtype |-> RequestVoteResponse,
                   mterm |-> currentTerm[i],
                   mvoteGranted |-> FALSE,
                   msource |-> i,
                   mdest |-> m.msource], m)
       ELSE Discard(m)
    /\ UNCHANGED <<state, votedFor, expired>>

(* A RequestVote of our term or older (a newer one goes through UpdateTerm
   first). *)
HandleRequestVoteRequest(m) ==
    /\ m.mtype = RequestVoteRequest
    /\ Settled(m.mdest)
    /\ ~IsHigherTerm(m.mdest, m)
    /\ \/ GrantVote(m)
       \/ RejectVote(m)
    /\ UNCHANGED <<currentTerm, leader, logVars, candidateVars, leaderVars,
                   clientVars, historyVars, heard>>

(* Chart: recordVote (candidate).  A vote granted in our current term.
   Responses of an older term, refusals, or arriving at a non-candidate are
   ignored by the chart: for the spec they are lost (DropMessage). *)
HandleRequestVoteResponse(m) ==
    LET i == m.mdest IN
    /\ m.mtype = RequestVoteResponse
    /\ Settled(i)
    /\ state[i] = Candidate
    /\ IsVoteGrantedInCurrentTerm(i, m)
    /\ votesGranted' = [votesGranted EXCEPT ![i] = @ \cup {m.msource}]
    /\ Discard(m)
    /\ UNCHANGED <<serverVars, logVars, preVotes, leaderVars, clientVars,
                   historyVars, leaseVars>>

(* Chart: becomeLeader (candidate, eventless).  Initialise nextIndex to
   lastIndex + 1 and matchIndex to 0, forget the known leader, append a no-op
   entry of the new term, and start broadcast 1 of the term (its
   AppendEntries to each follower are AppendEntries steps). *)
BecomeLeader(i) ==
    /\ state[i] = Candidate
    /\ HasVoteQuorum(i)
    /\ state' = [state EXCEPT ![i] = Leader]
    /\ leader' = [leader EXCEPT ![i] = Nil]
    /\ nextIndex' = [nextIndex EXCEPT ![i] = [j \in Server |-> LastIndex(i) + 1]]
    /\ matchIndex' = [matchIndex EXCEPT ![i] = [j \in Server |-> 0]]
    /\ log' = [log EXCEPT ![i] = Append(@, [term |-> currentTerm[i], value |-> Noop])]
    /\ heartbeatSeq' = [heartbeatSeq EXCEPT ![i] = 1]
    /\ acked' = [acked EXCEPT ![i] = [j \in Server |-> 0]]
    /\ reads' = [reads EXCEPT ![i] = << >>]
    /\ expired' = [expired EXCEPT ![i] = 0]
    /\ elected' = elected \cup {<<currentTerm[i], i>>}
    /\ UNCHANGED <<currentTerm, votedFor, snapshotVars, commitIndex, lastApplied, appliedLog,
                   candidateVars, pending, msgs, committed, answered, restartCount, heard>>

(* Chart: clientRequest (leader).  A client request (direct, or proxied by a
   follower: proxyToLeader) enters the leader's log in its current term; the
   leader answers it once applied (pending).  The chart's replicateLog sends
   are AppendEntries steps. *)
ClientRequest(i, v) ==
    LET k == LastIndex(i) + 1 IN
    /\ Settled(i)
    /\ state[i] = Leader
    /\ log' = [log EXCEPT ![i] = Append(@, [term |-> currentTerm[i], value |-> v])]
    /\ pending' = [pending EXCEPT ![i] =
                      {p \in @ : p.index /= k} \cup {[index |-> k, term |-> currentTerm[i]]}]
    /\ UNCHANGED <<serverVars, snapshotVars, commitIndex, lastApplied, appliedLog,
                   candidateVars, leaderVars, heartbeatSeq, acked, reads, msgs, historyVars,
                   leaseVars>>

(* Chart: heartbeat (leader).  A new broadcast: its AppendEntries to each
   follower (from nextIndex, empty when the follower is up to date, a
   retransmission when one was lost) are AppendEntries steps.  The role is
   re-entered (the chart restarts the heartbeat timer). *)
Heartbeat(i) ==
    /\ Settled(i)
    /\ state[i] = Leader
    /\ state' = [state EXCEPT ![i] = Leader]
    /\ heartbeatSeq' = [heartbeatSeq EXCEPT ![i] = @ + 1]
    /\ UNCHANGED <<currentTerm, votedFor, leader, logVars, candidateVars,
                   leaderVars, acked, reads, pending, msgs, historyVars, leaseVars>>

(* The AppendEntries the chart's sendHeartbeats and replicateLog send: the
   entries from nextIndex[i][j], or in the replicate state from a later index
   (AppendEntriesStarts: at most MaxBatch; none when j is up to date), or
   none at all (confirmReads sends an empty one to a follower whose window
   is full), numbered with the current broadcast.  Since the network may lose
   any message, sending to every follower at once reaches no state that
   per-follower sending does not.  Not Settled(i): becomeLeader's
   sendHeartbeats sends within its macrostep, and sending with the commit
   index of before an eventless step only adds behaviours. *)
AppendEntries(i, j) ==
    /\ i /= j
    /\ state[i] = Leader
    /\ \/ \E from \in AppendEntriesStarts(i, j) :
              Send(AppendEntriesFrom(i, j, from, MaxBatch, heartbeatSeq[i]))
       \/ Send(AppendEntriesMessage(i, j, 0, heartbeatSeq[i]))
    /\ UNCHANGED <<serverVars, logVars, candidateVars, leaderVars, clientVars,
                   historyVars, leaseVars>>

(* Chart: rejectStaleAppendEntries (any role).  An AppendEntries of an older
   term: answer failure with our term, so that the sender steps down. *)
RejectStaleAppendEntries(m) ==
    LET i == m.mdest IN
    /\ IsStaleTerm(i, m)
    /\ Reply([mtype |-> AppendEntriesResponse,
              mterm |-> currentTerm[i],
              msuccess |-> FALSE,
              mhint |-> 0,
              msource |-> i,
              mdest |-> m.msource], m)
    /\ UNCHANGED <<serverVars, log, commitIndex, heard>>

(* Chart: acceptAppendEntries (follower), abandonPreVote (precandidate),
   yieldToLeader (candidate).  An AppendEntries of our term: become (or stay)
   follower, remember the leader, check the log matches at prevLogIndex (an
   index below our snapshot's always does: it is committed); if so append
   (truncating only on conflict) and set commitIndex := max(commitIndex,
   min(leaderCommit, index of the last new entry)); answer success and that
   index (mmatchIndex), or failure and a back-off hint (mhint).  The answer
   echoes the broadcast number (mseq). *)
AcceptAppendEntries(m) ==
    LET i == m.mdest
        j == m.msource
        logOk == \/ m.mprevLogIndex < snapshotIndex[i]
                 \/ /\ m.mprevLogIndex <= LastIndex(i)
                    /\ \/ TermAt(i, m.mprevLogIndex) = m.mprevLogTerm
                       \/ Bug("LogOkIgnoresTerm")
        lastNew == m.mprevLogIndex + Len(m.mentries)
        merged == MergeEntries(i, m.mprevLogIndex, m.mentries)
    IN
    /\ state[i] /= Leader
    /\ IsCurrentTerm(i, m)
    /\ state' = [state EXCEPT ![i] = Follower]
    /\ leader' = [leader EXCEPT ![i] = j]
    /\ Heard(i, j, m.mseq)
    /\ IF logOk
       THEN /\ log' = [log EXCEPT ![i] = merged]
            /\ commitIndex' = [commitIndex EXCEPT ![i] =
                                   Max(@, Min(m.mcommitIndex, lastNew))]
            /\ Reply([mtype |-> AppendEntriesResponse,
                      mterm |-> currentTerm[i],
                      msuccess |-> TRUE,
                      mmatchIndex |-> IF Bug("MatchIsLogLength") THEN snapshotIndex[i] + Len(merged)
                                      ELSE lastNew,
                      mseq |-> m.mseq,
                      msource |-> i,
                      mdest |-> j], m)
       ELSE /\ Reply([mtype |-> AppendEntriesResponse,
                      mterm |-> currentTerm[i],
                      msuccess |-> FALSE,
                      mhint |-> Max(BackOffHint(i, m.mprevLogIndex), 1),
                      mseq |-> m.mseq,
                      msource |-> i,
                      mdest |-> j], m)
            /\ UNCHANGED <<log, commitIndex>>

(* An AppendEntries of our term or older (a newer one goes through UpdateTerm
   first). *)
HandleAppendEntriesRequest(m) ==
    /\ m.mtype = AppendEntriesRequest
    /\ Settled(m.mdest)
    /\ ~IsHigherTerm(m.mdest, m)
    /\ \/ RejectStaleAppendEntries(m)
       \/ AcceptAppendEntries(m)
    /\ UNCHANGED <<currentTerm, votedFor, snapshotVars, lastApplied, appliedLog,
                   candidateVars, leaderVars, clientVars, historyVars, expired>>

(* Chart: handleAppendEntriesResponse (leader).  A response of our term:
   note the broadcast it answers (acked); on success matchIndex := max(old, m)
   (m capped at our last index) and nextIndex := max(nextIndex,
   matchIndex + 1); on failure back nextIndex off to the follower's hint, by
   at least one, never below matchIndex + 1 nor 1.  The chart's replicateLog
   sends are AppendEntries steps.  Responses of an older term are ignored by
   the chart: for the spec they are lost (DropMessage). *)
HandleAppendEntriesResponse(m) ==
    LET i == m.mdest
        j == m.msource
    IN
    /\ m.mtype = AppendEntriesResponse
    /\ Settled(i)
    /\ state[i] = Leader
    /\ IsCurrentTerm(i, m)
    \* (a refusal of a stale AppendEntries carries no broadcast number: it
    \* answers a request of an older term, though it arrives in ours)
    /\ acked' = IF "mseq" \in DOMAIN m THEN [acked EXCEPT ![i][j] = Max(@, m.mseq)] ELSE acked
    /\ IF m.msuccess
       THEN LET match == Max(matchIndex[i][j], Min(m.mmatchIndex, LastIndex(i))) IN
            /\ matchIndex' = [matchIndex EXCEPT ![i][j] = match]
            /\ nextIndex' = [nextIndex EXCEPT ![i][j] = Max(@, match + 1)]
       ELSE /\ nextIndex' = [nextIndex EXCEPT ![i][j] =
                                 Max(Max(matchIndex[i][j] + 1, Min(@ - 1, m.mhint)), 1)]
            /\ UNCHANGED matchIndex
    /\ Discard(m)
    /\ UNCHANGED <<serverVars, logVars, candidateVars, heartbeatSeq, reads, pending,
                   historyVars, leaseVars>>

(* Chart: advanceCommitIndex (leader, eventless).  Commit up to the median of
   the match indexes if that entry is of the current term (Raft 5.4.2). *)
AdvanceCommitIndex(i) ==
    LET n == MedianMatch(i) IN
    /\ state[i] = Leader
    /\ CanAdvanceCommitIndex(i)
    /\ commitIndex' = [commitIndex EXCEPT ![i] = n]
    \* record each entry the first time it is committed (with that term)
    /\ committed' = committed \cup
                    {[index |-> k, entry |-> EntryAt(i, k), term |-> currentTerm[i]] :
                         k \in {k2 \in (commitIndex[i] + 1)..n :
                                   ~\E c \in committed : c.index = k2 /\ c.entry = EntryAt(i, k2)}}
    /\ UNCHANGED <<serverVars, log, snapshotVars, lastApplied, appliedLog, candidateVars,
                   leaderVars, clientVars, msgs, elected, answered, restartCount, leaseVars>>

(* Chart: applyCommitted (any role, eventless).  Apply the committed entries
   not yet applied to the state machine, in log order, all in one step as the
   chart does, and answer the writes this server holds for them: those whose
   entry is still the one it appended (same term); the others' clients get
   no answer (they time out: indefinite, always safe). *)
ApplyEntry(i) ==
    LET new == (lastApplied[i] + 1)..commitIndex[i]
        done == {p \in pending[i] : p.index \in new}
    IN
    /\ HasCommittedUnapplied(i)
    /\ lastApplied' = [lastApplied EXCEPT ![i] = commitIndex[i]]
    /\ appliedLog' = [appliedLog EXCEPT ![i] =
                         @ \o Entries(i, lastApplied[i] + 1, commitIndex[i])]
    /\ pending' = [pending EXCEPT ![i] = @ \ done]
    /\ answered' = answered \cup
                   {[kind |-> "write", index |-> p.index, entry |-> EntryAt(i, p.index)] :
                        p \in {q \in done : TermAt(i, q.index) = q.term}}
    /\ UNCHANGED <<serverVars, log, snapshotVars, commitIndex, candidateVars, leaderVars,
                   heartbeatSeq, acked, reads, msgs, elected, committed, restartCount, leaseVars>>

(* Chart: confirmReads (leader, at the end of a batch of input).  Reads
   wait for a broadcast not sent yet: number a new one.  Its AppendEntries to
   every follower (riding on the entries each is due, empty otherwise) are
   AppendEntries steps. *)
HasUnsentReadRound(i) == \E k \in 1..Len(reads[i]) : reads[i][k].seq > heartbeatSeq[i]

ConfirmReads(i) ==
    /\ Settled(i)
    /\ state[i] = Leader
    /\ HasUnsentReadRound(i)
    /\ heartbeatSeq' = [heartbeatSeq EXCEPT ![i] = @ + 1]
    /\ UNCHANGED <<serverVars, logVars, candidateVars, leaderVars, acked, reads, pending,
                   msgs, historyVars, leaseVars>>

(* Chart: readIndex (leader).  A read at a leader that has committed an entry
   of its term waits, with the commit index as its read index, for a majority
   to answer a broadcast sent after it arrived (ReadIndex): the next one,
   which ConfirmReads numbers (or a Heartbeat).  mustSee records (history)
   the highest index committed when it arrived. *)
ReadIndex(i) ==
    LET rs == Append(reads[i], [seq |-> heartbeatSeq[i] + 1,
                                readIndex |-> commitIndex[i],
                                mustSee |-> CommittedLen,
                                by |-> i])
    IN
    /\ Settled(i)
    /\ state[i] = Leader
    /\ CanServeReadIndex(i)
    /\ reads' = [reads EXCEPT ![i] = rs]
    /\ UNCHANGED <<serverVars, logVars, candidateVars, leaderVars, heartbeatSeq, acked,
                   pending, msgs, historyVars, leaseVars>>

(* Chart: forwardRead (follower).  A follower that knows the leader of its
   term forwards a client's read to it with its term (the code: the request
   with proxy_term).  mustSee records (history) the highest index committed
   when the follower got the read: what the client may expect it to see, since
   the read was sent just before. *)
CanForwardRead(j) == leader[j] /= Nil

ForwardRead(j) ==
    /\ Settled(j)
    /\ state[j] = Follower
    /\ CanForwardRead(j)
    /\ Send([mtype |-> ForwardedRead, mterm |-> currentTerm[j], mmustSee |-> CommittedLen,
             msource |-> j, mdest |-> leader[j]])
    /\ UNCHANGED <<serverVars, logVars, candidateVars, leaderVars, clientVars,
                   historyVars, leaseVars>>

(* Chart: forwardedReadIndex (leader).  A read a follower forwarded in a term
   no later than ours waits as ReadIndex does, and the follower counts as one
   confirmation (by): it was in a term no later than ours after the client sent
   the read, and so were we, so neither of us had voted for a leader of a later
   term by then, and the confirmations, a majority, leave no majority for one.
   With three servers the leader and the follower are a majority: the read
   waits for no broadcast. *)
CanServeForwardedRead(i, m) ==
    /\ CanServeReadIndex(i)
    /\ m.mterm <= currentTerm[i]

HandleForwardedRead(m) ==
    LET i == m.mdest
        rs == Append(reads[i], [seq |-> heartbeatSeq[i] + 1,
                                readIndex |-> commitIndex[i],
                                mustSee |-> m.mmustSee,
                                by |-> m.msource])
    IN
    /\ m.mtype = ForwardedRead
    /\ Settled(i)
    /\ state[i] = Leader
    /\ CanServeForwardedRead(i, m)
    /\ reads' = [reads EXCEPT ![i] = rs]
    /\ Discard(m)
    /\ UNCHANGED <<serverVars, logVars, candidateVars, leaderVars, heartbeatSeq, acked,
                   pending, historyVars, leaseVars>>

(* Chart: answerReads (leader, eventless).  Answer every confirmed read whose
   read index is applied, oldest first, from the state machine (the entries
   applied so far). *)
AnswerReads(i) ==
    LET rs == reads[i]
        n == Cardinality({k \in 1..Len(rs) : \A k2 \in 1..k : IsReadReady(i, rs[k2])})
        rest == SubSeq(rs, n + 1, Len(rs))
    IN
    /\ state[i] = Leader
    /\ HasConfirmedRead(i)
    /\ reads' = [reads EXCEPT ![i] = rest]
    /\ answered' = answered \cup
                   {[kind |-> "read", mustSee |-> rs[k].mustSee, state |-> appliedLog[i]] :
                        k \in 1..n}
    /\ UNCHANGED <<serverVars, logVars, candidateVars, leaderVars, heartbeatSeq, acked,
                   pending, msgs, elected, committed, restartCount, leaseVars>>

(* Chart: followerLocalRead, preCandidateLocalRead, candidateLocalRead and
   leaderLocalRead, taken only with RAFT_READS=local: the tutorial's exercise
   of serving reads from local state.  It is unsafe, so here it is a bug
   model: any server, in any role, answers a read at once from the entries it
   has applied, with no leadership check and no confirmation round. *)
CanServeLocalRead(i) == Bug("LocalReads")

LocalRead(i) ==
    /\ CanServeLocalRead(i)
    /\ answered' = answered \cup
                   {[kind |-> "read", mustSee |-> CommittedLen, state |-> appliedLog[i]]}
    /\ UNCHANGED <<serverVars, logVars, candidateVars, leaderVars, clientVars, msgs,
                   elected, committed, restartCount, leaseVars>>

(* Leader i holds a lease: a majority (i included) answered a broadcast of
   its current leadership whose lease window is still open. *)
HasLease(i) ==
    \E k \in (expired[i] + 1)..heartbeatSeq[i] :
        {i} \cup {j \in Server \ {i} : acked[i][j] >= k} \in Quorum

(* The code's canServeLeaseRead: lease mode, an entry of the leader's term
   committed (as for ReadIndex), applied up to the commit index, and a lease
   held (the code: the read comes before the lease's end on its clock). *)
CanServeLeaseRead(i) ==
    /\ Leases
    /\ CanServeReadIndex(i)
    /\ lastApplied[i] >= commitIndex[i]
    /\ HasLease(i)

(* Chart: leaseRead (leader), RAFT_READS=lease.  Answer the read at once from
   the state machine (the entries applied so far), with no confirmation
   round (Raft thesis 6.4.1).  mustSee is, as for ReadIndex, the highest
   index committed when the read arrived. *)
LeaseRead(i) ==
    /\ Settled(i)
    /\ state[i] = Leader
    /\ CanServeLeaseRead(i)
    /\ answered' = answered \cup
                   {[kind |-> "read", mustSee |-> CommittedLen, state |-> appliedLog[i]]}
    /\ UNCHANGED <<serverVars, logVars, candidateVars, leaderVars, clientVars, msgs,
                   elected, committed, restartCount, leaseVars>>

(* Chart: checkQuorum (leader).  A leader that has not heard from a majority
   for a lease window steps down in the same term and forgets the leader;
   its waiting reads fail.  When that happens is timing, so here it may happen
   at any time. *)
CheckQuorum(i) ==
    /\ Settled(i)
    /\ state[i] = Leader
    /\ state' = [state EXCEPT ![i] = Follower]
    /\ leader' = [leader EXCEPT ![i] = Nil]
    /\ reads' = [reads EXCEPT ![i] = << >>]
    /\ UNCHANGED <<currentTerm, votedFor, logVars, candidateVars, leaderVars,
                   heartbeatSeq, acked, pending, msgs, historyVars, leaseVars>>

-----------------------------------------------------------------------------
(* Log compaction and InstallSnapshot (Raft section 7). *)

(* The chart's isNewSnapshot: a snapshot at index n that the log does not
   know yet, of an index applied and still held. *)
IsNewSnapshot(i, n) ==
    /\ n > snapshotIndex[i]
    /\ n <= lastApplied[i]
    /\ n <= LastIndex(i)

(* Chart: takeSnapshot (any role, on the runtime's snapshot_taken).  The
   runtime snapshots the state machine at the applied index once enough
   applied entries are not in a snapshot (a threshold of entries: timing, so
   here any time the applied index is past the snapshot's), makes the
   snapshot durable, and the chart discards the entries it covers.  The
   runtime does so after a step, when the chart has settled. *)
TakeSnapshot(i) ==
    LET n == lastApplied[i] IN
    /\ Settled(i)
    /\ IsNewSnapshot(i, n)
    /\ snapshotIndex' = [snapshotIndex EXCEPT ![i] = n]
    /\ snapshotTerm' = [snapshotTerm EXCEPT ![i] = TermAt(i, n)]
    /\ log' = [log EXCEPT ![i] = Entries(i, n + 1, LastIndex(i))]
    /\ UNCHANGED <<serverVars, commitIndex, lastApplied, appliedLog, candidateVars,
                   leaderVars, clientVars, msgs, historyVars, leaseVars>>

(* The snapshot the leader i sends: its index and term, and its data (the
   state machine at that index).  The code sends it in chunks of bounded
   size, which the receiver's protocol layer reassembles before the chart
   sees one install_snapshot event (src/maelstrom/node.ts): chunking is a
   transport detail, so here a snapshot is one message, and a lost or
   reordered chunk is a lost message. *)
SnapshotMessage(i, j) ==
    [mtype |-> InstallSnapshotRequest,
     mterm |-> currentTerm[i],
     mlastIncludedIndex |-> snapshotIndex[i],
     mlastIncludedTerm |-> snapshotTerm[i],
     mdata |-> SnapshotData(i),
     msource |-> i,
     mdest |-> j]

(* The snapshots the chart's sendHeartbeats and replicateLog send (the
   sendSnapshot effect), to a follower that needs an entry the leader has
   compacted away.  When one is due again (snapshotRetryTicks heartbeats
   without an answer) is timing, and flow control (inflight) only holds
   sends back: here a leader may send it whenever the follower needs it.
   Like AppendEntries(i, j), not Settled(i). *)
SendSnapshot(i, j) ==
    /\ i /= j
    /\ state[i] = Leader
    /\ NeedsSnapshot(i, j)
    /\ Send(SnapshotMessage(i, j))
    /\ UNCHANGED <<serverVars, logVars, candidateVars, leaderVars, clientVars,
                   historyVars, leaseVars>>

(* Chart: rejectStaleSnapshot (any role).  An InstallSnapshot of an older
   term: answer failure with our term, so that the sender steps down. *)
RejectStaleSnapshot(m) ==
    LET i == m.mdest IN
    /\ IsStaleTerm(i, m)
    /\ Reply([mtype |-> InstallSnapshotResponse,
              mterm |-> currentTerm[i],
              msuccess |-> FALSE,
              mmatchIndex |-> 0,
              msource |-> i,
              mdest |-> m.msource], m)
    /\ UNCHANGED <<state, leader, logVars, pending, heard>>

(* Chart: installSnapshot (any role).  An InstallSnapshot of our term (Raft
   section 7, receiver): follow its sender.  A snapshot that covers no more
   than we know committed changes nothing.  Otherwise it replaces the state
   machine (appliedLog: the runtime's `restore`), the commit and applied
   indexes move to its index, and the log gives way to it: if we hold an
   entry of its index and term, the entries after it stay (they match the
   leader's, Log Matching), else the whole log goes.  Writes the runtime
   waits to answer at or below its index get no answer (they time out:
   indefinite, always safe).  Answer success and the snapshot's index. *)
InstallSnapshot(m) ==
    LET i == m.mdest
        n == m.mlastIncludedIndex
        keep == IF Bug("SnapshotKeepsConflictingLog")
                THEN n <= LastIndex(i)                    \* the bug: ignores the term
                ELSE n <= LastIndex(i) /\ TermAt(i, n) = m.mlastIncludedTerm
    IN
    /\ IsCurrentTerm(i, m)
    /\ state' = [state EXCEPT ![i] = Follower]
    /\ leader' = [leader EXCEPT ![i] = m.msource]
    /\ Heard(i, m.msource, 0)
    /\ Reply([mtype |-> InstallSnapshotResponse,
              mterm |-> currentTerm[i],
              msuccess |-> TRUE,
              mmatchIndex |-> n,
              msource |-> i,
              mdest |-> m.msource], m)
    /\ IF n <= commitIndex[i]
       THEN UNCHANGED <<logVars, pending>>
       ELSE /\ snapshotIndex' = [snapshotIndex EXCEPT ![i] = n]
            /\ snapshotTerm' = [snapshotTerm EXCEPT ![i] = m.mlastIncludedTerm]
            /\ log' = [log EXCEPT ![i] = IF keep THEN Entries(i, n + 1, LastIndex(i)) ELSE << >>]
            /\ commitIndex' = [commitIndex EXCEPT ![i] = n]
            /\ lastApplied' = [lastApplied EXCEPT ![i] = n]
            /\ appliedLog' = [appliedLog EXCEPT ![i] = m.mdata]
            /\ pending' = [pending EXCEPT ![i] = {p \in @ : p.index > n}]

(* An InstallSnapshot of our term or older (a newer one goes through
   UpdateTerm first). *)
HandleInstallSnapshotRequest(m) ==
    /\ m.mtype = InstallSnapshotRequest
    /\ Settled(m.mdest)
    /\ ~IsHigherTerm(m.mdest, m)
    /\ \/ RejectStaleSnapshot(m)
       \/ InstallSnapshot(m)
    /\ UNCHANGED <<currentTerm, votedFor, candidateVars, leaderVars, heartbeatSeq,
                   acked, reads, historyVars, expired>>

(* Chart: handleInstallSnapshotResponse (leader).  An answer of our term: on
   success the follower holds everything up to the snapshot's index, so
   matchIndex := max(old, that index (capped at our last index)) and
   nextIndex := max(nextIndex, matchIndex + 1); a refusal (of a snapshot of
   an older term, answered in ours) changes nothing.  InstallSnapshot
   answers carry no broadcast number (acked is unchanged).  The chart's
   replicateLog sends are AppendEntries and SendSnapshot steps.  Answers of
   an older term are ignored by the chart: for the spec they are lost
   (DropMessage). *)
HandleInstallSnapshotResponse(m) ==
    LET i == m.mdest
        j == m.msource
        match == Max(matchIndex[i][j], Min(m.mmatchIndex, LastIndex(i)))
    IN
    /\ m.mtype = InstallSnapshotResponse
    /\ Settled(i)
    /\ state[i] = Leader
    /\ IsCurrentTerm(i, m)
    /\ IF m.msuccess
       THEN /\ matchIndex' = [matchIndex EXCEPT ![i][j] = match]
            /\ nextIndex' = [nextIndex EXCEPT ![i][j] = Max(@, match + 1)]
       ELSE UNCHANGED leaderVars
    /\ Discard(m)
    /\ UNCHANGED <<serverVars, logVars, candidateVars, clientVars, historyVars, leaseVars>>

-----------------------------------------------------------------------------
(* A crash and restart: the persistent state (currentTerm, votedFor, the
   snapshot and the log) survives, everything else is lost; the state
   machine is restored from the snapshot (what it covers is committed and
   applied) and rebuilt from the log as entries commit again.  Messages in
   flight stay in flight.  What i heard survives (a quarantine: the code
   counts its start as the last time it heard a leader), unless the
   LeaseNoQuarantine bug forgets it.

   A leader sends the AppendEntries carrying its new entries before it
   writes them to its own disk (Raft thesis 10.2.1; the runtime's
   RAFT_LEADER_SYNC=parallel), so a leader that crashes in between comes
   back without a suffix of them, which followers may hold.  Restart may
   therefore cut a suffix of i's log made of entries that may not have been
   synced: i is leader and they are of its term (so it appended them as
   leader) and above its commit index.  That over-approximates "not yet
   synced": the code syncs at the end of every batch of input, and the
   leader counts its own log in a quorum only after a follower acknowledged,
   which it can do only for an entry sent after the batch that appended it
   ended (synced), so what a leader committed is on its disk.  It never
   cuts an entry of an earlier term (which may be committed without i
   knowing) nor into the snapshot.  With the LeaderCountsUnsynced bug, a
   restart may also lose entries of its term at or below its commit index
   (the leader counted them before they were durable). *)
MayBeUnsynced(i, x) ==   \* the x-th entry of log[i] (index snapshotIndex[i] + x)
    /\ state[i] = Leader
    /\ log[i][x].term = currentTerm[i]
    /\ \/ snapshotIndex[i] + x > commitIndex[i]
       \/ Bug("LeaderCountsUnsynced")
(* The lengths (after the snapshot) i's log may come back with. *)
RecoveredLens(i) ==
    {n \in 0..Len(log[i]) : \A x \in (n + 1)..Len(log[i]) : MayBeUnsynced(i, x)}

Restart(i) ==
    /\ state' = [state EXCEPT ![i] = Follower]
    /\ leader' = [leader EXCEPT ![i] = Nil]
    /\ IF Bug("VoteNotPersisted")
       THEN votedFor' = [votedFor EXCEPT ![i] = Nil]          \* the bug
       ELSE UNCHANGED votedFor
    /\ \E n \in RecoveredLens(i) : log' = [log EXCEPT ![i] = SubSeq(@, 1, n)]
    /\ commitIndex' = [commitIndex EXCEPT ![i] = snapshotIndex[i]]
    /\ lastApplied' = [lastApplied EXCEPT ![i] = snapshotIndex[i]]
    /\ appliedLog' = [appliedLog EXCEPT ![i] = SnapshotData(i)]
    /\ preVotes' = [preVotes EXCEPT ![i] = {}]
    /\ votesGranted' = [votesGranted EXCEPT ![i] = {}]
    /\ nextIndex' = [nextIndex EXCEPT ![i] = [j \in Server |-> 1]]
    /\ matchIndex' = [matchIndex EXCEPT ![i] = [j \in Server |-> 0]]
    /\ heartbeatSeq' = [heartbeatSeq EXCEPT ![i] = 0]
    /\ acked' = [acked EXCEPT ![i] = [j \in Server |-> 0]]
    /\ reads' = [reads EXCEPT ![i] = << >>]
    /\ pending' = [pending EXCEPT ![i] = {}]
    /\ restartCount' = restartCount + 1
    /\ heard' = IF Bug("LeaseNoQuarantine") THEN [heard EXCEPT ![i] = NoHeard] ELSE heard
    /\ UNCHANGED <<currentTerm, snapshotVars, msgs, elected, committed, answered, expired>>

-----------------------------------------------------------------------------
(* Actions of the environment: the network loses and duplicates messages. *)

DropMessage(m) ==
    /\ Discard(m)
    /\ UNCHANGED <<serverVars, logVars, candidateVars, leaderVars, clientVars,
                   historyVars, leaseVars>>

DuplicateMessage(m) ==
    /\ Send(m)
    /\ UNCHANGED <<serverVars, logVars, candidateVars, leaderVars, clientVars,
                   historyVars, leaseVars>>

-----------------------------------------------------------------------------
(* Each disjunct names one action; test/mirror.test.ts reads this list. *)
Next ==
    \/ \E m \in DOMAIN msgs : UpdateTerm(m)
    \/ \E i \in Server : Timeout(i)
    \/ \E m \in DOMAIN msgs : HandlePreVoteRequest(m)
    \/ \E m \in DOMAIN msgs : HandlePreVoteResponse(m)
    \/ \E i \in Server : BecomeCandidate(i)
    \/ \E m \in DOMAIN msgs : HandleRequestVoteRequest(m)
    \/ \E m \in DOMAIN msgs : HandleRequestVoteResponse(m)
    \/ \E i \in Server : BecomeLeader(i)
    \/ \E i \in Server, v \in Value : ClientRequest(i, v)
    \/ \E i \in Server : Heartbeat(i)
    \/ \E i, j \in Server : AppendEntries(i, j)
    \/ \E m \in DOMAIN msgs : HandleAppendEntriesRequest(m)
    \/ \E m \in DOMAIN msgs : HandleAppendEntriesResponse(m)
    \/ \E i \in Server : TakeSnapshot(i)
    \/ \E i, j \in Server : SendSnapshot(i, j)
    \/ \E m \in DOMAIN msgs : HandleInstallSnapshotRequest(m)
    \/ \E m \in DOMAIN msgs : HandleInstallSnapshotResponse(m)
    \/ \E i \in Server : AdvanceCommitIndex(i)
    \/ \E i \in Server : ApplyEntry(i)
    \/ \E i \in Server : ReadIndex(i)
    \/ \E j \in Server : ForwardRead(j)
    \/ \E m \in DOMAIN msgs : HandleForwardedRead(m)
    \/ \E i \in Server : ConfirmReads(i)
    \/ \E i \in Server : AnswerReads(i)
    \/ \E i \in Server : LeaseRead(i)
    \/ \E i \in Server : LocalRead(i)
    \/ \E i \in Server : CheckQuorum(i)
    \/ \E i \in Server : Restart(i)
    \/ \E m \in DOMAIN msgs : DropMessage(m)
    \/ \E m \in DOMAIN msgs : DuplicateMessage(m)

Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
(* Invariants. *)

Message ==
    [mtype : {PreVoteRequest}, mterm : Nat, mlastLogTerm : Nat,
     mlastLogIndex : Nat, msource : Server, mdest : Server]
    \cup [mtype : {PreVoteResponse}, mterm : Nat, mvoteGranted : BOOLEAN,
          mrequestedTerm : Nat, msource : Server, mdest : Server]
    \cup [mtype : {RequestVoteRequest}, mterm : Nat, mlastLogTerm : Nat,
     mlastLogIndex : Nat, msource : Server, mdest : Server]
    \cup [mtype : {RequestVoteResponse}, mterm : Nat, mvoteGranted : BOOLEAN,
          msource : Server, mdest : Server]
    \cup [mtype : {AppendEntriesRequest}, mterm : Nat, mprevLogIndex : Nat,
          mprevLogTerm : Nat, mentries : Seq(Entry), mcommitIndex : Nat,
          mseq : Nat, msource : Server, mdest : Server]
    \cup [mtype : {AppendEntriesResponse}, mterm : Nat, msuccess : {TRUE},
          mmatchIndex : Nat, mseq : Nat, msource : Server, mdest : Server]
    \cup [mtype : {AppendEntriesResponse}, mterm : Nat, msuccess : {FALSE},
          mhint : Nat, mseq : Nat, msource : Server, mdest : Server]
    \cup [mtype : {AppendEntriesResponse}, mterm : Nat, msuccess : {FALSE},
          mhint : Nat, msource : Server, mdest : Server]
    \cup [mtype : {InstallSnapshotRequest}, mterm : Nat, mlastIncludedIndex : Nat,
          mlastIncludedTerm : Nat, mdata : Seq(Entry), msource : Server, mdest : Server]
    \cup [mtype : {InstallSnapshotResponse}, mterm : Nat, msuccess : BOOLEAN,
          mmatchIndex : Nat, msource : Server, mdest : Server]
    \cup [mtype : {ForwardedRead}, mterm : Nat, mmustSee : Nat, msource : Server, mdest : Server]

TypeOK ==
    /\ currentTerm \in [Server -> Nat]
    /\ state \in [Server -> Role]
    /\ votedFor \in [Server -> Server \cup {Nil}]
    /\ leader \in [Server -> Server \cup {Nil}]
    /\ snapshotIndex \in [Server -> Nat]
    /\ snapshotTerm \in [Server -> Nat]
    /\ log \in [Server -> Seq(Entry)]
    /\ commitIndex \in [Server -> Nat]
    /\ lastApplied \in [Server -> Nat]
    /\ appliedLog \in [Server -> Seq(Entry)]
    /\ preVotes \in [Server -> SUBSET Server]
    /\ votesGranted \in [Server -> SUBSET Server]
    /\ nextIndex \in [Server -> [Server -> Nat \ {0}]]
    /\ matchIndex \in [Server -> [Server -> Nat]]
    /\ heartbeatSeq \in [Server -> Nat]
    /\ acked \in [Server -> [Server -> Nat]]
    /\ \A i \in Server : \A k \in 1..Len(reads[i]) :
          reads[i][k] \in [seq : Nat, readIndex : Nat, mustSee : Nat, by : Server]
    /\ \A i \in Server : pending[i] \subseteq [index : Nat \ {0}, term : Nat]
    /\ IsABag(msgs) /\ BagToSet(msgs) \subseteq Message
    /\ elected \subseteq Nat \X Server
    /\ \A c \in committed : c.index \in Nat \ {0} /\ c.entry \in Entry /\ c.term \in Nat
    /\ restartCount \in Nat
    /\ heard \in [Server -> [leader : Server \cup {Nil}, term : Nat, seq : Nat]]
    /\ expired \in [Server -> Nat]

(* At most one leader per term: among the current roles, and over the whole
   history of elections. *)
ElectionSafety ==
    /\ \A i, j \in Server :
          (state[i] = Leader /\ state[j] = Leader /\ currentTerm[i] = currentTerm[j])
              => i = j
    /\ \A e1, e2 \in elected : e1[1] = e2[1] => e1[2] = e2[2]

(* Every server in the leader role became leader in its current term. *)
LeaderWasElected ==
    \A i \in Server : state[i] = Leader => <<currentTerm[i], i>> \in elected

(* The invariants about logs read FullLog(i): the log with the entries its
   snapshot covers put back (SnapshotSound checks that they are there). *)

(* If two logs have an entry of the same term at an index, they agree on
   every entry up to that index. *)
LogMatching ==
    \A i, j \in Server :
        \A n \in 1..Min(LastIndex(i), LastIndex(j)) :
            FullLog(i)[n].term = FullLog(j)[n].term =>
                SubSeq(FullLog(i), 1, n) = SubSeq(FullLog(j), 1, n)

(* An entry committed in some term is in the log (or the snapshot) of every
   leader of that term or a later one. *)
LeaderCompleteness ==
    \A c \in committed : \A i \in Server :
        (state[i] = Leader /\ currentTerm[i] >= c.term) =>
            /\ LastIndex(i) >= c.index
            /\ FullLog(i)[c.index] = c.entry

(* No two servers apply different entries at the same index. *)
StateMachineSafety ==
    \A i, j \in Server :
        \A n \in 1..Min(lastApplied[i], lastApplied[j]) :
            appliedLog[i][n] = appliedLog[j][n]

(* The known-leader field only names a server that was leader in that term. *)
KnownLeaderWasLeader ==
    \A i \in Server : leader[i] /= Nil => <<currentTerm[i], leader[i]>> \in elected

(* Every client answer is linearizable with respect to the committed log:
   - a write is answered only once its entry is committed at its index (so
     a read that arrives after the answer must see it: see below);
   - a read returns the state after a prefix of the committed log that holds
     at least every entry committed before the read arrived. *)
AnswersLinearizable ==
    \A a \in answered :
        IF a.kind = "write"
        THEN \E c \in committed : c.index = a.index /\ c.entry = a.entry
        ELSE /\ Len(a.state) >= a.mustSee
             /\ \A c \in committed : c.index <= Len(a.state) => a.state[c.index] = c.entry

(* Also worth checking. *)

(* Every entry committed is stored on a majority (in their logs or their
   snapshots), now and forever: no server ever erases a committed entry. *)
CommittedOnQuorum ==
    \A c \in committed :
        \E Q \in Quorum : \A j \in Q :
            LastIndex(j) >= c.index /\ FullLog(j)[c.index] = c.entry

(* What a server knows committed is in its log (or snapshot), is a committed
   entry, and what it applied is the prefix of its log up to lastApplied. *)
CommitIndexSound ==
    \A i \in Server :
        /\ lastApplied[i] <= commitIndex[i]
        /\ commitIndex[i] <= LastIndex(i)
        /\ \A n \in 1..commitIndex[i] :
              \E c \in committed : c.index = n /\ c.entry = FullLog(i)[n]
        /\ appliedLog[i] = SubSeq(FullLog(i), 1, lastApplied[i])
        /\ lastApplied[i] = Len(appliedLog[i])

(* A snapshot covers only what was applied (so committed: CommitIndexSound),
   its data is there, and its term is the term of its last entry. *)
SnapshotSound ==
    \A i \in Server :
        /\ snapshotIndex[i] <= lastApplied[i]
        /\ snapshotIndex[i] <= Len(appliedLog[i])
        /\ snapshotTerm[i] = IF snapshotIndex[i] = 0 THEN 0
                              ELSE appliedLog[i][snapshotIndex[i]].term

(* Terms in a log never decrease, and never exceed the server's term. *)
LogTermsMonotonic ==
    \A i \in Server :
        /\ \A n \in 1..(LastIndex(i) - 1) : FullLog(i)[n].term <= FullLog(i)[n + 1].term
        /\ \A n \in 1..LastIndex(i) : FullLog(i)[n].term <= currentTerm[i]

(* A vote a candidate counted was cast for it in that term. *)
VotesGrantedSound ==
    \A i \in Server : state[i] = Candidate =>
        \A j \in votesGranted[i] :
            currentTerm[j] > currentTerm[i]
            \/ (currentTerm[j] = currentTerm[i] /\ votedFor[j] = i)

(* What a leader learns a follower of its term stores is true: a leader's
   matchIndex for a follower in its term, and the index a success answer
   still in flight claims (to a leader of the answer's term, from a follower
   still in it), are within both logs (or snapshots), and the follower's log
   agrees with the leader's up to there.  It holds because a follower
   answers an AppendEntries with the last index the request covered (its log
   matched at prevLogIndex and took the entries after it), an
   InstallSnapshot with the snapshot's index (installed, or already
   committed), and while it stays in the leader's term only that leader
   changes its log, never below what matches; the leader's own log only
   grows in its term.  A follower that moved to a later term may have its
   log rewritten by a later leader: it is left out. *)
AgreeUpTo(i, j, n) ==
    /\ n <= LastIndex(i)
    /\ n <= LastIndex(j)
    /\ SubSeq(FullLog(i), 1, n) = SubSeq(FullLog(j), 1, n)
(* A success answer in flight to a leader of its term, from a follower still
   in that term. *)
LiveMatchClaim(m) ==
    /\ m.mtype \in {AppendEntriesResponse, InstallSnapshotResponse}
    /\ m.msuccess
    /\ state[m.mdest] = Leader
    /\ currentTerm[m.mdest] = m.mterm
    /\ currentTerm[m.msource] = m.mterm
MatchIndexSound ==
    /\ \A i \in Server : state[i] = Leader =>
          \A j \in Server \ {i} :
              currentTerm[j] = currentTerm[i] => AgreeUpTo(i, j, matchIndex[i][j])
    /\ \A m \in DOMAIN msgs :
          LiveMatchClaim(m) => AgreeUpTo(m.mdest, m.msource, m.mmatchIndex)

(* A property of steps, not states ("a pre-vote never changes a term"): a
   server's term changes only when it campaigns (the next term, voting for
   itself) or when it adopts the term of a message addressed to it that is
   not a pre-vote request. *)
PreVoteNeverChangesTerm ==
    [][\A i \in Server :
          currentTerm'[i] /= currentTerm[i] =>
              \/ /\ currentTerm'[i] = currentTerm[i] + 1
                 /\ state'[i] = Candidate
                 /\ votedFor'[i] = i
              \/ \E m \in DOMAIN msgs :
                    /\ m.mdest = i
                    /\ m.mtype /= PreVoteRequest
                    /\ m.mterm = currentTerm'[i]]_vars

=============================================================================
