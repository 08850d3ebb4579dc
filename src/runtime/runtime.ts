// The runtime: interprets the Raft chart for one node. It runs the XState
// actor, fed with events (Raft messages and client requests, already
// validated by the protocol layer) and with timer expiries from an injected
// clock, and carries out what the chart asks for, in the order it asked:
// messages go to a host (the Maelstrom protocol layer), committed entries
// are applied to the state machine this runtime owns, and the clients it
// tracks are answered from the results.
//
// It knows nothing of stdin/stdout nor of the Maelstrom envelope: the binary,
// the simulator and the tests wire it through src/maelstrom/node.ts.

import { createActor, type Actor, type InspectionEvent } from 'xstate';
import type { Role } from '../../spec/chart.js';
import type { Effect, EffectsEmitted, MessageEvent, RaftConfig, RaftContext } from '../../machines/index.js';
import { createRaftMachine, type MachineOverrides, type RaftMachine } from '../../machines/raft.js';
import type { Op } from '../core/state-machine.js';
import { errorBody, KvStateMachine, type ReplyBody } from '../core/state-machine.js';
import { ErrorCode } from '../core/errors.js';
import type { Clock } from './clock.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

/** Where the runtime's output goes: the protocol layer assigns msg_ids and writes messages. */
export interface RuntimeHost {
  /** A new message to a peer. */
  send(to: string, body: ReplyBody): void;
  /** An answer to a message. */
  reply(to: string, inReplyTo: number, body: ReplyBody): void;
  /** Forward a client request to the leader and relay its answer to `client`. */
  proxy(leader: string, client: string, inReplyTo: number | undefined, body: ReplyBody): void;
  log(level: LogLevel, text: string): void;
}

/** One chart transition taken, as reported to `onTransition`. */
export interface TransitionStep {
  /** The transition's name in spec/chart.ts. */
  readonly name: string;
  /** The event that selected it (a message event, a timer's `xstate.after.*`, or the message re-raised). */
  readonly event: { readonly type: string; readonly src?: string; readonly body?: MessageEvent['body'] };
  readonly role: Role;
  readonly context: RaftContext;
}

export interface RuntimeOptions {
  readonly self: string;
  readonly nodes: readonly string[];
  readonly config?: Partial<RaftConfig>;
  /** Seed of the election-timeout draws. */
  readonly seed?: number;
  readonly clock: Clock;
  readonly host: RuntimeHost;
  /** Test-only machine variants (the simulator's bug hunts). */
  readonly overrides?: MachineOverrides;
  /** Called for every chart transition taken; turns on XState inspection. */
  readonly onTransition?: (step: TransitionStep) => void;
}

/** A client waiting for the entry it asked for to be applied. */
interface Waiting {
  readonly term: number;
  readonly to: string;
  readonly inReplyTo: number;
}

export class RaftRuntime {
  readonly stateMachine = new KvStateMachine();
  private applied = 0;
  private readonly waiting = new Map<number, Waiting>();
  private readonly actor: Actor<RaftMachine>;
  private batch: Effect[] = [];
  private lastRole: Role | undefined;
  private lastTerm = -1;

  constructor(private readonly opts: RuntimeOptions) {
    const machine = createRaftMachine(opts.overrides);
    this.actor = createActor(machine, {
      input: { self: opts.self, nodes: opts.nodes, config: opts.config, seed: opts.seed },
      clock: opts.clock,
      ...(opts.onTransition ? { inspect: (ev: InspectionEvent) => this.inspected(ev) } : {}),
    });
    // Effects are emitted at the end of a macrostep, then observers are told:
    // gather them, then carry them out as one batch.
    this.actor.on('effects', (e: EffectsEmitted) => {
      for (const x of e.effects) this.batch.push(x);
    });
    this.actor.subscribe({
      next: () => this.endOfStep(),
      error: (err) => opts.host.log('error', `chart actor error: ${String(err)}`),
    });
    this.actor.start();
  }

  get role(): Role {
    return this.actor.getSnapshot().value as Role;
  }

  get context(): RaftContext {
    return this.actor.getSnapshot().context.raft;
  }

  /** The index up to which entries have been applied to the state machine. */
  get appliedIndex(): number {
    return this.applied;
  }

  /** Clients waiting for their entries (bounded by the protocol layer's admission). */
  get waitingCount(): number {
    return this.waiting.size;
  }

  /** Hands one event to the chart. */
  deliver(event: MessageEvent): void {
    this.actor.send(event);
    const snap = this.actor.getSnapshot();
    if (snap.status !== 'active') this.opts.host.log('error', `the chart actor stopped (${snap.status}): ${String(snap.error)}`);
  }

  stop(): void {
    this.actor.stop();
  }

  private endOfStep(): void {
    const effects = this.batch;
    this.batch = [];
    for (const e of effects) this.perform(e);
    this.observe();
  }

  private perform(e: Effect): void {
    const host = this.opts.host;
    switch (e.kind) {
      case 'send':
        host.send(e.to, e.body);
        break;
      case 'reply':
        host.reply(e.to, e.inReplyTo, e.body);
        break;
      case 'proxy':
        host.proxy(e.to, e.client, e.inReplyTo, e.body);
        break;
      case 'log':
        host.log(e.level, e.text);
        break;
      case 'track':
        this.waiting.set(e.index, { term: e.term, to: e.to, inReplyTo: e.inReplyTo });
        break;
      case 'apply':
        this.applyUpTo(e.upTo, e.log);
        break;
      case 'read': {
        const found = this.stateMachine.peek(e.key);
        host.reply(
          e.to,
          e.inReplyTo,
          found.found ? { type: 'read_ok', value: found.value } : errorBody(ErrorCode.KeyDoesNotExist, `key ${String(e.key)} does not exist`),
        );
        break;
      }
    }
  }

  /**
   * Applies entries one at a time, each exactly once: the applied index moves
   * past an entry before its result is used, and the state machine never
   * throws, so no failure can make an entry apply twice or stall the rest.
   */
  private applyUpTo(upTo: number, log: { entry(i: number): { term: number; op: Op } }): void {
    while (this.applied < upTo) {
      const index = ++this.applied;
      const entry = log.entry(index);
      const result = this.stateMachine.apply(entry.op);
      const w = this.waiting.get(index);
      if (w) {
        this.waiting.delete(index);
        // Same index, other term: that client's entry was overwritten and never
        // commits. It gets no answer (it times out: indefinite, always safe).
        if (w.term === entry.term) this.opts.host.reply(w.to, w.inReplyTo, result);
      }
    }
  }

  private inspected(ev: InspectionEvent): void {
    if (ev.type !== '@xstate.microstep') return;
    const micro = ev as InspectionEvent & {
      event: TransitionStep['event'];
      snapshot: { value: unknown; context: { raft: RaftContext } };
      _transitions?: readonly { meta?: { name?: string } }[];
    };
    for (const t of micro._transitions ?? []) {
      const name = t.meta?.name;
      if (name === undefined) continue;
      this.opts.onTransition!({ name, event: micro.event, role: micro.snapshot.value as Role, context: micro.snapshot.context.raft });
    }
  }

  /** Logs role and term changes in a fixed, parseable form: `role=leader term=3`. */
  private observe(): void {
    const role = this.role;
    const term = this.context.term;
    if (role !== this.lastRole || term !== this.lastTerm) {
      this.lastRole = role;
      this.lastTerm = term;
      this.opts.host.log('info', `role=${role} term=${term}`);
    }
  }
}
