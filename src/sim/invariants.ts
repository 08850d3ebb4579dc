// The Raft invariants of tla/Raft.tla, checked on the live nodes after every
// step of a simulation, under the same names:
//
//   ElectionSafety      at most one leader per term, over the whole history
//   LogMatching         two logs with an entry of the same term at an index
//                       agree on every entry up to that index
//   LeaderCompleteness  an entry committed in term T is in the log of every
//                       leader of term T or later
//   StateMachineSafety  no two servers apply different entries at an index
//
// Every check is incremental, so a step costs O(what changed), not O(log):
// logs are watched (each log's trackers say the lowest index changed since
// the last look), and each log keeps a prefix hash per index, so "agree on
// every entry up to n" is one comparison. `committed` is recorded as in the
// spec: when a leader's commit index rises, the entries it covers are
// committed in the leader's current term.

import type { RaftLog, Entry, LogTracker } from '../core/log.js';
import type { RaftContext } from '../../machines/index.js';

export const INVARIANTS = ['ElectionSafety', 'LogMatching', 'LeaderCompleteness', 'StateMachineSafety'] as const;
export type InvariantName = (typeof INVARIANTS)[number];

export interface Violation {
  readonly invariant: InvariantName;
  readonly detail: string;
}

/** What the checker needs of a node: its id, role and Raft record. */
export interface Observed {
  readonly id: string;
  readonly role: string | undefined;
  readonly context: RaftContext | undefined;
}

// ---- hashing ---------------------------------------------------------------

function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

const opKey = (op: unknown): string => JSON.stringify(op) ?? 'undefined';

/** A hash of one entry (term and op), as a 52-bit integer. */
export function entryHash(e: Entry<unknown>): number {
  const s = `${e.term}|${opKey(e.op)}`;
  const a = fnv(2166136261, s);
  const b = fnv(0x811c9dc5 ^ 0x5bd1e995, s);
  return (a >>> 12) * 4294967296 + b;
}

function mix(prefix: number, h: number): number {
  const hi = Math.floor(prefix / 4294967296);
  const lo = prefix >>> 0;
  const a = Math.imul(hi ^ Math.floor(h / 4294967296), 0x9e3779b1) ^ (lo >>> 7);
  const b = Math.imul(lo ^ (h >>> 0), 0x85ebca77) ^ (hi << 3);
  return ((a >>> 12) >>> 0) * 4294967296 + (b >>> 0);
}

// ---- watching a log --------------------------------------------------------

/**
 * The lowest index of a log changed since the last `take` (and, on its own
 * cursor, since the trace writer last looked): two of the log's own trackers.
 * `verify` compares the whole log with a shadow as a safety net.
 */
export class LogWatch {
  private readonly checks: LogTracker;
  /** The trace writer's cursor. */
  readonly traces: LogTracker;

  constructor(readonly log: RaftLog<unknown>) {
    this.checks = log.track();
    this.traces = log.track();
  }

  /** Lowest index touched since the last call (Infinity: none), and reset. */
  take(): number {
    return this.checks.take();
  }

}

// ---- the checker -----------------------------------------------------------

interface Shadow {
  watch: LogWatch | undefined;
  log: RaftLog<unknown> | undefined;
  /** terms[k], entry hash[k], prefix hash[k] for k = 1..len (index 0 unused). */
  terms: number[];
  hashes: number[];
  prefix: number[];
  role: string | undefined;
  term: number;
  commitIndex: number;
  lastApplied: number;
  /** The log was just found: read it whole at the next check. */
  unsynced: boolean;
}

interface Committed {
  readonly index: number;
  readonly term: number; // the term of the entry
  readonly hash: number;
  readonly commitTerm: number; // the term of the leader that committed it
  readonly by: string;
}

export class InvariantChecker {
  private readonly shadows = new Map<string, Shadow>();
  /** term -> the server elected in it (ElectionSafety's history part). */
  readonly elected = new Map<number, string>();
  /** (index, term) -> [prefix hash, number of current logs holding it]. */
  private readonly holders = new Map<number, [number, number, string]>();
  /** committed[index] (TLA+ `committed`, one entry per index). */
  private readonly committed: (Committed | undefined)[] = [];
  private maxCommitted = 0;
  /** applied[index]: entry hash first applied there, and by whom. */
  private readonly applied: ([number, string] | undefined)[] = [];
  /** Figures. */
  readonly stats = { checks: 0, elections: 0, committed: 0, applied: 0 };

