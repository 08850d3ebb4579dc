// The context of the Raft chart, its events and the effects it emits.
//
// Scalar Raft variables (term, vote, leader, indexes) are replaced, never
// mutated. The log is the one store actions change in place, inside a
// transaction (src/core/log.ts), so nothing is copied per event. The state
// machine and the table of clients waiting for their entries are not here:
// they belong to the runtime, which applies entries and answers clients when
// the chart says so (the `apply`, `track` and `read` effects).

import { RaftLog, type Entry } from '../src/core/log.js';
import { Rng, type RngState } from '../src/core/random.js';
import type { EventName } from '../spec/chart.js';
import type { Key, MicroOp, Op, ReplyBody } from '../src/core/state-machine.js';

/**
 * How a lin-kv `read` is served (RAFT_READS):
 * - `log`: appended to the log like a write and answered once applied (the
 *   Maelstrom tutorial's way);
 * - `readindex`: a leader that has committed an entry of its term notes its
 *   commit index, confirms with one round of heartbeats that it still leads,
 *   and answers from its state machine once applied that far (Raft thesis
 *   §6.4), with no log entry;
 * - `local`: any node answers at once from its own state machine. UNSAFE: a
 *   node cut off from the leader serves stale values (the tutorial's
 *   exercise; docs/exercises.md shows the checker's answer).
 * - `lease`: a leader holding a lease (thesis §6.4.1: a majority answered a
 *   broadcast it sent less than `leaseMs` ago on its monotonic clock) that
 *   has committed an entry of its term and applied up to its commit index
 *   answers at once from its state machine, with no confirmation round;
 *   without a lease it falls back to ReadIndex. Safe under a bounded clock
 *   drift (`leaseDriftRatio`), because in this mode a node that heard from a
 *   leader grants no vote or pre-vote for `electionMinMs` on its own clock,
 *   and a restarted node none for `electionMinMs` after it started (see
 *   leaseDuration and README.md, "Leader leases").
 */
export const READ_MODES = ['log', 'readindex', 'local', 'lease'] as const;
export type ReadMode = (typeof READ_MODES)[number];

/**
 * How a read-only txn-list-append transaction (every micro-op a read) is
 * served (RAFT_TXN_READS): the same four ways as a `read`. Transactions
 * that append always go through the log.
 */
export const TXN_READ_MODES = ['log', 'readindex', 'local', 'lease'] as const;
export type TxnReadMode = (typeof TXN_READ_MODES)[number];

/**
 * When a leader's AppendEntries carrying new entries leave (RAFT_LEADER_SYNC;
 * src/runtime/runtime.ts beforeSync): `parallel` (the default) before its
 * own fsync of those entries, so that the disk write and the network round
 * trip overlap (Raft thesis 10.2.1); `before-send` after it, as every other
 * Raft message.
 */
export const LEADER_SYNC_MODES = ['parallel', 'before-send'] as const;
export type LeaderSyncMode = (typeof LEADER_SYNC_MODES)[number];

