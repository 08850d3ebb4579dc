------------------------------ MODULE MCRaftLive ------------------------------
(***************************************************************************)
(* Liveness: once the network is stable, a leader is eventually elected    *)
(* that every server follows, and a client entry is eventually committed.  *)
(*                                                                         *)
(* Raft is live only under timing assumptions, which a spec without time   *)
(* has to state as fairness and as restrictions of the environment:        *)
(*  - before Stabilize, anything Raft.tla allows may happen (loss,         *)
(*    duplication, restarts, CheckQuorum, timeouts at any moment);         *)
(*  - from Stabilize on (it happens once, at any moment), no message       *)
(*    is lost or duplicated, no server restarts, a leader hears from its   *)
(*    followers (no CheckQuorum step-down), and election timers behave as  *)
(*    randomised timeouts do: a server times out only when it hears from   *)
(*    no live leader, a follower only when no server is a candidate, and   *)
(*    of the servers whose elections are under way only the first (the    *)
(*    most up-to-date log, ties by a fixed order) times out again, so that *)
(*    split votes end;                                                      *)
(*  - a leader sends a follower its next AppendEntries once the previous   *)
(*    one is answered (one in flight per pair, as the code's in-flight     *)
(*    bookkeeping does for entries), and starts no new broadcast numbers   *)
(*    (they matter to reads only, which this model leaves out);            *)
(*  - fairness: every server takes its enabled eventless steps, times out *)
(*    when it may, every leader sends when it may, messages between every *)
(*    pair of servers are received (or ignored, when no step of the chart  *)
(*    takes them), and a client submits a request to a leader that has     *)
(*    none in its log.                                                     *)
(* The liveness properties are checked without symmetry (TLC's symmetry   *)
(* reduction is unsound for them), on small bounds: the term bound must   *)
(* leave room for the elections of the stable phase.                      *)
(***************************************************************************)
EXTENDS MCRaft

VARIABLE stable
liveVars == <<vars, stable>>

(* A leader in a term at least i's. *)
LiveLeaderFor(i) == \E j \in Server : state[j] = Leader /\ currentTerm[j] >= currentTerm[i]

Electing == {j \in Server : state[j] \in {PreCandidate, Candidate}}

(* i's log is at least as up to date as j's. *)
AtLeastAsUpToDate(i, j) == LogUpToDate(j, LastTerm(log[i]), LastIndex(log[i]))
Rank(i) == CHOOSE a \in 1..Cardinality(Server) : ServerOrder[a] = i
FirstOf(S) == CHOOSE i \in S : \A j \in S \ {i} :
                  /\ AtLeastAsUpToDate(i, j)
                  /\ AtLeastAsUpToDate(j, i) => Rank(i) < Rank(j)

StableTimeout(i) ==
    /\ Timeout(i)
    /\ ~LiveLeaderFor(i)
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

StableAppendEntries(i, j) ==
    /\ ~InFlight(i, j)
    /\ AppendEntries(i, j)

(* A client submits a request to a leader without one in its log. *)
HasClientEntry(i) == \E n \in 1..Len(log[i]) : log[i][n].value \in Value
ClientArrives(i) == ~HasClientEntry(i) /\ \E v \in Value : ClientRequest(i, v)

Eventless(i) ==
    \/ BecomeCandidate(i)
    \/ BecomeLeader(i)
    \/ AdvanceCommitIndex(i)
    \/ ApplyEntry(i)
    \/ AnswerReads(i)

StableNext ==
    \/ \E m \in DOMAIN msgs : Receive(m)
    \/ \E i \in Server : StableTimeout(i)
    \/ \E i \in Server : Eventless(i)
    \/ \E i \in Server : ClientArrives(i)
    \/ \E i, j \in Server : StableAppendEntries(i, j)

Stabilize ==
    /\ ~stable
    /\ stable' = TRUE
    /\ UNCHANGED vars

LiveInit == Init /\ stable = FALSE
LiveNext ==
    \/ ~stable /\ Next /\ UNCHANGED stable
    \/ Stabilize
    \/ stable /\ StableNext /\ UNCHANGED stable

(* A step of the stable phase. *)
S(A) == stable /\ A /\ UNCHANGED stable

Fairness ==
    /\ \A i \in Server : WF_liveVars(S(Eventless(i)))
    /\ \A i \in Server : WF_liveVars(S(StableTimeout(i)))
    /\ \A i \in Server : WF_liveVars(S(ClientArrives(i)))
    /\ \A i, j \in Server : WF_liveVars(S(StableAppendEntries(i, j)))
    /\ \A i, j \in Server : SF_liveVars(S(\E m \in DOMAIN msgs : m.msource = i /\ m.mdest = j /\ Receive(m)))

LiveSpec == LiveInit /\ [][LiveNext]_liveVars /\ Fairness

(* Every server follows one leader in its term. *)
LeaderFollowedByAll ==
    \E l \in Server :
        /\ state[l] = Leader
        /\ \A i \in Server : currentTerm[i] = currentTerm[l] /\ (i /= l => leader[i] = l)

(* The liveness properties: once the network is stable, eventually one leader
   that all follow, and a committed client entry. *)
EventuallyOneLeader == stable ~> LeaderFollowedByAll
EventuallyClientEntryCommitted == stable ~> \E c \in committed : c.entry.value \in Value

(* The bounds, as an action constraint would cut behaviours short: only
   the unstable phase is bounded (the stable phase must be free to finish its
   elections). *)
LiveBounds == ~stable => StateBounds
=============================================================================
