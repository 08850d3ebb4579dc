import { describe, expect, it } from 'vitest';
import { checkLinearizable, checkKey, operationsByKey } from '../../src/bench/checker/linearizable.js';
import { Rng } from '../../src/core/random.js';
import type { HistoryEvent } from '../../src/bench/types.js';
import { HistoryBuilder } from './history-builder.js';

const verdict = (h: HistoryBuilder | HistoryEvent[]) =>
  checkLinearizable(h instanceof HistoryBuilder ? h.events : h).valid;

describe('linearizability checker: hand-built histories', () => {
  it('accepts the empty history', () => {
    expect(verdict([])).toBe(true);
  });

  it('accepts a sequential write then read', () => {
    expect(verdict(new HistoryBuilder().seq(0, 'write', 1).seq(1, 'read', 1))).toBe(true);
  });

  it('rejects a read of a value never written', () => {
    expect(verdict(new HistoryBuilder().seq(0, 'write', 1).seq(1, 'read', 2))).toBe(false);
  });

  it('rejects reading a value before any write completed or began', () => {
    expect(verdict(new HistoryBuilder().seq(1, 'read', 3).seq(0, 'write', 3))).toBe(false);
  });

  it('accepts reading null (absent) at the start', () => {
    expect(verdict(new HistoryBuilder().seq(1, 'read', null).seq(0, 'write', 3))).toBe(true);
  });

  it('rejects a read of absent after a completed write', () => {
    expect(verdict(new HistoryBuilder().seq(0, 'write', 3).seq(1, 'read', null))).toBe(false);
  });

  it('rejects a stale read after a completed write', () => {
    const h = new HistoryBuilder().seq(0, 'write', 1).seq(0, 'write', 2).seq(1, 'read', 1);
    expect(verdict(h)).toBe(false);
  });

  it('accepts a read concurrent with a write seeing either value', () => {
    for (const seen of [1, 2]) {
      const h = new HistoryBuilder().seq(0, 'write', 1).invoke(0, 'write', 2).invoke(1, 'read').ok(1, seen).ok(0);
      expect(verdict(h)).toBe(true);
    }
  });

  it('rejects two reads that disagree on order (new then old) with a concurrent write', () => {
    // w1 done; w2 in flight; r sees 2, then a later r sees 1: impossible.
    const h = new HistoryBuilder()
      .seq(0, 'write', 1)
      .invoke(0, 'write', 2)
      .seq(1, 'read', 2)
      .seq(2, 'read', 1)
      .ok(0);
    expect(verdict(h)).toBe(false);
  });

  it('cas: accepts a successful cas from the current value, rejects one from a wrong value', () => {
    expect(verdict(new HistoryBuilder().seq(0, 'write', 1).seq(0, 'cas', [1, 2]).seq(1, 'read', 2))).toBe(true);
    expect(verdict(new HistoryBuilder().seq(0, 'write', 1).seq(0, 'cas', [3, 2]))).toBe(false);
  });

  it('cas on an absent key cannot succeed', () => {
    expect(verdict(new HistoryBuilder().seq(0, 'cas', [0, 1]))).toBe(false);
  });

  it('ignores failed operations', () => {
    const h = new HistoryBuilder()
      .seq(0, 'write', 1)
      .invoke(1, 'write', 4)
      .complete(1, 'fail')
      .seq(2, 'read', 1);
    expect(verdict(h)).toBe(true);
    const h2 = new HistoryBuilder().seq(0, 'write', 1).invoke(1, 'cas', [1, 4]).complete(1, 'fail').seq(2, 'read', 4);
    expect(verdict(h2)).toBe(false);
  });

  describe('histories that hinge on an indefinite operation', () => {
    it('an info write may take effect long after it timed out', () => {
      const h = new HistoryBuilder()
        .seq(0, 'write', 1)
        .invoke(1, 'write', 3)
        .complete(1, 'info')
        .seq(2, 'read', 1)
        .seq(2, 'read', 3);
      expect(verdict(h)).toBe(true);
    });

    it('an info write may never take effect', () => {
      const h = new HistoryBuilder().seq(0, 'write', 1).invoke(1, 'write', 3).complete(1, 'info').seq(2, 'read', 1);
      expect(verdict(h)).toBe(true);
    });

    it('but it cannot take effect before it was invoked', () => {
      const h = new HistoryBuilder().seq(0, 'write', 1).seq(2, 'read', 3).invoke(1, 'write', 3).complete(1, 'info');
      expect(verdict(h)).toBe(false);
    });

    it('and it takes effect at most once', () => {
      const h = new HistoryBuilder()
        .seq(0, 'write', 1)
        .invoke(1, 'write', 3)
        .complete(1, 'info')
        .seq(2, 'read', 3)
        .seq(0, 'write', 1)
        .seq(2, 'read', 3);
      expect(verdict(h)).toBe(false);
    });

    it('an info cas only applies when its precondition held', () => {
      const ok = new HistoryBuilder()
        .seq(0, 'write', 1)
        .invoke(1, 'cas', [1, 2])
        .complete(1, 'info')
        .seq(2, 'read', 2);
      expect(verdict(ok)).toBe(true);
      const bad = new HistoryBuilder()
        .seq(0, 'write', 0)
        .invoke(1, 'cas', [1, 2])
        .complete(1, 'info')
        .seq(2, 'read', 2);
      expect(verdict(bad)).toBe(false);
    });

    it('the same history with the write failed instead of info is invalid', () => {
      const h = new HistoryBuilder()
        .seq(0, 'write', 1)
        .invoke(1, 'write', 3)
        .complete(1, 'fail')
        .seq(2, 'read', 1)
        .seq(2, 'read', 3);
      expect(verdict(h)).toBe(false);
    });

    it('an op still open at the end of the history counts as unknown', () => {
      const h = new HistoryBuilder().seq(0, 'write', 1).invoke(1, 'write', 3).seq(2, 'read', 3);
      expect(verdict(h)).toBe(true);
    });
  });

  it('keys are independent', () => {
    const h = new HistoryBuilder().seq(0, 'write', 1, 0).seq(0, 'write', 2, 1).seq(1, 'read', 1, 0).seq(1, 'read', 2, 1);
    expect(verdict(h)).toBe(true);
    const bad = new HistoryBuilder().seq(0, 'write', 1, 0).seq(0, 'write', 2, 1).seq(1, 'read', 2, 0);
    const r = checkLinearizable(bad.events);
    expect(r.valid).toBe(false);
    expect(r.failures.map((f) => f.key)).toEqual([0]);
  });

  it('explains a stale read with the few operations involved', () => {
    const h = new HistoryBuilder();
    // noise: many reads/writes that are fine
    for (let i = 0; i < 20; i++) h.seq(i % 3, 'write', i % 5).seq(3, 'read', i % 5);
    h.seq(0, 'write', 1).seq(1, 'write', 2).seq(2, 'read', 1);
    for (let i = 0; i < 10; i++) h.seq(1, 'write', i % 5).seq(3, 'read', i % 5);
    const r = checkLinearizable(h.events);
    expect(r.valid).toBe(false);
    const f = r.failures[0];
    expect(f.key).toBe(0);
    expect(f.culprit).toMatch(/read 1/);
    // the stale read, the write of 2 it missed, and the writes of 1 (all
    // finished before the write of 2): no noise reads, no unrelated writes
    expect(f.explanation.length).toBeLessThanOrEqual(8);
    expect(f.explanation.join('\n')).not.toMatch(/read [02-4]/);
    expect(f.explanation.join('\n')).toMatch(/wrote 2/);
  });
});

