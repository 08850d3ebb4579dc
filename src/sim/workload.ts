// A lin-kv client workload for the simulator. The operations come from the
// bench's generator (src/bench/workloads/lin-kv-generator.ts, Maelstrom's
// lin-kv as Jepsen builds it): client threads in groups of 2 x node-count
// share one key at a time, the first node-count threads of a group read, the
// others write or cas (1:2) random values 0..4, and a group moves to a fresh
// key after about `perKeyLimit` operations or when too many processes worked
// on it. This file adds what the simulator needs around it: think times on
// the virtual clock, thread t talking to node t mod node-count, timeouts. A
// request that times out is indeterminate (`info`, or `fail` for a read) and
// the thread continues as a new Jepsen process. The history has the bench's
// HistoryEvent shape, so the bench's linearizability checker reads it.

import type { VirtualClock } from '../runtime/clock.js';
import type { Message } from '../maelstrom/node.js';
import type { HistoryEvent } from '../bench/types.js';
import type { SimNetwork, StepLabel } from './network.js';
import type { Rng } from '../core/random.js';
import { isDefinite } from '../core/errors.js';
import { LinKvGenerator } from '../bench/workloads/lin-kv-generator.js';


export interface WorkloadOptions {
  readonly concurrency: number;
  /** Operations per simulated second, over all clients. */
  readonly rate: number;
  readonly timeoutMs: number;
  readonly perKeyLimit: number;
}

interface Thread {
  readonly id: string;
  readonly index: number;
  readonly node: string;
  nextMsgId: number;
  outstanding: { msgId: number; f: HistoryEvent['f']; key: number; value: unknown; timer: number } | undefined;
}

export class LinKvClients {
  readonly history: HistoryEvent[] = [];
  readonly stats = { invoked: 0, ok: 0, fail: 0, info: 0 };
  private readonly threads: Thread[] = [];
  private readonly generator: LinKvGenerator;
  private running = false;
  private readonly thinkMeanMs: number;

  constructor(
    private readonly clock: VirtualClock,
    private readonly rng: Rng,
    private readonly net: SimNetwork,
    nodes: readonly string[],
    private readonly opts: WorkloadOptions,
    private readonly sim: { label: StepLabel | undefined; touched: string | undefined },
  ) {
    const n = nodes.length;
    // The generator's own stream (split per thread inside it), apart from think times.
    this.generator = new LinKvGenerator(rng.fork(0x6c696e), { nodeCount: n, concurrency: opts.concurrency, perKeyLimit: opts.perKeyLimit });
    for (let t = 0; t < opts.concurrency; t++) {
      const th: Thread = { id: `c${t}`, index: t, node: nodes[t % n]!, nextMsgId: 0, outstanding: undefined };
      this.threads.push(th);
      net.addClient(th.id, { deliver: (msg) => this.onReply(th, msg) });
    }
    this.thinkMeanMs = opts.rate > 0 ? (1000 * opts.concurrency) / opts.rate : Infinity;
  }

  start(): void {
    if (this.thinkMeanMs === Infinity) return;
    this.running = true;
    for (const th of this.threads) this.later(th);
  }

  /** No new operations from now on (outstanding ones may still complete). */
  stop(): void {
    this.running = false;
  }

  /** Ends the run: operations still outstanding are indeterminate. */
  finish(): void {
    for (const th of this.threads) {
      if (th.outstanding) {
        this.clock.clearTimeout(th.outstanding.timer);
        this.complete(th, 'info', th.outstanding.value, 'net-timeout');
      }
    }
  }

  private later(th: Thread): void {
    if (!this.running) return;
    this.clock.setTimeout(() => this.invoke(th), this.rng.exponential(this.thinkMeanMs));
  }

  private invoke(th: Thread): void {
    if (!this.running) return;
    const op = this.generator.next(th.index);
    const key = op.key;
    const f: HistoryEvent['f'] = op.f;
    const value: unknown = op.value;
    const msgId = ++th.nextMsgId;
    let body: Message['body'];
    if (op.f === 'read') body = { type: 'read', msg_id: msgId, key };
    else if (op.f === 'write') body = { type: 'write', msg_id: msgId, key, value: op.value };
    else {
      const [from, to] = op.value as [number, number];
      body = { type: 'cas', msg_id: msgId, key, from, to };
    }
    this.sim.label = { kind: 'client', text: `${th.id} invokes ${f} key ${key} ${JSON.stringify(value)} at ${th.node}` };
    this.stats.invoked++;
    this.push({ type: 'invoke', process: this.generator.process(th.index), client: th.id, node: th.node, f, key, value });
    const timer = this.clock.setTimeout(() => {
      this.sim.label = { kind: 'client', text: `${th.id} times out on ${f} key ${key}` };
      th.outstanding = undefined;
      this.completeAs(th, f, key, value, f === 'read' ? 'fail' : 'info', f === 'read' ? null : value, 'net-timeout');
      this.later(th);
    }, this.opts.timeoutMs);
    th.outstanding = { msgId, f, key, value, timer };
    this.net.send({ src: th.id, dest: th.node, body });
  }

  private onReply(th: Thread, msg: Message): void {
    const o = th.outstanding;
    if (!o || msg.body.in_reply_to !== o.msgId) return; // a late answer to a timed-out request
    this.clock.clearTimeout(o.timer);
    const b = msg.body;
    if (b.type === 'error') {
      const code = typeof b.code === 'number' ? b.code : -1;
      const definite = isDefinite(code) || o.f === 'read';
      this.complete(th, definite ? 'fail' : 'info', o.value, [code, typeof b.text === 'string' ? b.text : null]);
    } else if (b.type === `${o.f}_ok`) {
      this.complete(th, 'ok', o.f === 'read' ? (b.value ?? null) : o.value);
    } else {
      this.complete(th, o.f === 'read' ? 'fail' : 'info', o.value, [-1, `unexpected reply ${String(b.type)}`]);
    }
    this.later(th);
  }

  private complete(th: Thread, type: 'ok' | 'fail' | 'info', value: unknown, error?: HistoryEvent['error']): void {
    const o = th.outstanding!;
    th.outstanding = undefined;
    this.completeAs(th, o.f, o.key, o.value, type, value, error);
  }

  private completeAs(
    th: Thread,
    f: HistoryEvent['f'],
    key: number,
    _invoked: unknown,
    type: 'ok' | 'fail' | 'info',
    value: unknown,
    error?: HistoryEvent['error'],
  ): void {
    this.stats[type]++;
    this.push({ type, process: this.generator.process(th.index), client: th.id, node: th.node, f, key, value, ...(error !== undefined ? { error } : {}) });
    // After an indeterminate operation, the thread goes on as a new process (and its group may move on to a new key).
    this.generator.complete(th.index, type);
  }

  private push(ev: Omit<HistoryEvent, 'index' | 'time'>): void {
    this.history.push({ index: this.history.length, time: Math.round(this.clock.now() * 1e6), ...ev } as HistoryEvent);
  }
}
