-------------------------------- MODULE Raft --------------------------------
(***************************************************************************)
(* Raft as raftchart implements it.                                        *)
(*                                                                         *)
(* Every action below mirrors one or more transitions of the role chart in *)
(* spec/chart.ts; spec/tla-mapping.ts keeps the correspondence as data and *)
(* test/mirror.test.ts checks that the names line up.  The environment     *)
(* actions (DropMessage, DuplicateMessage) mirror no transition: they are  *)
(* the network.  Delay and reordering need no action, since the network is *)
(* a bag of messages from which any message may be received next.          *)
(*                                                                         *)
(* Timing is abstracted as nondeterminism: an election timeout, a          *)
(* heartbeat and a CheckQuorum step-down may happen at any time.           *)
(*                                                                         *)
(* Sending is per peer: the chart's replicateLog effect sends one          *)
(* AppendEntries to every follower; here each of those messages is one     *)
(* AppendEntries(i, j) step.  Since the network may lose any message,      *)
(* sending to every peer at once reaches no state that per-peer sending    *)
(* does not.                                                               *)
(*                                                                         *)
(* The Bug* constants switch on known implementation mistakes; the main    *)
(* models set them all to FALSE, each MCRaftBug*.cfg sets one to TRUE and  *)
(* expects TLC to report an invariant violation.                           *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets, Bags, TLC

CONSTANTS
    Server,          \* the set of servers
    Value,           \* values clients may submit
    Nil,             \* "no server" (no vote, no known leader)
    Noop,            \* the value of the entry a new leader appends
    MaxBatch,        \* most entries one AppendEntries carries (>= 1)
    PreVote,         \* TRUE as the chart has it; FALSE only to shorten a bug hunt
    \* Deliberate bugs (FALSE in the real protocol):
    BugCommitEarlierTerm,       \* commit by counting replicas, any term (Figure 8)
    BugTwoVotesPerTerm,         \* grant a vote ignoring votedFor
    BugTruncateWithoutConflict, \* truncate at prevLogIndex on every append
    BugNoStepDown               \* a leader adopts a higher term but stays leader

ASSUME Nil \notin Server /\ Noop \notin Value /\ MaxBatch \in Nat \ {0} /\ PreVote \in BOOLEAN
ASSUME \A b \in {BugCommitEarlierTerm, BugTwoVotesPerTerm,
                 BugTruncateWithoutConflict, BugNoStepDown} : b \in BOOLEAN

Follower == "follower"
PreCandidate == "precandidate"   \* Pre-Vote (Raft thesis 9.6)
Candidate == "candidate"
Leader == "leader"
Role == {Follower, PreCandidate, Candidate, Leader}

-----------------------------------------------------------------------------
(* Per-server state. *)
VARIABLES
    currentTerm,   \* currentTerm[i]: latest term i has seen
    state,         \* state[i]: the chart's role
    votedFor,      \* votedFor[i]: whom i voted for in currentTerm[i], or Nil
    leader,        \* leader[i]: the leader i knows of in currentTerm[i], or Nil
    log,           \* log[i]: sequence of entries [term, value]
    commitIndex,   \* commitIndex[i]: highest index i knows committed
    lastApplied,   \* lastApplied[i]: highest index i applied to its state machine
    appliedLog,    \* appliedLog[i]: the entries i applied, in order (the state
                   \* machine's input; kept apart from log so that a log
                   \* truncated after applying cannot hide what was applied)
    preVotes,      \* preVotes[i]: servers that would vote for i in currentTerm[i] + 1
    votesGranted,  \* votesGranted[i]: servers that granted i a vote this term
    nextIndex,     \* nextIndex[i][j]: next entry the leader i sends to j
    matchIndex     \* matchIndex[i][j]: highest index the leader i knows j stores

(* The network: a bag (multiset) of messages. *)
VARIABLE msgs

(* History, for invariants only; no action reads them. *)
VARIABLES
    elected,       \* set of <<term, server>>: who became leader in which term
    committed      \* set of [index, entry, term]: entries committed by a leader
                   \* in term `term`

serverVars == <<currentTerm, state, votedFor, leader>>
logVars == <<log, commitIndex, lastApplied, appliedLog>>
candidateVars == <<preVotes, votesGranted>>
leaderVars == <<nextIndex, matchIndex>>
historyVars == <<elected, committed>>
vars == <<serverVars, logVars, candidateVars, leaderVars, msgs, historyVars>>

-----------------------------------------------------------------------------
(* Helpers. *)

Min(a, b) == IF a <= b THEN a ELSE b
Max(a, b) == IF a >= b THEN a ELSE b

Quorum == {Q \in SUBSET Server : Cardinality(Q) * 2 > Cardinality(Server)}

LastIndex(xlog) == Len(xlog)
LastTerm(xlog) == IF Len(xlog) = 0 THEN 0 ELSE xlog[Len(xlog)].term

Entry == [term : Nat, value : Value \cup {Noop}]

Send(m) == msgs' = msgs (+) SetToBag({m})
Discard(m) == msgs' = msgs (-) SetToBag({m})
Reply(response, request) == msgs' = (msgs (-) SetToBag({request})) (+) SetToBag({response})

(* The candidate's log is at least as up to date as i's (Raft 5.4.1). *)
LogUpToDate(i, lastLogTerm, lastLogIndex) ==
    \/ lastLogTerm > LastTerm(log[i])
    \/ /\ lastLogTerm = LastTerm(log[i])
       /\ lastLogIndex >= LastIndex(log[i])

(* The median of the match indexes: the highest index stored on a majority,
   counting the leader itself at its last index. *)
MatchOf(i, j) == IF i = j THEN Len(log[i]) ELSE matchIndex[i][j]
StoredOnQuorum(i, n) == \E Q \in Quorum : \A j \in Q : MatchOf(i, j) >= n
MedianMatch(i) == CHOOSE n \in 0..Len(log[i]) :
                      /\ StoredOnQuorum(i, n)
                      /\ \A k \in (n+1)..Len(log[i]) : ~StoredOnQuorum(i, k)

(* Figure 2 append: skip the entries that already match, truncate only at the
   first conflicting entry, append the rest.  A delayed duplicate therefore
   never erases anything. *)
FirstNew(xlog, prev, entries) ==
    LET new == {k \in 1..Len(entries) :
                    \/ prev + k > Len(xlog)
                    \/ xlog[prev + k].term /= entries[k].term}
    IN IF new = {} THEN 0 ELSE CHOOSE k \in new : \A k2 \in new : k <= k2
MergeEntries(xlog, prev, entries) ==
    IF BugTruncateWithoutConflict
    THEN SubSeq(xlog, 1, prev) \o entries                \* the seed's bug
    ELSE LET k == FirstNew(xlog, prev, entries)
         IN IF k = 0 THEN xlog
            ELSE SubSeq(xlog, 1, prev + k - 1) \o SubSeq(entries, k, Len(entries))

(* The back-off hint of a failed AppendEntries: the first index of the term
   of our entry at prevLogIndex (or our last index + 1 when we have no entry
   there), so that the leader skips a whole conflicting term at once. *)
FirstIndexOfTerm(xlog, n) ==
    CHOOSE k \in 1..n : /\ xlog[k].term = xlog[n].term
                        /\ \A k2 \in 1..k : xlog[k2].term = xlog[n].term => k2 = k
BackOffHint(xlog, prev) ==
    IF prev > Len(xlog) THEN Len(xlog) + 1 ELSE FirstIndexOfTerm(xlog, prev)

-----------------------------------------------------------------------------
(* Message types. *)
PreVoteRequest == "pre_vote"
PreVoteResponse == "pre_vote_res"
RequestVoteRequest == "request_vote"
RequestVoteResponse == "request_vote_res"
AppendEntriesRequest == "append_entries"
AppendEntriesResponse == "append_entries_res"

-----------------------------------------------------------------------------
Init ==
    /\ currentTerm = [i \in Server |-> 0]
    /\ state = [i \in Server |-> Follower]
    /\ votedFor = [i \in Server |-> Nil]
    /\ leader = [i \in Server |-> Nil]
    /\ log = [i \in Server |-> << >>]
    /\ commitIndex = [i \in Server |-> 0]
    /\ lastApplied = [i \in Server |-> 0]
    /\ appliedLog = [i \in Server |-> << >>]
    /\ preVotes = [i \in Server |-> {}]
    /\ votesGranted = [i \in Server |-> {}]
    /\ nextIndex = [i \in Server |-> [j \in Server |-> 1]]
    /\ matchIndex = [i \in Server |-> [j \in Server |-> 0]]
    /\ msgs = EmptyBag
    /\ elected = {}
    /\ committed = {}

-----------------------------------------------------------------------------
(* The guards of the chart's eventless transitions (becomeCandidate,
   becomeLeader, advanceCommitIndex, applyCommitted).  XState takes an enabled eventless
   transition before the machine handles its next event (they run within the
   macrostep of the event that enabled them), so a server handles no event,
   timer or client request while one of them is enabled: every action of
   server i that the chart triggers by an event requires Settled(i).  Other
   servers and the network may still move in between. *)
CanBecomeCandidate(i) ==
    /\ state[i] = PreCandidate
    /\ preVotes[i] \in Quorum
CanBecomeLeader(i) ==
    /\ state[i] = Candidate
    /\ votesGranted[i] \in Quorum
CanAdvanceCommitIndex(i) ==
    LET n == MedianMatch(i) IN
    /\ state[i] = Leader
    /\ n > commitIndex[i]
    /\ \/ log[i][n].term = currentTerm[i]
       \/ BugCommitEarlierTerm                               \* the bug (Figure 8)
HasCommittedUnapplied(i) == lastApplied[i] < commitIndex[i]
Settled(i) ==
    /\ ~CanBecomeCandidate(i)
    /\ ~CanBecomeLeader(i)
    /\ ~CanAdvanceCommitIndex(i)
    /\ ~HasCommittedUnapplied(i)

-----------------------------------------------------------------------------
(* Actions of the servers. *)

(* Chart: updateTerm (any role, any Raft message with a higher term, except
   a pre-vote request, whose term is only proposed).
   Adopt the term, clear the vote, forget the leader, become follower.  The
   message stays in the network: the chart's reprocessEvent handles it next,
   as a follower of the new term (any step may come in between, which only
   adds behaviours). *)
UpdateTerm(m) ==
    LET i == m.mdest IN
    /\ Settled(i)
    /\ m.mtype /= PreVoteRequest
    /\ m.mterm > currentTerm[i]
    /\ currentTerm' = [currentTerm EXCEPT ![i] = m.mterm]
    /\ votedFor' = [votedFor EXCEPT ![i] = Nil]
    /\ leader' = [leader EXCEPT ![i] = Nil]
    /\ IF BugNoStepDown /\ state[i] = Leader
       THEN UNCHANGED state                                 \* the bug
       ELSE state' = [state EXCEPT ![i] = Follower]
    /\ UNCHANGED <<logVars, candidateVars, leaderVars, msgs, historyVars>>

(* Next term, vote for self, forget the leader, request votes: what
   becomeCandidate does after a pre-vote quorum (and what a timeout does in a
   model with PreVote = FALSE). *)
Campaign(i) ==
    /\ state' = [state EXCEPT ![i] = Candidate]
    /\ currentTerm' = [currentTerm EXCEPT ![i] = currentTerm[i] + 1]
    /\ votedFor' = [votedFor EXCEPT ![i] = i]
    /\ leader' = [leader EXCEPT ![i] = Nil]
    /\ votesGranted' = [votesGranted EXCEPT ![i] = {i}]
    /\ msgs' = msgs (+) SetToBag({[mtype |-> RequestVoteRequest,
                                    mterm |-> currentTerm[i] + 1,
                                    mlastLogTerm |-> LastTerm(log[i]),
                                    mlastLogIndex |-> LastIndex(log[i]),
                                    msource |-> i,
                                    mdest |-> j] : j \in Server \ {i}})
    /\ UNCHANGED <<logVars, preVotes, leaderVars, historyVars>>