export interface RaftConfig {
  /** Leader heartbeat period (ms). */
  readonly heartbeatMs: number;
  /** Election timeouts are drawn uniformly from [electionMinMs, electionMaxMs]. */
  readonly electionMinMs: number;
  readonly electionMaxMs: number;
  /** A leader steps down after this many heartbeats without hearing from a majority. */
  readonly leaseTicks: number;
  /** Most entries in one AppendEntries. */
  readonly maxBatch: number;
  /** Most bytes of entries in one AppendEntries (one entry always goes, whatever its size). */
  readonly maxBatchBytes: number;
  /**
   * Flow control, as etcd-io/raft's progress tracker: most AppendEntries
   * carrying entries in flight to one follower whose log is known to match
   * ours up to its match index (the replicate state); 1 sends the next only
   * once the last is answered. A follower whose match is not known yet (the
   * probe state) gets one at a time.
   */
  readonly maxInflight: number;
  /**
   * How long a leader waits (ms), from the end of a batch of input that left
   * it anything to send, before it sends it (the `flush` event): 0 (the
   * default) sends at the end of every batch. A wait lets more requests
   * share one AppendEntries (and one read confirmation) at the price of that
   * much latency: a knob like Nagle's algorithm or Kafka's linger.ms.
   * The runtime keeps the time, the chart only sees when `flush` comes.
   */
  readonly batchWaitMs: number;
  /** Whether a leader's AppendEntries go before its own fsync (see LEADER_SYNC_MODES). The runtime's, as batchWaitMs. */
  readonly leaderSync: LeaderSyncMode;
  /** Most client requests awaiting their entry's application at one node. */
  readonly maxPending: number;
  /** How reads are served (see READ_MODES). */
  readonly reads: ReadMode;
  /** How read-only transactions are served (see TXN_READ_MODES). */
  readonly txnReads: TxnReadMode;
  /** Take a snapshot (and compact the log) once this many applied entries are not in one. */
  readonly snapshotEntries: number;
  /** Send a snapshot again to a follower that has not answered it after this many heartbeats. */
  readonly snapshotRetryTicks: number;
  /** Most bytes of snapshot data in one InstallSnapshot message. */
  readonly snapshotChunkBytes: number;
  /**
   * Lease mode only: the bound rho on clock drift (every clock runs at a
   * rate within [1 - rho, 1 + rho] of real time), 0 <= rho < 1.
   */
  readonly leaseDriftRatio: number;
  /**
   * Lease mode only: how long a lease lasts (ms, on the leader's clock) from
   * the send time of the broadcast a majority answered; undefined: the
   * longest safe one (leaseDuration). Must be at most maxLeaseMs(config).
   */
  readonly leaseMs?: number | undefined;
}

export const defaultConfig: RaftConfig = {
  heartbeatMs: 50,
  electionMinMs: 300,
  electionMaxMs: 600,
  leaseTicks: 12,
  maxBatch: 256,
  maxBatchBytes: 512 * 1024,
  maxInflight: 16,
  batchWaitMs: 0,
  leaderSync: 'parallel',
  maxPending: 4096,
  reads: 'readindex',
  txnReads: 'readindex',
  snapshotEntries: 10_000,
  snapshotRetryTicks: 10,
  snapshotChunkBytes: 256 * 1024,
  leaseDriftRatio: 0.1,
};

/**
 * Scheduling slop (ms) kept off every lease: what a timer or a timestamp may
 * be off by in the binary (Node's timers are kept from firing early by the
 * real clock, src/runtime/clock.ts; timestamps are taken before the work they
 * stamp). The leader's side needs none beyond it: a lease read is answered
 * only if the lease still holds when the answer is written (runtime.ts).
 */
export const LEASE_SLOP_MS = 5;

/** Is this configuration serving any read by lease? */
export function usesLeases(config: RaftConfig): boolean {
  return config.reads === 'lease' || config.txnReads === 'lease';
}

/**
 * The longest safe lease: a follower that answered the broadcast waits at
 * least electionMinMs on its clock, which is at least electionMinMs / (1 + rho)
 * of real time, before it may vote for another; the leader's lease of
 * leaseMs on its clock lasts at most leaseMs / (1 - rho) of real time. So
 * leaseMs <= electionMinMs * (1 - rho) / (1 + rho), less LEASE_SLOP_MS.
 */
export function maxLeaseMs(config: Pick<RaftConfig, 'electionMinMs' | 'leaseDriftRatio'>): number {
  const rho = config.leaseDriftRatio;
  return Math.floor((config.electionMinMs * (1 - rho)) / (1 + rho)) - LEASE_SLOP_MS;
}

/** The lease length in use: leaseMs, or the longest safe one. */
export function leaseDuration(config: RaftConfig): number {
  return config.leaseMs ?? maxLeaseMs(config);
}

