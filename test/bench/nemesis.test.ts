import { describe, expect, it } from 'vitest';
import { majority, makePartition, minorityThird, NODE_SPECS, PARTITION_KINDS, planNemesis, targetNodes } from '../../src/bench/nemesis.js';
import { Rng } from '../../src/core/random.js';

const nodes = (n: number) => Array.from({ length: n }, (_, i) => `n${i}`);
/** Nodes each node can hear (including itself). */
const hears = (g: Map<string, Set<string>>, ns: string[], x: string) => ns.filter((y) => !(g.get(x)?.has(y) ?? false));

describe('partition grudges', () => {
  const rng = new Rng(11);
  it('one: isolates exactly one node, both directions', () => {
    for (const n of [3, 5]) {
      const p = makePartition('one', nodes(n), rng);
      const alone = nodes(n).filter((x) => hears(p.grudge, nodes(n), x).length === 1);
      expect(alone.length).toBe(1);
      for (const x of nodes(n)) if (x !== alone[0]) expect(hears(p.grudge, nodes(n), x).length).toBe(n - 1);
    }
  });
  it('majority: a clean majority/minority split', () => {
    for (const n of [3, 4, 5, 7]) {
      const p = makePartition('majority', nodes(n), rng);
      const small = Math.floor(n / 2);
      const views = new Set(nodes(n).map((x) => hears(p.grudge, nodes(n), x).join(',')));
      expect(views.size).toBe(2); // two components
      const sizes = [...views].map((v) => v.split(',').length).sort((a, b) => a - b);
      expect(sizes).toEqual([small, n - small]);
    }
  });
  it('minority-third: splits off fewer than a third', () => {
    expect(minorityThird(3)).toBe(0);
    expect(minorityThird(5)).toBe(1);
    expect(minorityThird(7)).toBe(2);
    expect(minorityThird(9)).toBe(2);
    const p = makePartition('minority-third', nodes(7), rng);
    const cut = nodes(7).filter((x) => hears(p.grudge, nodes(7), x).length === 2);
    expect(cut.length).toBe(2);
  });
  it('majorities-ring: every node hears a majority, no two the same one', () => {
    for (const n of [3, 5, 6, 7]) {
      const p = makePartition('majorities-ring', nodes(n), rng);
      const views = nodes(n).map((x) => hears(p.grudge, nodes(n), x));
      for (const v of views) expect(v.length).toBeGreaterThan(n / 2);
      expect(new Set(views.map((v) => v.join(','))).size).toBe(n);
    }
  });
  it('knows the four kinds', () => {
    expect([...PARTITION_KINDS].sort()).toEqual(['majorities-ring', 'majority', 'minority-third', 'one']);
  });
});

describe('kill and pause targets, and the schedule', () => {
  it('draws the node specs as Jepsen does', () => {
    const rng = new Rng(3);
    for (const n of [3, 4, 5, 7]) {
      const ns = nodes(n);
      for (let i = 0; i < 50; i++) {
        expect(targetNodes('one', ns, rng).length).toBe(1);
        expect(targetNodes('minority-third', ns, rng).length).toBe(minorityThird(n));
        expect(targetNodes('minority', ns, rng).length).toBe(majority(n) - 1);
        expect(targetNodes('majority', ns, rng).length).toBe(majority(n));
        expect(targetNodes('all', ns, rng)).toEqual(ns);
        const s = targetNodes('subset', ns, rng);
        expect(s.length).toBeGreaterThan(0);
        expect(new Set(s).size).toBe(s.length);
        for (const x of s) expect(ns).toContain(x);
      }
    }
    expect(NODE_SPECS).not.toContain('primaries');
  });

  it('plans the same schedule for the same seed, alternating start and stop per fault, within the time limit', () => {
    const o = { faults: ['partition', 'kill', 'pause'] as const, nodes: nodes(5), interval: 1, timeLimit: 30 };
    const a = planNemesis(new Rng(8), { ...o, faults: [...o.faults] });
    const b = planNemesis(new Rng(8), { ...o, faults: [...o.faults] });
    expect(b).toEqual(a);
    expect(planNemesis(new Rng(9), { ...o, faults: [...o.faults] })).not.toEqual(a);
    for (let i = 1; i < a.length; i++) expect(a[i]!.at).toBeGreaterThanOrEqual(a[i - 1]!.at);
    for (const op of a) expect(op.at).toBeLessThan(30);
    const fs = new Set(a.map((x) => x.f));
    for (const f of ['start-partition', 'stop-partition', 'kill', 'start', 'pause', 'resume']) expect(fs.has(f as never)).toBe(true);
    // Each flip-flop alternates.
    const seq = (pair: [string, string]) => a.filter((x) => pair.includes(x.f)).map((x) => x.f);
    for (const pair of [['start-partition', 'stop-partition'], ['kill', 'start'], ['pause', 'resume']] as [string, string][]) {
      seq(pair).forEach((f, i) => expect(f).toBe(pair[i % 2]));
    }
    // Mean spacing per stream is about the interval (uniform in [0, 2 x interval)).
    const parts = a.filter((x) => x.f.endsWith('partition'));
    expect(parts.length).toBeGreaterThan(15);
    expect(parts.length).toBeLessThan(50);
    // Only the faults asked for.
    expect(planNemesis(new Rng(8), { ...o, faults: ['pause'] }).every((x) => x.f === 'pause' || x.f === 'resume')).toBe(true);
  });
});
