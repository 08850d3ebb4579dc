// The TLC runner (scripts/tlc.mjs) and, where a tla2tools.jar and java are
// present, TLC itself on a tiny model and the two fastest bug models.
//
// Without a jar or java the TLC runs are skipped visibly (it.skipIf plus a
// console line saying why); the runner's own logic is tested either way.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EXIT_NO_JAR,
  findJar,
  findJava,
  judge,
  listModels,
  modelExpectation,
  parseTlcOutput,
  root,
  runTlc,
  type Model,
} from '../../scripts/tlc.mjs';

const PASS_OUTPUT = `TLC2 Version 2.19
Model checking completed. No error has been found.
  Estimates of the probability that TLC did not check all reachable states
12,345 states generated, 2,345 distinct states found, 0 states left on queue.
The depth of the complete state graph search is 17.
Finished in 03s at (2026-11-26 12:00:00)`;

const VIOLATION_OUTPUT = `Error: Invariant ElectionSafety is violated.
Error: The behavior up to this point is:
State 1: <Initial predicate>
x = 0

State 2: <Timeout line 5, col 1 to line 9, col 2 of module Raft>
x = 1

State 3: <Timeout line 5, col 1 to line 9, col 2 of module Raft>
x = 2

245 states generated, 64 distinct states found, 12 states left on queue.
The depth of the complete state graph search is 3.
Finished in 01s at (2026-11-26 12:00:00)`;

const model = (name: string, expectViolation: boolean, invariants: string[] = []): Model => ({
  name,
  cfg: `${name}.cfg`,
  spec: 'MCRaft.tla',
  long: false,
  expectViolation,
  invariants,
  module: 'MCRaft',
  simulate: null,
});

