// A txn-list-append client workload for the simulator, shaped like the
// bench's (src/bench/workloads/txn-list-append.ts, whose generator and client
// semantics it reuses): thread t talks to node t mod node-count and takes the
// next transaction of one shared generator (1..4 micro-ops over 10 keys,
// appends unique per key); a definite error is `fail`, any other error or a
// timeout `info` (a read-only txn that times out is `fail`: it changed
// nothing), after which the thread goes on as a new process. The history has
// the bench's shape, so the bench's list-append checker reads it.

import type { VirtualClock } from '../runtime/clock.js';
import type { Message } from '../maelstrom/node.js';
import type { TxnHistoryEvent, MicroOp } from '../bench/checker/list-append.js';
import { completeTxn, TxnGenerator, txnRequest, type TxnOutcome } from '../bench/workloads/txn-list-append.js';
import type { SimNetwork, StepLabel } from './network.js';
import type { Rng } from '../core/random.js';

export interface TxnWorkloadOptions {
  readonly concurrency: number;
  /** Transactions per simulated second, over all clients. */
  readonly rate: number;
  readonly timeoutMs: number;
}

interface Thread {
  readonly id: string;
  readonly node: string;
  process: number;
  nextMsgId: number;
  outstanding: { msgId: number; txn: MicroOp[]; timer: number } | undefined;
}

export class TxnClients {
  readonly history: TxnHistoryEvent[] = [];
  readonly stats = { invoked: 0, ok: 0, fail: 0, info: 0 };
  private readonly threads: Thread[] = [];
  private readonly gen: TxnGenerator;
  private running = false;
  private readonly thinkMeanMs: number;

  constructor(
    private readonly clock: VirtualClock,
    private readonly rng: Rng,
    private readonly net: SimNetwork,
    nodes: readonly string[],
    private readonly opts: TxnWorkloadOptions,
    private readonly sim: { label: StepLabel | undefined; touched: string | undefined },
  ) {
    this.gen = new TxnGenerator(rng.fork(1));
    for (let t = 0; t < opts.concurrency; t++) {
      const th: Thread = { id: `c${t}`, node: nodes[t % nodes.length]!, process: t, nextMsgId: 0, outstanding: undefined };
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

  /** No new transactions from now on (outstanding ones may still complete). */
  stop(): void {
    this.running = false;
  }

  /** Ends the run: transactions still outstanding get the timeout's outcome. */
  finish(): void {
    for (const th of this.threads) {
      const o = th.outstanding;
      if (!o) continue;
      this.clock.clearTimeout(o.timer);
      this.complete(th, { kind: 'timeout' });
    }
  }

  private later(th: Thread): void {
    if (!this.running) return;
    this.clock.setTimeout(() => this.invoke(th), this.rng.exponential(this.thinkMeanMs));
  }

  private invoke(th: Thread): void {
    if (!this.running) return;
    const txn = this.gen.next();
    const msgId = ++th.nextMsgId;
    this.sim.label = { kind: 'client', text: `${th.id} invokes txn ${JSON.stringify(txn)} at ${th.node}` };
    this.stats.invoked++;
    this.push({ type: 'invoke', process: th.process, client: th.id, node: th.node, f: 'txn', value: txn });
    const timer = this.clock.setTimeout(() => {
      this.sim.label = { kind: 'client', text: `${th.id} times out on txn ${JSON.stringify(txn)}` };
      this.complete(th, { kind: 'timeout' });
      this.later(th);
    }, this.opts.timeoutMs);
    th.outstanding = { msgId, txn, timer };
    this.net.send({ src: th.id, dest: th.node, body: { ...txnRequest(txn), msg_id: msgId } });
  }

  private onReply(th: Thread, msg: Message): void {
    const o = th.outstanding;
    if (!o || msg.body.in_reply_to !== o.msgId) return; // a late answer to a timed-out request
    this.clock.clearTimeout(o.timer);
    this.complete(th, { kind: 'reply', body: msg.body });
    this.later(th);
  }

  private complete(th: Thread, outcome: TxnOutcome): void {
    const o = th.outstanding!;
    th.outstanding = undefined;
    const done = completeTxn(o.txn, outcome);
    this.stats[done.type]++;
    this.push({
      type: done.type,
      process: th.process,
      client: th.id,
      node: th.node,
      f: 'txn',
      value: done.value,
      ...(done.error !== undefined ? { error: done.error } : {}),
    });
    if (done.type === 'info') th.process += this.opts.concurrency;
  }

  private push(ev: Omit<TxnHistoryEvent, 'index' | 'time'>): void {
    this.history.push({ index: this.history.length, time: Math.round(this.clock.now() * 1e6), ...ev });
  }
}
