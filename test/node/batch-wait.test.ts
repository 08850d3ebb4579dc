// RAFT_BATCH_MS (config batchWaitMs): a leader waits that long from the first
// batch of input that left it anything to send before it sends (the chart's
// `flush`), and a follower holds the requests it proxies that long, so that
// requests arriving in the meantime share one AppendEntries and one
// proxy_batch. Without it (0, the default) both go at the end of every batch.
import { describe, expect, it } from 'vitest';
import { LocalCluster } from '../support/local-cluster.js';
import type { Message } from '../../src/maelstrom/node.js';

/** A settled 3-node cluster (one-way delays 0.5 to 1.5 ms) and its leader. */
function cluster(batchWaitMs: number): { c: LocalCluster; leader: string; follower: string } {
  const c = new LocalCluster({ nodeCount: 3, delayMs: 1, nodeOptions: { config: { batchWaitMs } } });
  c.run(2000);
  const leaders = c.leaders();
  expect(leaders).toHaveLength(1);
  const leader = leaders[0]!.id;
  return { c, leader, follower: c.ids.find((n) => n !== leader)! };
}

/** Runs the cluster 0.5 ms at a time until `client` has `n` answers; returns when each came (ms from now). */
function answerTimes(c: LocalCluster, client: string, n: number, most = 100): number[] {
  const t0 = c.clock.now();
  const times: number[] = [];
  while (times.length < n && c.clock.now() - t0 < most) {
    c.run(0.5);
    const got = c.inbox.get(client)?.length ?? 0;
    while (times.length < got) times.push(c.clock.now() - t0);
  }
  return times;
}

describe('batch wait (RAFT_BATCH_MS)', () => {
  it('without it a leader replicates at the end of the batch: a write is answered within a round trip', () => {
    const { c, leader } = cluster(0);
    c.request('c1', leader, { type: 'write', msg_id: 1, key: 'k', value: 1 });
    const [t] = answerTimes(c, 'c1', 1);
    expect(t).toBeDefined();
    expect(t!).toBeLessThanOrEqual(3.5);
  });

  it('a leader waits before replicating, and writes that arrive meanwhile go in the same AppendEntries', () => {
    const { c, leader } = cluster(8);
    const appends: Message['body'][] = [];
    c.tap = (m) => {
      if (m.src === leader && m.body.type === 'append_entries' && (m.body.entries as unknown[]).length > 0) appends.push(m.body);
    };
    c.request('c1', leader, { type: 'write', msg_id: 1, key: 'k', value: 1 });
    c.run(3);
    expect(c.inbox.get('c1')).toEqual([]);
    c.request('c1', leader, { type: 'write', msg_id: 2, key: 'k', value: 2 });
    const times = answerTimes(c, 'c1', 2);
    expect(c.inbox.get('c1')!.map((m) => m.body.type)).toEqual(['write_ok', 'write_ok']);
    // Both answered by the same commit, after the wait (8 ms from the first, 5 from the second).
    expect(times[0]).toBe(times[1]);
    expect(times[0]!).toBeGreaterThanOrEqual(5);
    // One AppendEntries per follower carried both writes.
    expect(appends.map((b) => (b.entries as unknown[]).length)).toEqual([2, 2]);
  });

  it('a follower holds proxied requests for the wait and sends those of the window in one proxy_batch', () => {
    const { c, follower } = cluster(8);
    const proxied: Message['body'][] = [];
    c.tap = (m) => {
      if (m.src === follower && !m.dest.startsWith('c') && !m.body.type.startsWith('append_entries')) proxied.push(m.body);
    };
    c.request('c1', follower, { type: 'write', msg_id: 1, key: 'k', value: 1 });
    c.run(2);
    c.request('c2', follower, { type: 'write', msg_id: 2, key: 'j', value: 2 });
    const t1 = answerTimes(c, 'c1', 1);
    c.run(10);
    expect(proxied.map((b) => [b.type, (b.requests as Message['body'][] | undefined)?.map((r) => r.type)])).toEqual([['proxy_batch', ['write', 'write']]]);
    expect(c.inbox.get('c1')!.map((m) => m.body.type)).toEqual(['write_ok']);
    expect(c.inbox.get('c2')!.map((m) => m.body.type)).toEqual(['write_ok']);
    // The proxy waited 8 ms and the leader 8 more: no answer before 16 ms after the first request.
    expect(t1[0]!).toBeGreaterThanOrEqual(16 - 2);
  });
});