(* Chart: followerElectionTimeout, preCandidateElectionTimeout,
   candidateElectionTimeout.  Forget the leader and ask every peer whether it
   would vote for us in the next term (Pre-Vote); the term does not change. *)
Timeout(i) ==
    /\ Settled(i)
    /\ state[i] \in {Follower, PreCandidate, Candidate}
    /\ IF PreVote
       THEN /\ state' = [state EXCEPT ![i] = PreCandidate]
            /\ leader' = [leader EXCEPT ![i] = Nil]
            /\ preVotes' = [preVotes EXCEPT ![i] = {i}]
            /\ msgs' = msgs (+) SetToBag({[mtype |-> PreVoteRequest,
                                            mterm |-> currentTerm[i] + 1,
                                            mlastLogTerm |-> LastTerm(log[i]),
                                            mlastLogIndex |-> LastIndex(log[i]),
                                            msource |-> i,
                                            mdest |-> j] : j \in Server \ {i}})
            /\ UNCHANGED <<currentTerm, votedFor, logVars, votesGranted, leaderVars,
                           historyVars>>
       \* Without Pre-Vote (a bug model's shortcut, not the chart): the
       \* timeout starts the election at once.
       ELSE Campaign(i)

(* Chart: grantPreVote, rejectPreVote (any role), leaderRefusesPreVote
   (leader).  Say whether we would vote for the sender in the term it
   proposes: a later term than ours, a log at least as up to date, and no
   live leader known (leader stickiness); a leader never would.  Nothing
   changes here: no term, no vote.  A refusal that the sender ignores (ours
   is not a newer term than the sender's) is not sent: sending and losing it
   is the same. *)
HandlePreVoteRequest(m) ==
    LET i == m.mdest
        j == m.msource
        grant == /\ state[i] /= Leader
                 /\ m.mterm > currentTerm[i]
                 /\ leader[i] = Nil
                 /\ LogUpToDate(i, m.mlastLogTerm, m.mlastLogIndex)
    IN
    /\ m.mtype = PreVoteRequest
    /\ Settled(i)
    /\ IF grant \/ currentTerm[i] >= m.mterm
       THEN Reply([mtype |-> PreVoteResponse,
                   mterm |-> currentTerm[i],
                   mvoteGranted |-> grant,
                   mrequestedTerm |-> m.mterm,
                   msource |-> i,
                   mdest |-> j], m)
       ELSE Discard(m)
    /\ UNCHANGED <<serverVars, logVars, candidateVars, leaderVars, historyVars>>

(* Chart: recordPreVote (precandidate).  A peer would vote for us in the next
   term.  Other answers are ignored by the chart (a newer term goes through
   UpdateTerm): for the spec they are lost (DropMessage). *)
HandlePreVoteResponse(m) ==
    LET i == m.mdest IN
    /\ m.mtype = PreVoteResponse
    /\ Settled(i)
    /\ m.mterm <= currentTerm[i]
    /\ state[i] = PreCandidate
    /\ m.mvoteGranted
    /\ m.mrequestedTerm = currentTerm[i] + 1
    /\ preVotes' = [preVotes EXCEPT ![i] = @ \cup {m.msource}]
    /\ Discard(m)
    /\ UNCHANGED <<serverVars, logVars, votesGranted, leaderVars, historyVars>>

(* Chart: becomeCandidate (precandidate, eventless, guard hasPreVoteQuorum).
   A majority would vote for us: start an election in the next term, vote
   for self, forget the leader, send RequestVote to every peer. *)
BecomeCandidate(i) ==
    /\ CanBecomeCandidate(i)
    /\ Campaign(i)

(* Chart: grantVote (follower), rejectVote (any role).
   A RequestVote of our term or older (a newer one goes through UpdateTerm
   first).  Grant only in the current term, at most one candidate per term,
   and only if the candidate's log is at least as up to date as ours. *)
HandleRequestVoteRequest(m) ==
    LET i == m.mdest
        j == m.msource
        grant == /\ state[i] = Follower
                 /\ m.mterm = currentTerm[i]
                 /\ LogUpToDate(i, m.mlastLogTerm, m.mlastLogIndex)
                 /\ \/ votedFor[i] \in {Nil, j}
                    \/ BugTwoVotesPerTerm                      \* the bug
    IN
    /\ m.mtype = RequestVoteRequest
    /\ Settled(i)
    /\ m.mterm <= currentTerm[i]
    /\ IF grant
       THEN votedFor' = [votedFor EXCEPT ![i] = j]
       ELSE UNCHANGED votedFor
    \* A refusal of the candidate's own term is ignored by the candidate (the
    \* chart has no transition for it), so the spec does not send it: sending
    \* it and losing it is the same.  A refusal of a newer term is sent: it
    \* makes a stale candidate step down.
    /\ IF grant \/ m.mterm < currentTerm[i]
       THEN Reply([mtype |-> RequestVoteResponse,
                   mterm |-> currentTerm[i],
                   mvoteGranted |-> grant,
                   msource |-> i,
                   mdest |-> j], m)
       ELSE Discard(m)
    /\ UNCHANGED <<currentTerm, state, leader, logVars, candidateVars,
                   leaderVars, historyVars>>

(* Chart: recordVote (candidate).  A vote granted in our current term.
   Responses of an older term, refusals, or arriving at a non-candidate are
   ignored by the chart: for the spec they are lost (DropMessage). *)
HandleRequestVoteResponse(m) ==
    LET i == m.mdest IN
    /\ m.mtype = RequestVoteResponse
    /\ Settled(i)
    /\ m.mterm = currentTerm[i]
    /\ state[i] = Candidate
    /\ m.mvoteGranted
    /\ votesGranted' = [votesGranted EXCEPT ![i] = @ \cup {m.msource}]
    /\ Discard(m)
    /\ UNCHANGED <<serverVars, logVars, preVotes, leaderVars, historyVars>>

(* Chart: becomeLeader (candidate, eventless, guard hasVoteQuorum).
   Initialise nextIndex to lastIndex + 1 and matchIndex to 0, forget the
   known leader, append a no-op entry of the new term.  The AppendEntries
   that the chart's replicateLog then sends are AppendEntries steps. *)
BecomeLeader(i) ==
    /\ CanBecomeLeader(i)
    /\ state' = [state EXCEPT ![i] = Leader]
    /\ leader' = [leader EXCEPT ![i] = Nil]
    /\ nextIndex' = [nextIndex EXCEPT ![i] = [j \in Server |-> Len(log[i]) + 1]]
    /\ matchIndex' = [matchIndex EXCEPT ![i] = [j \in Server |-> 0]]
    /\ log' = [log EXCEPT ![i] = Append(@, [term |-> currentTerm[i], value |-> Noop])]
    /\ elected' = elected \cup {<<currentTerm[i], i>>}
    /\ UNCHANGED <<currentTerm, votedFor, commitIndex, lastApplied, appliedLog,
                   candidateVars, msgs, committed>>

(* Chart: clientRequest (leader).  A client request (direct, or proxied by a
   follower: proxyToLeader) enters the leader's log in its current term. *)
ClientRequest(i, v) ==
    /\ Settled(i)
    /\ state[i] = Leader
    /\ log' = [log EXCEPT ![i] = Append(@, [term |-> currentTerm[i], value |-> v])]
    /\ UNCHANGED <<serverVars, commitIndex, lastApplied, appliedLog,
                   candidateVars, leaderVars, msgs, historyVars>>

(* Chart: heartbeat (leader), and the replicateLog effect of becomeLeader,
   clientRequest and handleAppendEntriesResponse.  Send j the entries from
   nextIndex[i][j] (at most MaxBatch; none when j is up to date). *)
AppendEntries(i, j) ==
    /\ i /= j
    /\ Settled(i)
    /\ state[i] = Leader
    /\ LET prevLogIndex == nextIndex[i][j] - 1
           prevLogTerm == IF prevLogIndex > 0 THEN log[i][prevLogIndex].term ELSE 0
           lastEntry == Min(Len(log[i]), prevLogIndex + MaxBatch)
           entries == SubSeq(log[i], nextIndex[i][j], lastEntry)
       IN Send([mtype |-> AppendEntriesRequest,
                mterm |-> currentTerm[i],
                mprevLogIndex |-> prevLogIndex,
                mprevLogTerm |-> prevLogTerm,
                mentries |-> entries,
                mcommitIndex |-> commitIndex[i],
                msource |-> i,
                mdest |-> j])
    /\ UNCHANGED <<serverVars, logVars, candidateVars, leaderVars, historyVars>>

(* Chart: rejectStaleAppendEntries (any role), acceptAppendEntries (follower),
   abandonPreVote (precandidate), yieldToLeader (candidate).  An AppendEntries of our term or older (a newer
   one goes through UpdateTerm first).
   - older term: answer failure with our term, so the sender steps down;
   - current term: become (or stay) follower, remember the leader, check the
     log matches at prevLogIndex; if so append (truncating only on conflict)
     and set commitIndex := max(commitIndex, min(leaderCommit, index of the
     last new entry)); answer success and that index (mmatchIndex), or
     failure and a back-off hint (mhint, from BackOffHint). *)
HandleAppendEntriesRequest(m) ==
    LET i == m.mdest
        j == m.msource
        logOk == \/ m.mprevLogIndex = 0
                 \/ /\ m.mprevLogIndex <= Len(log[i])
                    /\ log[i][m.mprevLogIndex].term = m.mprevLogTerm
        lastNew == m.mprevLogIndex + Len(m.mentries)
        accept(match) == [mtype |-> AppendEntriesResponse,
                          mterm |-> currentTerm[i],
                          msuccess |-> TRUE,
                          mmatchIndex |-> match,
                          msource |-> i,
                          mdest |-> j]
        refuse(hint) == [mtype |-> AppendEntriesResponse,
                         mterm |-> currentTerm[i],
                         msuccess |-> FALSE,
                         mhint |-> hint,
                         msource |-> i,
                         mdest |-> j]
    IN
    /\ m.mtype = AppendEntriesRequest
    /\ Settled(i)
    /\ m.mterm <= currentTerm[i]
    /\ \/ /\ m.mterm < currentTerm[i]                 \* rejectStaleAppendEntries
          /\ Reply(refuse(0), m)
          /\ UNCHANGED <<serverVars, logVars>>
       \/ /\ m.mterm = currentTerm[i]                 \* acceptAppendEntries,
          /\ state[i] /= Leader                        \* abandonPreVote, yieldToLeader
          /\ state' = [state EXCEPT ![i] = Follower]
          /\ leader' = [leader EXCEPT ![i] = j]
          /\ IF logOk
             THEN /\ log' = [log EXCEPT ![i] = MergeEntries(@, m.mprevLogIndex, m.mentries)]
                  /\ commitIndex' = [commitIndex EXCEPT ![i] =
                                         Max(@, Min(m.mcommitIndex, lastNew))]
                  /\ Reply(accept(lastNew), m)
             ELSE /\ Reply(refuse(Max(BackOffHint(log[i], m.mprevLogIndex), 1)), m)
                  /\ UNCHANGED <<log, commitIndex>>
          /\ UNCHANGED <<currentTerm, votedFor, lastApplied, appliedLog>>
    /\ UNCHANGED <<candidateVars, leaderVars, historyVars>>

(* Chart: handleAppendEntriesResponse (leader).  A response of our term:
   on success matchIndex := max(old, m) (m capped at our last index) and
   nextIndex := max(nextIndex, matchIndex + 1); on failure back nextIndex off
   to the follower's hint, by at least one, never below matchIndex + 1 nor 1.
   Responses of an older term are ignored by the chart: for the spec they are
   lost (DropMessage). *)
HandleAppendEntriesResponse(m) ==
    LET i == m.mdest
        j == m.msource
    IN
    /\ m.mtype = AppendEntriesResponse
    /\ Settled(i)
    /\ m.mterm = currentTerm[i]
    /\ state[i] = Leader
    /\ IF m.msuccess
       THEN LET match == Max(matchIndex[i][j], Min(m.mmatchIndex, Len(log[i]))) IN
            /\ matchIndex' = [matchIndex EXCEPT ![i][j] = match]
            /\ nextIndex' = [nextIndex EXCEPT ![i][j] = Max(@, match + 1)]
       ELSE /\ nextIndex' = [nextIndex EXCEPT ![i][j] =
                                 Max(Max(matchIndex[i][j] + 1, Min(@ - 1, m.mhint)), 1)]
            /\ UNCHANGED matchIndex
    /\ Discard(m)
    /\ UNCHANGED <<serverVars, logVars, candidateVars, historyVars>>

(* Chart: advanceCommitIndex (leader, eventless).  Commit up to the median of
   the match indexes if that entry is of the current term (Raft 5.4.2). *)
AdvanceCommitIndex(i) ==
    LET n == MedianMatch(i) IN
    /\ CanAdvanceCommitIndex(i)
    /\ commitIndex' = [commitIndex EXCEPT ![i] = n]
    \* record each entry the first time it is committed (with that term)
    /\ committed' = committed \cup
                    {[index |-> k, entry |-> log[i][k], term |-> currentTerm[i]] :
                         k \in {k2 \in (commitIndex[i] + 1)..n :
                                   ~\E c \in committed : c.index = k2 /\ c.entry = log[i][k2]}}
    /\ UNCHANGED <<serverVars, log, lastApplied, appliedLog, candidateVars,
                   leaderVars, msgs, elected>>

(* Chart: applyCommitted (any role, eventless).  Apply the committed entries
   not yet applied to the state machine, in log order, all in one step as the
   chart does. *)
ApplyEntry(i) ==
    /\ HasCommittedUnapplied(i)
    /\ lastApplied' = [lastApplied EXCEPT ![i] = commitIndex[i]]
    /\ appliedLog' = [appliedLog EXCEPT ![i] =
                         @ \o SubSeq(log[i], lastApplied[i] + 1, commitIndex[i])]
    /\ UNCHANGED <<serverVars, log, commitIndex, candidateVars, leaderVars,
                   msgs, historyVars>>

(* Chart: restart (any role, eventless, taken once when the node starts from
   durable state).  A crash loses everything volatile; the persistent state
   of Figure 2 -- currentTerm, votedFor and log -- survives, since the runtime
   makes it durable before it sends anything that depends on it.  The node
   comes back a follower that knows no leader, with nothing known committed
   and nothing applied (its state machine is rebuilt as entries commit).
   Messages in flight are not lost by a crash (the network may still lose
   them: DropMessage). *)
Restart(i) ==
    /\ state' = [state EXCEPT ![i] = Follower]
    /\ leader' = [leader EXCEPT ![i] = Nil]
    /\ commitIndex' = [commitIndex EXCEPT ![i] = 0]
    /\ lastApplied' = [lastApplied EXCEPT ![i] = 0]
    /\ appliedLog' = [appliedLog EXCEPT ![i] = << >>]
    /\ preVotes' = [preVotes EXCEPT ![i] = {}]
    /\ votesGranted' = [votesGranted EXCEPT ![i] = {}]
    /\ nextIndex' = [nextIndex EXCEPT ![i] = [j \in Server |-> 1]]
    /\ matchIndex' = [matchIndex EXCEPT ![i] = [j \in Server |-> 0]]
    /\ UNCHANGED <<currentTerm, votedFor, log, msgs, historyVars>>

(* Chart: checkQuorum (leader).  A leader that has not heard from a
   majority for a lease window steps down in the same term and forgets the
   leader; when that happens is timing, so here it may happen at any time. *)
CheckQuorum(i) ==
    /\ Settled(i)
    /\ state[i] = Leader
    /\ state' = [state EXCEPT ![i] = Follower]
    /\ leader' = [leader EXCEPT ![i] = Nil]
    /\ UNCHANGED <<currentTerm, votedFor, logVars, candidateVars, leaderVars,
                   msgs, historyVars>>

-----------------------------------------------------------------------------
(* Actions of the environment: the network loses and duplicates messages. *)

DropMessage(m) ==
    /\ Discard(m)
    /\ UNCHANGED <<serverVars, logVars, candidateVars, leaderVars, historyVars>>

DuplicateMessage(m) ==
    /\ Send(m)
    /\ UNCHANGED <<serverVars, logVars, candidateVars, leaderVars, historyVars>>

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
    \/ \E i, j \in Server : AppendEntries(i, j)
    \/ \E m \in DOMAIN msgs : HandleAppendEntriesRequest(m)
    \/ \E m \in DOMAIN msgs : HandleAppendEntriesResponse(m)
    \/ \E i \in Server : AdvanceCommitIndex(i)
    \/ \E i \in Server : ApplyEntry(i)
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
          msource : Server, mdest : Server]
    \cup [mtype : {AppendEntriesResponse}, mterm : Nat, msuccess : {TRUE},
          mmatchIndex : Nat, msource : Server, mdest : Server]
    \cup [mtype : {AppendEntriesResponse}, mterm : Nat, msuccess : {FALSE},
          mhint : Nat, msource : Server, mdest : Server]

