// A lin-kv client workload for the simulator, shaped like the bench's (and
// Maelstrom's): client threads in groups of 2 x node-count share one key at a
// time, the first node-count threads of a group read, the others write or
// cas (1:2) random values 0..4; after about `perKeyLimit` operations a group
// moves to a fresh key. Thread t talks to node t mod node-count. A request
// that times out is indeterminate (`info`, or `fail` for a read) and the
// thread continues as a new Jepsen process. The history has the bench's
// HistoryEvent shape, so the bench's linearizability checker reads it.

import type { VirtualClock } from '../runtime/clock.js';
import type { Message } from '../maelstrom/node.js';
import type { HistoryEvent } from '../bench/types.js';
import type { SimNetwork, StepLabel } from './network.js';
import type { Rng } from '../core/random.js';
import { isDefinite } from '../core/errors.js';

/** Maelstrom error codes that say the operation certainly did not happen. */

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
  process: number;
  nextMsgId: number;
  outstanding: { msgId: number; f: HistoryEvent['f']; key: number; value: unknown; timer: number } | undefined;
}

interface Group {
  readonly first: number;
  readonly size: number;
  readonly readers: number;
  key: number;
  issued: number;
  limit: number;
}

export class LinKvClients {
  readonly history: HistoryEvent[] = [];
  readonly stats = { invoked: 0, ok: 0, fail: 0, info: 0 };
  private readonly threads: Thread[] = [];
  private readonly groups: Group[] = [];
  private readonly groupOf: number[] = [];
  private nextKey = 0;
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
    for (let t = 0; t < opts.concurrency; t++) {
      const th: Thread = { id: `c${t}`, index: t, node: nodes[t % n]!, process: t, nextMsgId: 0, outstanding: undefined };
      this.threads.push(th);
      net.addClient(th.id, { deliver: (msg) => this.onReply(th, msg) });
    }
    const size = 2 * n;
    for (let start = 0; start < opts.concurrency; start += size) {
      const count = Math.min(size, opts.concurrency - start);
      const g: Group = { first: start, size: count, readers: count === size ? n : Math.floor(count / 2), key: this.nextKey++, issued: 0, limit: this.limit() };
      for (let t = start; t < start + count; t++) this.groupOf[t] = this.groups.length;
      this.groups.push(g);
    }
    this.thinkMeanMs = opts.rate > 0 ? (1000 * opts.concurrency) / opts.rate : Infinity;
  }

  private limit(): number {
    return Math.max(1, Math.floor((0.9 + 0.1 * this.rng.next()) * this.opts.perKeyLimit));
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
    const g = this.groups[this.groupOf[th.index]!]!;
    if (g.issued >= g.limit) {
      g.key = this.nextKey++;
      g.issued = 0;
      g.limit = this.limit();
    }
    g.issued++;
    let f: HistoryEvent['f'];
    let value: unknown;
    let body: Message['body'];
    const msgId = ++th.nextMsgId;
    if (th.index - g.first < g.readers) {
      f = 'read';
      value = null;
      body = { type: 'read', msg_id: msgId, key: g.key };
    } else if (this.rng.int(3) === 0) {
      f = 'write';
      value = this.rng.int(5);
      body = { type: 'write', msg_id: msgId, key: g.key, value };
    } else {
      f = 'cas';
      const from = this.rng.int(5);
      const to = this.rng.int(5);
      value = [from, to];
      body = { type: 'cas', msg_id: msgId, key: g.key, from, to };
    }
    this.sim.label = { kind: 'client', text: `${th.id} invokes ${f} key ${g.key} ${JSON.stringify(value)} at ${th.node}` };
    this.stats.invoked++;
    this.push({ type: 'invoke', process: th.process, client: th.id, node: th.node, f, key: g.key, value });
    const timer = this.clock.setTimeout(() => {
      this.sim.label = { kind: 'client', text: `${th.id} times out on ${f} key ${g.key}` };
      th.outstanding = undefined;
      this.completeAs(th, f, g.key, value, f === 'read' ? 'fail' : 'info', f === 'read' ? null : value, 'net-timeout');
      this.later(th);
    }, this.opts.timeoutMs);
    th.outstanding = { msgId, f, key: g.key, value, timer };
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
    this.push({ type, process: th.process, client: th.id, node: th.node, f, key, value, ...(error !== undefined ? { error } : {}) });
    // After an indeterminate operation, the thread goes on as a new process.
    if (type === 'info') th.process += this.opts.concurrency;
  }

  private push(ev: Omit<HistoryEvent, 'index' | 'time'>): void {
    this.history.push({ index: this.history.length, time: Math.round(this.clock.now() * 1e6), ...ev } as HistoryEvent);
  }
}
