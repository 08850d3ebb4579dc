import { describe, expect, it } from 'vitest';
import { checkListAppend, type ConsistencyModel, type TxnHistoryEvent } from '../../src/bench/checker/list-append.js';
import { Rng } from '../../src/core/random.js';
import { completeTxn, TxnGenerator } from '../../src/bench/workloads/txn-list-append.js';
import { simulateHistory, TxnHistoryBuilder } from './txn-history.js';

const check = (h: TxnHistoryBuilder | TxnHistoryEvent[], model?: ConsistencyModel) =>
  checkListAppend(h instanceof TxnHistoryBuilder ? h.events : h, model ? { consistencyModel: model } : {});

describe('list-append checker: valid histories', () => {
  it('accepts the empty history', () => {
    expect(check([]).valid).toBe(true);
  });

  it('accepts serial appends and reads', () => {
    const h = new TxnHistoryBuilder()
      .seq(0, [['r', 1, null], ['append', 1, 1]])
      .seq(1, [['append', 1, 2], ['r', 1, [1, 2]], ['append', 2, 1]])
      .seq(2, [['r', 1, [1, 2]], ['r', 2, [1]]]);
    const r = check(h);
    expect(r.valid).toBe(true);
    expect(r.anomalies).toEqual([]);
    expect(r.edges.ww).toBe(1);
  });

  it('accepts concurrent txns seeing either order', () => {
    const h = new TxnHistoryBuilder()
      .invoke(0, [['append', 1, 1]])
      .invoke(1, [['append', 1, 2]])
      .ok(1, [['append', 1, 2]])
      .ok(0, [['append', 1, 1]])
      .seq(2, [['r', 1, [2, 1]]]);
    expect(check(h).valid).toBe(true);
  });

  it('accepts a timed-out append that is later observed, and one never observed', () => {
    const h = new TxnHistoryBuilder()
      .invoke(0, [['append', 1, 1]])
      .complete(0, 'info')
      .invoke(1, [['append', 1, 2]])
      .complete(1, 'info')
      .seq(2, [['r', 1, [1]]]);
    const r = check(h);
    expect(r.valid).toBe(true);
    expect(r.txns).toMatchObject({ ok: 1, info: 2, graph: 2 });
  });
});

