// A cluster of RaftNodes in one process on a shared virtual clock, wired by
// an in-memory network with a fixed delay and optional partitions. Used by
// tests; the deterministic simulator builds a richer network on the same idea.

import { VirtualClock } from './clock.js';
import { RaftNode, type Message, type NodeOptions } from './node.js';

export interface LocalClusterOptions {
  readonly nodeCount: number;
  /** One-way delay between servers (ms); clients get 0. */
  readonly delayMs?: number;
  readonly seed?: number;
  readonly nodeOptions?: Partial<Omit<NodeOptions, 'send' | 'clock'>>;
}

export class LocalCluster {
  readonly clock = new VirtualClock();
  readonly nodes = new Map<string, RaftNode>();
  readonly ids: string[];
  /** Messages every client has received, by client id. */
  readonly inbox = new Map<string, Message[]>();
  private blocked = new Set<string>();
  private readonly delayMs: number;
  sent = 0;

  constructor(opts: LocalClusterOptions) {
    this.delayMs = opts.delayMs ?? 1;
    this.ids = Array.from({ length: opts.nodeCount }, (_, i) => `n${i}`);
    for (const [i, id] of this.ids.entries()) {
      const node = new RaftNode({
        logLevel: 'warn',
        ...opts.nodeOptions,
        clock: this.clock,
        seed: (opts.seed ?? 1) * 1000 + i + 1,
        output: (msg) => this.route(msg),
      });
      this.nodes.set(id, node);
      node.handle({ src: 'c-init', dest: id, body: { type: 'init', msg_id: 1, node_id: id, node_ids: this.ids } });
    }
    this.inbox.delete('c-init');
  }

  /** Drops every message between the two sides of the split, both ways. */
  partition(...groups: string[][]): void {
    this.blocked = new Set();
    for (const a of groups) for (const b of groups) {
      if (a === b) continue;
      for (const x of a) for (const y of b) this.blocked.add(`${x}>${y}`);
    }
  }

  heal(): void {
    this.blocked = new Set();
  }

  /** Sends a client request into a node now. */
  request(client: string, node: string, body: Message['body']): void {
    this.nodes.get(node)!.handle({ src: client, dest: node, body });
  }

  run(ms: number): void {
    this.clock.advance(ms);
  }

  leaders(): { id: string; term: number }[] {
    const out: { id: string; term: number }[] = [];
    for (const [id, n] of this.nodes) if (n.role === 'leader') out.push({ id, term: n.context!.term });
    return out;
  }

  private route(msg: Message): void {
    this.sent++;
    if (!this.nodes.has(msg.dest)) {
      const box = this.inbox.get(msg.dest) ?? [];
      box.push(msg);
      this.inbox.set(msg.dest, box);
      return;
    }
    if (this.blocked.has(`${msg.src}>${msg.dest}`)) return;
    // Delivered by reference: nodes never mutate a message they receive.
    this.clock.setTimeout(() => {
      if (this.blocked.has(`${msg.src}>${msg.dest}`)) return;
      this.nodes.get(msg.dest)!.handle(msg);
    }, this.delayMs);
  }
}
