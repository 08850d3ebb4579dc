// Shared data shapes of the bench: options, history, results.
//
// The results JSON (store/<workload>/<timestamp>/results.json) is typed by
// `BenchResults` below; other tools (the HTML report) read it, so changes to
// its shape must stay backward compatible (add fields, do not rename).

import type { ConsistencyModel } from './checker/list-append.js';

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
  nemesis: 'partition'[];
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
  /** Per-key operation limit before a client group moves to a fresh key. */
  perKeyLimit: number;
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

export interface NodeProblem {
  node: string;
  /** Seconds since start. */
  time: number;
  kind: 'exit' | 'spawn-error' | 'bad-output' | 'bad-message' | 'unknown-dest' | 'init-timeout' | 'stdin-error';
  detail: string;
}

export interface LinearizabilityFailure {
  key: number;
  /** The operation whose completion could not be linearised. */
  culprit: string;
  /** A small set of operations that together cannot be linearised, in words. */
  explanation: string[];
  /** History indices (invoke events) of those operations. */
  ops: number[];
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
  /** Everything. */
  all: { sendCount: number; recvCount: number; msgsPerOp: number | null };
  /** Messages between clients and servers. */
  clients: { sendCount: number; recvCount: number };
  /** Messages between servers. */
  servers: { sendCount: number; recvCount: number; msgsPerOp: number | null };
  /** Dropped by partitions on arrival. */
  dropped: number;
  /** Sent to an id that is neither a node nor a client. */
  undeliverable: number;
}

export interface BenchResults {
  /** Version of this shape. */
  schema: 1;
  workload: WorkloadName;
  verdict: 'valid' | 'invalid' | 'unknown';
  /** Reasons for the verdict (empty when valid). */
  reasons: string[];
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
  problems: NodeProblem[];
  /** Relative paths of the artefacts in the run directory. */
  files: Record<string, string>;
}
