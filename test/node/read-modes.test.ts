// Read modes (RAFT_READS, RAFT_TXN_READS) on a 3-node cluster in one process:
// what each mode costs (log entries, messages between servers) and what a
// client observes, including the stale reads `local` is there to show.

import { describe, expect, it } from 'vitest';
import { LocalCluster } from '../support/local-cluster.js';
import type { RaftConfig } from '../../machines/index.js';
import type { Message } from '../../src/maelstrom/node.js';

function cluster(config: Partial<RaftConfig>, leaseTicks?: number): { c: LocalCluster; leader: string; followers: string[] } {
  const c = new LocalCluster({ nodeCount: 3, nodeOptions: { config: { ...config, ...(leaseTicks ? { leaseTicks } : {}) } } });
  c.run(2000);
  const leaders = c.leaders();
  expect(leaders).toHaveLength(1);
  const leader = leaders[0]!.id;
  // Something committed in the leader's term, and applied everywhere.
  c.request('cw', leader, { type: 'write', msg_id: 1, key: 'k', value: 1 });
  c.request('cw', leader, { type: 'txn', msg_id: 2, txn: [['append', 'l', 1]] });
  c.run(300);
  expect(c.inbox.get('cw')!.map((m) => m.body.type)).toEqual(['write_ok', 'txn_ok']);
  return { c, leader, followers: c.ids.filter((n) => n !== leader) };
}

const lastIndex = (c: LocalCluster, id: string): number => c.nodes.get(id)!.context!.log.lastIndex;
const bodies = (c: LocalCluster, client: string): Message['body'][] => (c.inbox.get(client) ?? []).map((m) => m.body);

describe('read modes', () => {
  it('defaults: reads and read-only transactions by ReadIndex', async () => {
    const { defaultConfig } = await import('../../machines/context.js');
    expect(defaultConfig.reads).toBe('readindex');
    expect(defaultConfig.txnReads).toBe('readindex');
  });

  for (const reads of ['log', 'readindex', 'local'] as const) {
    it(`RAFT_READS=${reads}: a read at the leader ${reads === 'log' ? 'is a log entry' : reads === 'readindex' ? 'takes a confirmation round, no log entry' : 'is answered at once, no message'}`, () => {
      const { c, leader } = cluster({ reads });
      const before = lastIndex(c, leader);
      const sent = c.sent;
      c.request('c1', leader, { type: 'read', msg_id: 5, key: 'k' });
      if (reads === 'local') {
        // Answered within the request's own step: nothing but the answer went out, and it
        // arrives after the client link's delay (about 1 ms here).
        expect(c.sent - sent).toBe(1);
        c.run(3);
        expect(bodies(c, 'c1')).toEqual([{ type: 'read_ok', value: 1, in_reply_to: 5 }]);
      }
      c.run(200);
      expect(bodies(c, 'c1')).toEqual([{ type: 'read_ok', value: 1, in_reply_to: 5 }]);
      expect(lastIndex(c, leader) - before).toBe(reads === 'log' ? 1 : 0);
    });
  }

  for (const txnReads of ['log', 'readindex', 'local'] as const) {
    it(`RAFT_TXN_READS=${txnReads}: a read-only txn ${txnReads === 'log' ? 'is a log entry' : txnReads === 'readindex' ? 'takes a confirmation round, no log entry' : 'is answered at once'}; a txn that appends always goes through the log`, () => {
      const { c, leader } = cluster({ txnReads });
      const before = lastIndex(c, leader);
      const sent = c.sent;
      c.request('c1', leader, { type: 'txn', msg_id: 5, txn: [['r', 'l', null], ['r', 'none', null]] });
      if (txnReads === 'local') expect(c.sent - sent).toBe(1);
      else expect(bodies(c, 'c1')).toEqual([]);
      c.run(200);
      expect(bodies(c, 'c1')).toEqual([{ type: 'txn_ok', txn: [['r', 'l', [1]], ['r', 'none', null]], in_reply_to: 5 }]);
      expect(lastIndex(c, leader) - before).toBe(txnReads === 'log' ? 1 : 0);
      // A txn of the same keys that appends: one more entry, whatever the mode.
      c.request('c1', leader, { type: 'txn', msg_id: 6, txn: [['r', 'l', null], ['append', 'l', 2]] });
      c.run(200);
      expect(bodies(c, 'c1')[1]).toEqual({ type: 'txn_ok', txn: [['r', 'l', [1]], ['append', 'l', 2]], in_reply_to: 6 });
      expect(lastIndex(c, leader) - before).toBe(txnReads === 'log' ? 2 : 1);
    });
  }

  it('RAFT_TXN_READS=readindex answers a read of a non-list as applying would: error 22', () => {
    const { c, leader } = cluster({ txnReads: 'readindex' });
    c.request('c1', leader, { type: 'txn', msg_id: 5, txn: [['r', 'k', null]] });
    c.run(200);
    expect(bodies(c, 'c1')).toMatchObject([{ type: 'error', code: 22 }]);
  });

  it('RAFT_READS=local: a follower cut off from the leader answers with the value the majority has since overwritten', () => {
    const { c, leader, followers } = cluster({ reads: 'local' });
    const [cut, other] = followers as [string, string];
    c.partition([cut], [leader, other]);
    c.request('c1', leader, { type: 'write', msg_id: 5, key: 'k', value: 2 });
    c.run(200);
    expect(bodies(c, 'c1')).toEqual([{ type: 'write_ok', in_reply_to: 5 }]);
    // The write is acknowledged; then a read begins at the cut-off follower.
    c.request('c2', cut, { type: 'read', msg_id: 6, key: 'k' });
    c.run(10);
    expect(bodies(c, 'c2')).toEqual([{ type: 'read_ok', value: 1, in_reply_to: 6 }]);
    expect(c.nodes.get(leader)!.stateMachine!.peek('k')).toEqual({ found: true, value: 2 });
  });

  it('RAFT_READS=local: a deposed leader that does not know it yet serves a stale read (ReadIndex never does: cluster.test.ts)', () => {
    const { c, leader: old, followers } = cluster({ reads: 'local' }, 1000);
    c.partition([old], followers);
    c.run(800);
    const fresh = c.leaders().find((l) => l.id !== old);
    expect(fresh).toBeDefined();
    expect(c.nodes.get(old)!.role).toBe('leader');
    c.request('c2', fresh!.id, { type: 'write', msg_id: 2, key: 'k', value: 'new' });
    c.run(100);
    expect(bodies(c, 'c2')).toEqual([{ type: 'write_ok', in_reply_to: 2 }]);
    c.request('c3', old, { type: 'read', msg_id: 3, key: 'k' });
    c.run(3);
    expect(bodies(c, 'c3')).toEqual([{ type: 'read_ok', value: 1, in_reply_to: 3 }]);
  });

  it('RAFT_READS=readindex and log: the same cut-off follower never answers the stale value', () => {
    for (const reads of ['readindex', 'log'] as const) {
      const { c, leader, followers } = cluster({ reads });
      const [cut, other] = followers as [string, string];
      c.partition([cut], [leader, other]);
      c.request('c1', leader, { type: 'write', msg_id: 5, key: 'k', value: 2 });
      c.run(200);
      expect(bodies(c, 'c1')).toEqual([{ type: 'write_ok', in_reply_to: 5 }]);
      c.request('c2', cut, { type: 'read', msg_id: 6, key: 'k' });
      c.run(3000);
      // Proxied to a leader it cannot reach: no answer, or 11 once it knows no leader.
      expect(bodies(c, 'c2').filter((b) => b.type === 'read_ok')).toEqual([]);
    }
  });
});
