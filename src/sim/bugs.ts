// TEST-ONLY bug variants of the Raft machine, for showing that the simulator
// catches real mistakes. Each swaps one or two guard/action implementations
// by name through createRaftMachine's overrides; the chart and the production
// machine never change. Never pass these to a node outside a simulation.

import { actions } from '../../machines/actions.js';
import { guards, majorityMatchIndex } from '../../machines/guards.js';
import type { MachineOverrides } from '../../machines/raft.js';
import type { Storage } from '../core/storage.js';

/** A bug variant: machine overrides, and/or a wrapper of the node's durable storage. */
export type BugVariant = MachineOverrides & { readonly storage?: (s: Storage) => Storage };

/** Storage that leaves out part of every update (how a missed fsync or a forgotten field loses state). */
function forgetting(drop: 'vote' | 'log'): (s: Storage) => Storage {
  return (s) => ({
    get appendedBytes() {
      return s.appendedBytes;
    },
    get rewrittenBytes() {
      return s.rewrittenBytes;
    },
    save: (u) =>
      s.save(
        drop === 'vote'
          ? { ...u, ...(u.hardState ? { hardState: { term: u.hardState.term, votedFor: null } } : {}) }
          : { ...(u.hardState ? { hardState: u.hardState } : {}) },
      ),
    rewrite: (st) => s.rewrite(drop === 'vote' ? { ...st, hardState: { ...st.hardState, votedFor: null } } : { ...st, entries: [] }),
    saveSnapshot: (snap, hs, after) => s.saveSnapshot(snap, drop === 'vote' ? { ...hs, votedFor: null } : hs, drop === 'log' ? [] : after),
  });
}

export const BUGS = {
  /** Figure 8: commit an entry of an earlier term by counting replicas. */
  'commit-earlier-term': {
    guards: {
      canAdvanceCommitIndex: (ctx) => majorityMatchIndex(ctx) > ctx.commitIndex,
    },
  },
  /** Grant a vote to any up-to-date candidate of the term, ignoring votedFor. */
  'two-votes': {
    guards: {
      canGrantVote: (ctx, ev) => {
        const b = ev.body as unknown as { term: number; last_log_index: number; last_log_term: number };
        return b.term === ctx.term && ctx.log.isUpToDate(b.last_log_index, b.last_log_term);
      },
    },
  },
  /** Apply entries to the state machine as soon as they are in the log, before they commit. */
  'apply-before-commit': {
    guards: {
      hasCommittedUnapplied: (ctx) => Math.max(ctx.commitIndex, ctx.log.lastIndex) > ctx.lastApplied,
    },
    actions: {
      applyCommitted: (ctx) =>
        actions.applyCommitted({ ...ctx, commitIndex: Math.max(ctx.commitIndex, ctx.log.lastIndex) }),
    },
  },
  /** The seed's bug: truncate the log after prev_log_index on every AppendEntries, even when the entries match. */
  'truncate-without-conflict': {
    actions: {
      handleAppendEntries: (ctx, ev) => {
        const prev = ev.body.prev_log_index as number;
        if (ctx.log.matches(prev, ev.body.prev_log_term as number)) ctx.log.truncateFrom(prev + 1);
        return actions.handleAppendEntries(ctx, ev);
      },
    },
  },
  /**
   * Leader leases (RAFT_READS=lease) held 20 longest election timeouts
   * longer than the safe bound allows: a deposed leader keeps answering
   * reads after another was elected and took writes.
   */
  'lease-too-long': {
    guards: {
      canServeLeaseRead: (ctx, ev) => guards.canServeLeaseRead({ ...ctx, leaseUntil: ctx.leaseUntil + 20 * ctx.config.electionMaxMs }, ev),
    },
    actions: {
      serveLeaseRead: (ctx, ev) => actions.serveLeaseRead({ ...ctx, leaseUntil: ctx.leaseUntil + 20 * ctx.config.electionMaxMs }, ev),
    },
  },
  /** Persist the term but never the vote: a restarted node may vote twice in a term. */
  'forget-vote': { storage: forgetting('vote') },
  /** Persist term and vote but never the log: a restarted node forgets what it acknowledged. */
  'forget-log': { storage: forgetting('log') },
} satisfies Record<string, BugVariant>;

export type BugName = keyof typeof BUGS;
export const BUG_NAMES = Object.keys(BUGS) as BugName[];
