// A read a follower forwards goes with the follower's term (proxy_term), and
// the leader counts the follower as one confirmation of it
// (forwardRead/forwardedReadIndex in spec/chart.ts): with three servers the
// read waits for no broadcast, with five it still waits for one more answer.
// A client's own proxy_term counts for nothing.
import { describe, expect, it } from 'vitest';
import { LocalCluster } from '../support/local-cluster.js';
import type { Message } from '../../src/maelstrom/node.js';

const RAFT = new Set(['append_entries', 'append_entries_res', 'request_vote', 'request_vote_res', 'pre_vote', 'pre_vote_res', 'install_snapshot', 'install_snapshot_res']);

/** A settled cluster (one-way delays 0.5 to 1.5 ms), its leader and a follower. */
function cluster(nodeCount: number): { c: LocalCluster; leader: string; follower: string; term: number } {
  const c = new LocalCluster({ nodeCount, delayMs: 1 });
  c.run(2000);
  const leaders = c.leaders();
  expect(leaders).toHaveLength(1);
  const leader = leaders[0]!.id;
  return { c, leader, follower: c.ids.find((n) => n !== leader)!, term: leaders[0]!.term };
}

/**
 * Sends `body` from client c1 to `to` and runs until it is answered; returns
 * the answer, what the follower forwarded (if it did), and whether the leader
 * sent an AppendEntries broadcast between the request's arrival at the
 * leader and its answer.
 */
function readThrough(c: LocalCluster, leader: string, to: string, body: Message['body']): { answer: Message; forwarded: Message['body'][]; broadcastBetween: boolean } {
  const forwarded: Message['body'][] = [];
  let arrived = to === leader;
  let answered = false;
  let broadcastBetween = false;
  c.tap = (m) => {
    if (m.dest === leader && m.src === to && to !== leader) {
      forwarded.push(...(m.body.type === 'proxy_batch' ? (m.body.requests as Message['body'][]) : [m.body]));
      arrived = true;
    }
    if (m.src === leader && m.body.type === 'append_entries' && arrived && !answered) broadcastBetween = true;
    // the answer: to the client, or to the follower that forwarded the read
    if (m.src === leader && (m.dest === 'c1' || (m.dest === to && !RAFT.has(m.body.type)))) answered = true;
  };
  c.request('c1', to, body);
  for (let i = 0; i < 200 && (c.inbox.get('c1')?.length ?? 0) === 0; i++) c.run(0.5);
  c.tap = undefined;
  const answer = c.inbox.get('c1')?.[0];
  expect(answer, 'the read was answered').toBeDefined();
  return { answer: answer!, forwarded, broadcastBetween };
}

describe('forwarded reads', () => {
  it('with three servers a read at a follower goes with its term, and the leader answers it without a broadcast', () => {
    const { c, leader, follower, term } = cluster(3);
    c.request('c0', leader, { type: 'write', msg_id: 1, key: 'k', value: 7 });
    c.run(20);
    const r = readThrough(c, leader, follower, { type: 'read', msg_id: 2, key: 'k' });
    expect(r.forwarded).toHaveLength(1);
    expect(r.forwarded[0]).toMatchObject({ type: 'read', key: 'k', proxy_term: term });
    expect(r.answer.body).toMatchObject({ type: 'read_ok', value: 7, in_reply_to: 2 });
    expect(r.broadcastBetween).toBe(false);
  });

  it('a write goes without a term', () => {
    const { c, leader, follower } = cluster(3);
    const forwarded: Message['body'][] = [];
    c.tap = (m) => {
      if (m.src === follower && m.dest === leader && (m.body.type === 'write' || m.body.type === 'proxy_batch')) forwarded.push(m.body);
    };
    // a client's own proxy_term goes no further than the follower
    c.request('c1', follower, { type: 'write', msg_id: 1, key: 'k', value: 1, proxy_term: 99 });
    c.run(20);
    expect(forwarded).toHaveLength(1);
    expect(forwarded[0]!.type).toBe('write');
    expect(forwarded[0]!.proxy_term).toBeUndefined();
    expect(c.inbox.get('c1')?.[0]?.body.type).toBe('write_ok');
  });

  it('with five servers the forwarder is one confirmation of three: the read still waits for a broadcast', () => {
    const { c, leader, follower } = cluster(5);
    const r = readThrough(c, leader, follower, { type: 'read', msg_id: 2, key: 'k' });
    expect(r.forwarded[0]!.proxy_term).toBeDefined();
    expect(r.answer.body).toMatchObject({ type: 'error', code: 20, in_reply_to: 2 });
    expect(r.broadcastBetween).toBe(true);
  });

  it("a client's proxy_term at the leader counts for nothing: its read waits for a broadcast", () => {
    const { c, leader, term } = cluster(3);
    const r = readThrough(c, leader, leader, { type: 'read', msg_id: 2, key: 'k', proxy_term: term });
    expect(r.answer.body).toMatchObject({ type: 'error', code: 20, in_reply_to: 2 });
    expect(r.broadcastBetween).toBe(true);
  });
});
