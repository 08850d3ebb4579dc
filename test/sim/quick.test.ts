// A quick pass of the deterministic simulator for the mutant suite's fast
// suite (test/mutants/): a dozen short seeds over every fault mix, every
// invariant after every step, linearizability at the end. The long sweep is
// test/sim/sim.test.ts.
import { describe, expect, it } from 'vitest';
import { FAULTS, type FaultName } from '../../src/sim/network.js';
import { describeResult } from '../../src/sim/cli.js';
import { runSimulation } from '../../src/sim/simulation.js';

const mixes: FaultName[][] = [[], ['partition'], ['loss', 'duplicate', 'reorder'], ['crash', 'partition'], ['pause', 'delay'], [...FAULTS]];

describe('a quick simulation pass', () => {
  it('12 seeds: invariants hold and histories are linearizable, with operations answered', () => {
    let ok = 0;
    const failed: string[] = [];
    for (let seed = 1; seed <= 12; seed++) {
      const r = runSimulation({ seed: 9000 + seed, duration: 4, recovery: 2, faults: mixes[seed % mixes.length]! });
      ok += r.ops.ok;
      if (!r.ok) failed.push(`${describeResult(r)}: ${r.violation?.detail ?? r.linearizabilityProblems.join('; ')}`);
    }
    expect(failed).toEqual([]);
    // Not vacuous: the clusters served clients.
    expect(ok).toBeGreaterThan(100);
  });
});
