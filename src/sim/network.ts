// The simulated network and the per-node clocks of a simulation.
//
// Everything is a timer on one shared VirtualClock: a message in flight is a
// timer that delivers it, a node's election or heartbeat timer is a timer.
// The network draws every delay, loss and duplicate from its own seeded
// generator. Faults:
//   loss       a message between servers is lost with some probability
//   duplicate  a message between servers is delivered twice
//   reorder    per-message delays vary widely, so links are not FIFO
//   delay      now and then a message is held back for a long while
//   partition  (nemesis) the servers are split; messages across are dropped
//   pause      (nemesis) a node stops: its messages and timers queue until it resumes
//   crash      (nemesis) a node's process dies (now, or in the middle of writing
//              to its disk) and restarts later from what its disk kept
//              (src/sim/disk.ts); messages to it while it is down are lost
// Client links are never lossy nor partitioned (as in Maelstrom), only delayed.

import type { Clock, VirtualClock } from '../runtime/clock.js';
import type { Message } from '../maelstrom/node.js';
import type { Rng } from '../core/random.js';

export const FAULTS = ['partition', 'loss', 'duplicate', 'reorder', 'delay', 'pause', 'crash'] as const;
export type FaultName = (typeof FAULTS)[number];

export interface NetworkOptions {
  /** Mean one-way latency between servers (ms). */
  readonly latencyMs: number;
  readonly faults: ReadonlySet<FaultName>;
  /** Probability a server message is lost (with `loss`). */
  readonly lossRate: number;
  /** Probability a server message is duplicated (with `duplicate`). */
  readonly duplicateRate: number;
  /** Probability a message is held back by `delay`. */
  readonly delayRate: number;
}

/** What the simulation is doing in the current step (for readable traces). */
export type StepLabel =
  | { readonly kind: 'deliver'; readonly msg: Message; readonly copy: boolean; dropped?: string }
  | { readonly kind: 'timer'; readonly node: string }
  | { readonly kind: 'client'; readonly text: string }
  | { readonly kind: 'nemesis'; readonly text: string }
  | { readonly kind: 'resume'; readonly node: string; readonly msg?: Message };

type Queued = { readonly kind: 'msg'; readonly msg: Message } | { readonly kind: 'timer'; readonly id: number; readonly fn: () => void };

/**
 * A node's view of the shared clock: while the node is paused its timers do
 * not fire; they queue (with the messages sent to it) and run when it resumes.
 */
export class NodeClock implements Clock {
  paused = false;
  readonly queue: Queued[] = [];
  /** Timers that fired while paused and have not run yet (queued, or drained and waiting for their step). */
  private readonly held = new Set<number>();
  private readonly cancelled = new Set<number>();

  constructor(
    private readonly shared: VirtualClock,
    private readonly node: string,
    private readonly sim: { label: StepLabel | undefined; touched: string | undefined },
  ) {}

  now(): number {
    return this.shared.now();
  }

  setTimeout(fn: () => void, ms: number): number {
    const id: number = this.shared.setTimeout(() => {
      if (this.paused) {
        this.held.add(id);
        this.queue.push({ kind: 'timer', id, fn });
        return;
      }
      this.sim.label = { kind: 'timer', node: this.node };
      this.sim.touched = this.node;
      fn();
    }, ms);
    return id;
  }

  clearTimeout(id: unknown): void {
    this.shared.clearTimeout(id);
    // A timer that fired while the node was paused is cancelled too.
    if (this.held.has(id as number)) this.cancelled.add(id as number);
  }

  /** Takes the queued work on resume. */
  drain(): Queued[] {
    const out = this.queue.slice();
    this.queue.length = 0;
    return out;
  }

  /** Runs one drained item's timer unless it was cancelled meanwhile; returns whether it ran. */
  runHeld(q: Extract<Queued, { kind: 'timer' }>): boolean {
    this.held.delete(q.id);
    if (this.cancelled.delete(q.id)) return false;
    q.fn();
    return true;
  }
}

/** Every link between two different groups, both ways, as "src>dest" (what a partition cuts). */
export function linksBetween(groups: readonly (readonly string[])[]): Set<string> {
  const out = new Set<string>();
  for (const a of groups) for (const b of groups) {
    if (a === b) continue;
    for (const x of a) for (const y of b) out.add(`${x}>${y}`);
  }
  return out;
}

export interface Endpoint {
  deliver(msg: Message): void;
}

