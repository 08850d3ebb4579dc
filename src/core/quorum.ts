// Quorum arithmetic.

/** How many of n servers form a majority. */
export function majority(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`cluster size must be a positive integer, got ${n}`);
  return Math.floor(n / 2) + 1;
}

/** Scratch space for quorumIndex (it keeps nothing between calls, and calls nothing that could re-enter it). */
const scratch: number[] = [];

/**
 * The highest index stored on a majority: sort the match indexes (the
 * leader's own last index included) and take the one a majority reaches,
 * biased towards the lower value on a tie. Same as the seed's median.
 * Called after every event a leader handles (the commit rule's guard): it
 * sorts a copy in reusable scratch space by insertion (a handful of
 * servers), with no allocation and no comparator calls.
 */
export function quorumIndex(matchIndexes: readonly number[]): number {
  const n = matchIndexes.length;
  if (n === 0) throw new RangeError('quorumIndex of no servers');
  const sorted = scratch;
  sorted.length = n;
  for (let i = 0; i < n; i++) {
    const x = matchIndexes[i]!;
    // NaN has no place in an order: leave it to Array.prototype.sort, as before.
    if (x !== x) return sortedQuorumIndex(matchIndexes);
    let j = i - 1;
    while (j >= 0 && sorted[j]! > x) {
      sorted[j + 1] = sorted[j]!;
      j--;
    }
    sorted[j + 1] = x;
  }
  return sorted[sorted.length - majority(sorted.length)]!;
}

function sortedQuorumIndex(matchIndexes: readonly number[]): number {
  const all = [...matchIndexes].sort((a, b) => a - b);
  return all[all.length - majority(all.length)]!;
}
