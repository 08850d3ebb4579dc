// A leader sends the AppendEntries carrying new entries before its own fsync
// of them (RAFT_LEADER_SYNC=parallel, the default; Raft thesis 10.2.1:
// src/runtime/runtime.ts beforeSync), and nothing else Raft promises goes
// before the fsync that makes it true: a vote leaves once the vote is on the
// voter's disk, an acknowledgement once the entries it acknowledges are, and
// a leader answers a write only once the entries up to its commit index are
// on its own disk (it counts itself in a commit quorum only for durable
// entries). With RAFT_LEADER_SYNC=before-send, no AppendEntries leaves
// before its entries are on the leader's disk.
import { describe, expect, it } from 'vitest';
import { LocalCluster } from '../support/local-cluster.js';
import { watchedDisk } from '../support/watched-disk.js';
import { openNodeStorage, type Disk } from '../../src/core/storage.js';
import type { Message } from '../../src/maelstrom/node.js';
import type { LeaderSyncMode } from '../../machines/context.js';

/** What a node's disk held after one of its fsyncs, and how many messages had gone out (all nodes) by then. */
interface Sync {
  readonly node: string;
  readonly sentBefore: number;
  readonly term: number;
  readonly votedFor: string | null;
  readonly lastIndex: number;
}

/** A message as it went out, with the sender's role and commit index at that moment. */
interface Sent {
  readonly msg: Message;
  readonly role: string | undefined;
  readonly commitIndex: number;
}

function run(leaderSync: LeaderSyncMode): { sent: Sent[]; syncs: Sync[]; answers: number } {
  const sent: Sent[] = [];
  const syncs: Sync[] = [];
  let c: LocalCluster | undefined = undefined;
  const diskOf = (id: string): Disk =>
    watchedDisk(() => {
      // The runtime syncs inside persist: its context is what the fsync made durable.
      const ctx = c?.nodes.get(id)?.context;
      if (ctx) syncs.push({ node: id, sentBefore: sent.length, term: ctx.term, votedFor: ctx.votedFor, lastIndex: ctx.log.lastIndex });
    });
  // Output held as the binary holds it: it leaves at the end of a batch, or before the fsync when the node flushes it.
  c = new LocalCluster({ nodeCount: 3, delayMs: 1, bufferOutput: true, nodeOptions: { config: { leaderSync }, openStorage: (id, ids) => openNodeStorage(diskOf(id), id, ids) } });
  const cluster = c;
  cluster.tap = (msg) => {
    const n = cluster.nodes.get(msg.src);
    sent.push({ msg, role: n?.role, commitIndex: n?.context?.commitIndex ?? 0 });
  };
  cluster.run(2000);
  let msgId = 0;
  const writes = (rounds: number): void => {
    for (let r = 0; r < rounds; r++) {
      const leader = cluster.leaders()[0]!.id;
      // Two writes in one batch, then a little time: acknowledgements and new writes share the leader's batches.
      cluster.requests('c1', leader, [
        { type: 'write', msg_id: ++msgId, key: 'k', value: msgId },
        { type: 'write', msg_id: ++msgId, key: 'j', value: msgId },
      ]);
      cluster.run(1 + (r % 3));
    }
    cluster.run(200);
  };
  writes(20);
  // A leader change: votes are granted (and made durable) under load.
  const old = cluster.leaders()[0]!.id;
  cluster.partition([old], cluster.ids.filter((n) => n !== old));
  cluster.run(2000);
  cluster.heal();
  cluster.run(1000);
  expect(cluster.leaders()).toHaveLength(1);
  expect(cluster.leaders()[0]!.id).not.toBe(old);
  writes(20);
  const answers = cluster.inbox.get('c1')!.filter((m) => m.body.type === 'write_ok').length;
  return { sent, syncs, answers };
}

/** The sender's disk as of message `at`: its last fsync before the message went out. */
function durableAt(syncs: readonly Sync[], node: string, at: number): Sync | undefined {
  let found: Sync | undefined;
  for (const s of syncs) if (s.node === node && s.sentBefore <= at) found = s;
  return found;
}