export class SimNetwork {
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly nodeClocks = new Map<string, NodeClock>();
  /** Blocked server links, as "a>b". */
  private blocked = new Set<string>();
  /** Last scheduled delivery time per link, for FIFO links. */
  private readonly lastAt = new Map<string, number>();
  /** The last messages delivered to each server (for late duplicates the nemesis replays). */
  private readonly recent = new Map<string, Message[]>();
  readonly stats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, delayed: 0, queued: 0 };

  constructor(
    private readonly clock: VirtualClock,
    private readonly rng: Rng,
    private readonly opts: NetworkOptions,
    private readonly sim: { label: StepLabel | undefined; touched: string | undefined },
  ) {}

  addNode(id: string, endpoint: Endpoint, clock: NodeClock): void {
    this.endpoints.set(id, endpoint);
    this.nodeClocks.set(id, clock);
  }

  /** A restarted node's clock (its old timers died with its process). */
  replaceClock(id: string, clock: NodeClock): void {
    this.nodeClocks.set(id, clock);
  }

  addClient(id: string, endpoint: Endpoint): void {
    this.endpoints.set(id, endpoint);
  }

  isServer(id: string): boolean {
    return this.nodeClocks.has(id);
  }

  partition(groups: readonly (readonly string[])[]): void {
    this.blocked = linksBetween(groups);
  }

  heal(): void {
    this.blocked = new Set();
  }

  /** The blocked server links, as "src>dest" (read by traces). */
  get blockedLinks(): ReadonlySet<string> {
    return this.blocked;
  }

  get partitioned(): boolean {
    return this.blocked.size > 0;
  }

  pause(node: string): void {
    this.nodeClocks.get(node)!.paused = true;
  }

  /** Resumes a node: what queued while it was paused runs now, in order, one step each. */
  resume(node: string): void {
    const nc = this.nodeClocks.get(node)!;
    nc.paused = false;
    for (const q of nc.drain()) {
      this.clock.setTimeout(() => {
        if (nc.paused) {
          nc.queue.push(q);
          return;
        }
        this.sim.touched = node;
        if (q.kind === 'msg') {
          this.sim.label = { kind: 'resume', node, msg: q.msg };
          this.arrive(q.msg);
        } else {
          this.sim.label = { kind: 'resume', node };
          nc.runHeld(q);
        }
      }, 0);
    }
  }

  isPaused(node: string): boolean {
    return this.nodeClocks.get(node)?.paused ?? false;
  }

  /** Messages recently delivered to `dest` from other servers, oldest first. */
  recentlyDelivered(dest: string): readonly Message[] {
    return this.recent.get(dest) ?? [];
  }

  /**
   * Delivers a copy of a message once more, a while after the original (a
   * late duplicate, which any network may produce and Raft must tolerate).
   */
  redeliver(msg: Message): void {
    this.stats.duplicated++;
    this.schedule(msg, true);
  }

  /** A message leaves `msg.src`. */
  send(msg: Message): void {
    this.stats.sent++;
    const server = this.isServer(msg.src) && this.isServer(msg.dest);
    const f = this.opts.faults;
    if (server) {
      if (this.blocked.has(`${msg.src}>${msg.dest}`) || (f.has('loss') && this.rng.chance(this.opts.lossRate))) {
        this.stats.dropped++;
        return;
      }
      this.schedule(msg, false);
      if (f.has('duplicate') && this.rng.chance(this.opts.duplicateRate)) {
        this.stats.duplicated++;
        this.schedule(msg, true);
      }
    } else {
      this.schedule(msg, false);
    }
  }

  private schedule(msg: Message, copy: boolean): void {
    const f = this.opts.faults;
    const mean = this.opts.latencyMs;
    let delay = f.has('reorder') ? this.rng.range(0, 4 * mean) : this.rng.range(0.5 * mean, 1.5 * mean);
    if (f.has('delay') && this.rng.chance(this.opts.delayRate)) {
      delay += this.rng.exponential(20 * mean);
      this.stats.delayed++;
    }
    let at = this.clock.now() + delay;
    if (!f.has('reorder') && !f.has('delay')) {
      // FIFO per link: never overtake an earlier message.
      const link = `${msg.src}>${msg.dest}`;
      const last = this.lastAt.get(link) ?? 0;
      if (at < last) at = last;
      this.lastAt.set(link, at);
    }
    this.clock.setTimeout(() => {
      this.sim.label = { kind: 'deliver', msg, copy };
      this.sim.touched = this.isServer(msg.dest) ? msg.dest : undefined;
      const nc = this.nodeClocks.get(msg.dest);
      if (nc?.paused) {
        this.stats.queued++;
        nc.queue.push({ kind: 'msg', msg });
        return;
      }
      this.arrive(msg);
    }, at - this.clock.now());
  }

  private arrive(msg: Message): void {
    // Partitions drop messages on arrival too (those in flight when it began).
    if (this.isServer(msg.src) && this.isServer(msg.dest) && this.blocked.has(`${msg.src}>${msg.dest}`)) {
      this.stats.dropped++;
      if (this.sim.label?.kind === 'deliver') this.sim.label.dropped = 'partition';
      return;
    }
    const ep = this.endpoints.get(msg.dest);
    if (!ep) {
      this.stats.dropped++;
      return;
    }
    this.stats.delivered++;
    if (this.isServer(msg.dest) && this.isServer(msg.src)) {
      let r = this.recent.get(msg.dest);
      if (!r) this.recent.set(msg.dest, (r = []));
      r.push(msg);
      if (r.length > 64) r.shift();
    }
    ep.deliver(msg);
  }
}
