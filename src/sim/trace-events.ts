// The simulator's lines for the step-through viewer, written beside the
// chart transitions of a trace (src/runtime/trace.ts describes the format).

import { messageFields, type TraceWriter } from '../runtime/trace.js';

/** What TraceEvents reads of the simulation it traces. */
export interface TracedNetwork {
  isServer(id: string): boolean;
  isPaused(id: string): boolean;
  readonly blockedLinks: ReadonlySet<string>;
  readonly stats: { readonly dropped: number; readonly duplicated: number };
}

/**
 * The simulator's lines for the viewer beside the transitions: every
 * server-to-server message (sent, lost or duplicated at send, delivered,
 * dropped on arrival), client history events, nemesis actions, and the
 * verdicts. It only observes: no random draw, no change to the run.
 */
export class TraceEvents {
  private readonly ids = new WeakMap<object, number>();
  private nextId = 0;
  private historySeen = 0;

  constructor(
    private readonly tracer: TraceWriter,
    private readonly net: TracedNetwork,
    private readonly now: () => number,
    private readonly servers: readonly string[],
  ) {}

  private isServerMessage(msg: { src: string; dest: string }): boolean {
    return this.net.isServer(msg.src) && this.net.isServer(msg.dest);
  }

  /** Wraps the network's send of a node's message: the send line, then a drop or duplicate the network decided. */
  send(msg: { src: string; dest: string; body: Record<string, unknown> }, send: () => void): void {
    if (!this.isServerMessage(msg)) return send();
    const id = ++this.nextId;
    this.ids.set(msg, id);
    this.tracer.event('send', this.now(), { id, ...messageFields(msg) });
    const { dropped, duplicated } = this.net.stats;
    send();
    if (this.net.stats.dropped > dropped) {
      const why = this.net.blockedLinks.has(`${msg.src}>${msg.dest}`) ? 'partition' : 'loss';
      this.tracer.event('drop', this.now(), { id, src: msg.src, dest: msg.dest, at: 'send', why });
    }
    if (this.net.stats.duplicated > duplicated) this.tracer.event('duplicate', this.now(), { id, src: msg.src, dest: msg.dest });
  }

  /** A message reaches a node (before the node handles it). */
  deliver(msg: { src: string; dest: string; body: Record<string, unknown> }): void {
    const id = this.ids.get(msg);
    if (id === undefined) return;
    this.tracer.event('deliver', this.now(), { id, src: msg.src, dest: msg.dest, type: msg.body.type });
  }

  /** After each simulation step: drops on arrival, nemesis actions, new client history events. */
  afterStep(label: { kind: string; msg?: { src: string; dest: string; body: Record<string, unknown> }; dropped?: string; text?: string } | undefined, history: readonly object[]): void {
    if (label?.kind === 'deliver' && label.dropped && label.msg) {
      const id = this.ids.get(label.msg);
      if (id !== undefined) this.tracer.event('drop', this.now(), { id, src: label.msg.src, dest: label.msg.dest, at: 'arrival', why: label.dropped });
    }
    if (label?.kind === 'nemesis') {
      this.tracer.event('nemesis', this.now(), {
        text: label.text,
        blocked: [...this.net.blockedLinks].sort(),
        paused: this.servers.filter((s) => this.net.isPaused(s)),
      });
    }
    this.history(history);
  }

  /** Client history events not written yet (also after the run, for operations that never completed). */
  history(history: readonly object[]): void {
    for (; this.historySeen < history.length; this.historySeen++) {
      const ev = history[this.historySeen] as { time: number };
      this.tracer.event('op', ev.time / 1e6, { ...ev });
    }
  }

  /** A node's process died (crash fault), or started again from its disk. */
  crash(node: string): void {
    this.tracer.event('crash', this.now(), { node });
  }

  restart(node: string): void {
    this.tracer.event('restart', this.now(), { node });
  }

  violation(v: { invariant: string; detail: string; step: number }, node: string | undefined): void {
    this.tracer.event('violation', this.now(), { invariant: v.invariant, detail: v.detail, step: v.step, ...(node !== undefined ? { node } : {}) });
  }

  checker(result: { valid: boolean | 'unknown'; failures: readonly object[]; unknownKeys: readonly unknown[] }): void {
    this.tracer.event('checker', this.now(), { valid: result.valid, failures: result.failures, unknownKeys: result.unknownKeys });
  }
}
