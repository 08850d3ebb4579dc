------------------------------- MODULE MCRaft -------------------------------
(***************************************************************************)
(* Model-checking wrapper of Raft: model values, symmetry and the bounds   *)
(* that keep the state space finite.  The bounds are constants so that one *)
(* module serves the small model (MCRaft.cfg), the long-run model          *)
(* (MCRaftLarge.cfg) and the bug models (MCRaftBug*.cfg).                  *)
(***************************************************************************)
EXTENDS Raft

CONSTANTS
    MaxTerm,         \* no server goes past this term
    MaxLogLen,       \* no log grows past this length
    MaxInFlight,     \* at most this many messages in the network (counting copies)
    MaxCopies        \* at most this many copies of one message

(* A state constraint: TLC drops every state past a bound (it neither checks
   nor explores it). *)
StateBounds ==
    /\ \A i \in Server : currentTerm[i] <= MaxTerm
    /\ \A i \in Server : Len(log[i]) <= MaxLogLen
    /\ BagCardinality(msgs) <= MaxInFlight
    /\ \A m \in DOMAIN msgs : msgs[m] <= MaxCopies

ServerSymmetry == Permutations(Server)

(* What TLC fingerprints.  Per-role bookkeeping that the role's entry resets
   (pre-votes and votes granted when a server starts asking for them, next/match indexes when it becomes
   leader) is blanked outside that role, so that states differing only in such
   stale values count once.  Nothing reads them outside the role, so this loses
   no behaviour. *)
View ==
    <<currentTerm, state, votedFor, leader, log, commitIndex, lastApplied, appliedLog,
      [i \in Server |-> IF state[i] = PreCandidate THEN preVotes[i] ELSE {}],
      [i \in Server |-> IF state[i] = Candidate THEN votesGranted[i] ELSE {}],
      [i \in Server |-> IF state[i] = Leader THEN nextIndex[i] ELSE 0],
      [i \in Server |-> IF state[i] = Leader THEN matchIndex[i] ELSE 0],
      msgs, elected, committed>>
=============================================================================
