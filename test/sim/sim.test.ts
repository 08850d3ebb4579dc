// Deterministic simulation: replay, many seeds, bug variants caught, traces.

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { transitions } from '../../spec/chart.js';
import { tlaMapping } from '../../spec/tla-mapping.js';
import { BUG_NAMES, type BugName } from '../../src/sim/bugs.js';
import { describeResult, parseSimArgs, reproCommand } from '../../src/sim/cli.js';
import { FAULTS, type FaultName } from '../../src/sim/network.js';
import { defaultSimOptions, runSimulation, type SimOptions, type SimResult } from '../../src/sim/simulation.js';

/** The fault mix of a seed in the many-seed sweep: every combination shows up. */
function faultsFor(seed: number): FaultName[] {
  const mixes: FaultName[][] = [
    [],
    ['partition'],
    ['loss', 'duplicate'],
    ['reorder', 'delay'],
    ['pause'],
    ['partition', 'pause'],
    ['crash', 'partition'],
    [...FAULTS],
    [...FAULTS],
  ];
  return mixes[seed % mixes.length]!;
}

describe('deterministic simulation', () => {
  it('replays a seed exactly (result, figures and recent steps)', () => {
    // A seed whose run does real work (seeds differ: some spend the 6 s electing under faults).
    const opts = { seed: 4200, duration: 6, recovery: 2, faults: [...FAULTS] };
    const a = runSimulation(opts);
    const b = runSimulation(opts);
    expect(a.ok).toBe(true);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(a.steps).toBeGreaterThan(500);
    expect(a.ops.ok).toBeGreaterThan(10);
    // A different seed takes a different path.
    expect(JSON.stringify(runSimulation({ ...opts, seed: 4201 }))).not.toBe(JSON.stringify(a));
  });

  it('the CLI prints the same bytes for the same seed', async () => {
    const { spawnSync } = await import('node:child_process');
    if (!existsSync('dist/raftchart.js')) return; // built by `npm test`'s pretest
    const run = () =>
      spawnSync('node', ['bin/raftchart', 'sim', '--seeds', '3', '--seed', '77', '--duration', '3', '--faults', 'all', '--verbose'], {
        encoding: 'utf8',
      });
    const a = run();
    const b = run();
    expect(a.status).toBe(0);
    expect(a.stdout).toContain('3 seeds (77..79)');
    expect(b.stdout).toBe(a.stdout);
    expect(a.stderr).toMatch(/^figures: /m);
  });

  it('stops quietly when its reader goes away (raftchart sim ... | head)', async () => {
    const { spawn } = await import('node:child_process');
    if (!existsSync('dist/raftchart.js')) return; // built by `npm test`'s pretest
    const child = spawn('node', ['bin/raftchart', 'sim', '--seeds', '8', '--duration', '2', '--recovery', '1', '--verbose'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let lines = 0;
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.once('data', () => {
      lines++;
      child.stdout.destroy(); // as `head -1` does once it has its line
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(lines).toBe(1);
    expect(err).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  });

  it('a failing seed prints its repro command, which replays the same failure, and the steps that led to it', async () => {
    const { spawnSync } = await import('node:child_process');
    if (!existsSync('dist/raftchart.js')) return;
    const first = spawnSync('node', ['bin/raftchart', 'sim', '--seed', '1', '--faults', 'all', '--bug', 'apply-before-commit', '--steps', '10'], { encoding: 'utf8' });
    expect(first.status).toBe(1);
    const repro = /repro: (bin\/raftchart sim .*)$/m.exec(first.stdout)?.[1];
    expect(repro).toBe('bin/raftchart sim --seed 1 --nodes 3 --duration 20 --faults partition,loss,duplicate,reorder,delay,pause,crash --bug apply-before-commit');
    expect(first.stdout).toMatch(/StateMachineSafety violated at [\d.]+ s \(step \d+\)/);
    const steps = first.stdout.split('\n').filter((l) => /^ {4}#\d+ [\d.]+s /.test(l));
    expect(steps).toHaveLength(10);
    expect(steps.some((l) => /\[n\d:\w+/.test(l))).toBe(true); // chart transitions named
    const again = spawnSync('node', [...repro!.split(' '), '--steps', '10'], { encoding: 'utf8' });
    expect(again.stdout).toBe(first.stdout);
  });

  // >= 200 seeds in npm test: 4 x 56 seeds of 6 + 2 simulated seconds each, all fault mixes.
  for (const part of [0, 1, 2, 3]) {
    it(`seeds ${part * 56 + 1}..${part * 56 + 56}: every invariant holds after every step and histories are linearizable`, () => {
      const failed: string[] = [];
      let sim = 0;
      const t0 = performance.now();
      for (let seed = part * 56 + 1; seed <= part * 56 + 56; seed++) {
        const r = runSimulation({ seed, duration: 6, recovery: 2, faults: faultsFor(seed) });
        sim += r.simSeconds;
        if (!r.ok) failed.push(`${describeResult(r)}\n  ${r.violation?.detail ?? r.linearizabilityProblems.join('\n  ')}\n  repro: ${reproCommand(seed, { ...defaultSimOptions, duration: 6, recovery: 2, faults: faultsFor(seed) })}`);
      }
      const wall = (performance.now() - t0) / 1000;
      console.log(`sim seeds part ${part}: 56 seeds, ${sim.toFixed(0)} simulated s in ${wall.toFixed(1)} s wall (${(sim / wall).toFixed(0)} sim s per wall s, ${((56 / wall) * 60).toFixed(0)} seeds/min)`);
      expect(failed).toEqual([]);
    });
  }
});

describe('leader leases (RAFT_READS=lease, RAFT_TXN_READS=lease)', () => {
  it('seeds 1..40 with every fault: every invariant holds and histories are linearizable, lin-kv and txn-list-append', () => {
    const config = { ...defaultSimOptions.config, reads: 'lease' as const, txnReads: 'lease' as const };
    const failed: string[] = [];
    for (let seed = 1; seed <= 40; seed++) {
      const workload = seed % 4 === 0 ? ('txn-list-append' as const) : ('lin-kv' as const);
      const r = runSimulation({ seed, duration: 6, recovery: 2, faults: [...FAULTS], workload, config });
      if (!r.ok) failed.push(`${describeResult(r)}\n  ${r.violation?.detail ?? r.linearizabilityProblems.join('\n  ')}`);
    }
    expect(failed).toEqual([]);
  });
});

/**
 * Each test-only bug variant must be caught at `atLeast` different seeds
 * within the first `seeds` (the hunt stops once it has them), so that a hunt
 * does not hang on one lucky seed and survives changes that merely shift the
 * random stream. The options make each bug's situation frequent: tight
 * election timeouts (150-160 ms) put two candidates in one term often (two
 * votes, forget-vote); Figure 8 needs single-entry AppendEntries and many
 * partitions and pauses. Rates measured when these were set, over the stated
 * seeds (npx vitest run test/sim/sim.test.ts prints each hunt's seeds):
 * two-votes 9 of 40, forget-vote 5 of 40, apply-before-commit, truncate and
 * forget-log nearly every seed. Figure 8 (commit-earlier-term) is rare under
 * random faults (5 of the first 600 seeds: 72, 181, 186, 333, 386, with
 * the bench's lin-kv generator driving the clients; since heartbeats skip
 * followers sent entries since the last tick, LeaderCompleteness at 468,
 * 596 and 879 of seeds 401-1,000; about 0.2-0.4 s a seed), far too slow for `npm test`, so its hunt (2 seeds within 1,000,
 * a miss well under 1% likely at that rate) runs
 * in `npm run sim:hunts` (RAFT_LONG_HUNTS=1); in `npm test` the Figure 8 rule
 * is caught deterministically by the transcripts (test/transcripts/testdata/
 * backoff.txt: a new leader does not commit its predecessor's entries until
 * its own no-op is on a majority), the chart rules and the mutant suite.
 */
const LONG_HUNTS = process.env.RAFT_LONG_HUNTS === '1';
const TIGHT_ELECTIONS = { electionMinMs: 150, electionMaxMs: 160 };
const hunts: Record<BugName, { seeds: number; atLeast: number; long?: true; options: Partial<SimOptions>; expect: string[] }> = {
  'two-votes': { seeds: 40, atLeast: 3, options: { faults: [...FAULTS], duration: 8, config: TIGHT_ELECTIONS }, expect: ['ElectionSafety'] },
  'apply-before-commit': { seeds: 10, atLeast: 3, options: { faults: [...FAULTS] }, expect: ['StateMachineSafety'] },
  'truncate-without-conflict': {
    seeds: 10,
    atLeast: 3,
    options: { faults: [...FAULTS], stepBudget: 500 },
    expect: ['LeaderCompleteness', 'LogMatching', 'StateMachineSafety'],
  },
  // Figure 8 needs a leader to count replicas of an old entry before its
  // no-op reaches anyone (one entry per AppendEntries), then to be cut off
  // while a node with a later-term entry at that index wins an election.
  'commit-earlier-term': {
    seeds: 1000,
    atLeast: 2,
    long: true,
    options: { faults: ['partition', 'pause'], nemesisInterval: 2, rate: 30, config: { maxBatch: 1 } },
    expect: ['LeaderCompleteness', 'StateMachineSafety'],
  },
  // Persistence bugs need crashes: a restarted node forgets its vote, or its log.
  'forget-vote': { seeds: 40, atLeast: 3, options: { faults: [...FAULTS], duration: 8, nemesisInterval: 1, config: TIGHT_ELECTIONS }, expect: ['ElectionSafety'] },
  'forget-log': {
    seeds: 20,
    atLeast: 3,
    options: { faults: ['partition', 'crash'] },
    expect: ['LeaderCompleteness', 'LogMatching', 'StateMachineSafety'],
  },
  // A lease bug breaks no invariant of the logs: a stale read is caught by
  // the linearizability checker at the end of the run (`linearizable`). A
  // deposed leader must still take reads after another leader took writes:
  // CheckQuorum slowed down (100 heartbeats) and frequent faults. Measured
  // when set: seeds 54 and 55 of the first 150 (about 25 s to reach 54).
  'lease-too-long': {
    seeds: 60,
    atLeast: 1,
    options: { duration: 10, nemesisInterval: 1, faults: ['partition', 'pause'], config: { ...defaultSimOptions.config, reads: 'lease', txnReads: 'lease', leaseTicks: 100 } },
    expect: ['linearizable'],
  },
};

describe('the simulator catches test-only bug variants', () => {
  it('has a hunt for every variant', () => {
    expect(Object.keys(hunts).sort()).toEqual([...BUG_NAMES].sort());
  });
  for (const bug of BUG_NAMES) {
    const h = hunts[bug];
    it.skipIf(h.long && !LONG_HUNTS)(`${bug}: violations at ${h.atLeast} seeds within ${h.seeds}${h.long ? ' (npm run sim:hunts)' : ''}`, { timeout: h.long ? 900_000 : 60_000 }, () => {
      const found: SimResult[] = [];
      const byChecker = h.expect.includes('linearizable');
      const caught = (r: SimResult): string | undefined => (r.violation ? r.violation.invariant : byChecker && r.linearizable === false ? 'linearizable' : undefined);
      for (let seed = 1; seed <= h.seeds && found.length < h.atLeast; seed++) {
        const r = runSimulation({ seed, bug, checkLinearizability: byChecker, ...h.options });
        if (caught(r)) found.push(r);
      }
      console.log(`${bug}: caught at seeds ${found.map((r) => r.seed).join(', ')}: ${found.map(caught).join(', ')}`);
      expect(found.length, `${bug} caught at ${found.length} of the first ${h.seeds} seeds, fewer than ${h.atLeast}`).toBeGreaterThanOrEqual(h.atLeast);
      for (const r of found) expect(h.expect).toContain(caught(r));
      // The same seed without the bug passes.
      const clean = runSimulation({ seed: found[0]!.seed, checkLinearizability: true, ...h.options });
      expect(clean.ok, describeResult(clean)).toBe(true);
    });
  }
});

describe('traces and command line', () => {
  it('writes an NDJSON trace of chart transitions with the TLA+ variables', () => {
    const lines: string[] = [];
    const r = runSimulation({ seed: 9, duration: 3, recovery: 1, faults: ['partition', 'loss'], trace: (l) => lines.push(l) });
    const plain = runSimulation({ seed: 9, duration: 3, recovery: 1, faults: ['partition', 'loss'] });
    expect(JSON.stringify(r)).toBe(JSON.stringify(plain)); // tracing changes nothing
    const header = JSON.parse(lines[0]!);
    expect(header).toMatchObject({ header: true, servers: ['n0', 'n1', 'n2'], seed: 9 });
    const names = new Set(transitions.map((t) => t.name));
    const seen = new Set<string>();
    const vars = ['currentTerm', 'state', 'votedFor', 'leader', 'log', 'commitIndex', 'lastApplied', 'preVotes', 'votesGranted', 'nextIndex', 'matchIndex', 'heartbeatSeq', 'acked', 'reads'];
    // Rebuild each node's log from the deltas and check it against the trace's own lengths.
    const logs = new Map<string, unknown[]>();
    for (const l of lines.slice(1)) {
      const t = JSON.parse(l);
      expect(names.has(t.transition)).toBe(true);
      expect(t.tla).toBe(tlaMapping[t.transition]!.tla);
      seen.add(t.transition);
      expect(Object.keys(t.vars).sort()).toEqual([...vars].sort());
      const log = logs.get(t.node) ?? [];
      if (t.vars.log.from !== undefined) log.splice(t.vars.log.from - 1, Infinity, ...t.vars.log.entries);
      expect(log.length).toBe(t.vars.log.len);
      logs.set(t.node, log);
    }
    for (const n of ['updateTerm', 'followerElectionTimeout', 'grantVote', 'becomeLeader', 'acceptAppendEntries', 'heartbeat', 'advanceCommitIndex', 'applyCommitted']) {
      expect(seen.has(n), n).toBe(true);
    }
    // If the TLA+ spec is present, every per-server variable it declares is in the trace (or derived).
    if (existsSync('tla/Raft.tla')) {
      const spec = readFileSync('tla/Raft.tla', 'utf8');
      const block = /VARIABLES([\s\S]*?)\n\s*\n/.exec(spec)?.[1] ?? '';
      const declared = [...block.matchAll(/^\s*(\w+),?\s*(\\\*|$)/gm)].map((m) => m[1]!);
      // appliedLog is derived; the snapshot the log starts after is recorded in it (log.snapshotIndex, log.snapshotTerm)
      for (const v of declared) expect([...vars, 'appliedLog', 'snapshotIndex', 'snapshotTerm'], `TLA+ variable ${v}`).toContain(v);
    }
  });

  it('parses options and the repro command round-trips', () => {
    const p = parseSimArgs(['--seed', '5', '--nodes', '5', '--duration', '7', '--faults', 'pause,loss', '--bug', 'two-votes', '--max-batch', '1']);
    if (typeof p === 'string') throw new Error(p);
    expect(p.options.faults).toEqual(['loss', 'pause']);
    const cmd = reproCommand(5, p.options);
    expect(cmd).toBe('bin/raftchart sim --seed 5 --nodes 5 --duration 7 --faults loss,pause --max-batch 1 --bug two-votes');
    const again = parseSimArgs(cmd.split(' ').slice(2));
    if (typeof again === 'string') throw new Error(again);
    expect(again.options).toEqual(p.options);
    expect(parseSimArgs(['--faults', 'meteor'])).toMatch(/unknown fault/);
    expect(parseSimArgs(['--bug', 'nope'])).toMatch(/unknown bug/);
    expect(parseSimArgs(['--nodes'])).toMatch(/needs a value/);
  });
});