// --- random histories -----------------------------------------------------------

/** A random sequential-then-concurrentised valid history from a real register. */
function randomValidHistory(rng: Rng, nOps: number, procs: number): HistoryEvent[] {
  // Simulate: each process issues an op; the op takes effect at a random
  // moment between invoke and complete; we record the true result.
  type P = { f: 'read' | 'write' | 'cas'; value: unknown; result?: unknown; applied: boolean; failed: boolean };
  const h = new HistoryBuilder();
  let reg: number | null = null;
  const active = new Map<number, P>();
  let issued = 0;
  while (issued < nOps || active.size > 0) {
    const free = [...Array(procs).keys()].filter((p) => !active.has(p));
    const choice = rng.int(3);
    if (issued < nOps && free.length > 0 && choice === 0) {
      const p = free[rng.int(free.length)];
      const r = rng.int(3);
      const op: P =
        r === 0
          ? { f: 'read', value: null, applied: false, failed: false }
          : r === 1
            ? { f: 'write', value: rng.int(5), applied: false, failed: false }
            : { f: 'cas', value: [rng.int(5), rng.int(5)], applied: false, failed: false };
      h.invoke(p, op.f, op.value);
      active.set(p, op);
      issued++;
    } else if (active.size > 0) {
      const ps = [...active.keys()];
      const p = ps[rng.int(ps.length)];
      const op = active.get(p)!;
      if (!op.applied && choice === 1) {
        // take effect now
        op.applied = true;
        if (op.f === 'read') op.result = reg;
        else if (op.f === 'write') reg = op.value as number;
        else {
          const [from, to] = op.value as [number, number];
          if (reg === from) reg = to;
          else op.failed = true;
        }
      } else if (op.applied) {
        active.delete(p);
        if (op.failed) h.complete(p, 'fail');
        else if (rng.int(10) === 0 && op.f !== 'read') h.complete(p, 'info');
        else h.complete(p, 'ok', op.f === 'read' ? op.result : undefined);
      }
    }
  }
  return h.events;
}

