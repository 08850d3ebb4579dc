// The simulator's crash nemesis kills a leader in the disk write that
// follows its early AppendEntries (RAFT_LEADER_SYNC=parallel): followers
// then hold entries the restarted leader lost. The runs stay linearizable
// and every invariant holds; with before-send the window never opens.
import { describe, expect, it } from 'vitest';
import { FAULTS } from '../../src/sim/network.js';
import { runSimulation, type SimResult } from '../../src/sim/simulation.js';

function sweep(leaderSync: 'parallel' | 'before-send', seeds: number): SimResult[] {
  const out: SimResult[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    out.push(runSimulation({ seed, duration: 10, recovery: 3, faults: [...FAULTS], config: { snapshotEntries: 40, leaderSync } }));
  }
  return out;
}

describe("the simulator and a leader's early AppendEntries", () => {
  it('hits the window (a leader dies in the write after it sent) and stays linearizable', { timeout: 120_000 }, () => {
    const runs = sweep('parallel', 40);
    const failed = runs.filter((r) => !r.ok).map((r) => r.seed);
    expect(failed).toEqual([]);
    for (const r of runs) expect(r.linearizable).toBe(true);
    const hit = runs.filter((r) => r.crashesAfterSend > 0);
    // The situation arose, and the restarted leader came back without entries its followers got.
    expect(hit.length).toBeGreaterThanOrEqual(2);
    expect(hit.reduce((n, r) => n + r.entriesLostAfterSend, 0)).toBeGreaterThan(0);
  });

  it('with before-send the window never opens', { timeout: 120_000 }, () => {
    const runs = sweep('before-send', 20);
    expect(runs.filter((r) => !r.ok).map((r) => r.seed)).toEqual([]);
    expect(runs.reduce((n, r) => n + r.crashesAfterSend, 0)).toBe(0);
    // crashes still happen
    expect(runs.reduce((n, r) => n + r.crashes, 0)).toBeGreaterThan(5);
  });
});
