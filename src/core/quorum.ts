// Quorum arithmetic.

/** How many of n servers form a majority. */
export function majority(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`cluster size must be a positive integer, got ${n}`);
  return Math.floor(n / 2) + 1;
}

/**
 * The highest index stored on a majority: sort the match indexes (the
 * leader's own last index included) and take the one a majority reaches,
 * biased towards the lower value on a tie. Same as the seed's median.
 */
export function quorumIndex(matchIndexes: readonly number[]): number {
  if (matchIndexes.length === 0) throw new RangeError('quorumIndex of no servers');
  const sorted = [...matchIndexes].sort((a, b) => a - b);
  return sorted[sorted.length - majority(sorted.length)]!;
}
