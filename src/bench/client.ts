// An in-process Maelstrom client: one request at a time, replies matched by
// in_reply_to, late replies to earlier (timed-out) requests ignored.

import type { NetMessage, Network } from './net.js';

export type RpcOutcome =
  | { kind: 'reply'; body: Record<string, unknown> }
  | { kind: 'timeout' };

export class RpcClient {
  private nextMsgId = 1;
  private waiting: { msgId: number; resolve: (o: RpcOutcome) => void; timer: NodeJS.Timeout } | null = null;

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
    w.resolve({ kind: 'reply', body: m.body });
  }

  /** Abandons the request in flight, if any (it resolves as a timeout). */
  cancel(): void {
    const w = this.waiting;
    if (!w) return;
    this.waiting = null;
    clearTimeout(w.timer);
    w.resolve({ kind: 'timeout' });
  }

  /** Sends `body` to `dest` and waits up to `timeoutMs` for the reply. */
  call(dest: string, body: Record<string, unknown>, timeoutMs: number): Promise<RpcOutcome> {
    if (this.waiting) throw new Error(`client ${this.id} already has a request in flight`);
    const msgId = this.nextMsgId++;
    return new Promise<RpcOutcome>((resolve) => {
      const timer = setTimeout(() => {
        if (this.waiting?.msgId === msgId) this.waiting = null;
        resolve({ kind: 'timeout' });
      }, timeoutMs);
      this.waiting = { msgId, resolve, timer };
      this.net.send(this.id, dest, { ...body, msg_id: msgId });
    });
  }
}