/**
 * Why a lease configuration is unsafe or meaningless, or undefined when it is
 * fine (only checked when leases are on). The binary refuses to start with
 * one; test-only variants (the simulator's bug hunts) get past it on purpose.
 */
export function leaseConfigProblem(config: RaftConfig): string | undefined {
  if (!usesLeases(config)) return undefined;
  const rho = config.leaseDriftRatio;
  if (!(Number.isFinite(rho) && rho >= 0 && rho < 1)) return `the clock drift bound must be in [0, 1), got ${rho}`;
  const max = maxLeaseMs(config);
  if (max <= 0) return `electionMinMs ${config.electionMinMs} with drift ${rho} leaves no room for a lease (electionMin * (1 - rho) / (1 + rho) - ${LEASE_SLOP_MS} ms = ${max} ms)`;
  const ms = config.leaseMs;
  if (ms !== undefined && !(Number.isFinite(ms) && ms > 0)) return `the lease must be a positive number of ms, got ${ms}`;
  if (ms !== undefined && ms > max) {
    return `a lease of ${ms} ms is unsafe: it must be at most electionMin * (1 - rho) / (1 + rho) - ${LEASE_SLOP_MS} ms = ${max} ms (electionMin ${config.electionMinMs} ms, drift ${rho})`;
  }
  return undefined;
}

/** What a read asks of the state machine: one key's value, or a read-only transaction's reads. */
export type ReadQuery = { readonly key: Key; readonly txn?: undefined } | { readonly txn: readonly MicroOp[]; readonly key?: undefined };

/** When a leader's broadcast went out (lease mode). */
export interface BroadcastTime {
  readonly seq: number;
  readonly at: number;
}

/** Most broadcast times a leader keeps (older ones are dropped: no lease is taken from them). */
export const MAX_BROADCAST_TIMES = 64;

/** A read waiting for the leader to confirm its leadership (ReadIndex). */
export type PendingRead = ReadQuery & {
  /** Answers to broadcasts numbered seq or later prove we still led after the read arrived. */
  readonly seq: number;
  /** The commit index when the read arrived: answer once applied up to it. */
  readonly readIndex: number;
  /**
   * The follower that forwarded the read to us in a term no later than ours
   * (absent for a read a client sent us): it counts as one confirmation, as
   * an answer to broadcast `seq` would. See canServeForwardedRead. (Present,
   * undefined, on a client's read: every read has the same fields.)
   */
  readonly by?: string;
  readonly to: string;
  readonly inReplyTo: number;
};

export interface RaftContext {
  readonly self: string;
  /** Every server, self included, in the order init gave. */
  readonly nodes: readonly string[];
  readonly peers: readonly string[];
  readonly config: RaftConfig;

  readonly term: number;
  readonly votedFor: string | null;
  /** The leader this node knows of in `term` (null for the leader itself, as in the seed). */
  readonly leader: string | null;

  readonly log: RaftLog<Op>;
  readonly commitIndex: number;
  readonly lastApplied: number;

  // Pre-candidate and candidate state.
  /** Peers (and self) that said they would vote for us in term + 1. */
  readonly preVotes: readonly string[];
  readonly votesGranted: readonly string[];

