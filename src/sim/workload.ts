// A lin-kv client workload for the simulator. The operations come from the
// bench's generator (src/bench/workloads/lin-kv-generator.ts, Maelstrom's
// lin-kv as Jepsen builds it): client threads in groups of 2 x node-count
// share one key at a time, the first node-count threads of a group read, the
// others write or cas (1:2) random values 0..4, and a group moves to a fresh
// key after about `perKeyLimit` operations or when too many processes worked
// on it. This file adds what the simulator needs around it: think times on
// the virtual clock, thread t talking to node t mod node-count, timeouts
// (src/sim/clients.ts, shared with the txn-list-append clients). A
// request that times out is indeterminate (`info`, or `fail` for a read) and
// the thread continues as a new Jepsen process. The history has the bench's
// HistoryEvent shape, so the bench's linearizability checker reads it.

import type { Message } from '../maelstrom/node.js';
import type { HistoryEvent } from '../bench/types.js';
import { isDefinite } from '../core/errors.js';
import { LinKvGenerator, type LinKvOp } from '../bench/workloads/lin-kv-generator.js';
import { SimClients, type ClientThread, type SimClientOptions, type SimLabels } from './clients.js';
import type { VirtualClock } from '../runtime/clock.js';
import type { SimNetwork } from './network.js';
import type { Rng } from '../core/random.js';

export interface WorkloadOptions extends SimClientOptions {
  /** Operations per key before a group moves on (randomised 0.9-1.0). */
  readonly perKeyLimit: number;
}

export class LinKvClients extends SimClients<LinKvOp, HistoryEvent> {
  private readonly generator: LinKvGenerator;

  constructor(clock: VirtualClock, rng: Rng, net: SimNetwork, nodes: readonly string[], opts: WorkloadOptions, sim: SimLabels) {
    super(clock, rng, net, nodes, opts, sim);
    // The generator's own stream (split per thread inside it), apart from think times.
    this.generator = new LinKvGenerator(rng.fork(0x6c696e), { nodeCount: nodes.length, concurrency: opts.concurrency, perKeyLimit: opts.perKeyLimit });
  }

  protected next(th: ClientThread<LinKvOp>) {
    const op = this.generator.next(th.index);
    const { key } = op;
    const body = (msgId: number): Message['body'] => {
      if (op.f === 'read') return { type: 'read', msg_id: msgId, key };
      if (op.f === 'write') return { type: 'write', msg_id: msgId, key, value: op.value };
      const [from, to] = op.value as [number, number];
      return { type: 'cas', msg_id: msgId, key, from, to };
    };
    return { op, body, what: `${op.f} key ${key} ${JSON.stringify(op.value)}`, timeoutWhat: `${op.f} key ${key}` };
  }

  protected invoked(th: ClientThread<LinKvOp>, op: LinKvOp): void {
    this.push({ type: 'invoke', process: this.generator.process(th.index), client: th.id, node: th.node, f: op.f, key: op.key, value: op.value });
  }

  protected answered(th: ClientThread<LinKvOp>, op: LinKvOp, b: Message['body']): void {
    if (b.type === 'error') {
      const code = typeof b.code === 'number' ? b.code : -1;
      const definite = isDefinite(code) || op.f === 'read';
      this.record(th, op, definite ? 'fail' : 'info', op.value, [code, typeof b.text === 'string' ? b.text : null]);
    } else if (b.type === `${op.f}_ok`) {
      this.record(th, op, 'ok', op.f === 'read' ? (b.value ?? null) : op.value);
    } else {
      this.record(th, op, op.f === 'read' ? 'fail' : 'info', op.value, [-1, `unexpected reply ${String(b.type)}`]);
    }
  }

  protected timedOut(th: ClientThread<LinKvOp>, op: LinKvOp, atEnd: boolean): void {
    // A read that timed out changed nothing (fail); at the end of the run every outstanding operation is indeterminate.
    if (atEnd) this.record(th, op, 'info', op.value, 'net-timeout');
    else this.record(th, op, op.f === 'read' ? 'fail' : 'info', op.f === 'read' ? null : op.value, 'net-timeout');
  }

  private record(th: ClientThread<LinKvOp>, op: LinKvOp, type: 'ok' | 'fail' | 'info', value: unknown, error?: HistoryEvent['error']): void {
    this.stats[type]++;
    this.push({ type, process: this.generator.process(th.index), client: th.id, node: th.node, f: op.f, key: op.key, value, ...(error !== undefined ? { error } : {}) });
    // After an indeterminate operation, the thread goes on as a new process (and its group may move on to a new key).
    this.generator.complete(th.index, type);
  }
}
