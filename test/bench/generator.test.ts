// The lin-kv generator: Maelstrom's key groups, readers and writers, keys
// retired after 20 processes (or a per-key limit when asked), and choices
// that depend on the seed alone.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.js';
import { LinKvGenerator, type LinKvOp } from '../../src/bench/workloads/lin-kv-generator.js';

const gen = (seed: number, o: Partial<ConstructorParameters<typeof LinKvGenerator>[1]> = {}) =>
  new LinKvGenerator(new Rng(seed), { nodeCount: 3, concurrency: 12, ...o });

describe('lin-kv generator', () => {
  it('splits threads into groups of 2 x node-count on keys 0, 1, ...; the first node-count of a group only read', () => {
    const g = gen(1);
    const ops = Array.from({ length: 12 }, (_, t) => g.next(t));
    expect(ops.map((o) => o.key)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect(ops.map((o) => o.f === 'read')).toEqual([true, true, true, false, false, false, true, true, true, false, false, false]);
    // Writers: a third writes, two thirds cas, values 0..4.
    const w = gen(2, { concurrency: 6 });
    const fs = { write: 0, cas: 0, read: 0 };
    for (let i = 0; i < 3000; i++) {
      const o = w.next(3 + (i % 3));
      fs[o.f]++;
      const vals = o.f === 'write' ? [o.value as number] : (o.value as number[]);
      for (const v of vals) expect(v >= 0 && v <= 4 && Number.isInteger(v)).toBe(true);
    }
    expect(fs.read).toBe(0);
    expect(fs.write / 3000).toBeGreaterThan(0.28);
    expect(fs.write / 3000).toBeLessThan(0.39);
  });

  it('keeps a key with no crashes (no per-key limit, as Maelstrom)', () => {
    const g = gen(3, { concurrency: 6 });
    for (let i = 0; i < 10_000; i++) expect(g.next(i % 6).key).toBe(0);
  });

  it('retires a key once more than 20 processes have worked on it; a crashed thread continues as a new process', () => {
    const g = gen(4, { concurrency: 6 });
    // Group of 6 processes: 14 crashes fit, the 15th new process retires the key.
    for (let c = 0; c < 14; c++) {
      const t = 3 + (c % 3);
      expect(g.next(t).key).toBe(0);
      const before = g.process(t);
      g.complete(t, 'info');
      expect(g.process(t)).toBe(before + 6);
    }
    expect(g.next(0).key).toBe(0);
    g.complete(3, 'info');
    expect(g.next(0).key).toBe(1);
    // ok and fail do not crash a process.
    const p = g.process(1);
    g.complete(1, 'ok');
    g.complete(1, 'fail');
    expect(g.process(1)).toBe(p);
  });

  it('with a per-key limit, moves on after about that many operations (0.9-1.0 of it)', () => {
    const g = gen(5, { concurrency: 6, perKeyLimit: 100 });
    const perKey = new Map<number, number>();
    for (let i = 0; i < 5000; i++) {
      const k = g.next(i % 6).key;
      perKey.set(k, (perKey.get(k) ?? 0) + 1);
    }
    const full = [...perKey.entries()].filter(([k]) => k < Math.max(...perKey.keys())).map(([, n]) => n);
    expect(full.length).toBeGreaterThan(40);
    for (const n of full) expect(n >= 90 && n <= 100).toBe(true);
  });

  it("gives each thread the same functions and values for a seed, whatever the interleaving and crashes", () => {
    const draws = (order: number[], crashEvery: number) => {
      const g = gen(6);
      const out = new Map<number, [string, unknown][]>();
      order.forEach((t, i) => {
        const o: LinKvOp = g.next(t);
        if (!out.has(t)) out.set(t, []);
        out.get(t)!.push([o.f, o.value]);
        if (crashEvery > 0 && i % crashEvery === 0) g.complete(t, 'info');
      });
      return out;
    };
    const rng = new Rng(99);
    const a = Array.from({ length: 3000 }, (_, i) => i % 12);
    const b = Array.from({ length: 3000 }, () => rng.int(12));
    const da = draws(a, 0);
    const db = draws(b, 7);
    let compared = 0;
    for (let t = 0; t < 12; t++) {
      const x = da.get(t)!;
      const y = db.get(t)!;
      const n = Math.min(x.length, y.length);
      expect(n).toBeGreaterThan(100);
      expect(y.slice(0, n)).toEqual(x.slice(0, n));
      compared += n;
    }
    expect(compared).toBeGreaterThan(2000);
    // And a different seed gives different draws.
    const other = new LinKvGenerator(new Rng(7), { nodeCount: 3, concurrency: 12 });
    const xs = Array.from({ length: 50 }, () => other.next(4).value);
    expect(xs).not.toEqual(da.get(4)!.slice(0, 50).map(([, v]) => v));
  });

  it('raises a process limit smaller than a group, and notes a concurrency Maelstrom would refuse', () => {
    const g = new LinKvGenerator(new Rng(1), { nodeCount: 11, concurrency: 22 });
    expect(g.notes.join(' ')).toMatch(/process limit of 20; the limit is raised to 22/);
    for (let i = 0; i < 100; i++) expect(g.next(i % 22).key).toBe(0);
    expect(new LinKvGenerator(new Rng(1), { nodeCount: 3, concurrency: 4 }).notes.join(' ')).toMatch(/not a multiple of 2 x node-count/);
  });
});