TypeOK ==
    /\ currentTerm \in [Server -> Nat]
    /\ state \in [Server -> Role]
    /\ votedFor \in [Server -> Server \cup {Nil}]
    /\ leader \in [Server -> Server \cup {Nil}]
    /\ log \in [Server -> Seq(Entry)]
    /\ commitIndex \in [Server -> Nat]
    /\ lastApplied \in [Server -> Nat]
    /\ appliedLog \in [Server -> Seq(Entry)]
    /\ preVotes \in [Server -> SUBSET Server]
    /\ votesGranted \in [Server -> SUBSET Server]
    /\ nextIndex \in [Server -> [Server -> Nat \ {0}]]
    /\ matchIndex \in [Server -> [Server -> Nat]]
    /\ IsABag(msgs) /\ BagToSet(msgs) \subseteq Message
    /\ elected \subseteq Nat \X Server
    /\ \A c \in committed : c.index \in Nat \ {0} /\ c.entry \in Entry /\ c.term \in Nat

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

(* If two logs have an entry of the same term at an index, they agree on
   every entry up to that index. *)
LogMatching ==
    \A i, j \in Server :
        \A n \in 1..Min(Len(log[i]), Len(log[j])) :
            log[i][n].term = log[j][n].term =>
                SubSeq(log[i], 1, n) = SubSeq(log[j], 1, n)