describe('TLC runner (no TLC needed)', () => {
  it('parses a run without violation', () => {
    expect(parseTlcOutput(PASS_OUTPUT)).toMatchObject({
      result: 'pass',
      states: 12345,
      distinct: 2345,
      depth: 17,
      tlcTime: '03s',
    });
  });

  it('parses a violation and the length of its trace', () => {
    expect(parseTlcOutput(VIOLATION_OUTPUT)).toMatchObject({
      result: 'violation',
      invariant: 'ElectionSafety',
      states: 245,
      distinct: 64,
      traceLength: 3,
    });
  });

  it('parses violations of a step property and of a liveness property, and a random simulation', () => {
    expect(parseTlcOutput('Error: Action property PreVoteNeverChangesTerm is violated.\n')).toMatchObject({ result: 'violation', invariant: 'PreVoteNeverChangesTerm' });
    expect(parseTlcOutput('Error: Temporal properties were violated.\n')).toMatchObject({ result: 'violation', invariant: 'temporal' });
    expect(parseTlcOutput('Error: Temporal property EventuallyOneLeader was violated.\n')).toMatchObject({ result: 'violation', invariant: 'temporal' });
    expect(parseTlcOutput('Error: Temporal property EventuallyOneLeader is fine.\n').result).toBe('error');
    const sim = parseTlcOutput('Running Random Simulation with seed 7\nProgress: 1,200 states checked, 12 traces generated (trace length: mean=100)\nProgress: 98,765 states checked, 987 traces generated (trace length: mean=100)\n');
    expect(sim).toMatchObject({ result: 'pass', simulation: { states: 98765, traces: 987 } });
    expect(parseTlcOutput('Progress: 5 states checked, 1 traces generated\nError: Invariant X is violated.\n').result).toBe('violation');
  });

  it('reads a cfg\'s module and simulation directives', () => {
    expect(modelExpectation('MCRaftX', '\\* module: MCRaftLive\n\\* simulate: depth=80 seed=3 minutes=2\n')).toMatchObject({
      module: 'MCRaftLive',
      simulate: { depth: 80, seed: 3, minutes: 2 },
    });
    expect(modelExpectation('MCRaftX', 'CONSTANTS\n')).toMatchObject({ module: 'MCRaft', simulate: null });
  });

  it('calls output with neither result an error', () => {
    const parsed = parseTlcOutput('Error: Parsing or semantic analysis failed.\n');
    expect(parsed.result).toBe('error');
    expect(judge(model('MCRaft', false), parsed).ok).toBe(false);
    expect(judge(model('MCRaftBugX', true), parsed).ok).toBe(false);
  });

  it('fails a main model with a violation and a bug model without one', () => {
    expect(judge(model('MCRaft', false), parseTlcOutput(PASS_OUTPUT)).ok).toBe(true);
    expect(judge(model('MCRaft', false), parseTlcOutput(VIOLATION_OUTPUT)).ok).toBe(false);
    expect(judge(model('MCRaftBugX', true), parseTlcOutput(PASS_OUTPUT)).ok).toBe(false);
    expect(judge(model('MCRaftBugX', true), parseTlcOutput(VIOLATION_OUTPUT)).ok).toBe(true);
    // a bug caught by an invariant other than the ones its cfg names is a failure too
    expect(judge(model('MCRaftBugX', true, ['LogMatching']), parseTlcOutput(VIOLATION_OUTPUT)).ok).toBe(false);
  });

  it('lists the main model first and every bug model with the invariants expected to catch it', () => {
    const models = listModels();
    expect(models[0]?.name).toBe('MCRaft');
    const bugs = models.filter((m) => m.expectViolation);
    for (const name of ['MCRaftBugTwoVotes', 'MCRaftBugNoStepDown', 'MCRaftBugTruncate', 'MCRaftBugVoteNotPersisted', 'MCRaftBugStaleVote', 'MCRaftBugLogOkIgnoresTerm2x2', 'MCRaftBugLeaderCountsUnsynced']) {
      expect(bugs.map((m) => m.name)).toContain(name);
    }
    for (const bug of bugs) expect(bug.invariants.length).toBeGreaterThan(0);
    expect(models.some((m) => m.long)).toBe(false);
    expect(listModels({ long: true }).some((m) => m.name === 'MCRaftLarge')).toBe(true);
  });

  it('holds every bug model to properties its cfg checks', () => {
    // The names a cfg checks: those listed under INVARIANT(S) and PROPERTY/PROPERTIES.
    const checked = (cfgText: string): Set<string> => {
      const names = new Set<string>();
      let inList = false;
      for (const line of cfgText.split('\n')) {
        const text = line.replace(/\\\*.*$/, '').trim();
        const head =
          /^(CONSTANTS?|INIT|NEXT|SPECIFICATION|INVARIANTS?|PROPERTY|PROPERTIES|CONSTRAINTS?|ACTION_CONSTRAINTS?|SYMMETRY|VIEW|ALIAS|POSTCONDITION|CHECK_DEADLOCK)\b\s*(.*)$/.exec(
            text,
          );
        if (head) {
          inList = /^(INVARIANTS?|PROPERTY|PROPERTIES)$/.test(head[1]!);
          if (inList) for (const n of head[2]!.split(/\s+/).filter(Boolean)) names.add(n);
        } else if (inList && text !== '') {
          for (const n of text.split(/\s+/)) names.add(n);
        }
      }
      return names;
    };
    expect([...checked('CONSTANTS\n  N = 3\nINVARIANTS\n  TypeOK\n  Safe \\* a comment\nPROPERTIES\n  Step\nVIEW View\n')]).toEqual([
      'TypeOK',
      'Safe',
      'Step',
    ]);
    const bugs = listModels().filter((m) => m.expectViolation);
    expect(bugs.length).toBeGreaterThan(0);
    for (const bug of bugs) {
      const names = checked(readFileSync(bug.cfg, 'utf8'));
      // a liveness property is reported as "temporal", whatever its name
      const unchecked = bug.invariants.filter((n) => n !== 'temporal' && !names.has(n));
      expect(unchecked, `${bug.name} expects a violation of properties it does not check`).toEqual([]);
    }
  });

  it('says clearly that there is no jar and exits with status 3', () => {
    const run = spawnSync(process.execPath, [join(root, 'scripts', 'tlc.mjs')], {
      env: { ...process.env, TLA2TOOLS_JAR: join(root, 'tla', 'no-such-tla2tools.jar') },
      encoding: 'utf8',
    });
    expect(run.status).toBe(EXIT_NO_JAR);
    expect(run.stderr).toMatch(/NOT RUN: TLA2TOOLS_JAR is set to .*no-such-tla2tools\.jar, which does not exist/);
  });
});

const jar = findJar();
const java = jar.path ? findJava() : { path: null, reason: 'not looked for' };
const why = !jar.path ? jar.reason : !java.path ? java.reason : null;
if (why) {
  console.warn(`SKIPPING the TLC model-checking tests in test/tla/tlc.test.ts: ${why}`);
}

describe('TLC on the spec', () => {
  const byName = (name: string): Model => {
    const found = listModels({ long: true }).find((m) => m.name === name);
    if (!found) throw new Error(`no model ${name}`);
    return found;
  };
  const check = async (name: string) => {
    const m = byName(name);
    const { output } = await runTlc(m, { jar: jar.path!, java: java.path!, workers: 2 });
    const parsed = parseTlcOutput(output);
    const verdict = judge(m, parsed);
    if (!verdict.ok) console.error(output.split('\n').slice(-40).join('\n'));
    expect(verdict).toEqual({ ok: true });
    return parsed;
  };

  it.skipIf(why !== null)('finds no violation in the tiny model MCRaftSmoke', { timeout: 900_000 }, async () => {
    const parsed = await check('MCRaftSmoke');
    expect(parsed.result).toBe('pass');
    expect(parsed.distinct).toBeGreaterThan(1000);
  });

  it.skipIf(why !== null)('finds the two-votes bug (MCRaftBugTwoVotes)', { timeout: 120_000 }, async () => {
    expect((await check('MCRaftBugTwoVotes')).result).toBe('violation');
  });

  it.skipIf(why !== null)('finds the leader that does not step down (MCRaftBugNoStepDown)', { timeout: 120_000 }, async () => {
    expect((await check('MCRaftBugNoStepDown')).result).toBe('violation');
  });
});