interface Tally {
  /** AppendEntries that carried an entry not yet on the leader's disk when it left. */
  appendsBeforeSync: number;
  votes: number;
  acks: number;
  leaderAnswers: number;
  /** Promises sent before the fsync that makes them true. */
  broken: string[];
}

function tally(sent: readonly Sent[], syncs: readonly Sync[]): Tally {
  const t: Tally = { appendsBeforeSync: 0, votes: 0, acks: 0, leaderAnswers: 0, broken: [] };
  sent.forEach(({ msg, role, commitIndex }, at) => {
    const b = msg.body;
    const d = durableAt(syncs, msg.src, at);
    const where = `message #${at} ${msg.src}->${msg.dest} ${b.type}`;
    if (b.type === 'append_entries') {
      const entries = (b.entries as unknown[]).length;
      if (entries > 0 && (b.prev_log_index as number) + entries > (d?.lastIndex ?? 0)) t.appendsBeforeSync++;
    } else if (b.type === 'request_vote_res' && b.vote_granted === true) {
      t.votes++;
      if (!d || d.term !== b.term || d.votedFor !== msg.dest) t.broken.push(`${where}: vote for ${msg.dest} in term ${String(b.term)}, disk has ${JSON.stringify(d)}`);
    } else if (b.type === 'append_entries_res' && b.success === true) {
      t.acks++;
      if (!d || d.lastIndex < (b.match_index as number)) t.broken.push(`${where}: acknowledges ${String(b.match_index)}, disk has ${JSON.stringify(d)}`);
    } else if ((b.type === 'write_ok' || b.type === 'cas_ok') && role === 'leader') {
      t.leaderAnswers++;
      if (!d || d.lastIndex < commitIndex) t.broken.push(`${where}: leader answers at commit index ${commitIndex}, disk has ${JSON.stringify(d)}`);
    }
  });
  return t;
}

describe("a leader's AppendEntries before its own fsync", () => {
  it('parallel (default): the AppendEntries leave before the fsync; votes, acknowledgements and answers after theirs', () => {
    const { sent, syncs, answers } = run('parallel');
    const t = tally(sent, syncs);
    expect(t.broken).toEqual([]);
    // The situations arose: early AppendEntries, votes granted, acknowledgements, answers.
    expect(t.appendsBeforeSync).toBeGreaterThan(10);
    expect(t.votes).toBeGreaterThan(0);
    expect(t.acks).toBeGreaterThan(20);
    expect(t.leaderAnswers).toBeGreaterThan(20);
    expect(answers).toBe(80);
  });

  it('before-send: no AppendEntries carries an entry its leader has not synced', () => {
    const { sent, syncs, answers } = run('before-send');
    const t = tally(sent, syncs);
    expect(t.broken).toEqual([]);
    expect(t.appendsBeforeSync).toBe(0);
    expect(t.acks).toBeGreaterThan(20);
    expect(answers).toBe(80);
  });

  it('the check rejects a vote, an acknowledgement and an answer sent before their fsync', () => {
    const syncs: Sync[] = [{ node: 'n0', sentBefore: 0, term: 1, votedFor: null, lastIndex: 0 }];
    const msg = (body: Message['body'], dest = 'n1'): Sent => ({ msg: { src: 'n0', dest, body }, role: 'leader', commitIndex: 2 });
    const t = tally(
      [
        msg({ type: 'request_vote_res', term: 1, vote_granted: true }),
        msg({ type: 'append_entries_res', term: 1, success: true, match_index: 3 }),
        msg({ type: 'write_ok', in_reply_to: 1 }, 'c1'),
        msg({ type: 'append_entries', term: 1, prev_log_index: 0, entries: [{}] }),
      ],
      syncs,
    );
    expect(t.broken).toHaveLength(3);
    expect(t.appendsBeforeSync).toBe(1);
  });
});
