// Builds the XState v5 Raft machine from the chart declared in spec/chart.ts.
//
// Guards and actions come from machines/guards.ts and machines/actions.ts;
// each pure action's result becomes an `assign` (context changes) and an
// `emit` of `{ type: 'effects', effects }` that the runtime carries out.
// Test-only variants (the simulator's bug hunts) swap guard or action
// implementations by name; the chart itself never changes.

import { enqueueActions, raise, setup, type AnyEventObject } from 'xstate';
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
 * The XState context wraps the Raft variables in one field: XState copies the
 * top-level context on every assign with Object.assign, which V8 makes slow
 * for objects of more than a dozen fields, while a spread of the inner record
 * stays fast.
 */
export interface MachineContext {
  readonly raft: RaftContext;
}

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

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

/** Creates the Raft machine; `overrides` swap implementations for test-only variants. */
export function createRaftMachine(overrides: MachineOverrides = {}) {
  const guardImpls = { ...pureGuards, ...overrides.guards };
  const actionImpls = { ...pureActions, ...overrides.actions };

  const guards: Record<string, (args: { context: MachineContext; event: AnyEventObject }) => boolean> = {};
  for (const [name, g] of Object.entries(guardImpls)) {
    guards[name] = ({ context, event }) => g(context.raft, event as MessageEvent);
  }

  const actions: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(actionImpls)) {
    actions[name] = enqueueActions(({ context, event, enqueue }) => {
      let result: ActionResult;
      // The event's time (the runtime stamps every event it hands over; timer
      // expiries carry none) moves the context's clock forward first.
      const before = (context as MachineContext).raft;
      const at = (event as MessageEvent).at;
      const raft = typeof at === 'number' && at > before.now ? { ...before, now: at } : before;
      // The log is the one store an action changes in place: it does so
      // inside a transaction, undone if the action throws.
      const log = raft.log;
      log.begin();
      try {
        result = a(raft, event as MessageEvent);
        log.commit();
      } catch (err) {
        // A bug must not kill the node (XState would stop the actor), nor
        // leave it half-changed: report it loudly, undo what the action did
        // to the log, and leave the context as it was.
        log.rollback();
        const text = `action ${name} failed on ${event.type}: ${err instanceof Error ? err.message : String(err)}`;
        enqueue.emit({ type: 'effects', effects: [{ kind: 'log', level: 'error', text }] } as never);
        return;
      }
      if (result.assign && hasKeys(result.assign)) {
        enqueue.assign({ raft: { ...raft, ...result.assign } });
      } else if (raft !== before) {
        enqueue.assign({ raft });
      }
      if (result.effects && result.effects.length > 0) {
        enqueue.emit({ type: 'effects', effects: result.effects } as never);
      }
    });
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
