// The mutant list: semantic mutants of the chart (spec/chart.ts), its guards
// and actions (machines/), the runtime, the protocol layer, storage and the
// core. Each is one textual change to one file: `find` must occur exactly
// once in it (a mutant whose patch no longer applies is reported as such by
// `npm run mutants` and fails `npm test`'s check, so this list is kept up to
// date with the code it mutates). Each is applied alone to a copy of the
// tree, and the fast suite must fail against it.
//
// These are hand-written rather than generated (StrykerJS and the like):
// every one is a plausible Raft bug with a reason, every one must be killed,
// and a generated set on these files is dominated by equivalent mutants (log
// texts, defensive `?? 0`s) that no test can or should kill. See the commit
// that added this file.

export interface Mutant {
  /** A short unique name. */
  readonly id: string;
  /** The file it changes, from the repository root. */
  readonly file: string;
  /** Text that occurs exactly once in the file... */
  readonly find: string;
  /** ...and what it becomes. */
  readonly replace: string;
  /** More changes to the same file, each applied like the first (a swap takes two). */
  readonly also?: readonly { readonly find: string; readonly replace: string }[];
  /** The bug it stands for. */
  readonly why: string;
}

const G = 'machines/guards.ts';
const A = 'machines/actions.ts';
const C = 'spec/chart.ts';
const R = 'src/runtime/runtime.ts';
const N = 'src/maelstrom/node.ts';

