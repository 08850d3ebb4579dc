// The Raft log: 1-based, entries carry the term they were created in.
//
// Appends are amortised O(1); nothing copies the whole log per event. Index 0
// is a sentinel of term 0, so `prevLogIndex = 0` always matches and no caller
// ever indexes below the start (the seed's "append at 0" bug).
//
// Log compaction (Raft §7): entries up to a snapshot index may be discarded
// once a snapshot of the state machine covers them. The log then starts
// after `snapshotIndex`; the entry there is known only by its term
// (`snapshotTerm`), which is all the consistency check needs.
//
// The log is the one store the chart's actions change in place (copying it
// per event would make every append O(n)). Two things keep that safe:
//   - transactions: machines/raft.ts runs every action between `begin` and
//     `commit`, and `rollback` puts the log back exactly as it was if the
//     action throws, so a failing action never leaves it half-changed;
//   - trackers: whoever mirrors the log elsewhere (durable storage, the
//     simulator's invariant checker, traces) asks a tracker for the lowest
//     index changed since it last looked, instead of diffing the log.

export interface Entry<Op = unknown> {
  readonly term: number;
  readonly op: Op;
}

/** Bytes an entry takes in a message, near enough: its JSON length. */
export function entryBytes(entry: Entry<unknown>): number {
  return (JSON.stringify(entry.op)?.length ?? 4) + 20;
}

/** A size not worked out yet (RaftLog's sizes). */
const UNSIZED = -1;

/** The lowest log index changed since the tracker was last asked. */
export class LogTracker {
  private dirty = Infinity;

  /** @internal called by the log. */
  touch(index: number): void {
    if (index < this.dirty) this.dirty = index;
  }

  /** What take() would return, without resetting it. */
  peek(): number {
    return this.dirty;
  }

  /** The lowest index changed (appended, overwritten or removed) since the last call; Infinity if none. */
  take(): number {
    const d = this.dirty;
    this.dirty = Infinity;
    return d;
  }
}

interface Tx<Op> {
  readonly length: number;
  readonly base: number;
  readonly baseTerm: number;
  /** The arrays as they were, saved by the first destructive change of the transaction. */
  saved?: { entries: Entry<Op>[]; sizes: number[] };
  lowest: number;
}

export class RaftLog<Op = unknown> {
  /** entries[k] is the entry at index base + 1 + k. */
  private entries: Entry<Op>[] = [];
  /**
   * entryBytes of each entry, so a batch can be bounded in bytes without
   * serialising it again: worked out when first needed (UNSIZED until
   * then), since a follower never needs them unless it comes to lead, and a
   * leader needs them once, when it first sends the entry.
   */
  private sizes: number[] = [];
  /** The snapshot index: entries up to it are compacted away. */
  private base = 0;
  private baseTerm = 0;
  private readonly trackers: LogTracker[] = [];
  private tx: Tx<Op> | undefined;

  /** A log that starts after a snapshot of (index, term), holding `entries` from index + 1 on. */
  static after<Op>(snapshotIndex: number, snapshotTerm: number, entries: readonly Entry<Op>[] = []): RaftLog<Op> {
    const log = new RaftLog<Op>();
    log.base = snapshotIndex;
    log.baseTerm = snapshotTerm;
    for (const e of entries) {
      log.entries.push(e);
      log.sizes.push(UNSIZED);
    }
    return log;
  }

  /** The last index covered by a snapshot (0: none); the log holds entries after it. */
  get snapshotIndex(): number {
    return this.base;
  }

  get snapshotTerm(): number {
    return this.baseTerm;
  }

  /** Index of the last entry (the snapshot index when the log holds none). */
  get lastIndex(): number {
    return this.base + this.entries.length;
  }

  /** Term of the last entry (0 when empty). */
  get lastTerm(): number {
    return this.entries.length === 0 ? this.baseTerm : this.entries[this.entries.length - 1]!.term;
  }

  /** Number of entries held (not compacted). */
  get length(): number {
    return this.entries.length;
  }

  /** Bytes of the entries held, near enough (see entryBytes). */
  get bytes(): number {
    let n = 0;
    for (let i = 0; i < this.sizes.length; i++) n += this.sizeAt(i);
    return n;
  }

