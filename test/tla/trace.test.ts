// Trace validation (tla/TraceRaft.tla, scripts/tlc-trace.mjs).
//
// Without TLC: the translation of a simulator trace into the spec's terms,
// and that TraceRaft.tla dispatches every action and branch the mapping
// names. With TLC (a tla2tools.jar and java; skipped visibly otherwise): a
// trace validates, and the same trace corrupted three ways (a wrong term, a
// skipped step, a vote in a term already voted) is rejected at the line
// that was corrupted.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tlaMapping } from '../../spec/tla-mapping.ts';
import { runSimulation } from '../../src/sim/simulation.ts';
import { EXIT_NO_JAR, findJar, findJava, root } from '../../scripts/tlc.mjs';
import {
  parseTrace,
  specTrace,
  traceDataModule,
  validateTraces,
  ValueNames,
  lineAtDepth,
  type TraceLine,
} from '../../scripts/tlc-trace.mjs';
import { parseTlaModule, tlaParser } from './mirror.ts';

const ALL_FAULTS = ['partition', 'loss', 'duplicate', 'reorder', 'delay', 'pause'] as const;

function simTrace(seed: number, duration = 5): string[] {
  const lines: string[] = [];
  runSimulation({ seed, duration, recovery: 1, faults: [...ALL_FAULTS], checkLinearizability: false, trace: (l) => lines.push(l) });
  return lines;
}

const parsedLines = (raw: string[]): TraceLine[] => raw.slice(1).map((l) => JSON.parse(l) as TraceLine);
const write = (header: string, lines: TraceLine[]): string[] => [header, ...lines.map((l) => JSON.stringify(l))];

describe('a trace in the spec’s terms (no TLC needed)', () => {
  const raw = simTrace(3);
  const trace = parseTrace(raw);
  const spec = specTrace(trace, tlaMapping);

  it('gives each line the action and branch its transition mirrors', () => {
    expect(spec.lines.length).toBe(trace.lines.length);
    spec.lines.forEach((l, k) => {
      const m = tlaMapping[trace.lines[k]!.transition]!;
      expect(l.action).toBe(m.tla ?? 'None');
      expect(l.branch).toBe(m.branch ?? m.tla ?? 'None');
      // one step, plus one per AppendEntries sent by an AppendEntries step
      const later = m.sendsVia ? l.sends.filter((x) => x.mtype === 'append_entries' || x.mtype === 'install_snapshot').length : 0;
      expect(spec.steps[k]).toBe(1 + later);
    });
    const grants = spec.lines.filter((l) => l.transition === 'grantVote');
    expect(grants.length).toBeGreaterThan(0);
    expect(grants[0]!.event).toMatchObject({ mtype: 'request_vote' });
  });

  it('records only what changed since the node’s previous line', () => {
    const byNode = new Map<string, Record<string, unknown>>();
    let omitted = 0;
    spec.lines.forEach((l, k) => {
      const rec = trace.lines[k]!.vars;
      const prev = byNode.get(l.node) ?? { currentTerm: 0 }; // a node's first line is compared with Init
      const vars = l.vars as Record<string, unknown>;
      if (prev.currentTerm === rec.currentTerm) {
        expect(vars.currentTerm).toBeUndefined();
        omitted++;
      } else {
        expect(vars.currentTerm).toBe(rec.currentTerm);
      }
      byNode.set(l.node, rec as Record<string, unknown>);
    });
    expect(omitted).toBeGreaterThan(10);
  });

  it('counts broadcast numbers from each election', () => {
    const elected = spec.lines.filter((l) => l.transition === 'becomeLeader');
    expect(elected.length).toBeGreaterThan(0);
    for (const l of elected) {
      expect((l.vars as { heartbeatSeq: number }).heartbeatSeq).toBe(1);
      for (const s of l.sends) expect(s).toMatchObject({ mtype: 'append_entries', mseq: 1 });
    }
  });

  it('names client values one to one and keeps Noop', () => {
    const names = new ValueNames();
    expect(names.of({ f: 'write', key: 1, value: 2 })).toBe('v1');
    expect(names.of({ value: 2, key: 1, f: 'write' })).toBe('v1');
    expect(names.of({ f: 'write', key: 1, value: 3 })).toBe('v2');
    expect(names.of('Noop')).toBe('Noop');
  });

  it('reads each trace with the Json module', () => {
    const text = traceDataModule([spec], ['/tmp/x/trace-1.ndjson']);
    expect(text).toContain('EXTENDS Json');
    expect(text).toContain('ndJsonDeserialize("/tmp/x/trace-1.ndjson")');
    expect(text).toContain('TraceServers == {"n0", "n1", "n2"}');
  });

  it('maps a depth reached back to the line that stopped it', () => {
    expect(lineAtDepth([1, 3, 1], ['a', 'b', 'c'], 1)).toEqual({ index: 0, line: 'a', sub: 0 });
    expect(lineAtDepth([1, 3, 1], ['a', 'b', 'c'], 3)).toEqual({ index: 1, line: 'b', sub: 1 });
    expect(lineAtDepth([1, 3, 1], ['a', 'b', 'c'], 5)).toEqual({ index: 2, line: 'c', sub: 0 });
    expect(lineAtDepth([1, 3, 1], ['a', 'b', 'c'], 6)).toBeUndefined(); // every step taken
  });

  it('refuses a trace that is not one', () => {
    expect(() => parseTrace(['{"i":1}'])).toThrow(/no header/);
    expect(() => parseTrace(['{"header":true,"servers":["n0"]}', 'not json'])).toThrow(/not JSON/);
    expect(() => specTrace(parseTrace([raw[0]!, JSON.stringify({ ...trace.lines[0], transition: 'teleport' })]), tlaMapping)).toThrow(/teleport is not in the mapping/);
  });
});