export const MUTANTS: readonly Mutant[] = [
  // ---- terms and voting ---------------------------------------------------
  {
    id: 'prevote-raises-term',
    file: C,
    find: "on: ['request_vote', 'request_vote_res', 'append_entries', 'append_entries_res', 'install_snapshot', 'install_snapshot_res', 'pre_vote_res'],",
    replace: "on: ['request_vote', 'request_vote_res', 'append_entries', 'append_entries_res', 'install_snapshot', 'install_snapshot_res', 'pre_vote_res', 'pre_vote'],",
    why: 'a pre-vote request raises the term of whoever hears it: what Pre-Vote exists to prevent',
  },
  {
    id: 'stale-term-le',
    file: G,
    find: 'isStaleTerm: (ctx, ev) => termOf(ev) < ctx.term,',
    replace: 'isStaleTerm: (ctx, ev) => termOf(ev) <= ctx.term,',
    why: "the current leader's AppendEntries is refused as stale",
  },
  {
    id: 'vote-ignores-votedFor',
    file: G,
    find: '(ctx.votedFor === null || ctx.votedFor === b.candidate_id) &&',
    replace: '',
    why: 'two votes in a term (ElectionSafety)',
  },
  {
    id: 'vote-ignores-log',
    file: G,
    find: `(ctx.votedFor === null || ctx.votedFor === b.candidate_id) &&
      ctx.log.isUpToDate(b.last_log_index, b.last_log_term)`,
    replace: '(ctx.votedFor === null || ctx.votedFor === b.candidate_id)',
    why: 'a vote for a candidate with a less up-to-date log (LeaderCompleteness)',
  },
  {
    id: 'vote-any-term',
    file: G,
    find: `b.term === ctx.term &&
      (ctx.votedFor`,
    replace: `(ctx.votedFor`,
    why: 'a vote request of an older term is granted (and the vote of the current term spent on it)',
  },
  {
    id: 'uptodate-index-gt',
    file: 'src/core/log.ts',
    find: 'lastIndex >= this.lastIndex',
    replace: 'lastIndex > this.lastIndex',
    why: 'a candidate whose log is exactly as up to date is refused: elections stall',
  },
  {
    id: 'uptodate-term-ignored',
    file: 'src/core/log.ts',
    find: 'return lastTerm > this.lastTerm || (lastTerm === this.lastTerm && lastIndex >= this.lastIndex);',
    replace: 'return lastIndex >= this.lastIndex;',
    why: 'a longer log of older terms counts as more up to date (Figure 2 compares last terms first)',
  },
  {
    id: 'update-term-keeps-vote',
    file: A,
    find: "assign: { term: ev.body.term as number, votedFor: null, leader: null, votesGranted: [] },",
    replace: "assign: { term: ev.body.term as number, leader: null, votesGranted: [] },",
    why: 'a vote of an earlier term is carried into the new one',
  },
  {
    id: 'update-term-keeps-leader',
    file: A,
    find: "assign: { term: ev.body.term as number, votedFor: null, leader: null, votesGranted: [] },",
    replace: "assign: { term: ev.body.term as number, votedFor: null, votesGranted: [] },",
    why: 'a node in a new term still believes in the leader of the old one (proxies to it, refuses pre-votes for it)',
  },
  {
    id: 'grant-vote-not-recorded',
    file: A,
    find: "assign: { votedFor: ev.body.candidate_id as string },",
    replace: '',
    why: 'a vote granted is not recorded: another candidate of the term gets one too',
  },
  {
    id: 'reject-append-echoes-term',
    file: A,
    find: "effects: reply(ev, { type: 'append_entries_res', term: ctx.term, success: false, hint: 0 }),",
    replace: "effects: reply(ev, { type: 'append_entries_res', term: ev.body.term as number, success: false, hint: 0 }),",
    why: 'a stale leader is refused without being told the newer term: it never steps down',
  },
  {
    id: 'vote-quorum-minus-one',
    file: G,
    find: 'hasVoteQuorum: (ctx) => ctx.votesGranted.length >= majority(ctx.nodes.length),',
    replace: 'hasVoteQuorum: (ctx) => ctx.votesGranted.length >= majority(ctx.nodes.length) - 1,',
    why: 'off-by-one quorum: a candidate leads on its own vote',
  },
  {
    id: 'vote-from-any-term',
    file: G,
    find: 'isVoteGrantedInCurrentTerm: (ctx, ev) => termOf(ev) === ctx.term && ev.body.vote_granted === true,',
    replace: 'isVoteGrantedInCurrentTerm: (ctx, ev) => ev.body.vote_granted === true,',
    why: 'a vote granted in an earlier election counts in this one',
  },
  {
    id: 'candidate-no-term-bump',
    file: A,
    find: "assign: { term: ctx.term + 1, votedFor: ctx.self, leader: null, votesGranted: [ctx.self] },",
    replace: "assign: { term: ctx.term, votedFor: ctx.self, leader: null, votesGranted: [ctx.self] },",
    why: 'an election in the same term: two leaders of one term',
  },

  // ---- Pre-Vote -------------------------------------------------------------
  {
    id: 'prevote-sets-votedFor',
    file: A,
    find: "grantPreVote: (ctx, ev) => ({\n    effects:",
    replace: "grantPreVote: (ctx, ev) => ({\n    assign: { votedFor: ev.body.candidate_id as string },\n    effects:",
    why: 'a pre-vote spends the real vote of the current term',
  },
  {
    id: 'prevote-no-stickiness',
    file: G,
    find: 'return b.term > ctx.term && ctx.leader === null && ctx.log.isUpToDate',
    replace: 'return b.term > ctx.term && ctx.log.isUpToDate',
    why: 'a node that hears from a live leader still says it would vote: a returning node deposes it',
  },
  {
    id: 'prevote-same-term',
    file: G,
    find: 'return b.term > ctx.term && ctx.leader === null',
    replace: 'return b.term >= ctx.term && ctx.leader === null',
    why: 'a pre-vote for a term that is not later is granted',
  },
  {
    id: 'prevote-ignores-log',
    file: G,
    find: 'ctx.leader === null && ctx.log.isUpToDate(b.last_log_index, b.last_log_term) && isLeaderSilent(ctx, ev);',
    replace: 'ctx.leader === null && isLeaderSilent(ctx, ev);',
    why: 'a pre-vote for a less up-to-date log',
  },
  {
    id: 'prevote-res-any-round',
    file: G,
    find: "isPreVoteGranted: (ctx, ev) => ev.body.vote_granted === true && ev.body.requested_term === ctx.term + 1,",
    replace: 'isPreVoteGranted: (ctx, ev) => ev.body.vote_granted === true,',
    why: 'a pre-vote answer of an earlier round counts in this one',
  },
  {
    id: 'prevote-quorum-gt',
    file: G,
    find: 'hasPreVoteQuorum: (ctx) => ctx.preVotes.length >= majority(ctx.nodes.length),',
    replace: 'hasPreVoteQuorum: (ctx) => ctx.preVotes.length > majority(ctx.nodes.length),',
    why: 'off-by-one quorum: a majority of pre-votes is not enough',
  },
  {
    id: 'prevote-current-term',
    file: A,
    find: "requestPreVotes: (ctx) => ({ effects: askForVotes(ctx, 'pre_vote', ctx.term + 1) }),",
    replace: "requestPreVotes: (ctx) => ({ effects: askForVotes(ctx, 'pre_vote', ctx.term) }),",
    why: 'pre-votes asked for the current term: nobody can grant them',
  },
  {
    id: 'precandidate-keeps-leader',
    file: A,
    find: 'assign: { leader: null, preVotes: [ctx.self] },',
    replace: 'assign: { preVotes: [ctx.self] },',
    why: 'a node that timed out still believes in its leader',
  },
  {
    id: 'leader-grants-prevote',
    file: C,
    find: "on: ['pre_vote'],\n    actions: ['rejectPreVote'],\n    description: 'A leader is the live leader",
    replace: "on: ['pre_vote'],\n    actions: ['grantPreVote'],\n    description: 'A leader is the live leader",
    why: 'a leader says it would vote for another',
  },

  // ---- the chart's shape ------------------------------------------------------
  {
    id: 'chart-swap-targets',
    file: C,
    find: "on: ['after:electionTimeout'],\n    target: 'precandidate',\n    actions: ['becomePreCandidate', 'requestPreVotes'],\n    description:\n      'No leader heard from",
    replace: "on: ['after:electionTimeout'],\n    target: 'follower',\n    actions: ['becomePreCandidate', 'requestPreVotes'],\n    description:\n      'No leader heard from",
    also: [{ find: "guard: 'canGrantVote',\n    target: 'follower',", replace: "guard: 'canGrantVote',\n    target: 'precandidate'," }],
    why: "two targets swapped in a copy of the chart: a follower's election timeout keeps it a follower, a vote granted makes it a pre-candidate",
  },
  {
    id: 'chart-yield-to-precandidate',
    file: C,
    find: "name: 'yieldToLeader',\n    source: 'candidate',\n    on: ['append_entries'],\n    guard: 'isCurrentTerm',\n    target: 'follower',",
    replace: "name: 'yieldToLeader',\n    source: 'candidate',\n    on: ['append_entries'],\n    guard: 'isCurrentTerm',\n    target: 'precandidate',",
    why: 'a candidate that hears from the leader of its term becomes a pre-candidate, not a follower',
  },
  {
    id: 'no-step-down-on-higher-term',
    file: C,
    find: "guard: 'isHigherTerm',\n    target: 'follower',",
    replace: "guard: 'isHigherTerm',",
    why: 'a missing step-down: a leader or candidate that sees a higher term keeps its role',
  },
  {
    id: 'no-step-down-on-lost-quorum',
    file: C,
    find: "guard: 'hasLostQuorum',\n    target: 'follower',",
    replace: "guard: 'hasLostQuorum',",
    why: 'a missing step-down: a leader cut off from the majority goes on leading (CheckQuorum)',
  },
  {
    id: 'grant-vote-unguarded',
    file: C,
    find: "guard: 'canGrantVote',",
    replace: '',
    why: 'a dropped condition: every vote request of the current term is granted',
  },
  {
    id: 'heartbeat-no-timer-restart',
    file: C,
    find: "guard: 'isCurrentTerm',\n    target: 'follower',\n    reenter: true,\n    actions: ['recordLeader', 'handleAppendEntries'],",
    replace: "guard: 'isCurrentTerm',\n    target: 'follower',\n    actions: ['recordLeader', 'handleAppendEntries'],",
    why: "a follower's election timer is not restarted by its leader's AppendEntries: it times out under a live leader",
  },

  // ---- AppendEntries --------------------------------------------------------
  {
    id: 'hint-off-by-one',
    file: A,
    find: 'b.prev_log_index > ctx.log.lastIndex ? ctx.log.lastIndex + 1 :',
    replace: 'b.prev_log_index > ctx.log.lastIndex ? ctx.log.lastIndex :',
    why: 'the back-off hint is one too low',
  },
  {
    id: 'truncate-at-commit-index',
    file: A,
    find: 'if (conflict !== undefined && conflict <= ctx.commitIndex) {',
    replace: 'if (conflict !== undefined && conflict < ctx.commitIndex) {',
    why: 'off-by-one: an AppendEntries may overwrite the entry at the commit index',
  },
  {
    id: 'commit-past-new-entries',
    file: A,
    find: 'Math.max(ctx.commitIndex, Math.min(b.leader_commit, lastNew))',
    replace: 'Math.max(ctx.commitIndex, b.leader_commit)',
    why: 'a follower commits entries the AppendEntries did not vouch for (Figure 2: min(leaderCommit, last new entry))',
  },
  {
    id: 'match-claims-whole-log',
    file: A,
    find: "success: true, match_index: lastNew,",
    replace: "success: true, match_index: ctx.log.lastIndex,",
    why: 'a follower claims to match entries a delayed AppendEntries never covered',
  },
  {
    id: 'prev-term-of-next',
    file: A,
    find: 'prev_log_term: ctx.log.termAt(prev) ?? 0,',
    replace: 'prev_log_term: ctx.log.termAt(next) ?? 0,',
    why: 'the consistency check is sent with the wrong term',
  },
  {
    id: 'backoff-below-match',
    file: A,
    find: 'const backedOff = Math.max(match + 1, Math.min(next - 1, ev.body.hint as number), 1);',
    replace: 'const backedOff = Math.max(Math.min(next - 1, ev.body.hint as number), 1);',
    why: 'a stale refusal backs the next index off below what the follower is known to hold',
  },
  {
    id: 'match-uncapped',
    file: A,
    find: 'const newMatch = Math.max(match, Math.min(ev.body.match_index as number, ctx.log.lastIndex));\n      // The messages',
    replace: 'const newMatch = Math.max(match, ev.body.match_index as number);\n      // The messages',
    why: 'a success claiming more than the leader has is believed (and counted towards commit)',
  },
  {
    id: 'probe-ignores-inflight',
    file: G,
    find: 'return replicating(ctx, peer) ? ctx.config.maxInflight - flying : flying > 0 ? 0 : 1;',
    replace: 'return replicating(ctx, peer) ? ctx.config.maxInflight - flying : 1;',
    why: 'a follower whose match is unknown (probe) gets its backlog again at every batch while an AppendEntries is in flight',
  },
  {
    id: 'window-ignored',
    file: G,
    find: 'return replicating(ctx, peer) ? ctx.config.maxInflight - flying :',
    replace: 'return replicating(ctx, peer) ? ctx.config.maxInflight :',
    why: 'the in-flight window is not counted: a follower in the replicate state gets ever more AppendEntries however many are unanswered',
  },

  // ---- commit ---------------------------------------------------------------
  {
    id: 'commit-earlier-term',
    file: G,
    find: 'return n > ctx.commitIndex && ctx.log.termAt(n) === ctx.term;',
    replace: 'return n > ctx.commitIndex;',
    why: 'Figure 8: an entry of an earlier term committed by counting replicas',
  },
  {
    id: 'quorum-index-off-by-one',
    file: 'src/core/quorum.ts',
    find: 'return sorted[sorted.length - majority(sorted.length)]!;',
    replace: 'return sorted[sorted.length - majority(sorted.length) + 1]!;',
    why: 'off-by-one quorum: an index held by a minority counts as committed',
  },
  {
    id: 'leader-assumes-followers-match',
    file: A,
    find: 'matchIndex[p] = 0;',
    replace: 'matchIndex[p] = next - 1;',
    why: 'a new leader assumes every follower holds its whole log: it commits what nobody else has',
  },
  {
    id: 'leader-no-noop',
    file: A,
    find: "ctx.log.append({ term: ctx.term, op: { f: 'noop' } });",
    replace: '',
    why: "a new leader appends no entry of its term: earlier entries stay uncommitted until a client writes",
  },

  // ---- leader leases (RAFT_READS=lease) -------------------------------------
  {
    id: 'lease-from-answer-time',
    file: A,
    find: 'return { broadcastTimes: [...kept, { seq, at: ctx.now }] };',
    replace: 'return { broadcastTimes: [...kept, { seq, at: ctx.now + 1_000_000 }] };',
    why: 'the lease runs from a time after the broadcast was sent (as if from the answer): it outlives the followers\' promise',
  },
  {
    id: 'lease-vote-no-wait',
    file: G,
    find: 'return !usesLeases(ctx.config) || timeOf(ctx, ev) - ctx.leaderHeardAt >= ctx.config.electionMinMs;',
    replace: 'return true;',
    why: 'a node that just answered a leased broadcast votes for another at once (or a restarted node: no quarantine)',
  },
  {
    id: 'lease-before-commit-in-term',
    file: G,
    find: "isReadServedBy(ctx, ev, 'lease') &&\n    ctx.log.termAt(ctx.commitIndex) === ctx.term &&",
    replace: "isReadServedBy(ctx, ev, 'lease') &&",
    why: "a new leader serves lease reads from a commit index older than its predecessor's",
  },
  {
    id: 'lease-boundary-inclusive',
    file: G,
    find: 'return now < ctx.leaseUntil;',
    replace: 'return now <= ctx.leaseUntil;',
    why: 'a read at the very end of the lease is still served by it',
  },

  // ---- ReadIndex --------------------------------------------------------------
  {
    id: 'readindex-before-commit-in-term',
    file: G,
    find: "isReadServedBy(ctx, ev, 'readindex') && ctx.log.termAt(ctx.commitIndex) === ctx.term &&",
    replace: "isReadServedBy(ctx, ev, 'readindex') &&",
    why: "a new leader serves reads from a commit index older than its predecessor's (stale read, or 20 for a committed write)",
  },
  {
    id: 'read-ready-before-applied',
    file: G,
    find: 'if (ctx.lastApplied < read.readIndex) return false;',
    replace: '',
    why: 'a read is answered before the state machine reached its read index',
  },
  {
    id: 'read-accepts-stale-ack',
    file: G,
    find: '(ctx.acked[p] ?? 0) >= read.seq) acks++;',
    replace: '(ctx.acked[p] ?? 0) >= read.seq - 1) acks++;',
    why: 'an acknowledgement of a broadcast sent before the read arrived confirms it (a deposed leader serves a stale read)',
  },
  {
    id: 'read-seq-current',
    file: A,
    find: 'pendingRead(ev, ctx.heartbeatSeq + 1, ctx.commitIndex)] },',
    replace: 'pendingRead(ev, ctx.heartbeatSeq, ctx.commitIndex)] },',
    why: 'a read waits for the broadcast already in flight, sent before it arrived',
  },
  {
    id: 'ack-any-seq',
    file: A,
    find: "typeof seq === 'number' && seq > (ctx.acked[peer] ?? 0) ? { ...ctx.acked, [peer]: seq } : ctx.acked;",
    replace: '{ ...ctx.acked, [peer]: ctx.heartbeatSeq };',
    why: 'any answer counts as an answer to the latest broadcast',
  },
  {
    id: 'read-no-self-ack',
    file: G,
    find: 'let acks = 1;',
    replace: 'let acks = 0;',
    why: "the leader does not count itself: reads wait for one answer too many",
  },
  {
    id: 'read-round-per-batch',
    file: G,
    find: 'hasUnsentReadRound: (ctx) => ctx.reads.length > 0 && ctx.reads[ctx.reads.length - 1]!.seq > ctx.heartbeatSeq,',
    replace: 'hasUnsentReadRound: (ctx) => ctx.reads.length > 0,',
    why: 'every batch starts a confirmation round while reads wait, though theirs is already in flight',
  },
  // ---- forwarded reads ----------------------------------------------------------
  {
    id: 'forwarded-read-confirmed-outright',
    file: G,
    find: 'if (ctx.lastApplied < read.readIndex) return false;',
    replace: 'if (ctx.lastApplied < read.readIndex) return false;\n  if (read.by !== undefined) return true;',
    why: 'a forwarded read counts as confirmed by its forwarder alone: with five servers a deposed leader and one follower serve a stale read',
  },
  {
    id: 'forwarder-counted-twice',
    file: G,
    find: 'for (const p of ctx.peers) if (p === read.by || (ctx.acked[p] ?? 0) >= read.seq) acks++;',
    replace: 'if (read.by !== undefined) acks++;\n  for (const p of ctx.peers) if ((ctx.acked[p] ?? 0) >= read.seq) acks++;',
    why: 'the forwarder counts again when it answers the broadcast too: one server taken for two',
  },
  {
    id: 'forwarded-read-from-anyone',
    file: G,
    find: "return typeof t === 'number' && t <= ctx.term && ctx.peers.includes(ev.src);",
    replace: "return typeof t === 'number' && t <= ctx.term;",
    why: "a client's read that says proxy_term counts its client as a server: with three servers a deposed leader answers it at once, stale (the spec's ReadConfirmedBySender)",
  },
  {
    id: 'forwarded-read-any-term',
    file: G,
    find: "return typeof t === 'number' && t <= ctx.term && ctx.peers.includes(ev.src);",
    replace: "return typeof t === 'number' && ctx.peers.includes(ev.src);",
    why: 'a follower of a later term, which may have voted for a later leader, counts as a confirmation for a leader of an earlier one',
  },
  {
    id: 'forwarded-read-without-term',
    file: N,
    find: "this.gather(this.proxyOut, leader, term === undefined ? forwarded : withField(forwarded, 'proxy_term', term));",
    replace: 'this.gather(this.proxyOut, leader, forwarded);',
    why: 'a follower forwards reads without its term: every read at a follower waits for a broadcast at the leader again',
  },
  {
    id: 'reads-not-abandoned',
    file: A,
    find: "abandonReads: (ctx) =>\n    ctx.reads.length === 0",
    replace: "abandonReads: (ctx) =>\n    ctx.reads.length >= 0",
    why: 'reads waiting when leadership ends are never answered',
  },

  // ---- leader lease (CheckQuorum) ------------------------------------------------
  {
    id: 'lost-quorum-off-by-one',
    file: G,
    find: 'ctx.heard.length + 1 < majority(ctx.nodes.length)',
    replace: 'ctx.heard.length < majority(ctx.nodes.length)',
    why: 'off-by-one: the leader does not count itself, and steps down while a majority hears it',
  },
  {
    id: 'lease-never-resets',
    file: A,
    find: '? { assign: { leaseTick: 0, heard: [] } }',
    replace: '? { assign: { leaseTick: 0 } }',
    why: 'peers heard in one window count in every later one: a cut-off leader never steps down',
  },

  // ---- clients, proxying, replies ----------------------------------------------
  {
    id: 'proxy-proxied-request',
    file: G,
    find: 'return ctx.leader !== null && !ctx.nodes.includes(ev.src);',
    replace: 'return ctx.leader !== null;',
    why: 'a request a peer proxied is proxied again (loops between nodes that disagree about the leader)',
  },
  {
    id: 'proxy-expiry-definite-error',
    file: N,
    find: 'this.proxied.delete(id);\n        this.stats.proxyExpired++;',
    replace:
      "this.proxied.delete(id);\n        this.stats.proxyExpired++;\n        if (p.inReplyTo !== undefined) this.reply(p.client, p.inReplyTo, { type: 'error', code: ErrorCode.TemporarilyUnavailable, text: 'proxy timeout' });",
    why: 'a definite error where the fate is unknown: the leader may have committed the request',
  },
  {
    id: 'reply-for-overwritten-entry',
    file: R,
    find: 'if (w.term === entry.term) this.opts.host.reply(w.to, w.inReplyTo, result);',
    replace: 'this.opts.host.reply(w.to, w.inReplyTo, result);',
    why: "a client is answered with the result of another client's entry that replaced its own",
  },
  {
    id: 'step-down-fails-writes',
    file: R,
    find: 'if (role !== this.lastRole || term !== this.lastTerm) {',
    replace:
      "if (this.lastRole === 'leader' && role !== 'leader') {\n      for (const w of this.waiting.values()) this.opts.host.reply(w.to, w.inReplyTo, errorBody(ErrorCode.TemporarilyUnavailable, 'not the leader any more'));\n      this.waiting.clear();\n    }\n    if (role !== this.lastRole || term !== this.lastTerm) {",
    why: 'a definite error where the fate is unknown: writes in the log of a deposed leader may still commit',
  },
  {
    id: 'batch-answers-lost',
    file: N,
    find: 'for (const rep of body.replies as Message[\'body\'][]) {',
    replace: 'for (const rep of (body.replies as Message[\'body\'][]).slice(0, 1)) {',
    why: 'a follower relays only the first answer of a batch of answers to proxied requests: the other clients never hear',
  },
  {
    id: 'batch-wait-ignored',
    file: R,
    find: 'if (wait <= 0 || this.flushWaited) {',
    replace: 'if (true) {',
    why: 'RAFT_BATCH_MS is ignored by the leader: every batch sends at once, and requests of one wait do not share an AppendEntries',
  },
  {
    id: 'proxy-wait-ignored',
    file: N,
    find: 'if (wait <= 0) this.sendGathered(this.proxyOut',
    replace: 'if (wait <= 1e9) this.sendGathered(this.proxyOut',
    why: 'RAFT_BATCH_MS is ignored by a follower: each batch of proxied requests goes at once',
  },
  {
    id: 'answers-wait-for-fsync',
    file: R,
    find: 'if (!this.failed) this.opts.host.beforeSync!();',
    replace: 'if (false) this.opts.host.beforeSync!();',
    why: "the binary holds a batch's client answers (and a follower's relayed ones) until after its fsync: correct, but each waits for a disk write it does not depend on",
  },
  {
    id: 'answer-first-raft-replies',
    file: R,
    find: '? CLIENT_ANSWERS.has(e.body.type)',
    replace: '? true',
    why: "Raft's own replies go before the fsync too: a follower acknowledges entries (and grants votes) that are not yet on its disk",
  },
  {
    id: 'all-before-fsync',
    file: R,
    find: "const first =\n        e.kind === 'reply'",
    replace: "const first = e.kind !== 'restore' ||\n        e.kind === 'reply'",
    why: 'every effect of a batch goes before its fsync: votes and acknowledgements leave before what they promise is durable',
  },
  {
    id: 'leader-sync-ignored',
    file: R,
    find: "if (this.context.config.leaderSync !== 'parallel') return false;",
    replace: '',
    why: "RAFT_LEADER_SYNC=before-send is ignored: a leader's AppendEntries still go before its fsync",
  },
  {
    id: 'single-server-counts-unsynced',
    file: R,
    find: 'this.opts.host.beforeSync && this.opts.nodes.length > 1 && this.saveDue()',
    replace: 'this.opts.host.beforeSync && this.saveDue()',
    also: [{ find: '? !held && e.upTo < tracked', replace: '? !held' }],
    why: "a single server's quorum is the leader alone: it counts its own entry before it is on its disk and answers before the fsync",
  },
  {
    id: 'duplicates-not-dropped',
    file: N,
    find: 'if (body.msg_id !== undefined && this.recent.seen(src, body.msg_id)) {',
    replace: 'if (false) {',
    why: 'a duplicated request is appended twice',
  },

  // ---- durability --------------------------------------------------------------
  {
    id: 'vote-change-not-persisted',
    file: R,
    find: 'const hsChanged = hs.term !== this.durable.term || hs.votedFor !== this.durable.votedFor;',
    replace: 'const hsChanged = hs.term !== this.durable.term;',
    why: 'a persisted field not persisted: a vote cast without a term change is lost in a crash',
  },
  {
    id: 'vote-not-in-wal',
    file: 'src/core/storage.ts',
    find: 'if (u.hardState) p.h = [u.hardState.term, u.hardState.votedFor];',
    replace: 'if (u.hardState) p.h = [u.hardState.term, null];',
    why: 'a persisted field not persisted: the write-ahead log drops votedFor',
  },
  {
    id: 'save-without-fsync',
    file: 'src/core/storage.ts',
    find: 'this.disk.append(WAL, r);\n    this.disk.sync(WAL);',
    replace: 'this.disk.append(WAL, r);',
    why: 'a save returns before its record is on disk: a crash loses acknowledged state',
  },
  {
    id: 'send-before-persist',
    file: R,
    find: 'try {\n      this.persist();\n    } catch (err) {\n      this.fail(err);\n      return;\n    }\n    for (const e of effects) this.perform(e);',
    replace: 'for (const e of effects) this.perform(e);\n    try {\n      this.persist();\n    } catch (err) {\n      this.fail(err);\n      return;\n    }',
    why: 'a reply sent early: a vote or an acknowledgement leaves before what it promises is durable',
  },

  // ---- snapshots ---------------------------------------------------------------
  {
    id: 'snapshot-unapplied-index',
    file: R,
    find: 'const index = this.applied;',
    replace: 'const index = ctx.log.lastIndex;',
    why: 'a snapshot taken of an index not yet applied (and of entries not yet committed)',
  },
  {
    id: 'install-keeps-applied',
    file: A,
    find: 'assign: { commitIndex: b.last_included_index, lastApplied: b.last_included_index },',
    replace: 'assign: { commitIndex: b.last_included_index },',
    why: 'after installing a snapshot the node applies the entries it covers again, from a log that no longer has them',
  },
  {
    id: 'snapshot-response-ignored',
    file: A,
    find: "if (!ctx.peers.includes(peer) || ev.body.success !== true) return {};\n    const match",
    replace: "if (!ctx.peers.includes(peer) || ev.body.success === true) return {};\n    const match",
    why: 'a follower that installed the snapshot is not credited with it: the leader resends it forever',
  },
  {
    id: 'snapshot-stale-installed',
    file: A,
    find: 'if (b.last_included_index <= ctx.commitIndex) return { effects: ok };',
    replace: 'if (b.last_included_index < 0) return { effects: ok };',
    why: 'a snapshot covering less than the node has committed replaces its state (rolling applied state back)',
  },
];
