// A simulated disk for crash-restart faults: the Disk of src/core/storage.ts
// in memory, with what a crash does to real files.
//
// Appended bytes sit in a cache until `sync`; a crash keeps the synced bytes
// and, of the unsynced ones, a random prefix (a torn tail: the beginning of
// a write reached the platter, the rest did not). `replace` is atomic (a
// crash leaves the old file or the new one). `armCrash(n)` makes the process
// die during its n-th disk operation from now: that operation is torn or
// lost, and nothing after it reaches the disk (nor, the simulator sees to
// it, the network).

import type { Disk } from '../core/storage.js';
import type { Rng } from '../core/random.js';

interface File {
  durable: Uint8Array;
  pending: Uint8Array[];
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export class SimDisk implements Disk {
  private readonly files = new Map<string, File>();
  private crashIn: number | undefined;
  /** The process died during a disk operation (armCrash): nothing more happens. */
  dead = false;
  readonly stats = { appends: 0, syncs: 0, replaces: 0, crashes: 0, tornBytes: 0, lostBytes: 0 };

  constructor(private readonly rng: Rng) {}

  private file(name: string): File {
    let f = this.files.get(name);
    if (!f) this.files.set(name, (f = { durable: new Uint8Array(0), pending: [] }));
    return f;
  }

  /** Dies during the n-th disk operation from now (1: the next one). */
  armCrash(n: number): void {
    this.crashIn = Math.max(1, n);
  }

  /** Forgets an armed crash that has not happened. */
  disarm(): void {
    this.crashIn = undefined;
  }

  get armed(): boolean {
    return this.crashIn !== undefined;
  }

  /** Counts an operation: does it happen, does the process die during it, or is it dead already? */
  private step(): 'alive' | 'dying' | 'dead' {
    if (this.dead) return 'dead';
    if (this.crashIn === undefined || --this.crashIn > 0) return 'alive';
    this.crashIn = undefined;
    this.dead = true;
    return 'dying';
  }

  private dies(): boolean {
    return this.step() !== 'alive';
  }

  read(name: string): Uint8Array | undefined {
    const f = this.files.get(name);
    if (!f) return undefined;
    return concat([f.durable, ...f.pending]);
  }

  append(name: string, data: Uint8Array): void {
    const s = this.step();
    if (s === 'dead') return;
    if (s === 'dying') {
      // Died while writing: some prefix of this write may be in the cache.
      const keep = this.rng.int(data.length + 1);
      if (keep > 0) this.file(name).pending.push(data.slice(0, keep));
      return;
    }
    this.stats.appends++;
    this.file(name).pending.push(data.slice());
  }

  sync(name: string): void {
    if (this.dies()) return;
    this.stats.syncs++;
    const f = this.file(name);
    if (f.pending.length > 0) {
      f.durable = concat([f.durable, ...f.pending]);
      f.pending = [];
    }
  }

  truncate(name: string, size: number): void {
    if (this.dies()) return;
    const f = this.file(name);
    const all = concat([f.durable, ...f.pending]);
    f.durable = all.slice(0, Math.min(size, all.length));
    f.pending = [];
  }

  replace(name: string, data: Uint8Array): void {
    if (this.dies()) return;
    this.stats.replaces++;
    const f = this.file(name);
    f.durable = data.slice();
    f.pending = [];
  }

  /**
   * The crash itself: every file keeps its synced bytes and a random prefix
   * of what was not synced. The disk is usable again afterwards (a restart).
   */
  crash(): void {
    this.stats.crashes++;
    for (const f of this.files.values()) {
      const unsynced = concat(f.pending);
      const keep = this.rng.int(unsynced.length + 1);
      this.stats.tornBytes += keep;
      this.stats.lostBytes += unsynced.length - keep;
      if (keep > 0) f.durable = concat([f.durable, unsynced.subarray(0, keep)]);
      f.pending = [];
    }
    this.dead = false;
    this.crashIn = undefined;
  }
}
