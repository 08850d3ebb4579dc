// A follower that, in one batch of input (one read of stdin), first learns
// that entries are committed and then installs a snapshot that covers them:
// the entries must be applied from what the chart held when it asked, not
// from the log after the snapshot discarded them. (Found by
// `npm run bench:memory -- --writes 1000000`: a follower 400 entries behind
// a leader that had just compacted crashed with "log index out of range".)
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/runtime/clock.js';
import { RaftNode, type Message } from '../../src/maelstrom/node.js';
import { KvStateMachine } from '../../src/core/state-machine.js';

function follower(): { node: RaftNode; out: Message[]; errors: string[] } {
  const out: Message[] = [];
  const errors: string[] = [];
  const node = new RaftNode({
    clock: new VirtualClock(),
    output: (m: Message) => out.push(m),
    logLevel: 'error',
    log: (level: string, text: string) => {
      if (level === 'error') errors.push(text);
    },
    seed: 3,
  } as never);
  node.handle({ src: 'c0', dest: 'n1', body: { type: 'init', msg_id: 1, node_id: 'n1', node_ids: ['n0', 'n1', 'n2'] } });
  return { node, out, errors };
}

const write = (key: string, value: number) => ({ term: 1, op: { f: 'write', key, value } });

describe('a commit and a snapshot in one batch', () => {
  it('applies the committed entries, then installs the snapshot, and keeps going', () => {
    const { node, out } = follower();
    node.handle({
      src: 'n0',
      dest: 'n1',
      body: { type: 'append_entries', msg_id: 10, term: 1, leader_id: 'n0', prev_log_index: 0, prev_log_term: 0, entries: [write('a', 1), write('b', 2), write('c', 3)], leader_commit: 0, seq: 1 },
    });
    expect(node.context!.log.lastIndex).toBe(3);
    // The leader's state at index 10, as its snapshot.
    const sm = new KvStateMachine();
    for (const [k, v] of [['a', 1], ['b', 2], ['c', 3], ['d', 4]] as const) sm.apply({ f: 'write', key: k, value: v } as never);
    const data = sm.snapshot();
    node.batch(() => {
      // Entries 1..2 are committed: the chart asks for them to be applied.
      node.handle({
        src: 'n0',
        dest: 'n1',
        body: { type: 'append_entries', msg_id: 11, term: 1, leader_id: 'n0', prev_log_index: 3, prev_log_term: 1, entries: [], leader_commit: 2, seq: 2 },
      });
      // Then, in the same batch, a snapshot up to 10 replaces the log.
      node.handle({
        src: 'n0',
        dest: 'n1',
        body: { type: 'install_snapshot', msg_id: 12, term: 1, leader_id: 'n0', last_included_index: 10, last_included_term: 1, offset: 0, data, done: true },
      });
    });
    expect(node.role).toBe('follower');
    expect(node.context!.log.snapshotIndex).toBe(10);
    expect(node.stateMachine!.peek('d')).toEqual({ found: true, value: 4 });
    const res = out.filter((m) => m.body.type === 'install_snapshot_res');
    expect(res.map((m) => m.body)).toMatchObject([{ success: true, match_index: 10 }]);
    // And replication goes on after the snapshot.
    node.handle({
      src: 'n0',
      dest: 'n1',
      body: { type: 'append_entries', msg_id: 13, term: 1, leader_id: 'n0', prev_log_index: 10, prev_log_term: 1, entries: [write('e', 5)], leader_commit: 11, seq: 3 },
    });
    expect(node.stateMachine!.peek('e')).toEqual({ found: true, value: 5 });
  });
});
