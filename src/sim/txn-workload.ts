// A txn-list-append client workload for the simulator, shaped like the
// bench's (src/bench/workloads/txn-list-append.ts, whose generator and client
// semantics it reuses): thread t talks to node t mod node-count and takes the
// next transaction of one shared generator (1..4 micro-ops over 10 keys,
// appends unique per key); a definite error is `fail`, any other error or a
// timeout `info` (a read-only txn that times out is `fail`: it changed
// nothing), after which the thread goes on as a new process. The history has
// the bench's shape, so the bench's list-append checker reads it. Threads,
// think times and timeouts are src/sim/clients.ts, shared with lin-kv.

import type { Message } from '../maelstrom/node.js';
import type { TxnHistoryEvent, MicroOp } from '../bench/checker/list-append.js';
import { completeTxn, TxnGenerator, txnRequest, type TxnOutcome } from '../bench/workloads/txn-list-append.js';
import { SimClients, type ClientThread, type SimClientOptions, type SimLabels } from './clients.js';
import type { VirtualClock } from '../runtime/clock.js';
import type { SimNetwork } from './network.js';
import type { Rng } from '../core/random.js';

export type TxnWorkloadOptions = SimClientOptions;

export class TxnClients extends SimClients<MicroOp[], TxnHistoryEvent> {
  private readonly gen: TxnGenerator;
  /** The Jepsen process each thread runs as (a new one after an indeterminate transaction). */
  private readonly processOf: number[] = [];

  constructor(clock: VirtualClock, rng: Rng, net: SimNetwork, nodes: readonly string[], opts: TxnWorkloadOptions, sim: SimLabels) {
    super(clock, rng, net, nodes, opts, sim);
    this.gen = new TxnGenerator(rng.fork(1));
    for (let t = 0; t < opts.concurrency; t++) this.processOf.push(t);
  }

  protected next(_th: ClientThread<MicroOp[]>) {
    const txn = this.gen.next();
    const what = `txn ${JSON.stringify(txn)}`;
    return { op: txn, body: (msgId: number): Message['body'] => ({ ...txnRequest(txn), msg_id: msgId }), what, timeoutWhat: what };
  }

  protected invoked(th: ClientThread<MicroOp[]>, txn: MicroOp[]): void {
    this.push({ type: 'invoke', process: this.processOf[th.index]!, client: th.id, node: th.node, f: 'txn', value: txn });
  }

  protected answered(th: ClientThread<MicroOp[]>, txn: MicroOp[], body: Message['body']): void {
    this.record(th, txn, { kind: 'reply', body });
  }

  protected timedOut(th: ClientThread<MicroOp[]>, txn: MicroOp[]): void {
    this.record(th, txn, { kind: 'timeout' });
  }

  private record(th: ClientThread<MicroOp[]>, txn: MicroOp[], outcome: TxnOutcome): void {
    const done = completeTxn(txn, outcome);
    this.stats[done.type]++;
    this.push({
      type: done.type,
      process: this.processOf[th.index]!,
      client: th.id,
      node: th.node,
      f: 'txn',
      value: done.value,
      ...(done.error !== undefined ? { error: done.error } : {}),
    });
    if (done.type === 'info') this.processOf[th.index]! += this.opts.concurrency;
  }
}
