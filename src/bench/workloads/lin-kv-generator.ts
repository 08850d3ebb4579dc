// The lin-kv operation generator, as Maelstrom builds it from Jepsen's
// linearizable-register test (jepsen.tests.linearizable-register with no
// :per-key-limit, wrapped in jepsen.independent/concurrent-generator):
//
// - Client threads are split into groups of 2 x node-count; each group works
//   on one key at a time, keys 0, 1, 2, ... taken in turn.
// - In a group, the first node-count threads only read (gen/reserve); the
//   others write or compare-and-set, one write to two cas (gen/mix [w cas
//   cas]); values and cas arguments are random integers 0..4.
// - A key is retired, and its group takes the next unused key, when more than
//   `processLimit` distinct processes (default 20, Jepsen's :process-limit)
//   have worked on it. A thread whose operation ends `info` has crashed and
//   continues as a new process (thread + k x concurrency), so keys turn over
//   as operations time out. With no crashes a group keeps its key for the
//   whole run, and per-key histories are long.
// - `perKeyLimit` (Jepsen's :per-key-limit, unset in Maelstrom) additionally
//   retires a key after about that many operations (randomised 0.9-1.0).
//
// Pure: no clock, no IO. Every random choice comes from the Rng it is given,
// split into one stream per thread at construction, so a thread's sequence
// of (function, value) draws depends on the seed alone, whatever the node
// under test does. Which key an operation goes to depends on the crashes
// (`complete`) it is told about, as in Jepsen. The bench drives it, and the
// simulator can drive it the same way (one `next` per invocation, one
// `complete` per completion).

import type { Rng } from '../../core/random.js';

export interface LinKvOp {
  f: 'read' | 'write' | 'cas';
  key: number;
  /** read: null; write: the value; cas: [from, to]. */
  value: null | number | [number, number];
}

export interface LinKvGeneratorOptions {
  nodeCount: number;
  /** Client threads. */
  concurrency: number;
  /** Operations per key before a group moves on (randomised 0.9-1.0); null: no limit (Maelstrom). */
  perKeyLimit?: number | null;
  /** Distinct processes per key before a group moves on (default 20, as Jepsen). */
  processLimit?: number;
}

interface Group {
  /** First thread of the group. */
  first: number;
  size: number;
  /** The first `readers` threads of the group only read. */
  readers: number;
  key: number;
  /** Operations issued on the current key. */
  issued: number;
  /** Operation limit for the current key (Infinity without perKeyLimit). */
  limit: number;
  /** Processes that have worked on (or were ready to work on) the current key. */
  processes: Set<number>;
}

export const DEFAULT_PROCESS_LIMIT = 20;

export class LinKvGenerator {
  /** Remarks about the options (e.g. where they differ from what Maelstrom allows). */
  readonly notes: string[] = [];
  private readonly groups: Group[] = [];
  private readonly groupOf: number[] = [];
  private readonly streams: Rng[] = [];
  private readonly processOf: number[] = [];
  private readonly limitRng: Rng;
  private nextKey = 0;
  private readonly perKeyLimit: number | null;
  private readonly processLimit: number;
  readonly concurrency: number;

  constructor(rng: Rng, opts: LinKvGeneratorOptions) {
    const { nodeCount, concurrency } = opts;
    if (!(Number.isInteger(nodeCount) && nodeCount > 0 && Number.isInteger(concurrency) && concurrency > 0)) {
      throw new Error(`lin-kv generator: bad node count ${nodeCount} or concurrency ${concurrency}`);
    }
    this.concurrency = concurrency;
    this.perKeyLimit = opts.perKeyLimit ?? null;
    const size = 2 * nodeCount;
    const asked = opts.processLimit ?? DEFAULT_PROCESS_LIMIT;
    this.processLimit = Math.max(asked, Math.min(size, concurrency));
    if (this.processLimit > asked) {
      this.notes.push(
        `a key group has ${Math.min(size, concurrency)} threads, more than the process limit of ${asked}; the limit is raised to ${this.processLimit} (Jepsen would never start a key)`,
      );
    }
    if (concurrency % size !== 0) {
      this.notes.push(
        `concurrency ${concurrency} is not a multiple of 2 x node-count (${size}); Maelstrom would refuse this, the bench uses a smaller last group`,
      );
    }
    // Streams first, in a fixed order, so that they depend on the seed alone.
    this.limitRng = rng.fork(0);
    for (let t = 0; t < concurrency; t++) {
      this.streams.push(rng.fork(t + 1));
      this.processOf.push(t);
    }
    for (let start = 0; start < concurrency; start += size) {
      const count = Math.min(size, concurrency - start);
      const g: Group = {
        first: start,
        size: count,
        readers: count === size ? nodeCount : Math.floor(count / 2),
        key: this.nextKey++,
        issued: 0,
        limit: this.limit(),
        processes: new Set(),
      };
      for (let t = start; t < start + count; t++) {
        this.groupOf[t] = this.groups.length;
        g.processes.add(t);
      }
      this.groups.push(g);
    }
  }

  private limit(): number {
    if (this.perKeyLimit === null) return Infinity;
    return Math.max(1, Math.floor((0.9 + 0.1 * this.limitRng.next()) * this.perKeyLimit));
  }

  /** The Jepsen process a thread currently runs as. */
  process(thread: number): number {
    return this.processOf[thread]!;
  }

  /** The key a thread's group is working on. */
  keyOf(thread: number): number {
    return this.groups[this.groupOf[thread]!]!.key;
  }

  /** The next operation for a free thread. */
  next(thread: number): LinKvOp {
    const g = this.groups[this.groupOf[thread]!];
    if (g === undefined) throw new Error(`lin-kv generator: no thread ${thread}`);
    // Process limit: every process the group's threads run as counts for the
    // key, including new ones that replaced crashed processes.
    let over = false;
    for (let t = g.first; t < g.first + g.size; t++) {
      g.processes.add(this.processOf[t]!);
      if (g.processes.size > this.processLimit) over = true;
    }
    if (over || g.issued >= g.limit) {
      g.key = this.nextKey++;
      g.issued = 0;
      g.limit = this.limit();
      g.processes = new Set();
      for (let t = g.first; t < g.first + g.size; t++) g.processes.add(this.processOf[t]!);
    }
    g.issued++;
    if (thread - g.first < g.readers) return { f: 'read', key: g.key, value: null };
    const r = this.streams[thread]!;
    if (r.int(3) === 0) return { f: 'write', key: g.key, value: r.int(5) };
    return { f: 'cas', key: g.key, value: [r.int(5), r.int(5)] };
  }

  /** How a thread's operation ended: after `info` the thread continues as a new process. */
  complete(thread: number, type: 'ok' | 'fail' | 'info'): void {
    if (type === 'info') this.processOf[thread] = this.processOf[thread]! + this.concurrency;
  }
}