  /** entryBytes of entries[i], worked out on first use. */
  private sizeAt(i: number): number {
    const s = this.sizes[i]!;
    return s !== UNSIZED ? s : (this.sizes[i] = entryBytes(this.entries[i]!));
  }

  /**
   * Term of the entry at `index`: 0 for index 0, the snapshot term at the
   * snapshot index; undefined past the end, and below the snapshot index
   * (compacted: known to be committed, term no longer known).
   */
  termAt(index: number): number | undefined {
    if (index === 0) return 0;
    if (index === this.base) return this.baseTerm;
    if (!Number.isInteger(index) || index < this.base || index > this.lastIndex) return undefined;
    return this.entries[index - this.base - 1]!.term;
  }

  /** Whether the entry at `index` is held (not compacted, not past the end). */
  has(index: number): boolean {
    return Number.isInteger(index) && index > this.base && index <= this.lastIndex;
  }

  entry(index: number): Entry<Op> {
    if (!this.has(index)) {
      throw new RangeError(`log index ${index} out of range ${this.base + 1}..${this.lastIndex}`);
    }
    return this.entries[index - this.base - 1]!;
  }

  /** A tracker of changes from now on (see LogTracker). */
  track(): LogTracker {
    const t = new LogTracker();
    this.trackers.push(t);
    return t;
  }

  private touch(index: number): void {
    for (const t of this.trackers) t.touch(index);
    if (this.tx && index < this.tx.lowest) this.tx.lowest = index;
  }

  /** Before a change that removes entries: inside a transaction, keep the arrays as they were. */
  private beforeDestructive(): void {
    if (this.tx && !this.tx.saved) {
      this.tx.saved = { entries: this.entries, sizes: this.sizes };
      this.entries = this.entries.slice();
      this.sizes = this.sizes.slice();
    }
  }

  // ---- transactions ---------------------------------------------------------

  /** Starts recording changes so that `rollback` can undo them. */
  begin(): void {
    this.tx = { length: this.entries.length, base: this.base, baseTerm: this.baseTerm, lowest: Infinity };
  }

  /** Keeps the changes made since `begin`. */
  commit(): void {
    this.tx = undefined;
  }

  /** Undoes every change made since `begin`. */
  rollback(): void {
    const tx = this.tx;
    if (!tx) return;
    this.tx = undefined;
    if (tx.saved) {
      this.entries = tx.saved.entries;
      this.sizes = tx.saved.sizes;
    }
    this.base = tx.base;
    this.baseTerm = tx.baseTerm;
    this.entries.length = tx.length;
    this.sizes.length = tx.length;
    if (tx.lowest !== Infinity) for (const t of this.trackers) t.touch(tx.lowest);
  }

  // ---- changes ----------------------------------------------------------------

  /** Appends one entry at lastIndex + 1 and returns its index. */
  append(entry: Entry<Op>): number {
    this.touch(this.lastIndex + 1);
    this.entries.push(entry);
    this.sizes.push(UNSIZED);
    return this.lastIndex;
  }

  /**
   * The first index at which `incoming` (entries following prevIndex)
   * conflicts with ours (same index, other term), or undefined when none
   * does. Entries at or below the snapshot index never conflict (they are
   * committed, so every leader has them). Changes nothing.
   */
  firstConflict(prevIndex: number, incoming: readonly Entry<Op>[]): number | undefined {
    for (let k = Math.max(0, this.base - prevIndex); k < incoming.length; k++) {
      const existing = this.termAt(prevIndex + 1 + k);
      if (existing === undefined) return undefined;
      if (existing !== incoming[k]!.term) return prevIndex + 1 + k;
    }
    return undefined;
  }

  /**
   * Does our log contain an entry at prevIndex with prevTerm (Figure 2,
   * rule 2)? Below the snapshot index the answer is yes: those entries are
   * committed, so they match every leader's.
   */
  matches(prevIndex: number, prevTerm: number): boolean {
    if (!Number.isInteger(prevIndex) || prevIndex < 0) return false;
    if (prevIndex < this.base) return true;
    return this.termAt(prevIndex) === prevTerm;
  }

