// The lin-kv workload: Jepsen's linearizable-register test over many keys.
//
// Generator: client threads are split into groups of 2 x node-count; each
// group works on one key at a time (keys 0, 1, 2, ... taken in turn). In a
// group, the first node-count threads only read; the others write or cas in
// a 1:2 mix. Values and cas arguments are random integers 0..4. After about
// `perKeyLimit` operations (randomised 0.9-1.0 of it) the group moves on to
// the next unused key. Thread t talks to node t mod node-count.

import { checkLinearizable } from '../checker/linearizable.js';
import { isDefinite } from '../../core/errors.js';
import type { RpcClient } from '../client.js';
import type { Rng } from '../../core/random.js';
import type { CheckerResult, HistoryEvent } from '../types.js';
import type { Completion, Invocation, Workload, WorkloadContext } from './workload.js';

interface Group {
  threads: number[];
  readers: number;
  key: number;
  issued: number;
  limit: number;
}

export class LinKvWorkload implements Workload {
  readonly name = 'lin-kv' as const;
  private readonly groups: Group[] = [];
  private readonly groupOf: number[] = [];
  private nextKey = 0;
  private readonly rng: Rng;
  private readonly perKeyLimit: number;
  /** Set when concurrency is not a multiple of 2 x node-count (Maelstrom refuses those). */
  readonly notes: string[] = [];

  constructor(ctx: WorkloadContext) {
    this.rng = ctx.rng;
    this.perKeyLimit = ctx.perKeyLimit;
    const size = 2 * ctx.nodeCount;
    const c = ctx.concurrency;
    if (c % size !== 0) {
      this.notes.push(
        `concurrency ${c} is not a multiple of 2 x node-count (${size}); Maelstrom would refuse this, the bench uses a smaller last group`,
      );
    }
    for (let start = 0; start < c; start += size) {
      const threads: number[] = [];
      for (let t = start; t < Math.min(c, start + size); t++) threads.push(t);
      const readers = threads.length === size ? ctx.nodeCount : Math.floor(threads.length / 2);
      const g: Group = { threads, readers, key: this.nextKey++, issued: 0, limit: this.limit() };
      for (const t of threads) this.groupOf[t] = this.groups.length;
      this.groups.push(g);
    }
  }

  private limit(): number {
    return Math.max(1, Math.floor((0.9 + 0.1 * this.rng.next()) * this.perKeyLimit));
  }

  nextOp(thread: number): Invocation {
    const g = this.groups[this.groupOf[thread]];
    if (g.issued >= g.limit) {
      g.key = this.nextKey++;
      g.issued = 0;
      g.limit = this.limit();
    }
    g.issued++;
    const isReader = thread - g.threads[0] < g.readers;
    if (isReader) return { f: 'read', key: g.key, value: null };
    const r = this.rng.int(3);
    if (r === 0) return { f: 'write', key: g.key, value: this.rng.int(5) };
    return { f: 'cas', key: g.key, value: [this.rng.int(5), this.rng.int(5)] };
  }

  async invoke(client: RpcClient, node: string, op: Invocation, timeoutMs: number): Promise<Completion> {
    let body: Record<string, unknown>;
    let expect: string;
    if (op.f === 'read') {
      body = { type: 'read', key: op.key };
      expect = 'read_ok';
    } else if (op.f === 'write') {
      body = { type: 'write', key: op.key, value: op.value };
      expect = 'write_ok';
    } else {
      const [from, to] = op.value as [number, number];
      body = { type: 'cas', key: op.key, from, to };
      expect = 'cas_ok';
    }
    const idempotent = op.f === 'read';
    const res = await client.call(node, body, timeoutMs);
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
