// What a workload provides to the runner (lin-kv, txn-list-append). The
// registry that picks one by name is workloads/index.ts, so that this file
// imports nothing from the workloads and the import graph has no circle.

import type { RpcOutcome } from '../client.js';
import type { Rng } from '../../core/random.js';
import type { CheckerResult, HistoryEvent, WorkloadName } from '../types.js';

export interface WorkloadContext {
  nodeCount: number;
  concurrency: number;
  /** The workload's own random stream (its choices depend on the seed alone). */
  rng: Rng;
  /** lin-kv: Jepsen's :per-key-limit, or null (Maelstrom's default: none). */
  perKeyLimit: number | null;
}

export interface Invocation {
  f: HistoryEvent['f'];
  key: number;
  value: unknown;
}

export interface Completion {
  type: 'ok' | 'fail' | 'info';
  value: unknown;
  error?: HistoryEvent['error'];
  /** The node's reply did not fit the protocol. */
  malformed?: boolean;
}

export interface Workload {
  readonly name: WorkloadName;
  readonly notes: string[];
  /** The next operation for a free client thread. */
  nextOp(thread: number): Invocation;
  /** The Jepsen process a thread currently runs as. */
  process(thread: number): number;
  /** How a thread's operation ended; after `info` the thread continues as a new process. */
  complete(thread: number, type: Completion['type']): void;
  /** How long a client waits for an answer, given the mean latency between servers (ms). */
  timeoutMs(meanLatencyMs: number): number;
  /** The request body that performs `op` (the client adds msg_id). */
  request(op: Invocation): Record<string, unknown>;
  /**
   * How `op` ended, given what its client got: the reply, or a timeout.
   * Pure, so that the runner can complete an operation in the same turn
   * its reply is delivered (see runner.ts).
   */
  completion(op: Invocation, outcome: RpcOutcome): Completion;
  /** Checks the whole history. */
  check(history: readonly HistoryEvent[], timeLimitSeconds: number): CheckerResult;
}
