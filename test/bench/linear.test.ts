// linear.svg and what it is drawn from: the checker's smallest invalid set
// (sound: it is invalid on its own), the cut at a quiet moment for long
// histories, and the orders that respect real time with where each gets
// stuck. On a known-bad run, a file per invalid key, linked from the report.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkKey, checkLinearizable, linearizationPaths, operationsByKey, type RegOp } from '../../src/bench/checker/linearizable.js';
import { parseArgs } from '../../src/bench/options.js';
import { syntheticHistory } from '../../src/bench/perf.js';
import { linearSvg } from '../../src/bench/report/linear.js';
import { runTest } from '../../src/bench/runner.js';
import { Rng } from '../../src/core/random.js';
import type { CoreOp, HistoryEvent, LinearizabilityFailure } from '../../src/bench/types.js';
import { HistoryBuilder } from './history-builder.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const store = mkdtempSync(join(tmpdir(), 'raftchart-linear-test-'));
afterAll(() => rmSync(store, { recursive: true, force: true }));

/** The failure's core as checker ops again (as the checker used them), sorted by call. */
function coreOps(f: LinearizabilityFailure, history: readonly HistoryEvent[]): RegOp[] {
  const byInvoke = new Map(operationsByKey(history).get(f.key)!.map((o) => [o.id, o]));
  return f.core!
    .map((c: CoreOp): RegOp => {
      const o = byInvoke.get(c.id)!;
      return c.type === 'info' && o.type === 'ok' ? { ...o, type: 'info', ret: Infinity, retTime: null } : o;
    })
    .sort((a, b) => a.call - b.call);
}

/** The core is invalid from every start value the failure allows. */
function coreIsInvalid(f: LinearizabilityFailure, history: readonly HistoryEvent[]): boolean {
  const ops = coreOps(f, history);
  const starts = f.cut ? f.cut.values : [null];
  return starts.every((v) => checkKey(ops, undefined, v).valid === false);
}

