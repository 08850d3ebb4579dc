// Builds the XState v5 Raft machine from the chart declared in spec/chart.ts.
//
// Guards and actions come from machines/guards.ts and machines/actions.ts;
// each pure action's result is written into the context in place (its
// changes; see MachineContext) and its effects go out as an `emit` of
// `{ type: 'effects', effects }` that the runtime carries out.
// Test-only variants (the simulator's bug hunts) swap guard or action
// implementations by name; the chart itself never changes.

import { emit, enqueueActions, raise, setup, type AnyEventObject } from 'xstate';
import { entryActions, initialRole, roles, timers, transitions, type Role } from '../spec/chart.js';
import { actions as pureActions, type Action } from './actions.js';
import type { ActionResult, Effect, MessageEvent, RaftContext, RaftInput } from './context.js';
import { initialContext } from './context.js';
import { guards as pureGuards, type Guard } from './guards.js';

export interface MachineOverrides {
  readonly guards?: Partial<Record<keyof typeof pureGuards, Guard>>;
  readonly actions?: Partial<Record<keyof typeof pureActions, Action>>;
}

/** The event the machine emits after every action that has effects. */
export interface EffectsEmitted {
  readonly type: 'effects';
  readonly effects: readonly Effect[];
}

/**
 * The XState context wraps the Raft variables in one field, `raft`, which the
 * actions below change in place: XState never copies the context (no
 * `assign` is used), so one MachineContext lives as long as the actor, and
 * its RaftContext is updated field by field after each action. That saves
 * copying the whole context (two dozen fields) per action and the snapshot
 * XState would clone per assign. Nobody keeps an earlier RaftContext to
 * compare with a later one: the runtime, the simulator's checkers and the
 * traces read the context as it stands (a trace at each microstep, as it is
 * taken). The pure actions still change nothing but the log: they return
 * their changes.
 */
