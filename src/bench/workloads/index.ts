// The workload for a run, by name.

import type { BenchOptions } from '../types.js';
import { LinKvWorkload } from './lin-kv.js';
import { TxnListAppendWorkload } from './txn-list-append.js';
import type { Workload, WorkloadContext } from './workload.js';

export function createWorkload(opts: BenchOptions, ctx: WorkloadContext): Workload {
  if (opts.workload === 'txn-list-append') return new TxnListAppendWorkload(ctx, opts.txnListAppend);
  return new LinKvWorkload(ctx);
}
