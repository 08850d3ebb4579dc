// The lin-kv workload: Jepsen's linearizable-register test over many keys,
// as Maelstrom runs it. The operations come from LinKvGenerator (see
// lin-kv-generator.ts for how keys, functions and values are chosen); thread
// t talks to node t mod node-count. Client: Maelstrom's lin-kv client, which
// waits max(10 x mean latency, 1000) ms; reads are idempotent, so a read
// that times out or gets any error is `fail`; other operations are `fail` on
// a definite error and `info` otherwise.

import { checkLinearizable } from '../checker/linearizable.js';
import { isDefinite } from '../../core/errors.js';
import type { RpcOutcome } from '../client.js';
import type { CheckerResult, HistoryEvent } from '../types.js';
import { LinKvGenerator } from './lin-kv-generator.js';
import type { Completion, Invocation, Workload, WorkloadContext } from './workload.js';

export class LinKvWorkload implements Workload {
  readonly name = 'lin-kv' as const;
  readonly notes: string[];
  readonly generator: LinKvGenerator;

  constructor(ctx: WorkloadContext) {
    this.generator = new LinKvGenerator(ctx.rng, {
      nodeCount: ctx.nodeCount,
      concurrency: ctx.concurrency,
      perKeyLimit: ctx.perKeyLimit,
    });
    this.notes = this.generator.notes;
  }

  nextOp(thread: number): Invocation {
    return this.generator.next(thread);
  }

  process(thread: number): number {
    return this.generator.process(thread);
  }

  complete(thread: number, type: Completion['type']): void {
    this.generator.complete(thread, type);
  }

  timeoutMs(meanLatencyMs: number): number {
    return Math.max(10 * meanLatencyMs, 1000);
  }

  request(op: Invocation): Record<string, unknown> {
    if (op.f === 'read') return { type: 'read', key: op.key };
    if (op.f === 'write') return { type: 'write', key: op.key, value: op.value };
    const [from, to] = op.value as [number, number];
    return { type: 'cas', key: op.key, from, to };
  }

  completion(op: Invocation, res: RpcOutcome): Completion {
    const expect = op.f === 'read' ? 'read_ok' : op.f === 'write' ? 'write_ok' : 'cas_ok';
    const idempotent = op.f === 'read';
    if (res.kind === 'timeout') {
      return { type: idempotent ? 'fail' : 'info', value: op.value, error: 'net-timeout' };
    }
    const b = res.body;
    if (b.type === 'error') {
      const code = typeof b.code === 'number' ? b.code : -1;
      const text = typeof b.text === 'string' ? b.text : null;
      const definite = isDefinite(code);
      return { type: definite || idempotent ? 'fail' : 'info', value: op.value, error: [code, text] };
    }
    if (b.type !== expect) {
      return {
        type: idempotent ? 'fail' : 'info',
        value: op.value,
        error: [-1, `unexpected reply type ${JSON.stringify(b.type)} (expected ${expect})`],
        malformed: true,
      };
    }
    if (op.f === 'read') {
      if (!('value' in b)) {
        return { type: 'fail', value: null, error: [-1, 'read_ok without a value'], malformed: true };
      }
      return { type: 'ok', value: b.value ?? null };
    }
    return { type: 'ok', value: op.value };
  }

  check(history: readonly HistoryEvent[], timeLimitSeconds: number): CheckerResult {
    return checkLinearizable(history, { timeLimit: timeLimitSeconds });
  }
}