  // Leader state.
  readonly nextIndex: Readonly<Record<string, number>>;
  readonly matchIndex: Readonly<Record<string, number>>;
  /**
   * Per peer, the last index carried by each AppendEntries (or snapshot)
   * awaiting its answer, oldest first (empty: none in flight). A peer is in
   * the replicate state when its next index is just past its match index (an
   * answer showed where its log matches ours): new entries go to it at once,
   * after the last ones sent, up to `maxInflight` messages; otherwise (the
   * probe state) one at a time from its next index.
   */
  readonly inflight: Readonly<Record<string, readonly number[]>>;
  /** Peers sent AppendEntries with entries since the last heartbeat tick: the tick sends them no heartbeat. */
  readonly sentSinceTick: readonly string[];
  /** Peers heard from in the current lease window. */
  readonly heard: readonly string[];
  readonly leaseTick: number;
  /** Number of the leader's latest AppendEntries broadcast. */
  readonly heartbeatSeq: number;
  /** The highest broadcast number each peer answered in this term. */
  readonly acked: Readonly<Record<string, number>>;
  /** Reads waiting for confirmation and application, oldest first. */
  readonly reads: readonly PendingRead[];
  /** Per peer, the broadcast number at which our snapshot was last sent to it (unanswered). */
  readonly snapshotSent: Readonly<Record<string, number>>;

  // Time (lease mode). Every event the runtime hands the chart carries its
  // time (`at`, the node's monotonic clock); timer expiries carry none.
  /** The latest time an event carried: a lower bound on the present. */
  readonly now: number;
  /**
   * When this node last heard from a leader of its term (an AppendEntries or
   * a snapshot it accepted); for a node restarted from durable state, its
   * start (it may have heard from one just before it crashed). In lease mode
   * it grants no vote or pre-vote until electionMinMs after it.
   */
  readonly leaderHeardAt: number;
  /**
   * Leader, lease mode: the time each recent broadcast was sent (a lower
   * bound: the latest event time before it), oldest first, at most
   * MAX_BROADCAST_TIMES, those a lease was already taken from dropped.
   */
  readonly broadcastTimes: readonly BroadcastTime[];
  /** Leader, lease mode: reads are served from the state machine while the time is below this. */
  readonly leaseUntil: number;

  /** The seeded generator's state (src/core/random.ts): election timeouts are drawn from it. */
  readonly rng: RngState;
  /** Started from durable state and the chart's `restart` not yet taken. */
  readonly restarting: boolean;
  readonly electionTimeoutMs: number;
}

export interface RaftInput {
  self: string;
  nodes: readonly string[];
  config?: Partial<RaftConfig>;
  /** Seed for the election-timeout draws. */
  seed?: number;
  /** The node's clock when it started (a restarted node waits electionMinMs from it before voting, in lease mode). */
  startedAt?: number;
  /** Term, vote and log found in durable storage at start (a restart). */
  recovered?: {
    readonly hardState: { readonly term: number; readonly votedFor: string | null };
    /** The log starts after this snapshot (its entries are applied: the runtime restored them). */
    readonly snapshot?: { readonly index: number; readonly term: number };
    readonly entries: readonly { readonly term: number; readonly op: Op }[];
  };
}

export function initialContext(input: RaftInput): RaftContext {
  const config = { ...defaultConfig, ...input.config };
  // The first draw, so that nodes do not all time out together at start.
  const first = drawTimeout(new Rng((input.seed ?? hashString(input.self)) | 0, ELECTION_STREAM).state(), config);
  const snap = input.recovered?.snapshot;
  const log = RaftLog.after<Op>(snap?.index ?? 0, snap?.term ?? 0, input.recovered?.entries ?? []);
  return {
    self: input.self,
    nodes: [...input.nodes],
    peers: input.nodes.filter((n) => n !== input.self),
    config,
    term: input.recovered?.hardState.term ?? 0,
    votedFor: input.recovered?.hardState.votedFor ?? null,
    leader: null,
    log,
    // What a snapshot covers is committed and applied.
    commitIndex: snap?.index ?? 0,
    lastApplied: snap?.index ?? 0,
    preVotes: [],
    votesGranted: [],
    nextIndex: {},
    matchIndex: {},
    inflight: {},
    sentSinceTick: [],
    heard: [],
    leaseTick: 0,
    heartbeatSeq: 0,
    acked: {},
    reads: [],
    snapshotSent: {},
    now: input.startedAt ?? 0,
    // A node restarted from durable state may have answered a leader just
    // before it crashed: it counts its start as the last time it heard one.
    leaderHeardAt: input.recovered !== undefined ? (input.startedAt ?? 0) : -Infinity,
    broadcastTimes: [],
    leaseUntil: -Infinity,
    rng: first.rng,
    electionTimeoutMs: first.ms,
    restarting: input.recovered !== undefined,
  };
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h | 0;
}