describe('list-append checker: known anomalies', () => {
  it('G0: two txns append to x and y in opposite orders (write cycle)', () => {
    const h = new TxnHistoryBuilder()
      .invoke(0, [['append', 1, 1], ['append', 2, 1]])
      .invoke(1, [['append', 1, 2], ['append', 2, 2]])
      .ok(0, [['append', 1, 1], ['append', 2, 1]])
      .ok(1, [['append', 1, 2], ['append', 2, 2]])
      .seq(2, [['r', 1, [1, 2]], ['r', 2, [2, 1]]]);
    const r = check(h, 'serializable');
    expect(r.valid).toBe(false);
    expect(r.anomalyTypes).toEqual(['G0']);
    const g0 = r.anomalies[0];
    expect(g0.cycle!.map((s) => s.kind)).toEqual(['ww', 'ww']);
    expect(g0.txns.sort()).toEqual([0, 1]);
    expect(g0.explanation.join('\n')).toMatch(/write cycle/);
  });

  it('G1c: each txn reads what the other appended (circular information flow)', () => {
    const h = new TxnHistoryBuilder()
      .invoke(0, [['append', 1, 1], ['r', 2]])
      .invoke(1, [['append', 2, 1], ['r', 1]])
      .ok(0, [['append', 1, 1], ['r', 2, [1]]])
      .ok(1, [['append', 2, 1], ['r', 1, [1]]]);
    const r = check(h, 'serializable');
    expect(r.anomalyTypes).toEqual(['G1c']);
    expect(r.anomalies[0].cycle!.map((s) => s.kind)).toEqual(['wr', 'wr']);
  });

  it('G-single and lost update: two txns read the same empty list and both append', () => {
    const h = new TxnHistoryBuilder()
      .invoke(0, [['r', 1], ['append', 1, 1]])
      .invoke(1, [['r', 1], ['append', 1, 2]])
      .ok(0, [['r', 1, null], ['append', 1, 1]])
      .ok(1, [['r', 1, null], ['append', 1, 2]])
      .seq(2, [['r', 1, [1, 2]]]);
    const r = check(h, 'serializable');
    expect(r.valid).toBe(false);
    expect(r.anomalyTypes).toEqual(['G-single', 'lost-update']);
    const g = r.anomalies.find((a) => a.name === 'G-single')!;
    expect(g.cycle!.map((s) => s.kind).sort()).toEqual(['rw', 'ww']);
  });

  it('G2: write skew, each reads the key the other appends', () => {
    const h = new TxnHistoryBuilder()
      .invoke(0, [['r', 1], ['r', 2], ['append', 1, 1]])
      .invoke(1, [['r', 1], ['r', 2], ['append', 2, 1]])
      .ok(0, [['r', 1, null], ['r', 2, null], ['append', 1, 1]])
      .ok(1, [['r', 1, null], ['r', 2, null], ['append', 2, 1]])
      .seq(2, [['r', 1, [1]], ['r', 2, [1]]]);
    const r = check(h, 'serializable');
    expect(r.anomalyTypes).toEqual(['G2']);
    expect(r.anomalies[0].cycle!.map((s) => s.kind)).toEqual(['rw', 'rw']);
  });

  it('G1a: a read sees an append from a failed txn (aborted read)', () => {
    const h = new TxnHistoryBuilder()
      .invoke(0, [['append', 1, 1]])
      .complete(0, 'fail')
      .seq(1, [['r', 1, [1]]]);
    const r = check(h);
    expect(r.anomalyTypes).toEqual(['G1a']);
    expect(r.anomalies[0].explanation.join(' ')).toMatch(/T0 .*failed/);
  });

  it('G1b: a read ends in a non-final append of another txn (intermediate read)', () => {
    const h = new TxnHistoryBuilder()
      .seq(0, [['append', 1, 1], ['append', 1, 2]])
      .seq(1, [['r', 1, [1]]]);
    expect(check(h).anomalyTypes).toContain('G1b');
  });

  it('incompatible order: two reads that are not prefixes of one another', () => {
    const h = new TxnHistoryBuilder()
      .seq(0, [['append', 1, 1]])
      .seq(1, [['append', 1, 2]])
      .seq(2, [['r', 1, [1, 2]]])
      .seq(3, [['r', 1, [2, 1]]]);
    const r = check(h, 'serializable');
    expect(r.anomalyTypes).toContain('incompatible-order');
    expect(r.anomalies.find((a) => a.name === 'incompatible-order')!.keys).toEqual([1]);
  });

  it('a stale read is invalid under strict-serializable (G-single-realtime) but valid under serializable', () => {
    const h = new TxnHistoryBuilder()
      .seq(0, [['append', 1, 1]])
      .seq(1, [['r', 1, null]]);
    expect(check(h, 'serializable').valid).toBe(true);
    const strict = check(h);
    expect(strict.valid).toBe(false);
    expect(strict.anomalyTypes).toEqual(['G-single-realtime']);
    expect(strict.anomalies[0].cycle!.map((s) => s.kind).sort()).toEqual(['realtime', 'rw']);
    expect(strict.anomalies[0].explanation.join('\n')).toMatch(/completed .* before T2 was invoked/);
  });

  it('internal inconsistency, duplicates, and elements nobody appended', () => {
    expect(check(new TxnHistoryBuilder().seq(0, [['append', 1, 1], ['r', 1, null]])).anomalyTypes).toContain('internal');
    expect(check(new TxnHistoryBuilder().seq(0, [['append', 1, 1]]).seq(1, [['r', 1, [1, 1]]])).anomalyTypes).toContain(
      'duplicate-elements',
    );
    expect(check(new TxnHistoryBuilder().seq(0, [['r', 1, [7]]])).anomalyTypes).toEqual(['garbage-read']);
  });

  it('a response that changes the request is reported', () => {
    const h = new TxnHistoryBuilder().invoke(0, [['append', 1, 1]]).ok(0, [['append', 1, 2]]);
    expect(check(h).anomalyTypes).toEqual(['response-mismatch']);
  });

  it('duplicate appends in the requests make the verdict unknown', () => {
    const h = new TxnHistoryBuilder().seq(0, [['append', 1, 1]]).seq(1, [['append', 1, 1]]);
    const r = check(h);
    expect(r.valid).toBe('unknown');
    expect(r.unknownReasons[0]).toMatch(/twice/);
  });
});

