// Shared data shapes of the bench: options, history, results.
//
// The results JSON (store/<workload>/<timestamp>/results.json) is typed by
// `BenchResults` below; other tools (the HTML report) read it, so changes to
// its shape must stay backward compatible (add fields, do not rename).

import type { ConsistencyModel } from './checker/list-append.js';
import type { NemesisF, NemesisFault } from './nemesis.js';

export type LatencyDist = 'constant' | 'uniform' | 'exponential';
export type WorkloadName = 'lin-kv' | 'txn-list-append';

/** The txn-list-append workload's own flags (Maelstrom's names): --key-count, --max-txn-length, --max-writes-per-key, --consistency-models. */
export interface TxnListAppendFlags {
  keyCount: number;
  maxTxnLength: number;
  maxWritesPerKey: number;
  consistencyModel: ConsistencyModel;
}

export interface BenchOptions {
  workload: WorkloadName;
  bin: string;
  /** Extra arguments passed to every node process. */
  args: string[];
  nodeCount: number;
  /** Seconds of client load (may be fractional). */
  timeLimit: number;
  /** Total client threads (already multiplied out from the `Nn` form). */
  concurrency: number;
  /** The concurrency exactly as given (e.g. "4n"), for the record. */
  concurrencySpec: string;
  /** Requests per second over all clients; 0 = no client load. */
  rate: number;
  /** Faults to inject: partition, kill, pause (any combination). */
  nemesis: NemesisFault[];
  /** Mean seconds between nemesis operations. */
  nemesisInterval: number;
  /** Mean one-way latency between servers, ms. */
  latency: number;
  latencyDist: LatencyDist;
  testCount: number;
  logStderr: boolean;
  /** null: availability never makes a test invalid. */
  availability: 'total' | number | null;
  /** Seconds to wait after healing before checking. */
  recoveryTime: number;
  /** Root of the store directory. */
  store: string;
  /** Seed for every random choice the bench makes (not the nodes'). */
  seed: number;
  /**
   * lin-kv: operations per key before a client group moves to a fresh key
   * (Jepsen's :per-key-limit); null, as in Maelstrom, for no limit (a key is
   * retired after 20 processes have used it).
   */
  perKeyLimit: number | null;
  /**
   * Whether every node gets RAFT_DATA_DIR=<run dir>/data/<node id> (the
   * default). False (--no-data-dir): a memory-only run, where a restarted node
   * has lost its state.
   */
  dataDir: boolean;
  /** Delayed messages by the precise timer thread (false: --coarse-timer, setTimeout). */
  preciseTimer: boolean;
  /** Seconds the linearizability search may take in total before giving up. */
  checkerTimeLimit: number;
  /** txn-list-append only: --key-count, --max-txn-length, --max-writes-per-key, --consistency-models. */
  txnListAppend?: TxnListAppendFlags;
}

/** One event in the history: an invocation or a completion. */
export interface HistoryEvent {
  /** Position in the history, 0-based. */
  index: number;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  /** Jepsen-style logical process; a new one replaces a process after an info. */
  process: number;
  /** The client id (c0, c1, ...) that sent the request. */
  client: string;
  /** The server node this client talks to. */
  node: string;
  f: 'read' | 'write' | 'cas';
  key: number;
  /** read: null on invoke, the value read on ok; write: value; cas: [from, to]. */
  value: unknown;
  /** Nanoseconds since the test started. */
  time: number;
  /** On fail/info: [code, text] from the node, or "net-timeout". */
  error?: [number, string | null] | 'net-timeout';
}

