------------------------------- MODULE MCRaft -------------------------------
(***************************************************************************)
(* Model-checking wrapper of Raft: model values, symmetry and the bounds   *)
(* that keep the state space finite.  The bounds are constants so that one *)
(* module serves every model: the main ones (MCRaft*.cfg), the long-run   *)
(* and simulation ones (MCRaftLarge*.cfg) and the bug models               *)
(* (MCRaftBug*.cfg).  tla/README.md lists each model's bounds.             *)
(***************************************************************************)
EXTENDS Raft

CONSTANTS
    MaxTerm,         \* no server goes past this term
    MaxLogLen,       \* no log grows past this index (compacted entries count)
    MaxSnapshotIndex, \* no snapshot covers past this index (0: no snapshots)
    MaxInFlight,     \* at most this many messages in the network (counting copies)
    MaxPerPair,      \* at most this many from one server to another
    MaxElection,     \* at most this many election messages (pre-vote and vote
                     \* requests and answers) in the network
    MaxAppend,       \* at most this many AppendEntries requests and answers
    MaxCopies,       \* at most this many copies of one message
    MaxRestarts,     \* at most this many Restart steps in a behaviour
    MaxReads,        \* at most this many reads waiting or answered
    MaxSeq,          \* no leader starts more than this many broadcasts in a term
    LeaderPlan       \* <<>>, or who may win each term (a directed search)

ElectionTypes == {PreVoteRequest, PreVoteResponse, RequestVoteRequest, RequestVoteResponse}

(* Messages in flight (counting copies) that satisfy P. *)
InFlightOf(P(_)) ==
    LET D == {m \in DOMAIN msgs : P(m)} IN
    IF D = {} THEN 0 ELSE BagCardinality([m \in D |-> msgs[m]])

(* Reads that arrived and were not abandoned: waiting or answered. *)
ReadsSeen ==
    Cardinality({a \in answered : a.kind = "read"})
    + Cardinality(UNION {{<<i, k>> : k \in 1..Len(reads[i])} : i \in Server})

(* A directed search (LeaderPlan /= <<>>): only the server the plan names for
   a term asks for pre-votes or votes for that term, so only it can win it. *)
PlanFollowed ==
    \A i \in Server :
        state[i] \in {PreCandidate, Candidate} =>
            LET t == IF state[i] = PreCandidate THEN currentTerm[i] + 1 ELSE currentTerm[i]
            IN t \in 1..Len(LeaderPlan) /\ LeaderPlan[t] = i

(* A state constraint: TLC drops every state past a bound (it neither checks
   nor explores it). *)
StateBounds ==
    /\ \A i \in Server : currentTerm[i] <= MaxTerm
    /\ \A i \in Server : LastIndex(i) <= MaxLogLen
    /\ \A i \in Server : snapshotIndex[i] <= MaxSnapshotIndex
    /\ \A i \in Server : heartbeatSeq[i] <= MaxSeq
    /\ BagCardinality(msgs) <= MaxInFlight
    /\ \A m \in DOMAIN msgs : msgs[m] <= MaxCopies
    /\ MaxPerPair < MaxInFlight =>
          \A i, j \in Server : InFlightOf(LAMBDA m : m.msource = i /\ m.mdest = j) <= MaxPerPair
    /\ MaxElection < MaxInFlight => InFlightOf(LAMBDA m : m.mtype \in ElectionTypes) <= MaxElection
    /\ MaxAppend < MaxInFlight => InFlightOf(LAMBDA m : m.mtype \notin ElectionTypes) <= MaxAppend
    /\ restartCount <= MaxRestarts
    /\ ReadsSeen <= MaxReads
    /\ LeaderPlan /= << >> => PlanFollowed

ServerSymmetry == Permutations(Server)

(* Leases: what each server heard, and each leader's closed windows (none
   of it is read without Leases). *)
LeaseView == IF Leases
             THEN <<heard, [i \in Server |-> IF state[i] = Leader THEN expired[i] ELSE 0]>>
             ELSE << >>

(* What TLC fingerprints.  Per-role bookkeeping that the role's entry resets
   (pre-votes and votes granted when a server starts asking for them, next
   and match indexes, broadcast numbers and acknowledgements when it becomes
   leader) is blanked outside that role, and the acknowledgements also while
   no read waits (a read that arrives later waits for a broadcast newer than
   any acknowledged so far), so that states differing only in such stale
   values count once.  Nothing reads them there, so this loses no
   behaviour. *)
View ==
    <<currentTerm, state, votedFor, leader, log, snapshotIndex, snapshotTerm,
      commitIndex, lastApplied, appliedLog,
      [i \in Server |-> IF state[i] = PreCandidate THEN preVotes[i] ELSE {}],
      [i \in Server |-> IF state[i] = Candidate THEN votesGranted[i] ELSE {}],
      [i \in Server |-> IF state[i] = Leader THEN nextIndex[i] ELSE 0],
      [i \in Server |-> IF state[i] = Leader THEN matchIndex[i] ELSE 0],
      [i \in Server |-> IF state[i] = Leader THEN heartbeatSeq[i] ELSE 0],
      [i \in Server |-> IF state[i] = Leader /\ reads[i] /= << >> THEN acked[i] ELSE 0],
      reads, pending, msgs, elected, committed, answered, restartCount,
      LeaseView>>

(* Directed searches (LeaderPlan): who may campaign for each term.  Any
   fixed order of the servers will do (the protocol treats them alike): the
   leaders of terms 1..4 in the paper's Figure 8; of terms 1..3 in the
   shortest history where two different entries sit at the same index (two
   leaders that never heard of each other, then the first again); and a
   leader re-elected in term 3 whose follower still holds entries of term 1
   past its own term-2 entry; two leaders, one after the other (the reads'
   bug models). *)
ServerOrder == CHOOSE f \in [1..Cardinality(Server) -> Server] :
                   \A a, b \in DOMAIN f : f[a] = f[b] => a = b
Figure8Plan == <<ServerOrder[1], ServerOrder[2], ServerOrder[1], ServerOrder[2]>>
DivergentLogsPlan == <<ServerOrder[1], ServerOrder[2], ServerOrder[1]>>
ReturningLeaderPlan == <<ServerOrder[1], ServerOrder[2], ServerOrder[2]>>
TwoLeadersPlan == <<ServerOrder[1], ServerOrder[2]>>
NoPlan == << >>
=============================================================================