describe('TraceRaft.tla against the mapping (no TLC needed)', () => {
  let arms: { actions: Set<string>; branches: Set<string> };
  beforeAll(async () => {
    await tlaParser();
    const text = readFileSync(join(root, 'tla', 'TraceRaft.tla'), 'utf8');
    const module = await parseTlaModule(text);
    expect(module.errors).toEqual([]);
    const strings = (op: string): Set<string> => {
      const body = module.operators.get(op)?.body.text ?? '';
      return new Set([...body.matchAll(/= "(\w+)" ->/g)].map((m) => m[1]!));
    };
    arms = { actions: strings('ActionStep'), branches: strings('BranchHolds') };
  });

  it('has a step for every action and branch the mapping names', () => {
    for (const [name, m] of Object.entries(tlaMapping)) {
      expect(arms.actions, `${name} -> ${m.tla}`).toContain(m.tla ?? 'None');
      if (m.branch) expect(arms.branches, `${name} -> ${m.branch}`).toContain(m.branch);
    }
    expect(arms.actions).toContain('Restart');
  });
});

it('npm run tlc:trace says clearly that there is no jar and exits with status 3', () => {
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'tlc-trace.mjs'), '--seeds', '1'], {
    env: { ...process.env, TLA2TOOLS_JAR: join(root, 'tla', 'no-such-tla2tools.jar') },
    encoding: 'utf8',
  });
  expect(run.status).toBe(EXIT_NO_JAR);
  expect(run.stderr).toMatch(/NOT RUN: TLA2TOOLS_JAR is set to .*no-such-tla2tools\.jar, which does not exist/);
});

const jar = findJar();
const java = jar.path ? findJava() : { path: null, reason: 'not looked for' };
const why = !jar.path ? jar.reason : !java.path ? java.reason : null;
if (why) console.warn(`SKIPPING the TLC trace-validation tests in test/tla/trace.test.ts: ${why}`);

