------------------------------ MODULE MCRaftLive ------------------------------
(***************************************************************************)
(* Liveness: once the network is stable, a leader is eventually elected    *)
(* that every server follows, and a client entry is eventually committed.  *)
(*                                                                         *)
(* Raft is live only under timing assumptions, which a spec without time   *)
(* has to state as fairness and as restrictions of the environment.  A     *)
(* behaviour has two phases:                                               *)
(*  - before Stabilize (the unstable phase), the servers and the network   *)
(*    take the steps of Raft.tla's Next that matter to elections and       *)
(*    replication (Chaos below: timeouts, pre-votes, votes, AppendEntries  *)
(*    (unless ChaosAppend = FALSE), commits, CheckQuorum step-downs and    *)
(*    restarts at any moment, messages lost, duplicated and reordered),    *)
(*    within the model's bounds (StateBounds, LeaderPlan).  Client         *)
(*    requests, reads, new broadcast numbers (heartbeats) and snapshots    *)
(*    are left out of it: reads and broadcast numbers do not bear on these *)
(*    properties, and the client entry is brought in by the stable phase;  *)
(*  - Stabilize happens once, at any moment (from any state the unstable   *)
(*    phase reaches).  It blanks what no later step reads (see Stabilize). *)
(*    From then on the steps are StableNext's, with no bound: no message   *)
(*    is lost or duplicated, no server restarts, a leader hears from its   *)
(*    followers (no CheckQuorum step-down), and election timers behave as  *)
(*    randomised timeouts much longer than a message's delay do            *)
(*    (StableTimeout): a server times out only when it hears from no       *)
(*    leader of its term or a later one and no message is in flight (a     *)
(*    round of pre-votes or votes ends before another timer fires); a      *)
(*    follower only when no server is a candidate; and of the servers      *)
(*    whose elections are under way only the first (the most up-to-date    *)
(*    log, ties broken by a fixed order) times out again, so that split    *)
(*    votes end;                                                           *)
(*  - a leader sends a follower its next AppendEntries once the previous   *)
(*    one is answered (nothing in flight between the two, as the code's    *)
(*    in-flight bookkeeping does for entries); a client submits a request  *)
(*    to a leader whose log holds no client entry;                         *)
(*  - fairness (stable phase only): every server takes its enabled         *)
(*    eventless steps (weak fairness) and times out when it repeatedly may *)
(*    (strong fairness: a randomised timer that keeps getting the chance   *)
(*    eventually fires first), every leader sends to each follower when it *)
(*    may and a client reaches a leader without a client entry (weak       *)
(*    fairness), and the messages from each server to each other are      *)
(*    received, or ignored when no step of the chart takes them (strong    *)
(*    fairness: a server that is repeatedly able to take one eventually    *)
(*    does);                                                               *)
(*  - once both properties hold (Done) the stable phase stops: nothing     *)
(*    later can make a property of the form "stable ~> P" false.           *)
(* The liveness properties are checked without symmetry and without VIEW   *)
(* (TLC's symmetry and view reductions are unsound for liveness).  The     *)
(* stable phase is finite without any bound, so TLC explores it to the     *)
(* end: a timeout needs a quiet network, a leader has one exchange with a  *)
(* follower under way at a time, and terms grow only by elections, which   *)
(* end; the bounds apply before Stabilize only, so they cut no behaviour   *)
(* of the stable phase short.                                              *)
(***************************************************************************)
EXTENDS MCRaft

CONSTANT ChaosAppend  \* does a leader send AppendEntries before Stabilize?

VARIABLE stable
liveVars == <<vars, stable>>

(* The unstable phase: Next without client requests, reads, heartbeats
   (new broadcast numbers) and snapshots; AppendEntries only if ChaosAppend. *)
Chaos ==
    \/ \E m \in DOMAIN msgs :
          \/ UpdateTerm(m)
          \/ HandlePreVoteRequest(m)
          \/ HandlePreVoteResponse(m)
          \/ HandleRequestVoteRequest(m)
          \/ HandleRequestVoteResponse(m)
          \/ HandleAppendEntriesRequest(m)
          \/ HandleAppendEntriesResponse(m)
          \/ DropMessage(m)
          \/ DuplicateMessage(m)
    \/ \E i \in Server :
          \/ Timeout(i)
          \/ BecomeCandidate(i)
          \/ BecomeLeader(i)
          \/ AdvanceCommitIndex(i)
          \/ ApplyEntry(i)
          \/ CheckQuorum(i)
          \/ Restart(i)
    \/ \E i, j \in Server : ChaosAppend /\ AppendEntries(i, j)

(* A leader in a term at least i's. *)
LiveLeaderFor(i) == \E j \in Server : state[j] = Leader /\ currentTerm[j] >= currentTerm[i]

Electing == {j \in Server : state[j] \in {PreCandidate, Candidate}}

(* i's log is at least as up to date as j's. *)
AtLeastAsUpToDate(i, j) == LogUpToDate(j, LastTerm(i), LastIndex(i))
Rank(i) == CHOOSE a \in 1..Cardinality(Server) : ServerOrder[a] = i
FirstOf(S) == CHOOSE i \in S : \A j \in S \ {i} :
                  /\ AtLeastAsUpToDate(i, j)
                  /\ AtLeastAsUpToDate(j, i) => Rank(i) < Rank(j)

(* No message is in flight. *)
Quiet == msgs = EmptyBag

StableTimeout(i) ==
    /\ Timeout(i)
    /\ ~LiveLeaderFor(i)
    /\ Quiet
    /\ IF state[i] = Follower
       THEN \A j \in Server : state[j] /= Candidate
       ELSE i = FirstOf(Electing)

(* The chart ignores a message no transition takes: it is consumed. *)
Handle(m) ==
    \/ UpdateTerm(m)
    \/ HandlePreVoteRequest(m)
    \/ HandlePreVoteResponse(m)
    \/ HandleRequestVoteRequest(m)
    \/ HandleRequestVoteResponse(m)
    \/ HandleAppendEntriesRequest(m)
    \/ HandleAppendEntriesResponse(m)
Ignore(m) ==
    /\ Settled(m.mdest)
    /\ ~ENABLED Handle(m)
    /\ DropMessage(m)
Receive(m) == Handle(m) \/ Ignore(m)

InFlight(i, j) == \E m \in DOMAIN msgs : m.msource = i /\ m.mdest = j

(* In the stable phase a leader sends what the follower lacks, from its
   next index (the code's probe send; the replicate state sends the same
   entries or later ones once the match is known): not an empty or a later-
   starting AppendEntries, which AppendEntries(i, j) also allows (pipelining,
   a read round to a full window) and which, chosen forever, would satisfy
   the fairness on sends without ever delivering an entry. *)
StableAppendEntries(i, j) ==
    /\ ~InFlight(i, j)
    /\ ~InFlight(j, i)
    /\ AppendEntries(i, j)
    /\ Send(AppendEntriesMessage(i, j, MaxBatch, heartbeatSeq[i]))

(* A client submits a request to a leader without one in its log. *)
HasClientEntry(i) == \E n \in 1..LastIndex(i) : FullLog(i)[n].value \in Value
ClientArrives(i) == ~HasClientEntry(i) /\ \E v \in Value : ClientRequest(i, v)

Eventless(i) ==
    \/ BecomeCandidate(i)
    \/ BecomeLeader(i)
    \/ AdvanceCommitIndex(i)
    \/ ApplyEntry(i)

StableNext ==
    \/ \E m \in DOMAIN msgs : Receive(m)
    \/ \E i \in Server : StableTimeout(i)
    \/ \E i \in Server : Eventless(i)
    \/ \E i \in Server : ClientArrives(i)
    \/ \E i, j \in Server : StableAppendEntries(i, j)

(* The network becomes stable.  Stabilize also blanks what no step of the
   stable phase reads, so that states that differ only there lead to the
   same stable phase: per-role bookkeeping outside its role (a role's entry
   resets it: Timeout sets preVotes, Campaign votesGranted, BecomeLeader
   nextIndex, matchIndex, heartbeatSeq and acked), and the history variables
   (the unstable phase commits no client entry, so the properties read
   nothing it recorded). *)
Stabilize ==
    /\ ~stable
    /\ stable' = TRUE
    /\ preVotes' = [i \in Server |-> IF state[i] = PreCandidate THEN preVotes[i] ELSE {}]
    /\ votesGranted' = [i \in Server |-> IF state[i] = Candidate THEN votesGranted[i] ELSE {}]
    /\ nextIndex' = [i \in Server |-> IF state[i] = Leader THEN nextIndex[i] ELSE [j \in Server |-> 1]]
    /\ matchIndex' = [i \in Server |-> IF state[i] = Leader THEN matchIndex[i] ELSE [j \in Server |-> 0]]
    /\ heartbeatSeq' = [i \in Server |-> IF state[i] = Leader THEN heartbeatSeq[i] ELSE 0]
    /\ acked' = [i \in Server |-> IF state[i] = Leader THEN acked[i] ELSE [j \in Server |-> 0]]
    /\ elected' = {}
    /\ committed' = {}
    /\ answered' = {}
    /\ restartCount' = 0
    /\ UNCHANGED <<serverVars, logVars, reads, pending, msgs, leaseVars>>

(* Every server follows one leader in its term. *)
LeaderFollowedByAll ==
    \E l \in Server :
        /\ state[l] = Leader
        /\ \A i \in Server : currentTerm[i] = currentTerm[l] /\ (i /= l => leader[i] = l)

ClientEntryCommitted == \E c \in committed : c.entry.value \in Value

(* The properties hold (with Value = {} there is no client entry to commit,
   and only EventuallyOneLeader is checked): what comes next cannot change
   whether they do, so the stable phase stops there (it stutters). *)
Done == LeaderFollowedByAll /\ (Value /= {} => ClientEntryCommitted)

LiveInit == Init /\ stable = FALSE
LiveNext ==
    \/ ~stable /\ Chaos /\ UNCHANGED stable
    \/ Stabilize
    \/ stable /\ ~Done /\ StableNext /\ UNCHANGED stable

(* A step of the stable phase. *)
S(A) == stable /\ ~Done /\ A /\ UNCHANGED stable

Fairness ==
    /\ \A i \in Server : WF_liveVars(S(Eventless(i)))
    /\ \A i \in Server : SF_liveVars(S(StableTimeout(i)))
    /\ \A i \in Server : WF_liveVars(S(ClientArrives(i)))
    /\ \A i \in Server : \A j \in Server \ {i} : SF_liveVars(S(StableAppendEntries(i, j)))
    /\ \A i \in Server : \A j \in Server \ {i} :
          SF_liveVars(S(\E m \in DOMAIN msgs : m.msource = i /\ m.mdest = j /\ Receive(m)))

LiveSpec == LiveInit /\ [][LiveNext]_liveVars /\ Fairness

(* The liveness properties: once the network is stable, eventually one leader
   that all follow, and a committed client entry. *)
EventuallyOneLeader == stable ~> LeaderFollowedByAll
EventuallyClientEntryCommitted == stable ~> ClientEntryCommitted

(* The bounds, as a state constraint, apply to the unstable phase only (a
   constraint on the stable phase would cut its behaviours short, which can
   hide a violation or make one up). *)
LiveBounds == ~stable => StateBounds
=============================================================================
