// The one seeded PRNG of the project (sfc32): the bench's choices (op mix,
// values, nemesis timing), every choice of a simulation (network delays,
// losses, faults, client ops, the nodes' election-timeout seeds) and the
// chart's own election-timeout draws come from it, so a seed replays a run.
// Independent streams come from `fork`. No Math.random anywhere that matters.
// The chart keeps its generator as a value in its context (`state()`, and
// `Rng.fromState` to go on from it), so its actions stay functions of the
// context.

/** A generator's whole state, as a value. */
export type RngState = readonly [number, number, number, number];

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    this.a = 0x9e3779b9 ^ stream;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162 ^ Math.imul(stream, 0x85ebca6b);
    this.d = seed | 0;
    for (let i = 0; i < 15; i++) this.u32();
  }

  /** A generator that goes on from a saved state. */
  static fromState(state: RngState): Rng {
    const r = Object.create(Rng.prototype) as Rng;
    [r.a, r.b, r.c, r.d] = state;
    return r;
  }

  /** The whole state, as a value (the generator goes on from it with `fromState`). */
  state(): RngState {
    return [this.a, this.b, this.c, this.d];
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }

  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  shuffle<T>(xs: readonly T[]): T[] {
    const out = xs.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** An independent generator for one purpose (network, clients, nemesis...). */
  fork(stream: number): Rng {
    return new Rng(this.u32() ^ Math.imul(stream + 1, 0x27d4eb2d), stream + 1);
  }
}