describe('TLC validates traces and rejects corrupted ones', () => {
  it.skipIf(why !== null)('accepts a trace in which snapshots are taken and installed, and rejects one whose installed snapshot has the wrong term', { timeout: 600_000 }, async () => {
    // A run with a low snapshot threshold, in which a follower installs a leader's snapshot.
    let found: { raw: string[]; k: number } | undefined;
    for (let seed = 1; seed <= 20 && !found; seed++) {
      const raw: string[] = [];
      runSimulation({ seed, duration: 8, recovery: 2, faults: [...ALL_FAULTS], config: { snapshotEntries: 5 }, checkLinearizability: false, trace: (l) => raw.push(l) });
      const k = parsedLines(raw).findIndex(
        (l) => l.transition === 'installSnapshot' && (l.event.mlastIncludedIndex as number) > 0 && l.vars.log.snapshotIndex === l.event.mlastIncludedIndex,
      );
      if (k >= 0) found = { raw, k };
    }
    expect(found, 'a run where a follower installs a snapshot').toBeDefined();
    const { raw, k } = found!;
    const good = parsedLines(raw);
    expect(good.some((l) => l.transition === 'takeSnapshot')).toBe(true);
    const wrong = structuredClone(good);
    wrong[k]!.vars.log.snapshotTerm = (wrong[k]!.vars.log.snapshotTerm ?? 0) + 1;
    const result = await validateTraces([good, wrong].map((ls) => parseTrace(write(raw[0]!, ls))), { jar: jar.path!, java: java.path!, workers: 1, mapping: tlaMapping });
    expect(result.error).toBeUndefined();
    expect(result.results[0]!.ok).toBe(true);
    expect(result.results[1]!.ok).toBe(false);
    expect(result.results[1]!.rejected?.line?.i).toBe(wrong[k]!.i);
  });

  it.skipIf(why !== null)('accepts a trace with forwarded reads, and rejects one whose read names the wrong forwarder or whose forward was never sent', { timeout: 600_000 }, async () => {
    let found: { raw: string[]; k: number } | undefined;
    for (let seed = 1; seed <= 20 && !found; seed++) {
      const raw = simTrace(seed);
      const k = parsedLines(raw).findIndex((l) => l.transition === 'forwardedReadIndex');
      if (k >= 0) found = { raw, k };
    }
    expect(found, 'a run where a leader takes a forwarded read').toBeDefined();
    const { raw, k } = found!;
    const good = parsedLines(raw);
    const line = good[k]!;
    const reads = line.vars.reads as [number, number, string][];
    expect(reads[reads.length - 1]![2]).toBe(line.event.msource);

    // The leader records itself as the read's confirmer, not the follower.
    const wrongBy = structuredClone(good);
    const rs = wrongBy[k]!.vars.reads as [number, number, string][];
    rs[rs.length - 1]![2] = line.node;

    // The follower's forward is gone from its line: the leader receives a read nobody sent.
    const unsent = structuredClone(good);
    const forwards = unsent
      .map((l, x) => ({ l, x }))
      .filter(({ l, x }) => x < k && l.transition === 'forwardRead' && l.node === line.event.msource && (l.sends ?? []).some((m) => m.mdest === line.node && m.mterm === line.event.mterm));
    expect(forwards.length).toBeGreaterThan(0);
    const f = forwards[forwards.length - 1]!.x;
    const others = forwards.slice(0, -1);
    unsent[f]!.sends = [];
    const traces = [good, wrongBy, ...(others.length === 0 ? [unsent] : [])].map((ls) => parseTrace(write(raw[0]!, ls)));
    const result = await validateTraces(traces, { jar: jar.path!, java: java.path!, workers: 1, mapping: tlaMapping });
    expect(result.error).toBeUndefined();
    expect(result.results[0]!.ok).toBe(true);
    expect(result.results[1]!.ok).toBe(false);
    expect(result.results[1]!.rejected?.line?.i).toBe(line.i);
    if (others.length === 0) {
      // (with another forward of the same term from the same follower, the leader's read could be that one)
      expect(result.results[2]!.ok).toBe(false);
      expect(result.results[2]!.rejected?.line?.i).toBeLessThanOrEqual(line.i);
    }
  });

  it.skipIf(why !== null)('accepts a trace of a faulty run and rejects a wrong term, a skipped step and a second vote in a term', { timeout: 600_000 }, async () => {
    // A run in which some node refuses a vote in a term it already voted in.
    let found: { raw: string[]; k: number } | undefined;
    for (let seed = 1; seed <= 60 && !found; seed++) {
      const raw = simTrace(seed);
      const lines = parsedLines(raw);
      const k = lines.findIndex(
        (l) =>
          l.transition === 'rejectVote' &&
          l.event.mterm === l.vars.currentTerm &&
          l.vars.votedFor !== null &&
          l.vars.votedFor !== l.event.msource,
      );
      if (k >= 0) found = { raw, k };
    }
    expect(found, 'a run where a node refuses a second vote in a term').toBeDefined();
    const { raw, k: refusal } = found!;
    const header = raw[0]!;
    const good = parsedLines(raw);

    // A wrong term: a node's term after a vote it granted.
    const wrongTerm = structuredClone(good);
    const g = wrongTerm.findIndex((l) => l.transition === 'grantVote');
    wrongTerm[g]!.vars.currentTerm += 1;

    // A skipped step: an AppendEntries a follower accepted, gone from the trace.
    const skipped = structuredClone(good);
    const s = skipped.findIndex((l, k) => k > 20 && l.transition === 'acceptAppendEntries');
    const skippedLine = skipped[s]!.i;
    skipped.splice(s, 1);

    // A second vote in a term: the refusal becomes a grant.
    const twoVotes = structuredClone(good);
    const r = twoVotes[refusal]!;
    r.transition = 'grantVote';
    r.tla = 'HandleRequestVoteRequest';
    r.vars = { ...r.vars, votedFor: r.event.msource as string, state: 'follower' };
    r.sends = [{ mtype: 'request_vote_res', msource: r.node, mdest: r.event.msource, mterm: r.vars.currentTerm, mvoteGranted: true }];

    const traces = [good, wrongTerm, skipped, twoVotes].map((ls) => parseTrace(write(header, ls)));
    const result = await validateTraces(traces, { jar: jar.path!, java: java.path!, workers: 1, mapping: tlaMapping });
    expect(result.error).toBeUndefined();
    const [ok, term, skip, votes] = result.results;
    expect(ok!.ok).toBe(true);
    expect(term!.ok).toBe(false);
    expect(term!.rejected?.line?.i).toBe(wrongTerm[g]!.i);
    expect(skip!.ok).toBe(false);
    expect(skip!.rejected?.line?.i).toBeGreaterThan(skippedLine);
    expect(votes!.ok).toBe(false);
    expect(votes!.rejected?.line?.i).toBe(r.i);
    expect(votes!.rejected?.specBefore).toContain(`votedFor |-> "${good[refusal]!.vars.votedFor}"`);
  });
});
