import { describe, expect, it } from 'vitest';
import { majority, quorumIndex } from '../../src/core/quorum.js';

describe('quorum arithmetic', () => {
  it('majority', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(majority)).toEqual([1, 2, 2, 3, 3, 4, 4]);
    expect(() => majority(0)).toThrow(RangeError);
  });

  it('quorumIndex is the highest index a majority holds (median, lower on ties)', () => {
    expect(quorumIndex([5])).toBe(5);
    expect(quorumIndex([5, 3, 4])).toBe(4);
    expect(quorumIndex([5, 0, 0])).toBe(0);
    expect(quorumIndex([7, 7, 1, 1])).toBe(1); // 4 servers: need 3
    expect(quorumIndex([9, 8, 7, 1, 0])).toBe(7);
    const xs = [3, 1, 2];
    quorumIndex(xs);
    expect(xs).toEqual([3, 1, 2]); // input untouched
  });

  it('matches a brute-force definition on random inputs', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 10);
    for (let k = 0; k < 500; k++) {
      const n = 1 + (k % 7);
      const xs = Array.from({ length: n }, rnd);
      const best = Math.max(...xs.filter((c) => xs.filter((x) => x >= c).length >= majority(n)));
      expect(quorumIndex(xs)).toBe(best);
    }
  });

  it('is the sorted copy\'s element a majority reaches, for any numbers (NaN too) and up to 15 servers', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 1000);
    const reference = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length - majority(xs.length)];
    for (let k = 0; k < 2000; k++) {
      const n = 1 + (k % 15);
      const xs = Array.from({ length: n }, () => {
        const r = rnd();
        return r < 20 ? NaN : r < 500 ? r % 7 : r * 1e12;
      });
      expect(quorumIndex(xs)).toBe(reference(xs));
    }
  });
});