describe('explanations', () => {
  it('are sound: on 100 mutated histories the smallest set is itself not linearizable', () => {
    const rng = new Rng(12);
    let cut = 0;
    for (let i = 0; i < 100; i++) {
      const h = syntheticHistory({ seconds: 1 + rng.int(3), rate: 100, threads: 6, nodes: 3, infoFraction: 0.05, seed: 1000 + i });
      const reads = h.filter((e) => e.type === 'ok' && e.f === 'read' && e.value !== null);
      const victim = reads[rng.int(reads.length)]!;
      victim.value = ((victim.value as number) + 1 + rng.int(4)) % 5;
      const r = checkLinearizable(h);
      if (r.valid !== false) continue; // an info write may explain it
      for (const f of r.failures) {
        expect(f.core!.length).toBe(f.ops.length);
        expect(coreIsInvalid(f, h), `history seed ${1000 + i} key ${f.key}`).toBe(true);
        if (f.cut) cut++;
      }
    }
    expect(cut).toBeGreaterThan(20); // the cut was used, and found sound
  });

  it('explain a stale read deep in a 20,000-operation key with a handful of operations after a cut', () => {
    const h = syntheticHistory({ seconds: 200, rate: 100, threads: 6, nodes: 3, infoFraction: 0, seed: 5 });
    expect(new Set(h.map((e) => e.key)).size).toBe(1);
    const reads = h.filter((e) => e.type === 'ok' && e.f === 'read' && e.value !== null);
    const victim = reads[Math.floor(reads.length * 0.7)]!;
    victim.value = ((victim.value as number) + 2) % 5;
    const r = checkLinearizable(h);
    expect(r.valid).toBe(false);
    const f = r.failures[0]!;
    expect(f.cut).toBeDefined();
    expect(f.cut!.time).toBeGreaterThan(100);
    expect(f.core!.length).toBeLessThanOrEqual(8);
    expect(f.core!.some((c) => c.culprit)).toBe(true);
    expect(coreIsInvalid(f, h)).toBe(true);
    expect(f.explanation[0]).toMatch(/^before [\d.]+s \(a moment with no completed operation in flight\) the key may hold any value/);
  });

  it('lists the orders that respect real time and where each gets stuck', () => {
    // w1 then w2 complete; a later read sees 1. The cut leaves w2 and the
    // read, from any start value: every order gets stuck at the read.
    const h = new HistoryBuilder().seq(0, 'write', 1).seq(1, 'write', 2).seq(2, 'read', 1);
    const f = checkLinearizable(h.events).failures[0]!;
    expect(f.cut!.values).toEqual([null, 1, 2]);
    expect(f.paths!.map((p) => p.initial)).toEqual([null, 1, 2]);
    for (const p of f.paths!) {
      expect(p.steps).toEqual([{ op: 2, value: 2 }]);
      expect(p.stuck).toEqual([{ op: 4, why: 'read 1, but the register holds 2' }]);
    }
    // Without the cut (from absent): both writes, in their real-time order.
    const full = linearizationPaths(operationsByKey(h.events).get(0)!, [null]);
    expect(full.map((p) => p.steps.map((s) => s.value))).toEqual([[1, 2]]);
    expect(full[0]!.stuck).toEqual([{ op: 4, why: 'read 1, but the register holds 2' }]);
    // Concurrent ops: both orders are listed; an unknown write may never happen.
    const c = new HistoryBuilder().invoke(0, 'write', 1).invoke(1, 'write', 2).ok(0).ok(1).invoke(3, 'cas', [0, 3]).complete(3, 'info').seq(2, 'read', 3);
    const ops = operationsByKey(c.events).get(0)!;
    const paths = linearizationPaths(ops, [null]);
    expect(paths.length).toBeGreaterThanOrEqual(2);
    expect(new Set(paths.map((q) => q.steps.slice(0, 2).map((s) => s.value).join(',')))).toEqual(new Set(['1,2', '2,1']));
    for (const q of paths) for (const s of q.stuck) expect(s.why).toMatch(/^(read 3|compare-and-set from 0)/);
  });

  it('draws every core operation and the stuck steps', () => {
    const h = new HistoryBuilder().seq(0, 'write', 1).seq(1, 'write', 2).seq(2, 'read', 1);
    const f = checkLinearizable(h.events).failures[0]!;
    const svg = linearSvg(f);
    expect(svg.startsWith('<svg')).toBe(true);
    for (const id of f.ops) expect(svg).toContain(`#${id}`);
    expect(svg).toContain('✗ r 1');
    expect(svg).toContain('read 1, but the register holds 2');
  });
});

describe('linear.svg on a known-bad run', () => {
  it('is written for every key the checker cannot linearise, and linked from the report', async () => {
    const p = parseArgs(['--store', store, '--bin', join(fixtures, 'local-kv-node.mjs'), '--node-count', '3', '--concurrency', '4n', '--rate', '150', '--time-limit', '2', '--seed', '31']);
    if (p.help) throw new Error('help');
    const { results, dir } = await runTest(p.options, true);
    expect(results.verdict).toBe('invalid');
    const failures = results.linearizability.failures;
    expect(failures.length).toBeGreaterThan(0);
    expect(results.files.linear).toBe('linear.svg');
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    for (const f of failures) {
      const name = results.files[`linear ${f.key}`]!;
      expect(name).toBe(`linear-${f.key}.svg`);
      const svg = readFileSync(join(dir, name), 'utf8');
      expect(svg).toContain(`key ${f.key}: these operations cannot all be linearised`);
      for (const id of f.ops) expect(svg).toContain(`#${id}`);
      expect(svg).toMatch(/✗/);
      expect(html).toContain(`href="${name}"`);
    }
    expect(readFileSync(join(dir, 'linear.svg'), 'utf8')).toBe(readFileSync(join(dir, `linear-${failures[0]!.key}.svg`), 'utf8'));
  });
});