describe('list-append checker: random executions', () => {
  it('accepts random serial executions under both models', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const h = simulateHistory(seed, { txns: 200, concurrency: 1, keyCount: 3 });
      for (const m of ['strict-serializable', 'serializable'] as const) {
        const r = check(h, m);
        expect(r.anomalies, `seed ${seed} ${m}`).toEqual([]);
        expect(r.valid).toBe(true);
      }
    }
  });

  it('accepts random concurrent executions with timeouts and failures', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const h = simulateHistory(seed, { txns: 300, concurrency: 6, infoRate: 0.1, failRate: 0.1, keyCount: 4 });
      const r = check(h);
      expect(r.anomalies, `seed ${seed}`).toEqual([]);
      expect(r.valid).toBe(true);
      expect(r.edges.realtime).toBeGreaterThan(0);
    }
  });

  it('rejects mutated executions: a stale read, a garbage element, a duplicated element', () => {
    let stale = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const rng = new Rng(seed * 7919);
      const h = simulateHistory(seed, { txns: 200, concurrency: 1, keyCount: 3 });
      const oks = h.filter((e) => e.type === 'ok');
      // Stale read: drop the last element of some external read (written by an earlier txn).
      const candidates = oks.flatMap((e) => {
        const seenKeys = new Set<unknown>();
        return e.value.flatMap(([f, k, v], i) => {
          const first = !seenKeys.has(k);
          seenKeys.add(k);
          return first && f === 'r' && Array.isArray(v) && v.length > 0 ? [{ e, i }] : [];
        });
      });
      if (candidates.length > 0) {
        const { e, i } = candidates[rng.int(candidates.length)];
        const mutated = h.map((x) => (x === e ? { ...x, value: x.value.map((m, j) => (j === i ? ([m[0], m[1], (m[2] as number[]).slice(0, -1)] as typeof m) : m)) } : x));
        const r = check(mutated);
        expect(r.valid, `seed ${seed} stale`).toBe(false);
        stale++;
      }
      // Garbage and duplicates on a read with elements.
      const withRead = oks.find((e) => e.value.some(([f, , v]) => f === 'r' && Array.isArray(v) && v.length > 0))!;
      const j = withRead.value.findIndex(([f, , v]) => f === 'r' && Array.isArray(v) && v.length > 0);
      const mutate = (fn: (v: number[]) => number[]) =>
        h.map((x) => (x === withRead ? { ...x, value: x.value.map((m, k) => (k === j ? ([m[0], m[1], fn(m[2] as number[])] as typeof m) : m)) } : x));
      expect(check(mutate((v) => [...v, 999_999])).anomalyTypes).toContain('garbage-read');
      expect(check(mutate((v) => [...v, v[0]])).anomalyTypes).toContain('duplicate-elements');
    }
    expect(stale).toBeGreaterThan(10);
  });

  it('checks a 50k-txn concurrent history in seconds', () => {
    const h = simulateHistory(42, { txns: 50_000, concurrency: 20, infoRate: 0.02, failRate: 0.02 });
    const r = check(h);
    expect(r.valid).toBe(true);
    expect(r.seconds).toBeLessThan(20);
  }, 60_000);
});

describe('txn-list-append generator and client semantics', () => {
  it('generates txns of 1..4 micro-ops over 10 keys with unique appends, rotating used-up keys', () => {
    const gen = new TxnGenerator(new Rng(3));
    expect(gen.activeKeys).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const appended = new Map<unknown, number[]>();
    const lengths = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const txn = gen.next();
      lengths.add(txn.length);
      for (const [f, k, v] of txn) {
        expect(['r', 'append']).toContain(f);
        if (f === 'r') expect(v).toBeNull();
        else {
          const l = appended.get(k) ?? [];
          expect(l).not.toContain(v);
          l.push(v as number);
          appended.set(k, l);
        }
      }
    }
    expect([...lengths].sort()).toEqual([1, 2, 3, 4]);
    for (const l of appended.values()) expect(l.length).toBeLessThanOrEqual(16);
    expect(Math.max(...gen.activeKeys)).toBeGreaterThan(9);
  });

  it('maps answers to ok / fail / info, as Maelstrom\'s txn client (no function is idempotent)', () => {
    const w: ['append', number, number][] = [['append', 1, 1]];
    const r: ['r', number, null][] = [['r', 1, null]];
    expect(completeTxn(w, { kind: 'reply', body: { type: 'txn_ok', txn: w } }).type).toBe('ok');
    expect(completeTxn(w, { kind: 'reply', body: { type: 'error', code: 11 } }).type).toBe('fail');
    expect(completeTxn(w, { kind: 'reply', body: { type: 'error', code: 30 } }).type).toBe('fail');
    expect(completeTxn(w, { kind: 'reply', body: { type: 'error', code: 13 } }).type).toBe('info');
    expect(completeTxn(w, { kind: 'timeout' }).type).toBe('info');
    // A read-only txn that times out is info too (Maelstrom: with-errors op #{}).
    expect(completeTxn(r, { kind: 'timeout' }).type).toBe('info');
    expect(completeTxn(r, { kind: 'reply', body: { type: 'error', code: 13 } }).type).toBe('info');
    expect(completeTxn(r, { kind: 'reply', body: { type: 'bogus' } }).type).toBe('info');
    expect(completeTxn(r, { kind: 'reply', body: { type: 'error', code: 20 } }).type).toBe('fail');
  });
});
