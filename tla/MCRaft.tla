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
    MaxForwarded,    \* at most this many forwarded reads on their way or waiting
                     \* (0: followers forward none; reads still reach the leader)
    MaxSeq,          \* no leader starts more than this many broadcasts in a term
    LeaderPlan       \* <<>>, or who may win each term (a directed search)

ElectionTypes == {PreVoteRequest, PreVoteResponse, RequestVoteRequest, RequestVoteResponse}

(* Messages in flight (counting copies) that satisfy P. *)
InFlightOf(P(_)) ==
    LET D == {m \in DOMAIN msgs : P(m)} IN
    IF D = {} THEN 0 ELSE BagCardinality([m \in D |-> msgs[m]])

(* Reads that arrived and were not abandoned: waiting or answered, or on
   their way from a follower to the leader. *)
ReadsSeen ==
    Cardinality({a \in answered : a.kind = "read"})
    + Cardinality(UNION {{<<i, k>> : k \in 1..Len(reads[i])} : i \in Server})
    + InFlightOf(LAMBDA m : m.mtype = ForwardedRead)

(* Forwarded reads on their way to the leader or waiting there. *)
ForwardedSeen ==
    InFlightOf(LAMBDA m : m.mtype = ForwardedRead)
    + Cardinality(UNION {{<<i, k>> : k \in {x \in 1..Len(reads[i]) : reads[i][x].by /= i}} : i \in Server})

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
    /\ ForwardedSeen <= MaxForwarded
    /\ LeaderPlan /= << >> => PlanFollowed

(* Three narrower searches a directed model may add to its plan (each cfg
   says which it uses; they cut behaviours, never add any, so a violation
   found under them is a behaviour of the spec):

   ElectionsOneAtATime, a state constraint: no server asks for pre-votes or
   votes while a server leads.  Every election of the search starts once the
   previous leader has stepped down (CheckQuorum), so the leaders of the
   plan follow one another instead of overlapping.

   NoMessageLoss, an action constraint: the network loses nothing.  A step
   that only takes a message out of the network (DropMessage, or a refusal
   that is not sent) is allowed only as a step of its receiver, or when its
   receiver, settled, has no step that takes it (the chart ignores it: a
   vote of a past election, an answer to a leader that stepped down).  A
   network that delivers everything leaves no room for the search to choose
   which messages to lose, so the models that use it need one more message
   in flight for an election (its requests and the answer no longer
   needed).

   NoEmptyAppendEntries, a state constraint: every AppendEntries in flight
   carries entries.  Empty ones (heartbeats, read rounds, the code's empty
   sends to a follower whose window is full) carry only the commit index and
   a broadcast number, which a bug model about logs can do without. *)
ElectionsOneAtATime ==
    \A i \in Server :
        state[i] \in {PreCandidate, Candidate} => \A k \in Server : state[k] /= Leader

(* OneCampaignAtATime, a state constraint: at most one server asks for
   pre-votes or votes at a time (no competing campaigns, no split votes).
   Unlike ElectionsOneAtATime, a campaign may run while a leader leads, so
   a deposed leader that has not stepped down meets the higher term. *)
OneCampaignAtATime ==
    \A i, k \in Server :
        state[i] \in {PreCandidate, Candidate} /\ state[k] \in {PreCandidate, Candidate} => i = k

StepTakingMessage(m) ==
    \/ UpdateTerm(m)
    \/ HandlePreVoteRequest(m)
    \/ HandlePreVoteResponse(m)
    \/ HandleRequestVoteRequest(m)
    \/ HandleRequestVoteResponse(m)
    \/ HandleAppendEntriesRequest(m)
    \/ HandleAppendEntriesResponse(m)
    \/ HandleInstallSnapshotRequest(m)
    \/ HandleInstallSnapshotResponse(m)

OnlyTakesOut(m) ==
    /\ msgs' = msgs (-) SetToBag({m})
    /\ UNCHANGED <<serverVars, logVars, candidateVars, leaderVars, clientVars, historyVars>>

NoMessageLoss ==
    \A m \in DOMAIN msgs :
        OnlyTakesOut(m) =>
            \/ StepTakingMessage(m)
            \/ Settled(m.mdest) /\ ~ENABLED StepTakingMessage(m)

NoEmptyAppendEntries ==
    \A m \in DOMAIN msgs : m.mtype = AppendEntriesRequest => m.mentries /= << >>

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