  constructor(ids: readonly string[]) {
    for (const id of ids) {
      this.shadows.set(id, {
        watch: undefined,
        log: undefined,
        terms: [0],
        hashes: [0],
        prefix: [0],
        role: undefined,
        term: 0,
        commitIndex: 0,
        lastApplied: 0,
        unsynced: true,
      });
    }
  }

  /** The watch of a node's log (created on first sight). */
  watchOf(n: Observed): LogWatch | undefined {
    const s = this.shadows.get(n.id);
    const ctx = n.context;
    if (!s || !ctx) return undefined;
    if (s.log !== ctx.log) {
      s.log = ctx.log as RaftLog<unknown>;
      s.watch = new LogWatch(s.log);
      s.unsynced = true;
    }
    return s.watch;
  }

  /**
   * A node's process died: it holds no role until it restarts, and what it
   * applied starts over (its state machine is rebuilt from its log).
   */
  crashed(id: string): void {
    const s = this.shadows.get(id);
    if (!s) return;
    s.role = undefined;
    s.commitIndex = 0;
    s.lastApplied = 0;
  }

  /** Checks one node after a step that may have changed it; returns the first violation. */
  check(n: Observed): Violation | undefined {
    const ctx = n.context;
    if (!ctx) return undefined;
    this.stats.checks++;
    const s = this.shadows.get(n.id)!;
    const watch = this.watchOf(n)!;
    let dirty = watch.take();
    if (s.unsynced) {
      s.unsynced = false;
      dirty = 1;
    }

    // ElectionSafety.
    const role = n.role;
    const becameLeader = role === 'leader' && (s.role !== 'leader' || s.term !== ctx.term);
    s.role = role;
    s.term = ctx.term;
    if (becameLeader) {
      this.stats.elections++;
      const other = this.elected.get(ctx.term);
      if (other !== undefined && other !== n.id) {
        return {
          invariant: 'ElectionSafety',
          detail: `${n.id} became leader of term ${ctx.term}, in which ${other} was elected already`,
        };
      }
      this.elected.set(ctx.term, n.id);
    }

    // LogMatching (and the data every other check uses).
    if (dirty !== Infinity || s.terms.length - 1 !== ctx.log.lastIndex) {
      const v = this.resync(n.id, s, Math.min(dirty, s.terms.length, ctx.log.lastIndex + 1));
      if (v) return v;
    }

    if (becameLeader) {
      const v = this.leaderHasCommitted(n.id, s, ctx.term, 1);
      if (v) return v;
    } else if (role === 'leader' && dirty !== Infinity) {
      const v = this.leaderHasCommitted(n.id, s, ctx.term, dirty);
      if (v) return v;
    }

    // Commits by a leader: record them (TLA+ AdvanceCommitIndex), then LeaderCompleteness for current leaders.
    if (ctx.commitIndex !== s.commitIndex) {
      const from = s.commitIndex;
      s.commitIndex = ctx.commitIndex;
      if (role === 'leader' && ctx.commitIndex > from) {
        for (let k = from + 1; k <= ctx.commitIndex && k < s.terms.length; k++) {
          if (this.committed[k] !== undefined) continue;
          this.committed[k] = { index: k, term: s.terms[k]!, hash: s.hashes[k]!, commitTerm: ctx.term, by: n.id };
          this.stats.committed++;
          if (k > this.maxCommitted) this.maxCommitted = k;
        }
        for (const [id, other] of this.shadows) {
          if (other.role !== 'leader' || id === n.id) continue;
          const v = this.leaderHasCommitted(id, other, other.term, from + 1);
          if (v) return v;
        }
        const v = this.leaderHasCommitted(n.id, s, ctx.term, from + 1);
        if (v) return v;
      }
    }

    // StateMachineSafety: what this node applied, index by index, against every other node.
    if (ctx.lastApplied !== s.lastApplied) {
      const from = s.lastApplied;
      s.lastApplied = ctx.lastApplied;
      for (let k = from + 1; k <= ctx.lastApplied; k++) {
        const h = k < s.hashes.length ? s.hashes[k]! : -1;
        this.stats.applied++;
        const first = this.applied[k];
        if (first === undefined) {
          this.applied[k] = [h, n.id];
        } else if (first[0] !== h) {
          return {
            invariant: 'StateMachineSafety',
            detail:
              h === -1
                ? `${n.id} applied index ${k}, past the end of its log (length ${s.terms.length - 1})`
                : `${n.id} applied ${describe(s, k)} at index ${k}, where ${first[1]} applied a different entry`,
          };
        }
      }
    }
    return undefined;
  }