describe('linearizability checker: random histories', () => {
  it('accepts 200 random valid concurrent histories', () => {
    const rng = new Rng(42);
    for (let i = 0; i < 200; i++) {
      const h = randomValidHistory(rng, 40 + rng.int(60), 2 + rng.int(5));
      const v = verdict(h);
      if (v !== true) throw new Error(`valid history rejected:\n${h.map((e) => JSON.stringify(e)).join('\n')}`);
    }
  });

  it('rejects mutated histories: a read of a value never written', () => {
    const rng = new Rng(7);
    let tried = 0;
    for (let i = 0; i < 100; i++) {
      const h = randomValidHistory(rng, 60, 4);
      const reads = h.filter((e) => e.type === 'ok' && e.f === 'read');
      if (reads.length === 0) continue;
      const r = reads[rng.int(reads.length)];
      r.value = 99; // never written
      tried++;
      expect(verdict(h)).toBe(false);
    }
    expect(tried).toBeGreaterThan(50);
  });

  it('rejects mutated histories: a stale read after a completed write', () => {
    const rng = new Rng(9);
    let tried = 0;
    for (let i = 0; i < 100; i++) {
      const h = randomValidHistory(rng, 50, 4);
      // Append: a write of 7 (completes), a write of 8 (completes), then a read of 7.
      const hb = new HistoryBuilder();
      hb.events.push(...h);
      const p = 100;
      hb.seq(p, 'write', 7).seq(p, 'write', 8).seq(p + 1, 'read', 7);
      tried++;
      expect(verdict(hb)).toBe(false);
    }
    expect(tried).toBe(100);
  });

  it('sequential histories from a real register are accepted, with any value mutated rejected', () => {
    const rng = new Rng(3);
    for (let t = 0; t < 50; t++) {
      const h = new HistoryBuilder();
      let reg: number | null = null;
      for (let i = 0; i < 100; i++) {
        const r = rng.int(3);
        if (r === 0) h.seq(i % 4, 'read', reg);
        else if (r === 1) {
          reg = rng.int(5);
          h.seq(i % 4, 'write', reg);
        } else {
          const from = rng.int(5);
          const to = rng.int(5);
          if (reg === from) {
            reg = to;
            h.seq(i % 4, 'cas', [from, to]);
          } else h.invoke(i % 4, 'cas', [from, to]).complete(i % 4, 'fail');
        }
      }
      expect(verdict(h)).toBe(true);
      // Change one ok read to a different value that differs from the truth.
      const reads = h.events.filter((e) => e.type === 'ok' && e.f === 'read');
      if (reads.length === 0) continue;
      const r = reads[rng.int(reads.length)];
      r.value = r.value === null ? 0 : ((r.value as number) + 1 + rng.int(4)) % 5;
      expect(verdict(h)).toBe(false);
    }
  });

  it('pairs ops by process and drops fails', () => {
    const h = new HistoryBuilder().seq(0, 'write', 1).invoke(1, 'write', 2).complete(1, 'fail');
    const ops = operationsByKey(h.events).get(0)!;
    expect(ops.length).toBe(1);
    expect(checkKey(ops).valid).toBe(true);
  });
});