export interface LatencyQuantiles {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface FunctionStats {
  count: number;
  ok: number;
  fail: number;
  info: number;
}

export interface PartitionPeriod {
  /** Seconds since test start. */
  start: number;
  /** Seconds since test start; null if it was still active at the end (never: we heal). */
  stop: number | null;
  /** Which kind of partition: one | majority | minority-third | majorities-ring. */
  kind: string;
  /** For each node, the nodes whose messages it drops. */
  grudge: Record<string, string[]>;
  /** Human readable grouping, e.g. "n0 | n1 n2". */
  description: string;
}

/** A nemesis operation as it was planned (from the seed alone) and carried out. */
export interface NemesisOp {
  /** Planned seconds after the client phase began; null for the final heal. */
  at: number | null;
  /** Seconds when it was carried out; null if the run ended first. */
  time: number | null;
  f: NemesisF;
  /** Partition kind, or the node spec of a kill or pause (subset, one, minority-third, minority, majority, all). */
  spec?: string;
  /** Nodes targeted (kill, pause) or acted on (start, resume). */
  nodes?: string[];
  grudge?: Record<string, string[]>;
  description?: string;
  /** Part of the heal at the end of the client phase. */
  final?: boolean;
}

/** A period during which one node was killed (down) or paused. */
export interface FaultPeriod {
  fault: 'kill' | 'pause';
  node: string;
  /** Seconds since the client phase began. */
  start: number;
  /** When it was restarted (and answered init) or continued; null if never. */
  stop: number | null;
  /** The node spec of the operation that started it. */
  spec?: string;
}

export interface NodeProblem {
  node: string;
  /** Seconds since start. */
  time: number;
  kind: 'exit' | 'spawn-error' | 'bad-output' | 'bad-message' | 'unknown-dest' | 'init-timeout' | 'init-error' | 'stdin-error';
  detail: string;
  /** For a crash: the last lines the node wrote to stderr (at most 32, as Maelstrom keeps). */
  stderrTail?: string[];
}

/**
 * A snapshot a node reported on stderr: one it took (`snapshot index=...`,
 * raftchart's node logs it at info) or one it installed from its leader
 * (`installed snapshot index=...`). Another binary's logs give none.
 */
export interface SnapshotEvent {
  node: string;
  /** Seconds since start, when the bench read the line. */
  time: number;
  kind: 'taken' | 'installed';
  index: number;
  term: number;
  bytes: number;
}

export interface LinearizabilityFailure {
  key: number;
  /** The operation whose completion could not be linearised. */
  culprit: string;
  /** A small set of operations that together cannot be linearised, in words. */
  explanation: string[];
  /** History indices (invoke events) of those operations. */
  ops: number[];
  /**
   * The same set as data, for linear.svg: each operation as the checker used
   * it (a completed write may be relaxed to one of unknown outcome).
   */
  core?: CoreOp[];
  /**
   * Set when the set was cut at a quiet moment: operations that completed
   * before `time` (seconds) were left out and the register may start there
   * holding any of `values` (null: absent), which only makes linearising
   * easier, so the failure does not depend on what came before.
   */
  cut?: { time: number; values: unknown[] };
  /**
   * Orders of the set that respect real time, each followed as far as the
   * register allows, and the operations it cannot take next (as Knossos's
   * final paths). At most a few dozen.
   */
  paths?: LinearizationPath[];
}

export interface CoreOp {
  /** History index of the invocation. */
  id: number;
  f: 'read' | 'write' | 'cas';
  /** read: value read; write: value; cas: [from, to]. */
  value: unknown;
  /** ok: completed; info: unknown outcome (as recorded, or relaxed). */
  type: 'ok' | 'info';
  /** A completed operation the checker treated as one of unknown outcome. */
  relaxed?: boolean;
  process: number;
  client: string;
  /** Seconds since the start; end null for info. */
  start: number;
  end: number | null;
  culprit?: boolean;
}

export interface LinearizationPath {
  /** Register value at the start of the path (null: absent). */
  initial: unknown;
  /** Operations taken, in order, with the register value after each. */
  steps: { op: number; value: unknown }[];
  /** Operations that could come next in real time but cannot apply, and why. */
  stuck: { op: number; why: string }[];
}

export interface CheckerResult {
  valid: boolean | 'unknown';
  keyCount: number;
  /** Keys that failed. */
  failures: LinearizabilityFailure[];
  /** Keys where the search gave up (budget exceeded). */
  unknownKeys: number[];
  /** Wall-clock seconds spent checking. */
  seconds: number;
  /** Total search steps, for the curious. */
  steps: number;
}

export interface NetStats {
  /** Everything. msgCount counts distinct messages, msgsPerOp = msgCount / operations (as Maelstrom's). */
  all: { sendCount: number; recvCount: number; msgCount: number; msgsPerOp: number | null };
  /** Messages between clients and servers (src or dest a client, as Maelstrom counts them). */
  clients: { sendCount: number; recvCount: number; msgCount: number };
  /** Messages between servers. */
  servers: { sendCount: number; recvCount: number; msgCount: number; msgsPerOp: number | null };
  /** Dropped by partitions on arrival. */
  dropped: number;
  /** Arrived while their destination was killed. */
  lostToDeadNodes: number;
  /** Sent to an id that is neither a node nor a client. */
  undeliverable: number;
  /** Sent by a node under another known id (accepted, as Maelstrom does; see warnings). */
  forgedSrc: number;
}

export interface BenchResults {
  /** Version of this shape. */
  schema: 1;
  workload: WorkloadName;
  verdict: 'valid' | 'invalid' | 'unknown';
  /** What went wrong, in one line, when the verdict is not valid (printed before the verdict). */
  cause: string | null;
  /** Reasons for the verdict (empty when valid). */
  reasons: string[];
  /** Dubious things the bench accepted (e.g. messages with a forged src). */
  warnings: string[];
  /** True when nodes ran without RAFT_DATA_DIR (--no-data-dir): a restarted node lost its state. */
  memoryOnly: boolean;
  /** Where the nodes' data directories are, relative to the run directory (null: memory-only). */
  dataDir: string | null;
  options: Omit<BenchOptions, 'store'> & { store: string };
  nodes: string[];
  /** ISO time at start. */
  startedAt: string;
  /** Wall-clock time (ISO) of history time 0: the start of the client phase. */
  historyStartedAt?: string;
  /** Seconds from start to end of the client phase. */
  duration: number;
  stats: {
    count: number;
    ok: number;
    fail: number;
    info: number;
    byFunction: Record<string, FunctionStats>;
    /** ok / count. */
    availability: number | null;
    /** ok operations per second. */
    throughput: number | null;
    /** ms, for ok operations. */
    latency: LatencyQuantiles;
    /** ms, per function and type. */
    latencyByFunction: Record<string, LatencyQuantiles>;
  };
  availability: { expected: 'total' | number | null; actual: number | null; valid: boolean };
  net: NetStats;
  linearizability: CheckerResult;
  partitions: PartitionPeriod[];
  /** Every nemesis operation planned for the run, in order, with when it was carried out. */
  nemesis: NemesisOp[];
  /** Kill and pause periods, per node. */
  faults: FaultPeriod[];
  problems: NodeProblem[];
  /** Snapshots the nodes reported (at most MAX_SNAPSHOT_EVENTS kept; `snapshotCounts` counts them all). */
  snapshots?: SnapshotEvent[];
  snapshotCounts?: Record<string, { taken: number; installed: number }>;
  /** Set by `raftchart analyze` when it re-checked the stored history. */
  analyzed?: { at: string; changed: Record<string, unknown> };
  /** Relative paths of the artefacts in the run directory. */
  files: Record<string, string>;
}
