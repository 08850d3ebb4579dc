// A cluster of RaftNodes in one process on a shared virtual clock, wired by
// the simulator's network (src/sim/network.ts) with no faults: every server
// message takes about `delayMs`, links are FIFO, and tests cut links with
// `partition`. Clients are inboxes. The deterministic simulator drives the
// same network with faults, a nemesis and a workload; this is its quiet form
// for tests that script a scenario by hand.

import { VirtualClock } from '../../src/runtime/clock.js';
import { Rng } from '../../src/core/random.js';
import { RaftNode, type Message, type NodeOptions } from '../../src/maelstrom/node.js';
import { NodeClock, SimNetwork, type StepLabel } from '../../src/sim/network.js';

export interface LocalClusterOptions {
  readonly nodeCount: number;
  /** Mean one-way delay between servers (ms); each message takes 0.5 to 1.5 times it. */
  readonly delayMs?: number;
  readonly seed?: number;
  readonly nodeOptions?: Partial<Omit<NodeOptions, 'output' | 'flushOutput' | 'clock'>>;
  /**
   * Hold each node's output as the binary does (src/maelstrom/main.ts): what
   * a node sends while it handles input leaves when the handling ends (after
   * its fsync), or earlier when the node asks (NodeOptions.flushOutput).
   * Without it every message leaves the moment it is sent.
   */
  readonly bufferOutput?: boolean;
}

export class LocalCluster {
  readonly clock = new VirtualClock();
  readonly nodes = new Map<string, RaftNode>();
  readonly ids: string[];
  /** Messages every client has received, by client id. */
  readonly inbox = new Map<string, Message[]>();
  /** Sees every message a node sends, as it is sent. */
  tap: ((msg: Message) => void) | undefined;
  private readonly net: SimNetwork;
  private readonly sim: { label: StepLabel | undefined; touched: string | undefined } = { label: undefined, touched: undefined };
  /** With bufferOutput: what each node sent that has not left yet. */
  private readonly held = new Map<string, Message[]>();

  constructor(opts: LocalClusterOptions) {
    this.ids = Array.from({ length: opts.nodeCount }, (_, i) => `n${i}`);
    this.net = new SimNetwork(this.clock, new Rng(opts.seed ?? 1), { latencyMs: opts.delayMs ?? 1, faults: new Set(), lossRate: 0, duplicateRate: 0, delayRate: 0 }, this.sim);
    this.net.addClient('c-init', { deliver: () => {} });
    for (const [i, id] of this.ids.entries()) {
      const nodeClock = new NodeClock(this.clock, id, this.sim);
      const leave = (msg: Message): void => {
        this.tap?.(msg);
        this.net.send(msg);
      };
      const held: Message[] = [];
      this.held.set(id, held);
      const node = new RaftNode({
        logLevel: 'warn',
        ...opts.nodeOptions,
        clock: nodeClock,
        seed: (opts.seed ?? 1) * 1000 + i + 1,
        output: opts.bufferOutput ? (msg) => held.push(msg) : leave,
        ...(opts.bufferOutput ? { flushOutput: () => this.release(id) } : {}),
      });
      this.nodes.set(id, node);
      this.net.addNode(id, { deliver: (msg) => node.handle(msg) }, nodeClock);
      node.handle({ src: 'c-init', dest: id, body: { type: 'init', msg_id: 1, node_id: id, node_ids: this.ids } });
    }
    this.drain();
  }

  /** With bufferOutput: sends what `id` holds. */
  private release(id: string): void {
    const held = this.held.get(id)!;
    for (const msg of held.splice(0)) {
      this.tap?.(msg);
      this.net.send(msg);
    }
  }

  /** With bufferOutput: sends what every node that is not in the middle of its input holds (a turn of its event loop ended). */
  drain(): void {
    for (const [id, node] of this.nodes) if (!node.handlingInput) this.release(id);
  }

  /** Messages sent so far, by every node. */
  get sent(): number {
    return this.net.stats.sent;
  }

  /** Drops every message between the groups, both ways (including those in flight). */
  partition(...groups: string[][]): void {
    this.net.partition(groups);
  }

  heal(): void {
    this.net.heal();
  }

  /** Sends a client request into a node now; its answers land in the client's inbox. */
  request(client: string, node: string, body: Message['body']): void {
    if (!this.inbox.has(client)) {
      this.inbox.set(client, []);
      this.net.addClient(client, { deliver: (msg) => this.inbox.get(client)!.push(msg) });
    }
    this.nodes.get(node)!.handle({ src: client, dest: node, body });
    this.drain();
  }

  /** Sends several client requests into a node as one batch of input (as one read of stdin brings them). */
  requests(client: string, node: string, bodies: readonly Message['body'][]): void {
    this.nodes.get(node)!.batch(() => {
      for (const body of bodies) this.request(client, node, body);
    });
    this.drain();
  }

  /** Runs the clock `ms` on; each event (a delivery, a timer) ends a turn of the node's loop. */
  run(ms: number): void {
    const until = this.clock.now() + ms;
    while (this.clock.step(until)) this.drain();
    this.clock.runUntil(until);
  }

  leaders(): { id: string; term: number }[] {
    const out: { id: string; term: number }[] = [];
    for (const [id, n] of this.nodes) if (n.role === 'leader') out.push({ id, term: n.context!.term });
    return out;
  }
}
