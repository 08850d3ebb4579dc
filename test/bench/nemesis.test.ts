import { describe, expect, it } from 'vitest';
import { makePartition, minorityThird, PARTITION_KINDS } from '../../src/bench/nemesis.js';
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
