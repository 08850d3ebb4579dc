// The measuring parts of `npm run bench:perf` (src/bench/perf-table.ts): which
// node led, and the latency split by clients bound to the leader or not.
import { describe, expect, it } from 'vitest';
import { bottleneck, LeaderTracker, occupancy, splitLatency, PERF_CASES } from '../../src/bench/perf-table.js';
import type { HistoryEvent } from '../../src/bench/types.js';

function op(process: number, node: string, invokeMs: number, endMs: number, type: 'ok' | 'fail' | 'info' = 'ok'): HistoryEvent[] {
  const base = { process, client: `c${process}`, node, f: 'write' as const, key: 1, value: 1 };
  return [
    { ...base, index: 0, type: 'invoke', time: invokeMs * 1e6 },
    { ...base, index: 0, type, time: endMs * 1e6 },
  ];
}

describe('bench:perf measurements', () => {
  it('takes as leader the node that sends to the most peers in a 100 ms bucket, and keeps it through silent buckets', () => {
    const t = new LeaderTracker(1000);
    // Bucket 0: n0 sends to both peers (a leader's AppendEntries); n1 sends more, but to n0 only.
    t.serverSent('n0', 'n1', 'append_entries', 1010);
    t.serverSent('n0', 'n2', 'append_entries', 1011);
    for (let k = 0; k < 5; k++) t.serverSent('n1', 'n0', 'append_entries_res', 1020 + k);
    // Bucket 1: nothing. Bucket 2: n2 leads.
    t.serverSent('n2', 'n0', 'append_entries', 1250);
    t.serverSent('n2', 'n1', 'append_entries', 1251);
    expect(t.leaders()).toEqual(['n0', 'n0', 'n2']);
    expect(t.leaderAt(50, 0)).toBe('n0');
    expect(t.byType.get('append_entries')).toBe(4);
    // Before the network's start: not counted.
    t.serverSent('n1', 'n0', 'x', 999);
    expect(t.byType.has('x')).toBe(false);
  });

  it('splits ok operations by whether their node led when they were invoked; failed ones count in neither', () => {
    const history = [
      ...op(1, 'n0', 10, 30), // bucket 0: n0 leads
      ...op(2, 'n1', 20, 70), // a follower-bound op
      ...op(3, 'n1', 150, 160), // bucket 1: n1 leads now
      ...op(4, 'n0', 160, 400, 'fail'),
    ];
    const s = splitLatency(history, ['n0', 'n1']);
    expect(s.leader).toEqual([20, 10]);
    expect(s.follower).toEqual([50]);
    expect(s.all).toEqual([20, 50, 10]);
  });

  it('has the rows the issue asks for, with unique ids', () => {
    const ids = PERF_CASES.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ['latency10', 'aggressive', '20n', '5nodes', '7nodes', 'failover', 'ceiling']) expect(ids).toContain(id);
    expect(PERF_CASES.find((c) => c.id === 'failover')!.failover).toBeDefined();
  });

  it("averages the threads in flight over the client phase (by Little's law) and the mean latency", () => {
    const history = [
      ...op(1, 'n0', 0, 500), // busy half of the phase
      ...op(2, 'n1', 500, 1000, 'fail'),
      ...op(3, 'n2', 900, 1500, 'info'), // runs past the end of the phase (1000 ms): counted up to it
    ];
    const o = occupancy(history, 1000 * 1e6);
    expect(o.meanInFlight).toBeCloseTo((500 + 500 + 100) / 1000, 6);
    expect(o.meanLatencyMs).toBeCloseTo((500 + 500 + 600) / 3, 6);
    // An operation still open at the end counts to the end.
    const open = occupancy([{ ...op(4, 'n0', 200, 0)[0]! }], 1000 * 1e6);
    expect(open.meanInFlight).toBeCloseTo(0.8, 6);
    expect(open.meanLatencyMs).toBeNull();
  });

  it('names the bottleneck: none, the bench, a process near a full core, the machine, or latency alone', () => {
    const base = { asked: 30000, threads: 120, meanLatencyMs: 12, benchCpuShare: 0.3, nodeCpuShare: { n0: 0.5, n1: 0.3, n2: 0.3 }, machineBusy: 0.6, cores: 2 };
    expect(bottleneck({ ...base, offered: 29000, meanInFlight: 100 })).toMatch(/^none/);
    // Threads free but the rate not offered: the bench's own fault.
    expect(bottleneck({ ...base, offered: 10000, meanInFlight: 40 })).toMatch(/^the bench \(30% of a core\): offered 33% .* only 33% of its 120 threads busy/);
    // ... unless the machine gave it no CPU.
    expect(bottleneck({ ...base, offered: 10000, meanInFlight: 40, machineBusy: 0.99 })).toMatch(/^the machine \(99% of 2 cores busy.*\): the bench, at 30% of a core, offered 33%/);
    // ... or faults held operations up (the failover case), with CPU to spare.
    expect(bottleneck({ ...base, faults: true, offered: 10000, meanInFlight: 40 })).toMatch(/^the faults: operations they held up .* offered 33% .* only 33% of its 120 threads busy on average, the bench at 30% of a core/);
    // A bench near a full core is still at fault, faults or not.
    expect(bottleneck({ ...base, faults: true, offered: 10000, meanInFlight: 40, benchCpuShare: 0.85 })).toMatch(/^the bench \(85% of a core\)/);
    // Every thread waiting: the closed loop, and who is hot.
    const closed = { ...base, offered: 10000, meanInFlight: 119 };
    expect(bottleneck({ ...closed, nodeCpuShare: { n0: 0.95, n1: 0.3, n2: 0.3 } })).toMatch(/^n0 \(95% of a core\); closed loop: 99% of 120 threads .* at most 10,000 ops\/s/);
    expect(bottleneck({ ...closed, benchCpuShare: 0.9 })).toMatch(/^the bench \(90% of a core\)/);
    expect(bottleneck({ ...closed, machineBusy: 0.97 })).toMatch(/^the machine \(97% of 2 cores busy/);
    expect(bottleneck(closed)).toMatch(/^latency, no process near a full core/);
  });

  it('runs each tuned row as its default row with only RAFT_* settings added', () => {
    const tuned = PERF_CASES.filter((c) => c.env !== undefined);
    expect(tuned.length).toBeGreaterThan(0);
    for (const c of tuned) {
      const base = PERF_CASES.find((b) => b.id === c.id.replace(/-(tuned|lease)$/, ''));
      expect(base?.env).toBeUndefined();
      expect(c.args).toEqual(base!.args);
      for (const [k, v] of Object.entries(c.env!)) {
        expect(k).toMatch(/^RAFT_/);
        expect(c.label).toContain(`${k}=${v}`);
      }
    }
  });
});
