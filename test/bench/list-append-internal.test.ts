// The list-append checker's checks inside one transaction, on the cases of
// Elle's own internal-consistency tests (elle.list-append-test,
// internal-cases-test), written here as whole histories: every element read
// has a writer, so the anomaly named is the one the case is about. Keys 1
// and 2 stand for Elle's :x and :y.

import { describe, expect, it } from 'vitest';
import { checkListAppend, type AnomalyName } from '../../src/bench/checker/list-append.js';
import { TxnHistoryBuilder } from './txn-history.js';

const MODELS = ['strict-serializable', 'serializable'] as const;

/** The anomaly classes found under both models (they must agree: nothing here needs real time). */
function classes(b: TxnHistoryBuilder): AnomalyName[] {
  const [strict, ser] = MODELS.map((m) => checkListAppend(b.events, { consistencyModel: m }));
  expect(strict!.anomalyTypes).toEqual(ser!.anomalyTypes);
  return strict!.anomalyTypes;
}

const explanation = (b: TxnHistoryBuilder, name: AnomalyName): string =>
  checkListAppend(b.events).anomalies.find((a) => a.name === name)?.explanation.join('\n') ?? '';

/** T0 appends 1 then 2 to key 1, before anything else. */
const x12 = () => new TxnHistoryBuilder().seq(0, [['append', 1, 1], ['append', 1, 2]]);

describe('list-append checker: internal consistency (Elle internal-cases)', () => {
  it('good: reads that agree with the txn’s own earlier reads and appends are valid', () => {
    const h = new TxnHistoryBuilder()
      .seq(0, [['append', 2, 5], ['append', 2, 6]])
      .seq(0, [['append', 1, 1], ['append', 1, 2]])
      .seq(1, [['r', 2, [5, 6]], ['append', 1, 3], ['r', 1, [1, 2, 3]], ['append', 1, 4], ['r', 1, [1, 2, 3, 4]]]);
    expect(classes(h)).toEqual([]);
  });

  it('read nil, then something: the second read contradicts the first', () => {
    const h = new TxnHistoryBuilder().invoke(0, [['append', 1, 2]]).seq(1, [['r', 1, null], ['r', 1, [2]]]).ok(0, [['append', 1, 2]]);
    expect(classes(h)).toEqual(['internal']);
    expect(explanation(h, 'internal')).toMatch(/read key 1 = \[2\], but its own earlier reads and appends say it must be \[\]/);
  });

  it('read-append-read, stale: [1 2], append 3, then [1 2] again', () => {
    expect(classes(x12().seq(1, [['r', 1, [1, 2]], ['append', 1, 3], ['r', 1, [1, 2]]]))).toEqual(['internal']);
  });

  it('read-append-read, bad prefix: [1 2], append 3, then [0 2 3]', () => {
    // Also a list nobody could build (0 was never appended, and [0 2 3] is no
    // extension of [1 2]); internal is the class of this case.
    expect(classes(x12().seq(1, [['r', 1, [1, 2]], ['append', 1, 3], ['r', 1, [0, 2, 3]]]))).toContain('internal');
  });

  it('read-append-read, extension: [1 2], append 3, then [1 2 3 4]', () => {
    const h = x12().invoke(2, [['append', 1, 4]]).seq(1, [['r', 1, [1, 2]], ['append', 1, 3], ['r', 1, [1, 2, 3, 4]]]).ok(2, [['append', 1, 4]]);
    expect(classes(h)).toEqual(['internal']);
    expect(explanation(h, 'internal')).toMatch(/must be \[1,2,3\]/);
  });

  it('read-append-read, short read: [1 2], append 3, then [1]', () => {
    // [1] also ends in an element T0 followed with 2 (G1b, intermediate read).
    expect(classes(x12().seq(1, [['r', 1, [1, 2]], ['append', 1, 3], ['r', 1, [1]]]))).toEqual(['G1b', 'internal']);
  });

  it('append-read, disagreement: append 3, then a read not ending in 3', () => {
    const h = x12().invoke(2, [['append', 1, 4]]).seq(1, [['append', 1, 3], ['r', 1, [1, 2, 3, 4]]]).ok(2, [['append', 1, 4]]);
    expect(classes(h)).toEqual(['internal']);
    expect(explanation(h, 'internal')).toMatch(/it had itself appended \[3\] earlier, so the list must end with that/);
  });

  it('append-read, short read: append 3, then []', () => {
    expect(classes(new TxnHistoryBuilder().seq(1, [['append', 1, 3], ['r', 1, []]]))).toEqual(['internal']);
  });

  it('FaunaDB example: append 6 to key 0, then read key 0 as nil', () => {
    expect(classes(new TxnHistoryBuilder().seq(1, [['append', 0, 6], ['r', 0, null]]))).toEqual(['internal']);
  });
});

describe('list-append checker: future reads (Elle future-read)', () => {
  it('the issue’s case: [[r x [1]] [append x 1]] is rejected (it was judged valid)', () => {
    const h = new TxnHistoryBuilder().seq(1, [['r', 1, [1]], ['append', 1, 1]]);
    expect(classes(h)).toEqual(['future-read']);
    for (const m of MODELS) expect(checkListAppend(h.events, { consistencyModel: m }).valid).toBe(false);
    expect(explanation(h, 'future-read')).toMatch(/read key 1 = \[1\] \(micro-op 1\), which holds 1, and only later \(micro-op 2\) appended 1 itself/);
  });

  it('future read external: [r x [0 1 2]], then append 1', () => {
    // With the writers of 0 and 2 in the history, the read also closes a cycle
    // through the txn's own append (G1c); the future read is named as such.
    const h = new TxnHistoryBuilder()
      .invoke(0, [['append', 1, 0]])
      .invoke(2, [['append', 1, 2]])
      .seq(1, [['r', 1, [0, 1, 2]], ['append', 1, 1]])
      .ok(0, [['append', 1, 0]])
      .ok(2, [['append', 1, 2]]);
    expect(classes(h)).toEqual(['G1c', 'future-read']);
  });

  it('future read internal: append 1, read [0 1], then append 0 and 3', () => {
    // Internally consistent (the read ends with the txn's own 1), but 0 was read before the txn appended it.
    const h = new TxnHistoryBuilder().seq(1, [['append', 1, 1], ['r', 1, [0, 1]], ['append', 1, 0], ['append', 1, 3]]);
    expect(classes(h)).toEqual(['future-read']);
    expect(explanation(h, 'future-read')).toMatch(/holds 0, and only later \(micro-op 3\) appended 0/);
  });

  it('reading an element another txn appended, then appending another, is no future read', () => {
    const h = new TxnHistoryBuilder().seq(0, [['append', 1, 1]]).seq(1, [['r', 1, [1]], ['append', 1, 2], ['r', 1, [1, 2]]]);
    expect(classes(h)).toEqual([]);
  });
});
