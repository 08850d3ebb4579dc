------------------------------ MODULE TraceRaft ------------------------------
(***************************************************************************)
(* Trace validation: is a run of the code a behaviour of Raft.tla?         *)
(*                                                                         *)
(* A trace is what the simulator writes with --trace (src/sim/trace.ts):   *)
(* one line per chart transition a node took, with the message or timer    *)
(* that triggered it, the messages it sent, and the node's variables right *)
(* after it.  scripts/tlc-trace.mjs turns a trace into a module TraceData  *)
(* (written into a directory of its own, which TLC finds on its library    *)
(* path) defining Traces (each a sequence of lines, as records),           *)
(* TraceServers and TraceMaxBatch; one TLC run checks several traces.      *)
(* For each, TLC searches for a behaviour of Raft.tla that                 *)
(* takes, line after line, the action the line's transition mirrors        *)
(* (spec/tla-mapping.ts, copied into each line as `action` and `branch`),  *)
(* such that after each step the node's variables equal the recorded ones  *)
(* and the messages the step sent equal the recorded ones.  A line whose   *)
(* transition sends its AppendEntries by AppendEntries(i, j) steps         *)
(* (sendsVia in the mapping) is followed by one such step per AppendEntries *)
(* it sent, each of which must send exactly the recorded message.  A       *)
(* received message must have been sent before (a second delivery of one   *)
(* is the network's DuplicateMessage, taken when the message was sent).    *)
(*                                                                         *)
(* The search is deterministic: a state has a successor only if the next   *)
(* line (or AppendEntries of it) can be matched, and states are told apart *)
(* by their place in their trace (TraceView).  So every trace is accepted  *)
(* iff TLC finds as many distinct states as the traces have steps (plus    *)
(* one initial state each); the runner checks that, and on a rejection     *)
(* runs TLC again with TraceRaftDiagnose.cfg, which prints, for each trace *)
(* that stops early, the line no step matches and the spec's view of its   *)
(* node.                                                                   *)
(*                                                                         *)
(* Abstractions, made by the generator and documented there: values of    *)
(* client operations are strings (the spec never looks into them), and the *)
(* leader's broadcast numbers count from its election (the code's never    *)
(* restart; the spec's restart at 1 in each term it leads).                *)
(*                                                                         *)
(* Logs are recorded as changes: `log.len` is the last index after the    *)
(* step, `log.snapshotIndex` and `log.snapshotTerm` the snapshot the log   *)
(* starts after, and when the step changed entries, `log.from` the first   *)
(* index that changed and `log.entries` the entries from there on.         *)
(*                                                                         *)
(* Snapshots: an InstallSnapshot is recorded without its data (the state   *)
(* machine, which the trace does not hold); the spec computes the data     *)
(* from its own state (the entries it applied), so recorded and spec       *)
(* messages are compared without it (NoData), and a received snapshot is   *)
(* the one sent (in `sent`) that is the recorded message but for its data. *)
(***************************************************************************)
EXTENDS Raft, TraceData   \* TraceData: Traces, TraceServers, TraceMaxBatch, TraceLeases

VARIABLES
    t,               \* which trace of Traces (a run checks several at once)
    l,               \* the next line to match
    k,               \* AppendEntries of line l already matched by AppendEntries steps
    sent             \* every message sent so far (a received one must be in it)

traceVars == <<vars, t, l, k, sent>>

TraceLog == Traces[t]
Line == TraceLog[l]
Node == Line.node
Rec == Line.vars
IsEvent == "mtype" \in DOMAIN Line.event   \* a message, not a timer or a client

(* A message without the data of a snapshot, or the history a forwarded read
   carries (the trace records neither). *)
NoData(x) == IF x.mtype = InstallSnapshotRequest
             THEN [f \in DOMAIN x \ {"mdata"} |-> x[f]]
             ELSE IF x.mtype = ForwardedRead
             THEN [f \in DOMAIN x \ {"mmustSee"} |-> x[f]]
             ELSE x

(* The message the line received: as recorded, or for a snapshot the one
   sent with its data, and for a forwarded read one sent with its history
   (one still in the network, if any: copies differ only in history). *)
Sent == {x \in sent : NoData(x) = Line.event}
InNetwork == {x \in Sent : x \in DOMAIN msgs}
Msg == IF IsEvent /\ Line.event.mtype \in {InstallSnapshotRequest, ForwardedRead}
       THEN IF InNetwork /= {} THEN CHOOSE x \in InNetwork : TRUE
            ELSE IF Sent /= {} THEN CHOOSE x \in Sent : TRUE
            ELSE Line.event
       ELSE Line.event

TraceInit ==
    /\ Init
    /\ t \in 1..Len(Traces)
    /\ l = 1
    /\ k = 0
    /\ sent = {}

-----------------------------------------------------------------------------
(* The node's variables after the step equal the recorded ones.  A line
   records only the variables that changed since the node's previous line
   (or since Init): an absent one must be unchanged in the spec too.  The
   broadcast numbers (heartbeatSeq, acked) mean something only while the
   node leads: lines record them then, and only then are they compared;
   pending is compared where a trace records it. *)

Has(f) == f \in DOMAIN Rec
ToSet(s) == {s[x] : x \in DOMAIN s}   \* the trace writes sets as arrays

(* The log after the step: it starts after the recorded snapshot, ends at
   the recorded last index, holds from `from` on the recorded entries and
   before that (after the snapshot) the entries it held before the step. *)
LogMatches(i) ==
    IF ~Has("log")
    THEN /\ log'[i] = log[i]
         /\ snapshotIndex'[i] = snapshotIndex[i]
         /\ snapshotTerm'[i] = snapshotTerm[i]
    ELSE LET r == Rec.log
             from == Max(r.from, r.snapshotIndex + 1)
         IN /\ snapshotIndex'[i] = r.snapshotIndex
            /\ snapshotTerm'[i] = r.snapshotTerm
            /\ r.snapshotIndex + Len(log'[i]) = r.len
            /\ \A x \in (r.snapshotIndex + 1)..(from - 1) :
                  /\ Holds(i, x)
                  /\ log'[i][x - r.snapshotIndex] = EntryAt(i, x)
            /\ SubSeq(log'[i], from - r.snapshotIndex, Len(log'[i])) = r.entries

ReadsMatch(i) ==
    IF ~Has("reads") THEN reads'[i] = reads[i]
    ELSE /\ Len(reads'[i]) = Len(Rec.reads)
         /\ \A x \in 1..Len(Rec.reads) :
               /\ reads'[i][x].seq = Rec.reads[x].seq
               /\ reads'[i][x].readIndex = Rec.reads[x].readIndex
               /\ reads'[i][x].by = Rec.reads[x].by

Peers(i) == Server \ {i}

NodeMatches(i) ==
    /\ IF Has("currentTerm") THEN currentTerm'[i] = Rec.currentTerm ELSE currentTerm'[i] = currentTerm[i]
    /\ IF Has("state") THEN state'[i] = Rec.state ELSE state'[i] = state[i]
    /\ IF Has("votedFor") THEN votedFor'[i] = Rec.votedFor ELSE votedFor'[i] = votedFor[i]
    /\ IF Has("leader") THEN leader'[i] = Rec.leader ELSE leader'[i] = leader[i]
    /\ LogMatches(i)
    /\ IF Has("commitIndex") THEN commitIndex'[i] = Rec.commitIndex ELSE commitIndex'[i] = commitIndex[i]
    /\ IF Has("lastApplied") THEN lastApplied'[i] = Rec.lastApplied ELSE lastApplied'[i] = lastApplied[i]
    /\ IF Has("preVotes") THEN preVotes'[i] = ToSet(Rec.preVotes) ELSE preVotes'[i] = preVotes[i]
    /\ IF Has("votesGranted") THEN votesGranted'[i] = ToSet(Rec.votesGranted) ELSE votesGranted'[i] = votesGranted[i]
    /\ IF Has("nextIndex") THEN \A j \in Peers(i) : nextIndex'[i][j] = Rec.nextIndex[j]
       ELSE \A j \in Peers(i) : nextIndex'[i][j] = nextIndex[i][j]
    /\ IF Has("matchIndex") THEN \A j \in Peers(i) : matchIndex'[i][j] = Rec.matchIndex[j]
       ELSE \A j \in Peers(i) : matchIndex'[i][j] = matchIndex[i][j]
    \* the writes waiting for their answer live in the runtime, not in the
    \* chart's context: a trace may leave them out
    /\ Has("pending") => pending'[i] = ToSet(Rec.pending)
    /\ ReadsMatch(i)
    /\ Has("heartbeatSeq") => heartbeatSeq'[i] = Rec.heartbeatSeq
    /\ Has("acked") => \A j \in Peers(i) : acked'[i][j] = Rec.acked[j]

-----------------------------------------------------------------------------
(* Messages. *)

(* Messages the step added to the network (a reply replaces its request). *)
Added == {x \in DOMAIN msgs' : x \notin DOMAIN msgs \/ msgs'[x] > msgs[x]}

(* The code answers every vote and pre-vote request; the spec does not send
   a refusal its receiver would ignore (RejectVote, RejectPreVote). *)
Omitted(x) ==
    \/ /\ x.mtype = PreVoteResponse
       /\ ~x.mvoteGranted
       /\ x.mterm < x.mrequestedTerm
    \/ /\ x.mtype = RequestVoteResponse
       /\ ~x.mvoteGranted
       /\ IsEvent
       /\ Line.event.mtype = RequestVoteRequest
       /\ x.mterm = Line.event.mterm

(* The AppendEntries and snapshots that AppendEntries(i, j) and
   SendSnapshot(i, j) steps send after the line's main step. *)
LaterSends == IF Line.sendsVia
              THEN SelectSeq(Line.sends, LAMBDA x : x.mtype \in {AppendEntriesRequest, InstallSnapshotRequest})
              ELSE << >>
NowSends == {Line.sends[x] : x \in 1..Len(Line.sends)} \ {LaterSends[x] : x \in 1..Len(LaterSends)}

SendsMatch ==
    /\ {NoData(x) : x \in Added} \subseteq NowSends
    /\ \A x \in NowSends \ {NoData(y) : y \in Added} : Omitted(x)

-----------------------------------------------------------------------------
(* The line's main step: the action its transition mirrors, and within it
   the branch. *)

(* The value a client request appended: the last entry of the recorded log. *)
NewValue == Rec.log.entries[Len(Rec.log.entries)].value

ActionStep(a, i) ==
    CASE a = "UpdateTerm" -> UpdateTerm(Msg)
      [] a = "Timeout" -> Timeout(i)
      [] a = "HandlePreVoteRequest" -> HandlePreVoteRequest(Msg)
      [] a = "HandlePreVoteResponse" -> HandlePreVoteResponse(Msg)
      [] a = "BecomeCandidate" -> BecomeCandidate(i)
      [] a = "HandleRequestVoteRequest" -> HandleRequestVoteRequest(Msg)
      [] a = "HandleRequestVoteResponse" -> HandleRequestVoteResponse(Msg)
      [] a = "BecomeLeader" -> BecomeLeader(i)
      [] a = "ClientRequest" -> ClientRequest(i, NewValue)
      [] a = "Heartbeat" -> Heartbeat(i)
      [] a = "HandleAppendEntriesRequest" -> HandleAppendEntriesRequest(Msg)
      [] a = "HandleAppendEntriesResponse" -> HandleAppendEntriesResponse(Msg)
      [] a = "TakeSnapshot" -> TakeSnapshot(i)
      [] a = "HandleInstallSnapshotRequest" -> HandleInstallSnapshotRequest(Msg)
      [] a = "HandleInstallSnapshotResponse" -> HandleInstallSnapshotResponse(Msg)
      [] a = "AdvanceCommitIndex" -> AdvanceCommitIndex(i)
      [] a = "ApplyEntry" -> ApplyEntry(i)
      [] a = "ReadIndex" -> ReadIndex(i)
      [] a = "ForwardRead" -> ForwardRead(i)
      [] a = "HandleForwardedRead" -> HandleForwardedRead(Msg)
      [] a = "ConfirmReads" -> ConfirmReads(i)
      [] a = "AnswerReads" -> AnswerReads(i)
      [] a = "LeaseRead" -> LeaseRead(i)
      [] a = "LocalRead" -> LocalRead(i)
      [] a = "CheckQuorum" -> CheckQuorum(i)
      [] a = "Restart" -> Restart(i)
      [] a = "None" -> UNCHANGED vars

BranchHolds(b) ==
    CASE b = "GrantVote" -> GrantVote(Msg)
      [] b = "RejectVote" -> RejectVote(Msg)
      [] b = "GrantPreVote" -> GrantPreVote(Msg)
      [] b = "RejectPreVote" -> RejectPreVote(Msg)
      [] b = "AcceptAppendEntries" -> AcceptAppendEntries(Msg)
      [] b = "RejectStaleAppendEntries" -> RejectStaleAppendEntries(Msg)
      [] b = "InstallSnapshot" -> InstallSnapshot(Msg)
      [] b = "RejectStaleSnapshot" -> RejectStaleSnapshot(Msg)
      [] OTHER -> TRUE

MainStep ==
    /\ l <= Len(TraceLog)
    /\ k = 0
    /\ IsEvent => Msg \in sent
    /\ ActionStep(Line.action, Node)
    /\ BranchHolds(Line.branch)
    /\ NodeMatches(Node)
    /\ SendsMatch
    /\ sent' = sent \cup Added
    /\ UNCHANGED t
    /\ IF Len(LaterSends) = 0
       THEN l' = l + 1 /\ k' = 0
       ELSE l' = l /\ k' = 1

(* The k-th AppendEntries or snapshot of line l, by an AppendEntries or a
   SendSnapshot step. *)
SendStep ==
    LET x == LaterSends[k] IN
    /\ l <= Len(TraceLog)
    /\ k >= 1
    /\ IF x.mtype = AppendEntriesRequest
       THEN AppendEntries(Node, x.mdest)
       ELSE SendSnapshot(Node, x.mdest)
    /\ {NoData(y) : y \in Added} = {x}
    /\ sent' = sent \cup Added
    /\ UNCHANGED t
    /\ IF k = Len(LaterSends)
       THEN l' = l + 1 /\ k' = 0
       ELSE l' = l /\ k' = k + 1

(* The end of the trace: stutter, so that only an unmatched line deadlocks. *)
Done ==
    /\ l > Len(TraceLog)
    /\ UNCHANGED traceVars

TraceNext == MainStep \/ SendStep \/ Done

(* The search is deterministic (a line allows one step at most), so states
   are told apart by their position in their trace alone; hashing the whole
   state (a network of thousands of messages) would only cost time. *)
TraceView == <<t, l, k>>

(* What TLC prints for each state of an error trace: where in the trace it
   is, and the spec's variables of the node of the next line. *)
TraceAlias ==
    IF l > Len(TraceLog) THEN [trace |-> t, line |-> "end"]
    ELSE LET i == Node IN
         [trace |-> t, line |-> Line.i, sub |-> k, transition |-> Line.transition, node |-> i,
          currentTerm |-> currentTerm[i], state |-> state[i], votedFor |-> votedFor[i],
          leader |-> leader[i], lastIndex |-> LastIndex(i),
          lastTerm |-> LastTerm(i), snapshotIndex |-> snapshotIndex[i],
          snapshotTerm |-> snapshotTerm[i], commitIndex |-> commitIndex[i],
          lastApplied |-> lastApplied[i], preVotes |-> preVotes[i],
          votesGranted |-> votesGranted[i], nextIndex |-> nextIndex[i],
          matchIndex |-> matchIndex[i], heartbeatSeq |-> heartbeatSeq[i],
          acked |-> acked[i], reads |-> reads[i], pending |-> pending[i]]

(* For the diagnosis of a rejected trace (TraceRaftDiagnose.cfg): at the line
   that cannot be matched, print where and the spec's view of the node. *)
Stuck ==
    /\ l <= Len(TraceLog)
    /\ ~ENABLED (MainStep \/ SendStep)
    /\ PrintT(<<"TRACE REJECTED", TraceAlias>>)
    /\ UNCHANGED traceVars
TraceNextDiagnose == TraceNext \/ Stuck

=============================================================================
