// A batch's client answers go out before its fsync; Raft's own messages
// after it (src/runtime/runtime.ts beforeSync), but for a leader's
// AppendEntries with RAFT_LEADER_SYNC=parallel (test/node/leader-sync.test.ts).
// A leader answers a committed write without waiting for the disk write of
// the entries other requests of the same batch appended, and a follower
// relays the leader's answer without waiting for the fsync of the
// AppendEntries that came with it; a follower acknowledges entries only once
// they are durable. With one server nothing is committed before the
// leader's own disk has it, so there every answer waits for the fsync.
import { describe, expect, it } from 'vitest';
import { LocalCluster } from '../support/local-cluster.js';
import { watchedDisk } from '../support/watched-disk.js';
import { openNodeStorage, type Disk } from '../../src/core/storage.js';
import type { Message } from '../../src/maelstrom/node.js';
import type { LeaderSyncMode } from '../../machines/context.js';

interface Sync {
  readonly node: string;
  /** How many messages had gone out (all nodes) when the fsync came. */
  readonly sentBefore: number;
}

/** A cluster whose nodes keep their state on simulated disks, noting every fsync and every message in one order. */
function cluster(nodeCount: number, leaderSync: LeaderSyncMode = 'parallel'): { c: LocalCluster; sent: Message[]; syncs: Sync[] } {
  const sent: Message[] = [];
  const syncs: Sync[] = [];
  const disks = new Map<string, Disk>();
  const diskOf = (id: string): Disk => {
    let d = disks.get(id);
    if (!d) disks.set(id, (d = watchedDisk(() => syncs.push({ node: id, sentBefore: sent.length }))));
    return d;
  };
  // Output held as the binary holds it: it leaves at the end of the batch, or before the fsync when the node flushes it.
  const c = new LocalCluster({ nodeCount, delayMs: 1, bufferOutput: true, nodeOptions: { config: { leaderSync }, openStorage: (id, ids) => openNodeStorage(diskOf(id), id, ids) } });
  c.tap = (m) => sent.push(m);
  c.run(2000);
  expect(c.leaders()).toHaveLength(1);
  return { c, sent, syncs };
}

const isWrite = (value: number) => (m: Message): boolean =>
  m.body.type === 'append_entries' && (m.body.entries as { op: { value?: number } }[]).some((e) => e.op.value === value);

describe('client answers before the fsync, Raft messages after', () => {
  it.each(['before-send', 'parallel'] as const)('a leader answers a committed write before the fsync of the write that came with its acknowledgement (leader sync %s)', (mode) => {
    const { c, sent, syncs } = cluster(3, mode);
    const leader = c.leaders()[0]!.id;
    c.request('c1', leader, { type: 'write', msg_id: 1, key: 'k', value: 1 });
    // One batch at the leader: the followers' acknowledgements of write 1 (the
    // run delivers them), then write 2.
    c.nodes.get(leader)!.batch(() => {
      c.run(3);
      c.request('c1', leader, { type: 'write', msg_id: 2, key: 'k', value: 2 });
    });
    c.run(5);
    expect(c.inbox.get('c1')!.map((m) => [m.body.type, m.body.in_reply_to])).toEqual([
      ['write_ok', 1],
      ['write_ok', 2],
    ]);
    const answer1 = sent.findIndex((m) => m.dest === 'c1' && m.body.in_reply_to === 1);
    const append2 = sent.findIndex(isWrite(2));
    // The leader's fsync of write 2: the first of its syncs after write 2 came.
    const sync2 = syncs.find((s) => s.node === leader && s.sentBefore > answer1);
    expect(answer1).toBeGreaterThanOrEqual(0);
    expect(append2).toBeGreaterThan(answer1);
    expect(sync2).toBeDefined();
    // The situation arose: answer 1 and write 2's AppendEntries in one batch, answer 1 before its fsync.
    expect(sync2!.sentBefore).toBeGreaterThan(answer1);
    if (mode === 'before-send') {
      // write 2's AppendEntries after that fsync, the only one between them
      expect(sync2!.sentBefore).toBeLessThanOrEqual(append2);
      expect(syncs.filter((s) => s.node === leader && s.sentBefore > answer1 && s.sentBefore <= append2)).toHaveLength(1);
    } else {
      // write 2's AppendEntries before it too, and no fsync of the leader between answer 1 and it
      expect(sync2!.sentBefore).toBeGreaterThan(append2);
      expect(syncs.filter((s) => s.node === leader && s.sentBefore > answer1 && s.sentBefore <= append2)).toHaveLength(0);
    }

    // Every follower acknowledged write 2 only after its own fsync of it.
    for (const f of c.ids.filter((n) => n !== leader)) {
      const got = sent.findIndex((m) => m.dest === f && isWrite(2)(m));
      const ack = sent.findIndex((m, i) => i > got && m.src === f && m.body.type === 'append_entries_res');
      expect(ack).toBeGreaterThan(got);
      expect(syncs.some((s) => s.node === f && s.sentBefore > got && s.sentBefore <= ack)).toBe(true);
    }
  });

  it("a follower relays the leader's answer before the fsync of the AppendEntries that came with it", () => {
    const { c, sent, syncs } = cluster(3);
    const leader = c.leaders()[0]!.id;
    const [f] = c.ids.filter((n) => n !== leader);
    c.request('c2', f!, { type: 'write', msg_id: 3, key: 'k', value: 3 });
    // One batch at f: the AppendEntries of write 3, the leader's answer to it
    // (the other follower's acknowledgement commits it), and the AppendEntries
    // of write 4, which another client sent the leader meanwhile.
    c.nodes.get(f!)!.batch(() => {
      c.run(1.5);
      c.request('c3', leader, { type: 'write', msg_id: 4, key: 'k', value: 4 });
      c.run(6);
    });
    c.run(5);
    expect(c.inbox.get('c2')!.map((m) => [m.body.type, m.body.in_reply_to])).toEqual([['write_ok', 3]]);
    const relayed = sent.findIndex((m) => m.src === f && m.dest === 'c2');
    const got4 = sent.findIndex((m) => m.dest === f && isWrite(4)(m));
    const ack = sent.findIndex((m, i) => i > relayed && m.src === f && m.body.type === 'append_entries_res');
    // The situation arose: write 4 reached f before f relayed the answer (the same batch).
    expect(got4).toBeGreaterThanOrEqual(0);
    expect(got4).toBeLessThan(relayed);
    // f's fsync of write 4 came after the relayed answer and before its acknowledgement.
    expect(syncs.filter((s) => s.node === f && s.sentBefore > got4 && s.sentBefore <= relayed)).toHaveLength(0);
    expect(syncs.some((s) => s.node === f && s.sentBefore > relayed && s.sentBefore <= ack)).toBe(true);
  });

  it('with one server, the answer waits for the fsync of its own entry', () => {
    const { c, sent, syncs } = cluster(1);
    c.request('c1', 'n0', { type: 'write', msg_id: 1, key: 'k', value: 1 });
    c.run(5);
    expect(c.inbox.get('c1')!.map((m) => m.body.type)).toEqual(['write_ok']);
    const answer = sent.findIndex((m) => m.dest === 'c1');
    // The fsync of the batch that appended and committed the write came before its answer.
    const before = syncs.filter((s) => s.sentBefore <= answer);
    const after = syncs.filter((s) => s.sentBefore > answer);
    expect(before.length).toBeGreaterThan(0);
    expect(before.at(-1)!.sentBefore).toBe(answer);
    expect(after).toHaveLength(0);
  });
});