/** The stream of src/core/random.ts the election timeouts are drawn from. */
const ELECTION_STREAM = 17;

/** An election timeout from [electionMinMs, electionMaxMs], and the generator's state after the draw. */
export function drawTimeout(rng: RngState, config: RaftConfig): { ms: number; rng: RngState } {
  const r = Rng.fromState(rng);
  const ms = config.electionMinMs + r.int(config.electionMaxMs - config.electionMinMs + 1);
  return { ms, rng: r.state() };
}

/** A message delivered to the chart: the Maelstrom envelope's src and body. */
export interface MessageEvent {
  /** A chart event (spec/chart.ts `events`). */
  readonly type: EventName;
  /** When the runtime handed it over, on the node's monotonic clock (ms); absent on timer expiries. */
  readonly at?: number;
  readonly src: string;
  readonly body: { readonly type: string; readonly msg_id?: number; readonly [field: string]: unknown };
}

/** What the chart asks the runtime to do. */
export type Effect =
  /** Send a new message (the runtime assigns its msg_id). */
  | { readonly kind: 'send'; readonly to: string; readonly body: ReplyBody }
  /** Answer a message. */
  | { readonly kind: 'reply'; readonly to: string; readonly inReplyTo: number; readonly body: ReplyBody }
  /**
   * Forward a client request to the leader and relay its answer to `client`.
   * A forwarded read carries our term (`term`), which the leader may count as
   * a confirmation of it (forwardRead).
   */
  | {
      readonly kind: 'proxy';
      readonly to: string;
      readonly client: string;
      readonly inReplyTo: number | undefined;
      readonly body: ReplyBody;
      readonly term?: number;
    }
  /**
   * Apply the committed entries `from`..`upTo` to the state machine, in
   * order, answering the clients tracked for them. The entries travel with
   * the effect: the runtime carries effects out after the batch they came
   * from, and by then a snapshot installed later in the batch may have
   * discarded them from the log.
   */
  | { readonly kind: 'apply'; readonly from: number; readonly upTo: number; readonly entries: readonly Entry<Op>[] }
  /** Answer this client once the entry at `index` is applied, if it is still of `term`. */
  | { readonly kind: 'track'; readonly index: number; readonly term: number; readonly to: string; readonly inReplyTo: number }
  /** Send our latest snapshot to a follower that needs entries we have compacted away (in chunks). */
  | { readonly kind: 'sendSnapshot'; readonly to: string }
  /** Replace the state machine with a snapshot the leader sent: everything up to (index, term) is applied. */
  | { readonly kind: 'restore'; readonly index: number; readonly term: number; readonly data: string }
  /**
   * Answer a confirmed read from the state machine as it stands after the
   * applies before it. A lease read carries its lease's end: the runtime
   * answers 11 instead if its clock is past it by the time it writes the answer.
   */
  | { readonly kind: 'read'; readonly key: Key; readonly to: string; readonly inReplyTo: number; readonly leaseUntil?: number }
  /** Answer a read-only transaction from the state machine as it stands after the applies before it (a lease read: as `read`). */
  | { readonly kind: 'readTxn'; readonly txn: readonly MicroOp[]; readonly to: string; readonly inReplyTo: number; readonly leaseUntil?: number }
  /** A line for the node's log (stderr), at a level. */
  | { readonly kind: 'log'; readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly text: string };

/** What a pure chart action returns: context changes and effects. */
export interface ActionResult {
  readonly assign?: Partial<RaftContext>;
  readonly effects?: readonly Effect[];
}
