import { describe, expect, it } from 'vitest';
import { LocalCluster } from '../support/local-cluster.js';
import { actions } from '../../machines/index.js';
import type { MachineOverrides } from '../../machines/raft.js';

function leaderOf(c: LocalCluster): string {
  const leaders = c.leaders();
  expect(leaders).toHaveLength(1);
  return leaders[0]!.id;
}

describe('a 3-node cluster (in process, virtual clock)', () => {
  it('elects exactly one leader per term', () => {
    const c = new LocalCluster({ nodeCount: 3 });
    const leadersByTerm = new Map<number, Set<string>>();
    for (let t = 0; t < 200; t++) {
      c.run(10);
      for (const l of c.leaders()) {
        const s = leadersByTerm.get(l.term) ?? new Set();
        s.add(l.id);
        leadersByTerm.set(l.term, s);
      }
    }
    expect(leadersByTerm.size).toBeGreaterThan(0);
    for (const s of leadersByTerm.values()) expect(s.size).toBe(1);
    leaderOf(c);
  });

  it('serves a write on one node and reads it on another', () => {
    const c = new LocalCluster({ nodeCount: 3 });
    c.run(2000);
    const leader = leaderOf(c);
    const others = c.ids.filter((n) => n !== leader);
    c.request('c1', others[0]!, { type: 'write', msg_id: 1, key: 'k', value: 42 });
    c.run(200);
    expect(c.inbox.get('c1')?.map((m) => m.body.type)).toEqual(['write_ok']);
    c.request('c2', others[1]!, { type: 'read', msg_id: 7, key: 'k' });
    c.run(200);
    expect(c.inbox.get('c2')?.map((m) => m.body)).toEqual([{ type: 'read_ok', value: 42, in_reply_to: 7 }]);
    // Every node applied the write.
    c.run(200);
    for (const n of c.nodes.values()) expect(n.stateMachine!.peek('k')).toEqual({ found: true, value: 42 });
  });

  it('re-elects after the leader is cut off, and the old leader steps down', () => {
    const c = new LocalCluster({ nodeCount: 3 });
    c.run(2000);
    const old = leaderOf(c);
    const oldTerm = c.nodes.get(old)!.context!.term;
    const rest = c.ids.filter((n) => n !== old);
    c.partition([old], rest);
    c.run(3000);
    const fresh = c.leaders().filter((l) => l.id !== old);
    expect(fresh).toHaveLength(1);
    expect(fresh[0]!.term).toBeGreaterThan(oldTerm);
    // The isolated leader heard from no majority for a lease window.
    expect(c.nodes.get(old)!.role).not.toBe('leader');
    // A write through the new majority commits; after healing, the old leader learns it.
    c.request('c1', fresh[0]!.id, { type: 'write', msg_id: 1, key: 1, value: 'x' });
    c.run(200);
    expect(c.inbox.get('c1')?.[0]?.body.type).toBe('write_ok');
    c.heal();
    c.run(2000);
    expect(c.nodes.get(old)!.stateMachine!.peek(1)).toEqual({ found: true, value: 'x' });
    expect(c.leaders()).toHaveLength(1);
  });

  it('a node that knows no leader answers 11, a minority leader never answers a definite error for an unknown fate', () => {
    const c = new LocalCluster({ nodeCount: 3 });
    // Before any election nobody knows a leader.
    c.request('c1', 'n0', { type: 'read', msg_id: 1, key: 1 });
    c.run(5);
    expect(c.inbox.get('c1')?.[0]?.body).toMatchObject({ type: 'error', code: 11 });
    c.run(2000);
    const leader = leaderOf(c);
    c.partition([leader], c.ids.filter((n) => n !== leader));
    const before = c.nodes.get(leader)!.context!.log.lastIndex;
    c.request('c2', leader, { type: 'write', msg_id: 5, key: 1, value: 1 });
    c.run(100);
    // The situation arose: the minority leader took the write into its log.
    expect(c.nodes.get(leader)!.context!.log.lastIndex).toBe(before + 1);
    // The entry cannot commit; the client gets no answer yet (it will time out: indefinite).
    expect(c.inbox.get('c2')).toEqual([]);
    // Nor when the leader steps down (CheckQuorum): the entry may still commit elsewhere.
    c.run(1500);
    expect(c.nodes.get(leader)!.role).not.toBe('leader');
    expect(c.inbox.get('c2')).toEqual([]);
  });

  it('serves reads by ReadIndex without growing the log', () => {
    const c = new LocalCluster({ nodeCount: 3 });
    c.run(2000);
    const leader = leaderOf(c);
    c.request('c1', leader, { type: 'write', msg_id: 1, key: 1, value: 5 });
    c.run(100);
    const before = c.nodes.get(leader)!.context!.log.lastIndex;
    const sentBefore = c.sent;
    // Ten reads in one batch of input: one confirmation round (2 AppendEntries
    // + 2 answers) at the end of the batch, plus 10 replies. Not one round per read.
    c.requests('c1', leader, Array.from({ length: 10 }, (_, i) => ({ type: 'read', msg_id: 10 + i, key: 1 })));
    c.run(10);
    expect(c.sent - sentBefore).toBe(14);
    // Three reads in three batches: a round each (none waits for a round in flight).
    const sentBetween = c.sent;
    for (let i = 0; i < 3; i++) c.request('c1', leader, { type: 'read', msg_id: 30 + i, key: 1 });
    c.run(10);
    expect(c.sent - sentBetween).toBe(3 * 4 + 3);
    c.run(90);
    const reads = c.inbox.get('c1')!.filter((m) => m.body.type === 'read_ok');
    expect(reads).toHaveLength(13);
    expect(reads.every((m) => m.body.value === 5)).toBe(true);
    expect(c.nodes.get(leader)!.context!.log.lastIndex).toBe(before);
  });

  /**
   * A leader cut off (a long lease keeps it believing it leads) while the
   * majority elects another and overwrites k; a read reaches the old leader,
   * then the partition heals. Returns what the reader was answered.
   */
  function readAtDeposedLeader(overrides?: MachineOverrides) {
    const c = new LocalCluster({ nodeCount: 3, nodeOptions: { config: { leaseTicks: 1000 }, ...(overrides ? { overrides } : {}) } });
    c.run(2000);
    const old = leaderOf(c);
    c.request('c1', old, { type: 'write', msg_id: 1, key: 1, value: 'old' });
    c.run(100);
    expect(c.inbox.get('c1')?.[0]?.body.type).toBe('write_ok');
    const rest = c.ids.filter((n) => n !== old);
    c.partition([old], rest);
    c.run(800); // a new leader rises in the majority; the old one still thinks it leads
    const fresh = c.leaders().find((l) => l.id !== old)!;
    expect(fresh).toBeDefined();
    expect(c.nodes.get(old)!.role).toBe('leader');
    c.request('c2', fresh.id, { type: 'write', msg_id: 2, key: 1, value: 'new' });
    c.run(100);
    expect(c.inbox.get('c2')?.[0]?.body.type).toBe('write_ok');
    c.request('c3', old, { type: 'read', msg_id: 3, key: 1 });
    c.run(500);
    c.heal();
    c.run(1000);
    return { answers: c.inbox.get('c3') ?? [], oldRole: c.nodes.get(old)!.role };
  }

  it('a deposed leader that does not know it yet never serves a stale read', () => {
    const { answers, oldRole } = readAtDeposedLeader();
    // The read was answered (once the old leader learnt the new term), and not with the old value.
    expect(oldRole).not.toBe('leader');
    expect(answers).toHaveLength(1);
    expect(answers[0]!.body).toMatchObject({ type: 'error', code: 11 });
  });

  it('the same test catches a leader that answers reads without confirming its leadership (known-bad)', () => {
    const { answers } = readAtDeposedLeader({
      guards: { hasConfirmedRead: (ctx) => ctx.reads.length > 0 },
      actions: {
        answerReads: (ctx) => ({ assign: { reads: [] }, effects: ctx.reads.map((r) => ({ kind: 'read' as const, key: r.key!, to: r.to, inReplyTo: r.inReplyTo })) }),
      },
    });
    expect(answers.map((m) => m.body)).toEqual([{ type: 'read_ok', value: 'old', in_reply_to: 3 }]);
  });

  it('handles a duplicated request once', () => {
    const c = new LocalCluster({ nodeCount: 3 });
    c.run(2000);
    const leader = leaderOf(c);
    const follower = c.ids.find((n) => n !== leader)!;
    c.request('c1', leader, { type: 'write', msg_id: 1, key: 1, value: 1 });
    c.run(100);
    const before = c.nodes.get(leader)!.context!.log.lastIndex;
    // The same proxied write delivered twice to the leader.
    const dup = { type: 'write', msg_id: 77, key: 1, value: 2 };
    c.nodes.get(leader)!.handle({ src: follower, dest: leader, body: dup });
    c.nodes.get(leader)!.handle({ src: follower, dest: leader, body: dup });
    c.run(100);
    expect(c.nodes.get(leader)!.context!.log.lastIndex).toBe(before + 1);
    expect(c.nodes.get(leader)!.stats.duplicates).toBe(1);
  });

  it('Pre-Vote: a node cut off does not inflate its term, and does not depose the leader when it returns', () => {
    const c = new LocalCluster({ nodeCount: 3 });
    c.run(2000);
    const leader = leaderOf(c);
    const term = c.nodes.get(leader)!.context!.term;
    const loner = c.ids.find((n) => n !== leader)!;
    c.partition([loner], c.ids.filter((n) => n !== loner));
    c.run(5000); // many election timeouts
    expect(c.nodes.get(loner)!.context!.term).toBe(term);
    expect(c.nodes.get(loner)!.role).toBe('precandidate');
    c.heal();
    c.run(1000);
    expect(c.leaders()).toEqual([{ id: leader, term }]);
    expect(c.nodes.get(loner)!.role).toBe('follower');
  });

  it('replicas agree after catch-up: write [1], then append 2, read as [1, 2] by a new leader (no value shared with the log)', () => {
    const c = new LocalCluster({ nodeCount: 3 });
    c.run(2000);
    const leader = leaderOf(c);
    const [f1, f2] = c.ids.filter((n) => n !== leader) as [string, string];
    c.request('c1', leader, { type: 'write', msg_id: 1, key: 'k', value: [1] });
    c.run(200);
    // f2 misses the append and catches up later, from the same log entries.
    c.partition([f2], [leader, f1]);
    c.request('c1', leader, { type: 'txn', msg_id: 2, txn: [['append', 'k', 2]] });
    c.run(200);
    expect(c.inbox.get('c1')?.map((m) => m.body.type)).toEqual(['write_ok', 'txn_ok']);
    c.heal();
    c.run(1000);
    // Now depose the leader; the new one must read [1, 2].
    c.partition([leader], [f1, f2]);
    c.run(3000);
    const fresh = c.leaders().filter((l) => l.id !== leader);
    expect(fresh).toHaveLength(1);
    c.request('c2', fresh[0]!.id, { type: 'txn', msg_id: 3, txn: [['r', 'k', null]] });
    c.run(300);
    expect(c.inbox.get('c2')?.map((m) => m.body)).toEqual([{ type: 'txn_ok', txn: [['r', 'k', [1, 2]]], in_reply_to: 3 }]);
    for (const n of c.nodes.values()) expect(n.stateMachine!.peek('k')).toEqual({ found: true, value: [1, 2] });
  });

  it('a value nested too deep is refused at the door (12) and never reaches the log', () => {
    const c = new LocalCluster({ nodeCount: 3 });
    c.run(2000);
    const leader = leaderOf(c);
    const before = c.nodes.get(leader)!.context!.log.lastIndex;
    let v: unknown = 1;
    for (let i = 0; i < 10_000; i++) v = [v];
    c.request('c1', leader, { type: 'write', msg_id: 1, key: 'deep', value: v });
    c.run(200);
    expect(c.inbox.get('c1')?.[0]?.body).toMatchObject({ type: 'error', code: 12, text: expect.stringMatching(/RAFT_MAX_DEPTH/) });
    expect(c.nodes.get(leader)!.context!.log.lastIndex).toBe(before);
    // And the cluster goes on serving.
    c.request('c1', leader, { type: 'write', msg_id: 2, key: 'ok', value: [[[1]]] });
    c.run(200);
    expect(c.inbox.get('c1')?.[1]?.body.type).toBe('write_ok');
  });

  it('an action that throws after changing the log leaves the log and the context as they were, and the node goes on', () => {
    const errors: string[] = [];
    let armed = true;
    const c = new LocalCluster({
      nodeCount: 3,
      nodeOptions: {
        log: (level, text) => {
          if (level === 'error') errors.push(text);
        },
        overrides: {
          actions: {
            // A buggy appendClientEntry: appends, then throws (once).
            appendClientEntry: (ctx, ev) => {
              ctx.log.append({ term: ctx.term, op: { f: 'noop' } });
              if (armed) {
                armed = false;
                throw new Error('boom');
              }
              return actions.appendClientEntry(ctx, ev);
            },
          },
        },
      },
    });
    c.run(2000);
    const leader = leaderOf(c);
    const n = c.nodes.get(leader)!;
    const before = n.context!.log.lastIndex;
    c.request('c1', leader, { type: 'write', msg_id: 1, key: 'k', value: 1 });
    c.run(100);
    expect(errors.some((e) => /action appendClientEntry failed/.test(e))).toBe(true);
    expect(n.context!.log.lastIndex).toBe(before);
    expect(c.inbox.get('c1')).toEqual([]);
    // The next request goes through (with the variant's extra no-op before it).
    c.request('c1', leader, { type: 'write', msg_id: 2, key: 'k', value: 2 });
    c.run(100);
    expect(c.inbox.get('c1')?.map((m) => m.body.type)).toEqual(['write_ok']);
    expect(n.stateMachine!.peek('k')).toEqual({ found: true, value: 2 });
  });

  it('a follower that missed entries the leader compacted away catches up from its snapshot, sent in chunks', () => {
    const c = new LocalCluster({ nodeCount: 3, nodeOptions: { config: { snapshotEntries: 20, snapshotChunkBytes: 50 } } });
    c.run(2000);
    const leader = leaderOf(c);
    const [f1, f2] = c.ids.filter((n) => n !== leader) as [string, string];
    c.partition([f2], [leader, f1]);
    for (let i = 0; i < 60; i++) {
      c.request('c1', leader, { type: 'write', msg_id: i + 1, key: `k${i % 7}`, value: i });
      c.run(20);
    }
    expect(c.inbox.get('c1')!.filter((m) => m.body.type === 'write_ok')).toHaveLength(60);
    const l = c.nodes.get(leader)!;
    expect(l.context!.log.snapshotIndex).toBeGreaterThan(c.nodes.get(f2)!.context!.log.lastIndex);
    expect(l.persistStats!.snapshots).toBeGreaterThan(1);
    c.heal();
    c.run(2000);
    const f = c.nodes.get(f2)!;
    expect(f.persistStats!.snapshotsInstalled).toBe(1);
    expect(f.context!.log.snapshotIndex).toBeGreaterThan(0);
    expect(f.context!.commitIndex).toBe(l.context!.commitIndex);
    for (let k = 0; k < 7; k++) expect(f.stateMachine!.peek(`k${k}`)).toEqual(l.stateMachine!.peek(`k${k}`));
    // And it goes on replicating after the snapshot.
    c.request('c1', leader, { type: 'write', msg_id: 100, key: 'after', value: 1 });
    c.run(200);
    expect(f.stateMachine!.peek('after')).toEqual({ found: true, value: 1 });
  });
});
