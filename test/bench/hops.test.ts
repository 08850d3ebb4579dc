import { describe, expect, it } from 'vitest';
import { hopBreakdown } from '../../src/bench/hops.js';
import type { JournalRecord } from '../../src/bench/net.js';

let id = 0;
function rec(src: string, dest: string, type: string, sent: number, due: number, delivered: number | null, ids: { msgId?: number; inReplyTo?: number } = {}): JournalRecord {
  return { id: id++, src, dest, type, msgId: ids.msgId ?? null, inReplyTo: ids.inReplyTo ?? null, sent, due, delivered, dropped: delivered === null };
}

describe('hop breakdown from the journal', () => {
  it('times each hop of a leader-bound write', () => {
    const j = [
      rec('c1', 'n0', 'write', 0, 0, 0.1, { msgId: 5 }),
      rec('n0', 'n1', 'append_entries', 1.1, 11.1, 11.6), // leader took 1.0 ms; the bench delivered 0.5 ms late
      rec('n0', 'n2', 'append_entries', 1.1, 11.1, 11.9),
      rec('n1', 'n0', 'append_entries_res', 13.6, 23.6, 24.0), // follower n1 took 2.0 ms
      rec('n2', 'n0', 'append_entries_res', 12.9, 22.9, 23.0), // n2 took 1.0 ms
      rec('n0', 'c1', 'write_ok', 23.5, 23.5, 23.5, { inReplyTo: 5 }),
      rec('n1', 'n2', 'request_vote', 30, 40, null), // lost: no lateness
    ];
    const h = hopBreakdown(j);
    expect(h.leader).toBe('n0');
    expect(h.leaderToAppend).toMatchObject({ count: 1 });
    expect(h.leaderToAppend.p50).toBeCloseTo(1.0, 6);
    expect(h.followerToAnswer.count).toBe(2);
    expect(h.followerToAnswer.p50).toBeCloseTo(2.0, 6); // the upper median of 1.0 and 2.0
    expect(h.deliveryLateness.count).toBe(4);
    expect(h.deliveryLateness.p50).toBeCloseTo(0.5, 6); // of 0.1, 0.4, 0.5, 0.8 (the lost message has none)
    expect(h.leaderRequestToAnswer.p50).toBeCloseTo(23.4, 6);
    expect(h.leaderWriteToAnswer.p50).toBeCloseTo(23.4, 6);
    expect(h.leaderReadToAnswer.count).toBe(0);
    // Answered 0.5 ms after n2's acknowledgement (n1's came after the answer).
    expect(h.leaderAckToAnswer).toMatchObject({ count: 1 });
    expect(h.leaderAckToAnswer.p50).toBeCloseTo(0.5, 6);
  });

  it('splits reads from writes, and takes no acknowledgement from before the request', () => {
    const j = [
      rec('n0', 'n1', 'append_entries', 0, 10, 10),
      rec('n1', 'n0', 'append_entries_res', 11, 21, 21), // before the read came
      rec('c1', 'n0', 'read', 30, 30, 30, { msgId: 1 }),
      rec('n0', 'c1', 'read_ok', 51, 51, 51, { inReplyTo: 1 }),
      rec('c2', 'n0', 'cas', 30, 30, 30, { msgId: 1 }),
      rec('n0', 'c2', 'error', 30.5, 30.5, 30.5, { inReplyTo: 1 }), // answered at once (no acknowledgement since it came)
    ];
    const h = hopBreakdown(j);
    expect(h.leaderReadToAnswer).toMatchObject({ count: 1 });
    expect(h.leaderReadToAnswer.p50).toBeCloseTo(21, 6);
    expect(h.leaderWriteToAnswer.p50).toBeCloseTo(0.5, 6);
    expect(h.leaderAckToAnswer.count).toBe(0);
  });

  it('finds nothing to time in a journal without a leader', () => {
    const h = hopBreakdown([rec('c1', 'n0', 'read', 0, 0, 0.1, { msgId: 1 })]);
    expect(h.leader).toBeNull();
    expect(h.leaderToAppend.count).toBe(0);
    expect(h.followerToAnswer.p50).toBeNull();
  });
});