export interface MachineContext {
  readonly raft: RaftContext;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The effects of an action that has none: emitted as they are, never changed. */
const NO_EFFECTS: readonly Effect[] = Object.freeze([]);

/**
 * Actions that must give XState a new snapshot when they change the
 * context: those of eventless (`always`) transitions, and entry actions.
 * After an eventless transition XState looks for another only if the
 * snapshot changed (a transition that changed nothing could otherwise loop
 * for ever); a transition that changed the context in place would look to
 * it as if it had changed nothing. For them an `assign` of the same
 * RaftContext (a new one-field MachineContext, a new snapshot) marks the
 * change, as an assign of a new RaftContext did. The other actions run on
 * events, after which XState looks for eventless transitions whatever the
 * snapshot: they need none.
 */
const snapshotSensitive: ReadonlySet<string> = new Set([
  ...transitions.filter((t) => t.on.includes('always')).flatMap((t) => t.actions),
  ...roles.flatMap((r) => entryActions[r]),
]);

/** An assign that keeps the context's RaftContext: only the snapshot is new. */
const SAME_RAFT = ({ context }: { context: MachineContext }): MachineContext => ({ raft: context.raft });

type EnqueueLike = { assign(f: typeof SAME_RAFT): void; emit(e: EffectsEmitted): void };

type XTransition = {
  guard?: string;
  target?: string;
  reenter?: boolean;
  actions: string[];
  meta: { name: string };
};

/** The XState config of the chart, built from the spec (pure data). */
export function chartConfig() {
  const states: Record<string, { entry: string[]; on: Record<string, XTransition[]>; after: Record<string, XTransition[]>; always: XTransition[] }> = {};
  for (const role of roles) states[role] = { entry: [...entryActions[role]], on: {}, after: {}, always: [] };
  const root = { on: {} as Record<string, XTransition[]>, always: [] as XTransition[] };

  for (const t of transitions) {
    const node = t.source === 'raft' ? root : states[t.source]!;
    const x: XTransition = {
      ...(t.guard ? { guard: t.guard } : {}),
      ...(t.target ? { target: `#raft.${t.target}` } : {}),
      ...(t.reenter ? { reenter: true } : {}),
      actions: [...t.actions],
      meta: { name: t.name },
    };
    for (const trigger of t.on) {
      if (trigger === 'always') {
        node.always.push(x);
      } else if (trigger.startsWith('after:')) {
        if (t.source === 'raft') throw new Error(`timer transitions belong to a role: ${t.name}`);
        const delay = trigger.slice('after:'.length);
        if (!timers[t.source as Role].includes(delay as never)) {
          throw new Error(`${t.name}: role ${t.source} runs no ${delay} timer`);
        }
        const s = states[t.source]!;
        (s.after[delay] ??= []).push(x);
      } else {
        (node.on[trigger] ??= []).push(x);
      }
    }
  }
  return { id: 'raft', initial: initialRole, on: root.on, always: root.always, states };
}

/** Creates the Raft machine; `overrides` swap implementations for test-only variants. */
export function createRaftMachine(overrides: MachineOverrides = {}) {
  const guardImpls = { ...pureGuards, ...overrides.guards };
  const actionImpls = { ...pureActions, ...overrides.actions };

  const guards: Record<string, (args: { context: MachineContext; event: AnyEventObject }) => boolean> = {};
  for (const [name, g] of Object.entries(guardImpls)) {
    guards[name] = ({ context, event }) => g(context.raft, event as MessageEvent);
  }

  // What one action did: its effects, and whether it changed the context.
  let changed = false;
  const run = (name: string, a: Action, context: MachineContext, event: AnyEventObject): readonly Effect[] => {
    const raft = context.raft as Mutable<RaftContext>;
    changed = false;
    // The event's time (the runtime stamps every event it hands over; timer
    // expiries carry none) moves the context's clock forward first.
    const before = raft.now;
    const at = (event as MessageEvent).at;
    if (typeof at === 'number' && at > before) {
      raft.now = at;
      changed = true;
    }
    // The log is the one store an action changes in place: it does so
    // inside a transaction, undone if the action throws.
    const log = raft.log;
    let result: ActionResult;
    log.begin();
    try {
      result = a(raft, event as MessageEvent);
      log.commit();
    } catch (err) {
      // A bug must not kill the node (XState would stop the actor), nor
      // leave it half-changed: report it loudly, undo what the action did
      // to the log, and leave the context as it was.
      log.rollback();
      raft.now = before;
      changed = false;
      const text = `action ${name} failed on ${event.type}: ${err instanceof Error ? err.message : String(err)}`;
      return [{ kind: 'log', level: 'error', text }];
    }
    const assign = result.assign as Partial<Mutable<RaftContext>> | undefined;
    if (assign !== undefined) {
      for (const key in assign) {
        (raft as Record<string, unknown>)[key] = assign[key as keyof RaftContext];
        changed = true;
      }
    }
    return result.effects ?? NO_EFFECTS;
  };

  const actions: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(actionImpls) as [string, Action][]) {
    if (!snapshotSensitive.has(name)) {
      // An `emit` whose event is computed when XState resolves the action
      // (in order, before the next guard is evaluated): the pure action
      // runs, its changes are written into the context, and its effects
      // are what is emitted (none: an empty list, which the runtime passes
      // over).
      actions[name] = emit(({ context, event }: { context: MachineContext; event: AnyEventObject }): EffectsEmitted => ({
        type: 'effects',
        effects: run(name, a, context, event),
      }));
    } else {
      // The same, and a new XState snapshot when the context changed (see
      // snapshotSensitive).
      actions[name] = enqueueActions(({ context, event, enqueue }: { context: MachineContext; event: AnyEventObject; enqueue: EnqueueLike }) => {
        const effects = run(name, a, context, event);
        if (changed) enqueue.assign(SAME_RAFT);
        if (effects.length > 0) enqueue.emit({ type: 'effects', effects });
      });
    }
  }
  actions.reprocessEvent = raise(({ event }: { event: AnyEventObject }) => event);

  const machine = setup({
    types: {} as {
      context: MachineContext;
      input: RaftInput;
      events: MessageEvent;
      emitted: EffectsEmitted;
    },
    guards: guards as never,
    actions: actions as never,
    delays: {
      electionTimeout: ({ context }: { context: MachineContext }) => context.raft.electionTimeoutMs,
      heartbeatInterval: ({ context }: { context: MachineContext }) => context.raft.config.heartbeatMs,
    },
  }).createMachine({
    ...(chartConfig() as object),
    context: ({ input }: { input: RaftInput }): MachineContext => ({ raft: initialContext(input) }),
  } as never);
  return machine;
}

export type RaftMachine = ReturnType<typeof createRaftMachine>;
