// What a workload provides to the runner. lin-kv is the only one today;
// txn-list-append would add a generator of txn ops, its client calls and an
// Elle-style checker behind the same interface.

import type { RpcClient } from '../client.js';
import type { Rng } from '../../core/random.js';
import type { CheckerResult, HistoryEvent } from '../types.js';

export interface WorkloadContext {
  nodeCount: number;
  concurrency: number;
  rng: Rng;
  perKeyLimit: number;
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
  readonly name: import('../types.js').WorkloadName;
  readonly notes: string[];
  /** The next operation for a free client thread. */
  nextOp(thread: number): Invocation;
  /** Performs one operation through a client bound to `node`. */
  invoke(client: RpcClient, node: string, op: Invocation, timeoutMs: number): Promise<Completion>;
  /** Checks the whole history. */
  check(history: readonly HistoryEvent[], timeLimitSeconds: number): CheckerResult;
}

// Registry hook: the workload for a run, by name. (The workloads import only
// types from this file, so these imports make no cycle at run time.)
import { LinKvWorkload } from './lin-kv.js';
import { TxnListAppendWorkload } from './txn-list-append.js';

export function createWorkload(opts: import('../types.js').BenchOptions, ctx: WorkloadContext): Workload {
  if (opts.workload === 'txn-list-append') return new TxnListAppendWorkload(ctx, opts.txnListAppend);
  return new LinKvWorkload(ctx);
}
