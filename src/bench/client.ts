// An in-process Maelstrom client: one request at a time, replies matched by
// in_reply_to, late replies to earlier (timed-out) requests ignored.
//
// `request` hands the outcome to a callback in the same turn the network
// delivers the reply (no promise in between), so that the runner can record
// the completion and start the thread's next operation before the network
// writes to the nodes again (see Network.flush). `call` is the same as a
// promise, for code that waits on one request at a time (init, probes).

import type { NetMessage, Network } from './net.js';

export type RpcOutcome =
  | { kind: 'reply'; body: Record<string, unknown> }
  | { kind: 'timeout' };

const TIMEOUT: RpcOutcome = Object.freeze({ kind: 'timeout' }) as RpcOutcome;

export class RpcClient {
  private nextMsgId = 1;
  private waiting: { msgId: number; done: (o: RpcOutcome) => void; timer: NodeJS.Timeout } | null = null;

  constructor(
    readonly id: string,
    private readonly net: Network,
  ) {
    net.addClient(id, (m) => this.onMessage(m));
  }

  private onMessage(m: NetMessage): void {
    const w = this.waiting;
    if (!w) return;
    if (m.body.in_reply_to !== w.msgId) return; // a late reply to an abandoned request
    this.waiting = null;
    clearTimeout(w.timer);
    w.done({ kind: 'reply', body: m.body });
  }

  /** Abandons the request in flight, if any (it ends as a timeout). */
  cancel(): void {
    const w = this.waiting;
    if (!w) return;
    this.waiting = null;
    clearTimeout(w.timer);
    w.done(TIMEOUT);
  }

  /**
   * Sends `body` to `dest` and calls `done` once, with the reply or, after
   * `timeoutMs`, a timeout. The body becomes the message's: its msg_id is set.
   */
  request(dest: string, body: Record<string, unknown>, timeoutMs: number, done: (o: RpcOutcome) => void): void {
    if (this.waiting) throw new Error(`client ${this.id} already has a request in flight`);
    const msgId = this.nextMsgId++;
    const timer = setTimeout(() => {
      if (this.waiting?.msgId !== msgId) return;
      this.waiting = null;
      done(TIMEOUT);
    }, timeoutMs);
    this.waiting = { msgId, done, timer };
    body.msg_id = msgId;
    this.net.send(this.id, dest, body);
  }

  /** Sends `body` (copied) to `dest` and waits up to `timeoutMs` for the reply. */
  call(dest: string, body: Record<string, unknown>, timeoutMs: number): Promise<RpcOutcome> {
    return new Promise<RpcOutcome>((resolve) => this.request(dest, { ...body }, timeoutMs, resolve));
  }
}