  /** LeaderCompleteness for one leader: committed entries of terms <= its term, at index >= from. */
  private leaderHasCommitted(id: string, s: Shadow, term: number, from: number): Violation | undefined {
    for (let k = Math.max(1, from); k <= this.maxCommitted; k++) {
      const c = this.committed[k];
      if (!c || c.commitTerm > term) continue;
      if (k >= s.terms.length || s.hashes[k] !== c.hash) {
        return {
          invariant: 'LeaderCompleteness',
          detail:
            `${id}, leader of term ${term}, ` +
            (k >= s.terms.length ? `has no entry at index ${k}` : `has ${describe(s, k)} at index ${k}`) +
            `, where an entry of term ${c.term} was committed in term ${c.commitTerm} by ${c.by}`,
        };
      }
    }
    return undefined;
  }

  /**
   * Re-reads a node's log from index `from` on, maintaining hashes and the
   * LogMatching table. Entries a snapshot covers are no longer in the log
   * (compaction changes nothing the shadow has read); where a snapshot
   * replaced them, it must cover only committed entries, whose hashes the
   * shadow takes.
   */
  private resync(id: string, s: Shadow, from: number): Violation | undefined {
    const log = s.log!;
    const len = log.lastIndex;
    const base = log.snapshotIndex;
    const start = Math.max(1, from);
    let violation: Violation | undefined;
    // Forget the entries being replaced.
    for (let k = start; k < s.terms.length; k++) this.release(k, s.terms[k]!);
    s.terms.length = start;
    s.hashes.length = start;
    s.prefix.length = start;
    for (let k = start; k <= len; k++) {
      let term: number;
      let h: number;
      if (k <= base) {
        const c = this.committed[k];
        if (!c) {
          // A snapshot is the state machine: it may only hold applied, committed entries.
          violation ??= { invariant: 'StateMachineSafety', detail: `${id} holds a snapshot covering index ${k}, which no leader committed` };
          term = k === base ? log.snapshotTerm : -1;
          h = -k;
        } else {
          term = c.term;
          h = c.hash;
        }
      } else {
        const e = log.entry(k);
        term = e.term;
        h = entryHash(e);
      }
      const p = mix(s.prefix[k - 1]!, h);
      s.terms.push(term);
      s.hashes.push(h);
      s.prefix.push(p);
      const key = k * 1048576 + term;
      const held = this.holders.get(key);
      if (held === undefined) {
        this.holders.set(key, [p, 1, id]);
      } else {
        held[1]++;
        if (held[0] !== p && violation === undefined) {
          violation = {
            invariant: 'LogMatching',
            detail: `${id} and ${held[2]} both hold an entry of term ${term} at index ${k}, but their logs differ at or before it`,
          };
        }
      }
    }
    return violation;
  }

  private release(k: number, term: number): void {
    const key = k * 1048576 + term;
    const held = this.holders.get(key);
    if (held && --held[1] <= 0) this.holders.delete(key);
  }

  /** Full comparison of every watched log with its shadow (a safety net for unwatched mutations). */
  verifyShadows(nodes: readonly Observed[]): string | undefined {
    for (const n of nodes) {
      const s = this.shadows.get(n.id);
      const ctx = n.context;
      if (!s || !ctx || !s.log) continue;
      if (s.terms.length - 1 !== ctx.log.lastIndex) return `${n.id}: log length ${ctx.log.lastIndex}, shadow ${s.terms.length - 1}`;
      for (let k = ctx.log.snapshotIndex + 1; k <= ctx.log.lastIndex; k++) {
        if (entryHash(ctx.log.entry(k)) !== s.hashes[k]) return `${n.id}: log changed at ${k} without a watched mutator`;
      }
    }
    return undefined;
  }
}

function describe(s: Shadow, k: number): string {
  return k < s.terms.length ? `an entry of term ${s.terms[k]}` : 'nothing';
}