  /**
   * Figure 2, AppendEntries rules 3 and 4: for each incoming entry after
   * prevIndex, if an existing entry conflicts (same index, different term)
   * delete it and all that follow; append entries not already in the log.
   * Entries that already match are left alone, so a delayed duplicate never
   * erases anything; entries a snapshot covers are skipped. Returns the index
   * of the last entry the request covered (prevIndex + entries.length) and
   * the index truncated from, if any. The caller must have checked
   * `matches(prevIndex, prevTerm)`.
   */
  appendFrom(prevIndex: number, incoming: readonly Entry<Op>[]): { lastNew: number; truncatedFrom?: number } {
    if (!Number.isInteger(prevIndex) || prevIndex < 0 || prevIndex > this.lastIndex) {
      throw new RangeError(`prevIndex ${prevIndex} out of range 0..${this.lastIndex}`);
    }
    let truncatedFrom: number | undefined;
    for (let k = Math.max(0, this.base - prevIndex); k < incoming.length; k++) {
      const index = prevIndex + 1 + k;
      const existing = this.termAt(index);
      if (existing === undefined) {
        for (let j = k; j < incoming.length; j++) this.append(incoming[j]!);
        break;
      }
      if (existing !== incoming[k]!.term) {
        this.truncateFrom(index);
        truncatedFrom = index;
        for (let j = k; j < incoming.length; j++) this.append(incoming[j]!);
        break;
      }
    }
    return { lastNew: prevIndex + incoming.length, truncatedFrom };
  }

  /** Deletes every entry from `index` on. Only for conflict handling (and test-only bug variants). */
  truncateFrom(index: number): void {
    if (index <= this.base) throw new RangeError(`cannot truncate from ${index}: the snapshot covers up to ${this.base}`);
    if (index > this.lastIndex) return;
    this.beforeDestructive();
    this.touch(index);
    this.entries.length = index - this.base - 1;
    this.sizes.length = index - this.base - 1;
  }

  /**
   * Discards the entries up to `index` (held, and covered by a snapshot the
   * caller has made durable): the log starts after it.
   */
  compactTo(index: number): void {
    if (index <= this.base) return;
    if (index > this.lastIndex) throw new RangeError(`cannot compact to ${index}: the log ends at ${this.lastIndex}`);
    this.beforeDestructive();
    const term = this.termAt(index)!;
    const drop = index - this.base;
    this.entries = this.entries.slice(drop);
    this.sizes = this.sizes.slice(drop);
    this.base = index;
    this.baseTerm = term;
  }

  /**
   * A snapshot of (index, term) from the leader replaces what it covers
   * (Raft §7): if we hold an entry of that index and term, the entries after
   * it stay; otherwise the whole log is discarded. The log starts after it.
   */
  installSnapshot(index: number, term: number): void {
    if (index <= this.base) return;
    if (this.termAt(index) === term) {
      this.compactTo(index);
      return;
    }
    this.beforeDestructive();
    this.touch(this.base + 1);
    this.entries = [];
    this.sizes = [];
    this.base = index;
    this.baseTerm = term;
  }

  // ---- reading ----------------------------------------------------------------

  /**
   * Entries starting at `from` (inclusive, held: past the snapshot index):
   * at most `max` of them and, past the first, at most `maxBytes` in all; a
   * fresh small array.
   */
  slice(from: number, max: number, maxBytes = Infinity): Entry<Op>[] {
    const start = Math.max(from - this.base, 1) - 1;
    let end = Math.min(this.entries.length, start + max);
    if (maxBytes !== Infinity) {
      let bytes = 0;
      for (let i = start; i < end; i++) {
        bytes += this.sizeAt(i);
        if (bytes > maxBytes && i > start) {
          end = i;
          break;
        }
      }
    }
    return this.entries.slice(start, end);
  }

  /**
   * The first index of the term of the entry at `index`, used as a back-off
   * hint so a leader skips a whole conflicting term at once (never below the
   * first held index).
   */
  firstIndexOfTerm(index: number): number {
    const term = this.termAt(index);
    if (term === undefined || index === 0 || index <= this.base) return index;
    let i = index;
    while (i > this.base + 1 && this.entries[i - this.base - 2]!.term === term) i--;
    return i;
  }

  /** Is a log ending at (lastTerm, lastIndex) at least as up to date as ours (§5.4.1)? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    return lastTerm > this.lastTerm || (lastTerm === this.lastTerm && lastIndex >= this.lastIndex);
  }
}
