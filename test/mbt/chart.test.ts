// Model-based tests of the Raft chart with xstate/graph: paths through a test
// model written from Raft's rules (test/mbt/model.ts, not derived from
// spec/chart.ts) reach every state and every transition;
// each path runs against a real RaftNode (virtual clock, Maelstrom messages)
// and checks, step by step, the transitions the node took and what a peer or
// a client observes. Coverage is measured against the transition list of
// spec/chart.ts, so a chart transition no path reaches fails the test.

import { describe, expect, it } from 'vitest';
import { createTestModel } from 'xstate/graph';
import { roles, transitions, type Role } from '../../spec/chart.js';
import { backgroundTransitions, buildTestMachine, Harness, modelEvents, OTHER, type ModelContext } from './model.js';

type Snap = { value: Role; context: ModelContext };

const key = (s: Snap) => `${s.value}${JSON.stringify(s.context)}`;

function sameMultiset(a: readonly string[], b: readonly string[]): boolean {
  return JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
}

describe('model-based tests of the Raft chart (xstate/graph)', () => {
  const machine = buildTestMachine();
  const model = createTestModel(machine);
  // One vertex per (state, event, previous state): shortest paths to every
  // vertex then cover every edge of the model, not only every state.
  const paths = model.getShortestPaths({
    // Only the events the model enables in a state (an ignored event is no edge).
    events: ((state: Snap) => modelEvents().filter((e) => e.enabled(state.value, state.context)).map((e) => ({ type: e.type }))) as never,
    serializeState: ((state: Snap, event: { type: string } | undefined, prev?: Snap) =>
      `${key(state)}${event ? ` via ${event.type} from ${prev ? key(prev) : '?'}` : ''}`) as never,
  });

  it('generates paths', () => {
    expect(paths.length).toBeGreaterThan(20);
  });

  it('every path holds on the real runtime; 100% of the chart states and transitions are covered', async () => {
    const covered = new Set<string>();
    const rolesReached = new Set<string>();
    const modelEdges = new Set<string>();
    const pairs = new Set<string>();
    let steps = 0;
    for (const path of paths) {
      const h = new Harness();
      let current: Snap | undefined;
      try {
        await path.test({
          states: Object.fromEntries(
            roles.map((r) => [
              r,
              (state: Snap) => {
                current = state;
                if (h.role !== r) throw new Error(`the node is ${h.role}, the model says ${r}`);
                rolesReached.add(h.role);
                // What a peer sees, probed with messages that change nothing:
                // the node's term, and whether it would pre-vote (no for a
                // leader, or a follower that hears from one).
                h.reset();
                const term = h.observedTerm();
                if (term !== h.exp.term) throw new Error(`a peer sees term ${term}, the oracle expects ${h.exp.term}`);
                // (nor a node restarted in lease mode before its first election timeout: its quarantine)
                const wouldPreVote = !(r === 'leader' || (r === 'follower' && state.context.leaderKnown) || state.context.quarantined);
                if (h.wouldPreVote() !== wouldPreVote) throw new Error(`a ${r} (leader known: ${state.context.leaderKnown}) ${wouldPreVote ? 'grants' : 'refuses'} a pre-vote, but this one does not`);
                // What a client sees: a request proxied by a peer is never
                // proxied again; only a leader takes it. (A write: with local
                // reads, any node answers a read itself.)
                if (r !== 'leader') {
                  h.deliver(OTHER, { type: 'write', key: 'probe', value: 0 });
                  const res = h.repliesTo(OTHER);
                  if (res.length !== 1 || res[0]!.code !== 11) throw new Error(`a ${r} refuses a proxied request with 11: ${JSON.stringify(res)}`);
                }
                h.reset();
              },
            ]),
          ) as never,
          events: Object.fromEntries(
            modelEvents().map((ev) => [
              ev.type,
              () => {
                const from = current!;
                h.reset();
                ev.exec(h, from.value, from.context);
                steps++;
                const expected = ev.expect(from.value, from.context);
                const background = backgroundTransitions[ev.type] ?? [];
                const taken = h.taken.filter((t) => !background.includes(t));
                if (!sameMultiset(taken, expected)) {
                  throw new Error(`${ev.label} in ${from.value}: expected transitions [${expected.join(', ')}], the node took [${h.taken.join(', ')}]`);
                }
                ev.observe(h, from.value, from.context);
                for (const t of h.taken) {
                  covered.add(t);
                  pairs.add(`${from.value}:${t}`);
                }
                modelEdges.add(`${key(from)} ${ev.type}`);
              },
            ]),
          ) as never,
        });
      } catch (err) {
        throw new Error(`path "${path.description}" failed: ${(err as Error).message}`);
      }
      h.node.stop();
    }

    const all = transitions.map((t) => t.name);
    const missing = all.filter((t) => !covered.has(t));
    const stateCov = (100 * rolesReached.size) / roles.length;
    const transCov = (100 * (all.length - missing.length)) / all.length;
    console.log(
      `model-based tests: ${paths.length} paths, ${steps} steps, ${modelEdges.size} model edges; ` +
        `states ${rolesReached.size}/${roles.length} (${stateCov.toFixed(0)}%), ` +
        `chart transitions ${all.length - missing.length}/${all.length} (${transCov.toFixed(0)}%), ` +
        `(role, transition) pairs taken: ${pairs.size}` +
        (missing.length > 0 ? `; not covered: ${missing.join(', ')}` : ''),
    );
    expect(missing, 'chart transitions no path covers').toEqual([]);
    expect([...rolesReached].sort()).toEqual([...roles].sort());
  });
});