(* An entry committed in some term is in the log of every leader of that
   term or a later one. *)
LeaderCompleteness ==
    \A c \in committed : \A i \in Server :
        (state[i] = Leader /\ currentTerm[i] >= c.term) =>
            /\ Len(log[i]) >= c.index
            /\ log[i][c.index] = c.entry

(* No two servers apply different entries at the same index. *)
StateMachineSafety ==
    \A i, j \in Server :
        \A n \in 1..Min(lastApplied[i], lastApplied[j]) :
            appliedLog[i][n] = appliedLog[j][n]

(* The known-leader field only names a server that was leader in that term. *)
KnownLeaderWasLeader ==
    \A i \in Server : leader[i] /= Nil => <<currentTerm[i], leader[i]>> \in elected

(* Also worth checking. *)

(* Every entry committed is stored on a majority, now and forever: no server
   ever erases a committed entry. *)
CommittedOnQuorum ==
    \A c \in committed :
        \E Q \in Quorum : \A j \in Q :
            Len(log[j]) >= c.index /\ log[j][c.index] = c.entry

(* What a server knows committed is in its log, is a committed entry, and
   what it applied is the prefix of its log up to lastApplied. *)
CommitIndexSound ==
    \A i \in Server :
        /\ lastApplied[i] <= commitIndex[i]
        /\ commitIndex[i] <= Len(log[i])
        /\ \A n \in 1..commitIndex[i] :
              \E c \in committed : c.index = n /\ c.entry = log[i][n]
        /\ appliedLog[i] = SubSeq(log[i], 1, lastApplied[i])
        /\ lastApplied[i] = Len(appliedLog[i])

(* Terms in a log never decrease, and never exceed the server's term. *)
LogTermsMonotonic ==
    \A i \in Server :
        /\ \A n \in 1..(Len(log[i]) - 1) : log[i][n].term <= log[i][n + 1].term
        /\ \A n \in 1..Len(log[i]) : log[i][n].term <= currentTerm[i]

(* A vote a candidate counted was cast for it in that term. *)
VotesGrantedSound ==
    \A i \in Server : state[i] = Candidate =>
        \A j \in votesGranted[i] :
            currentTerm[j] > currentTerm[i]
            \/ (currentTerm[j] = currentTerm[i] /\ votedFor[j] = i)

=============================================================================
