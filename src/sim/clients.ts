// What every simulated client workload shares: client threads c0, c1, ...,
// thread t talking to node t mod node-count, exponential think times on the
// virtual clock (rate over all threads), one request outstanding per thread,
// a timeout per request, late answers ignored, and a history stamped with
// virtual time. A workload (lin-kv, txn-list-append) says what a thread asks
// next and how an answer or a timeout ends up in its history.

import type { VirtualClock } from '../runtime/clock.js';
import type { Message } from '../maelstrom/node.js';
import type { SimNetwork, StepLabel } from './network.js';
import type { Rng } from '../core/random.js';

export interface SimClientOptions {
  readonly concurrency: number;
  /** Operations per simulated second, over all clients. */
  readonly rate: number;
  readonly timeoutMs: number;
}

export interface ClientThread<Op> {
  readonly id: string;
  readonly index: number;
  readonly node: string;
  nextMsgId: number;
  outstanding: { readonly msgId: number; readonly op: Op; readonly timer: number } | undefined;
}

/** The simulator's step label and the node last touched, which client steps set. */
export interface SimLabels {
  label: StepLabel | undefined;
  touched: string | undefined;
}

export abstract class SimClients<Op, Ev extends { index: number; time: number }> {
  readonly history: Ev[] = [];
  readonly stats = { invoked: 0, ok: 0, fail: 0, info: 0 };
  protected readonly threads: ClientThread<Op>[] = [];
  private running = false;
  private readonly thinkMeanMs: number;

  constructor(
    protected readonly clock: VirtualClock,
    private readonly rng: Rng,
    private readonly net: SimNetwork,
    nodes: readonly string[],
    protected readonly opts: SimClientOptions,
    private readonly sim: SimLabels,
  ) {
    for (let t = 0; t < opts.concurrency; t++) {
      const th: ClientThread<Op> = { id: `c${t}`, index: t, node: nodes[t % nodes.length]!, nextMsgId: 0, outstanding: undefined };
      this.threads.push(th);
      net.addClient(th.id, { deliver: (msg) => this.onReply(th, msg) });
    }
    this.thinkMeanMs = opts.rate > 0 ? (1000 * opts.concurrency) / opts.rate : Infinity;
  }

  /**
   * The thread's next operation, the request that carries it (given its
   * msg_id), and how step labels name it when invoked and on a timeout.
   */
  protected abstract next(th: ClientThread<Op>): { op: Op; body: (msgId: number) => Message['body']; what: string; timeoutWhat: string };
  /** Records the invocation in the history. */
  protected abstract invoked(th: ClientThread<Op>, op: Op): void;
  /** Records how an answer ended the operation. */
  protected abstract answered(th: ClientThread<Op>, op: Op, body: Message['body']): void;
  /** Records a timeout: during the run (`atEnd` false), or an operation still outstanding when the run ends. */
  protected abstract timedOut(th: ClientThread<Op>, op: Op, atEnd: boolean): void;

  start(): void {
    if (this.thinkMeanMs === Infinity) return;
    this.running = true;
    for (const th of this.threads) this.later(th);
  }

  /** No new operations from now on (outstanding ones may still complete). */
  stop(): void {
    this.running = false;
  }

  /** Ends the run: operations still outstanding end as their timeout would have them. */
  finish(): void {
    for (const th of this.threads) {
      const o = th.outstanding;
      if (!o) continue;
      this.clock.clearTimeout(o.timer);
      th.outstanding = undefined;
      this.timedOut(th, o.op, true);
    }
  }

  protected push(ev: Omit<Ev, 'index' | 'time'>): void {
    this.history.push({ index: this.history.length, time: Math.round(this.clock.now() * 1e6), ...ev } as Ev);
  }

  private later(th: ClientThread<Op>): void {
    if (!this.running) return;
    this.clock.setTimeout(() => this.invoke(th), this.rng.exponential(this.thinkMeanMs));
  }

  private invoke(th: ClientThread<Op>): void {
    if (!this.running) return;
    const { op, body, what, timeoutWhat } = this.next(th);
    const msgId = ++th.nextMsgId;
    this.sim.label = { kind: 'client', text: `${th.id} invokes ${what} at ${th.node}` };
    this.stats.invoked++;
    this.invoked(th, op);
    const timer = this.clock.setTimeout(() => {
      this.sim.label = { kind: 'client', text: `${th.id} times out on ${timeoutWhat}` };
      th.outstanding = undefined;
      this.timedOut(th, op, false);
      this.later(th);
    }, this.opts.timeoutMs);
    th.outstanding = { msgId, op, timer };
    this.net.send({ src: th.id, dest: th.node, body: body(msgId) });
  }

  private onReply(th: ClientThread<Op>, msg: Message): void {
    const o = th.outstanding;
    if (!o || msg.body.in_reply_to !== o.msgId) return; // a late answer to a timed-out request
    this.clock.clearTimeout(o.timer);
    th.outstanding = undefined;
    this.answered(th, o.op, msg.body);
    this.later(th);
  }
}
