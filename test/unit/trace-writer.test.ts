// The trace writer's held steps: the simulator holds each step's lines and
// leaves out the transitions of a process that died during the step.
import { describe, expect, it } from 'vitest';
import { TraceWriter } from '../../src/runtime/trace.js';
import { initialContext } from '../../machines/context.js';
import type { TransitionStep } from '../../src/runtime/runtime.js';

const step = (self: string): TransitionStep => ({
  name: 'followerElectionTimeout',
  event: { type: 'xstate.after.electionTimeout' },
  role: 'follower',
  context: initialContext({ self, nodes: ['n0', 'n1', 'n2'] }),
});

describe('TraceWriter.hold / release', () => {
  it('writes a held step in order, drops the transitions of nodes that died in it, and numbers transitions without gaps', () => {
    const lines: Record<string, unknown>[] = [];
    const w = new TraceWriter((l) => lines.push(JSON.parse(l) as Record<string, unknown>));
    w.transition(0.1, 'n0', step('n0'), undefined);
    w.hold();
    w.transition(0.2, 'n1', step('n1'), undefined);
    w.event('crash', 0.2, { node: 'n1' });
    w.transition(0.2, 'n2', step('n2'), undefined);
    expect(lines).toHaveLength(1); // nothing of the held step yet
    w.release(new Set(['n1']));
    w.transition(0.3, 'n0', step('n0'), undefined);
    expect(lines.map((l) => [l.i ?? null, l.node ?? null, l.kind ?? 'transition'])).toEqual([
      [1, 'n0', 'transition'],
      [null, 'n1', 'crash'],
      [2, 'n2', 'transition'],
      [3, 'n0', 'transition'],
    ]);
  });

  it('without hold, writes at once', () => {
    const lines: string[] = [];
    const w = new TraceWriter((l) => lines.push(l));
    w.transition(0.1, 'n0', step('n0'), undefined);
    w.release(new Set(['n0'])); // nothing held: nothing to drop
    expect(lines).toHaveLength(1);
  });
});
