// Proxied requests travel in batches: a follower sends the requests of one
// batch of its input to the leader in one message (proxy_batch), and the
// leader sends the answers it has for one follower in one batch of its work
// in one message (proxy_batch_res). Each request is still checked, handled
// and answered on its own.
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/runtime/clock.js';
import { RaftNode, type Message } from '../../src/maelstrom/node.js';
import { LocalCluster } from '../support/local-cluster.js';

function node(id: string): { node: RaftNode; out: Message[] } {
  const out: Message[] = [];
  const n = new RaftNode({ clock: new VirtualClock(), output: (m: Message) => out.push(m), logLevel: 'error', seed: 3 } as never);
  n.handle({ src: 'c0', dest: id, body: { type: 'init', msg_id: 1, node_id: id, node_ids: ['n0', 'n1', 'n2'] } });
  out.length = 0;
  return { node: n, out };
}

/** A follower of n0 in term 1. */
function follower(): { node: RaftNode; out: Message[] } {
  const f = node('n1');
  f.node.handle({ src: 'n0', dest: 'n1', body: { type: 'append_entries', msg_id: 5, term: 1, leader_id: 'n0', prev_log_index: 0, prev_log_term: 0, entries: [], leader_commit: 0, seq: 1 } });
  f.out.length = 0;
  return f;
}

describe('batches of proxied requests', () => {
  it('a follower sends the requests of one batch to the leader in one message, and relays each answer of a batch of answers', () => {
    const { node: n, out } = follower();
    n.batch(() => {
      n.handle({ src: 'c1', dest: 'n1', body: { type: 'write', msg_id: 7, key: 'a', value: 1 } });
      n.handle({ src: 'c2', dest: 'n1', body: { type: 'read', msg_id: 8, key: 'a' } });
      n.handle({ src: 'c3', dest: 'n1', body: { type: 'cas', msg_id: 9, key: 'a', from: 1, to: 2 } });
    });
    const toLeader = out.filter((m) => m.dest === 'n0');
    expect(toLeader).toHaveLength(1);
    expect(toLeader[0]!.body.type).toBe('proxy_batch');
    const reqs = toLeader[0]!.body.requests as Message['body'][];
    expect(reqs.map((r) => r.type)).toEqual(['write', 'read', 'cas']);
    expect(new Set(reqs.map((r) => r.msg_id)).size).toBe(3);
    out.length = 0;
    n.handle({
      src: 'n0',
      dest: 'n1',
      body: {
        type: 'proxy_batch_res',
        replies: [
          { type: 'write_ok', in_reply_to: reqs[0]!.msg_id },
          { type: 'read_ok', value: 1, in_reply_to: reqs[1]!.msg_id },
          { type: 'error', code: 22, text: 'expected 1', in_reply_to: reqs[2]!.msg_id },
        ],
      },
    });
    expect(out.map((m) => [m.dest, m.body])).toEqual([
      ['c1', { type: 'write_ok', in_reply_to: 7 }],
      ['c2', { type: 'read_ok', value: 1, in_reply_to: 8 }],
      ['c3', { type: 'error', code: 22, text: 'expected 1', in_reply_to: 9 }],
    ]);
  });

  it('a request alone goes as itself, not wrapped', () => {
    const { node: n, out } = follower();
    n.handle({ src: 'c1', dest: 'n1', body: { type: 'write', msg_id: 7, key: 'a', value: 1 } });
    expect(out.map((m) => [m.dest, m.body.type])).toEqual([['n0', 'write']]);
  });

  it('a batch from a node outside the cluster, or with a bad or non-client element, is refused element by element', () => {
    const { node: n, out } = follower();
    n.handle({ src: 'x9', dest: 'n1', body: { type: 'proxy_batch', requests: [{ type: 'write', msg_id: 1, key: 'a', value: 1 }] } });
    expect(out).toEqual([]);
    expect(n.stats.malformed).toBe(1);
    n.handle({
      src: 'n2',
      dest: 'n1',
      body: { type: 'proxy_batch', requests: [{ type: 'write', msg_id: 3, key: [1], value: 1 }, { type: 'append_entries', msg_id: 4 }, { type: 'read', msg_id: 5, key: 'a' }] },
    });
    // n1 is a follower: the good request, proxied by a peer, is refused with 11 (never proxied twice).
    expect(out.filter((m) => m.dest === 'n2').map((m) => m.body.type === 'proxy_batch_res' ? (m.body.replies as Message['body'][]).map((r) => [r.in_reply_to, r.code]) : m.body)).toEqual([
      [
        [3, 12],
        [4, 12],
        [5, 11],
      ],
    ]);
    for (const bad of [{ type: 'proxy_batch', requests: [] }, { type: 'proxy_batch', requests: [1, 2] }, { type: 'proxy_batch_res', replies: 'x' }]) {
      const before = n.stats.malformed;
      n.handle({ src: 'n2', dest: 'n1', body: bad });
      expect(n.stats.malformed).toBe(before + 1);
    }
    expect(n.role).toBe('follower');
  });

  it('in a cluster, writes proxied in one batch commit and are answered, with fewer messages than one each way per request', () => {
    const c = new LocalCluster({ nodeCount: 3 });
    c.run(2000);
    const leader = c.leaders()[0]!.id;
    const follower = c.ids.find((x) => x !== leader)!;
    const before = c.sent;
    c.requests('c1', follower, Array.from({ length: 10 }, (_, i) => ({ type: 'write', msg_id: 100 + i, key: `k${i}`, value: i })));
    c.run(100);
    const answers = c.inbox.get('c1')!.map((m) => m.body.type);
    expect(answers).toEqual(Array(10).fill('write_ok'));
    // 10 answers to the client; between nodes: one proxy_batch, one round of
    // AppendEntries (2 + 2 answers; more only if commit news goes out again) and one proxy_batch_res,
    // where one message each way per request would be 20 on their own.
    expect(c.sent - before - 10).toBeLessThanOrEqual(10);
    expect(c.sent - before - 10).toBeGreaterThanOrEqual(6);
  });
});
