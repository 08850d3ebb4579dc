// A HAND-WRITTEN run directory for report tests: not produced by the bench.
//
// It has the files a bench run leaves (results.json, history.json, one stderr
// log per node) with made-up but self-consistent content: three nodes, one
// partition that isolates the leader, a new election, and, when `invalid`, a
// stale read the "checker" result (also hand-written) flags. Every report
// rendered from it carries a banner saying so (results.fixture).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURE_LABEL =
  'HAND-WRITTEN FIXTURE (test/viz/fixture.ts): made-up data for testing the report, not a bench run.';

interface Ev {
  index: number;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  process: number;
  client: string;
  node: string;
  f: 'read' | 'write' | 'cas';
  key: number;
  value: unknown;
  time: number;
  error?: unknown;
}

/** Writes the fixture into `dir` and returns the history indices of the flagged operations. */
export function writeHandmadeRun(dir: string, opts: { invalid: boolean }): { flagged: number[] } {
  mkdirSync(join(dir, 'node-logs'), { recursive: true });
  const startedAt = '2026-01-01T00:00:00.000Z';
  const t0 = Date.parse(startedAt);
  const iso = (s: number) => new Date(t0 + s * 1000).toISOString();
  const nodes = ['n0', 'n1', 'n2'];

  // Deterministic pseudo-random numbers (no Math.random: the fixture is fixed).
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };

  // Partition: n0 (the leader) cut off from 4 s to 8 s.
  const partStart = 4;
  const partStop = 8;
  const events: Ev[] = [];
  const processes = [0, 1, 2, 3];
  const clock = new Map(processes.map((p) => [p, 0.2 + p * 0.05]));
  const nextProcess = new Map(processes.map((p) => [p, p]));
  let nextFresh = 4;
  const reg = new Map<number, number>();
  const pending: { at: number; ev: Omit<Ev, 'index'> }[] = [];
  const flaggedPlan: { process: number; key: number }[] = [];

  for (const p of processes) {
    let t = clock.get(p)!;
    while (t < 11.5) {
      const proc = nextProcess.get(p)!;
      const node = nodes[p % 3]!;
      const key = Math.floor(rnd() * 3);
      const r = rnd();
      const f: Ev['f'] = r < 0.5 ? 'read' : r < 0.8 ? 'write' : 'cas';
      const cur = reg.get(key) ?? null;
      let value: unknown = null;
      if (f === 'write') value = Math.floor(rnd() * 5);
      if (f === 'cas') value = [Math.floor(rnd() * 5), Math.floor(rnd() * 5)];
      const inv = { type: 'invoke' as const, process: proc, client: `c${proc}`, node, f, key, value, time: t };
      // Clients of n0 during the partition time out (info); the others answer in a few ms.
      const isolated = node === 'n0' && t > partStart && t < partStop;
      const lat = isolated ? 1.0 : 0.004 + rnd() * 0.02 + (t > partStart && t < partStart + 0.8 ? 0.3 : 0);
      let done: Omit<Ev, 'index'>;
      if (isolated) {
        done = { ...inv, type: 'info', time: t + lat, error: 'net-timeout' };
        nextProcess.set(p, nextFresh++);
      } else if (f === 'read') {
        done = { ...inv, type: 'ok', time: t + lat, value: cur };
      } else if (f === 'write') {
        reg.set(key, value as number);
        done = { ...inv, type: 'ok', time: t + lat };
      } else {
        const [from, to] = value as [number, number];
        if (cur === from) {
          reg.set(key, to);
          done = { ...inv, type: 'ok', time: t + lat };
        } else {
          done = { ...inv, type: 'fail', time: t + lat, error: [22, 'expected value differs'] };
        }
      }
      pending.push({ at: t, ev: inv }, { at: t + lat, ev: done });
      t += lat + 0.05 + rnd() * 0.25;
    }
  }

  if (opts.invalid) {
    // A write of 7 to key 9 acknowledged at ~2 s, then a read of key 9 at ~9 s
    // that returns the older value 3: a stale read, not linearisable.
    const w0 = { type: 'invoke' as const, process: 90, client: 'c90', node: 'n1', f: 'write' as const, key: 9, value: 3, time: 1.0 };
    const w1 = { ...w0, value: 7, time: 2.0 };
    const rd = { type: 'invoke' as const, process: 91, client: 'c91', node: 'n2', f: 'read' as const, key: 9, value: null, time: 9.0 };
    pending.push(
      { at: w0.time, ev: w0 },
      { at: 1.01, ev: { ...w0, type: 'ok', time: 1.01 } },
      { at: w1.time, ev: w1 },
      { at: 2.012, ev: { ...w1, type: 'ok', time: 2.012 } },
      { at: rd.time, ev: rd },
      { at: 9.015, ev: { ...rd, type: 'ok', time: 9.015, value: 3 } },
    );
    flaggedPlan.push({ process: 90, key: 9 }, { process: 91, key: 9 });
  }

  pending.sort((a, b) => a.at - b.at);
  pending.forEach(({ ev }, index) => events.push({ ...ev, index, time: Math.round(ev.time * 1e9) }));

  const invokesOf = (process: number) => events.filter((e) => e.type === 'invoke' && e.process === process).map((e) => e.index);
  const flagged = opts.invalid ? [...invokesOf(90), ...invokesOf(91)] : [];
  const readId = opts.invalid ? invokesOf(91)[0]! : -1;

  const count = events.filter((e) => e.type === 'invoke').length;
  const ok = events.filter((e) => e.type === 'ok').length;
  const fail = events.filter((e) => e.type === 'fail').length;
  const info = events.filter((e) => e.type === 'info').length;

  const results = {
    schema: 1,
    fixture: FIXTURE_LABEL,
    workload: 'lin-kv',
    verdict: opts.invalid ? 'invalid' : 'valid',
    reasons: opts.invalid ? ['linearizability: key 9 cannot be linearised (hand-written)'] : [],
    options: {
      workload: 'lin-kv',
      bin: 'bin/raft',
      nodeCount: 3,
      concurrencySpec: '4',
      concurrency: 4,
      rate: 30,
      timeLimit: 12,
      nemesis: ['partition'],
      nemesisInterval: 4,
      latency: 0,
      latencyDist: 'constant',
      seed: 42,
      store: 'store',
    },
    nodes,
    startedAt,
    historyStartedAt: startedAt,
    duration: 12,
    stats: {
      count,
      ok,
      fail,
      info,
      byFunction: Object.fromEntries(
        (['read', 'write', 'cas'] as const).map((f) => [
          f,
          {
            count: events.filter((e) => e.type === 'invoke' && e.f === f).length,
            ok: events.filter((e) => e.type === 'ok' && e.f === f).length,
            fail: events.filter((e) => e.type === 'fail' && e.f === f).length,
            info: events.filter((e) => e.type === 'info' && e.f === f).length,
          },
        ]),
      ),
      availability: ok / count,
      throughput: ok / 12,
      latency: { count: ok, p50: 12.1, p95: 310.4, p99: 402.2, max: 450.3 },
      latencyByFunction: { 'read ok': { count: 10, p50: 11, p95: 300, p99: 400, max: 410 } },
    },
    availability: { expected: null, actual: ok / count, valid: true },
    net: {
      all: { sendCount: 5000, recvCount: 4800, msgsPerOp: 20.5 },
      clients: { sendCount: 400, recvCount: 380 },
      servers: { sendCount: 4600, recvCount: 4420, msgsPerOp: 18.9 },
      dropped: 180,
      undeliverable: 0,
    },
    linearizability: {
      valid: !opts.invalid,
      keyCount: opts.invalid ? 4 : 3,
      failures: opts.invalid
        ? [
            {
              key: 9,
              culprit: `c91 (process 91) read 3 between 9.000s and 9.015s [history #${readId}]`,
              explanation: [
                `c90 (process 90) wrote 3 between 1.000s and 1.010s [history #${invokesOf(90)[0]}]`,
                `c90 (process 90) wrote 7 between 2.000s and 2.012s [history #${invokesOf(90)[1]}]`,
                `c91 (process 91) read 3 between 9.000s and 9.015s [history #${readId}]`,
              ],
              ops: flagged,
            },
          ]
        : [],
      unknownKeys: [],
      seconds: 0.02,
      steps: 1234,
    },
    partitions: [
      { start: partStart, stop: partStop, kind: 'one', grudge: { n0: ['n1', 'n2'], n1: ['n0'], n2: ['n0'] }, description: 'n0 | n1 n2' },
    ],
    problems: [],
    files: { history: 'history.json', 'n0 log': 'node-logs/n0.log', 'n1 log': 'node-logs/n1.log', 'n2 log': 'node-logs/n2.log' },
  };

  // Node logs in the form src/runtime/runtime.ts writes them, with other lines mixed in.
  const logs: Record<string, [number, string][]> = {
    n0: [
      [0.05, 'initialised as n0 of n0,n1,n2'],
      [0.05, 'role=follower term=0'],
      [0.4, 'role=candidate term=1'],
      [0.42, 'role=leader term=1'],
      [5.1, 'role=follower term=1'],
      [5.9, 'role=candidate term=2'],
      [7.3, 'role=candidate term=3'],
      [8.05, 'role=follower term=4'],
    ],
    n1: [
      [0.05, 'initialised as n1 of n0,n1,n2'],
      [0.05, 'role=follower term=0'],
      [0.41, 'role=follower term=1'],
      [4.3, 'role=precandidate term=1'],
      [4.5, 'role=candidate term=2'],
      [4.52, 'role=leader term=2'],
      [7.9, 'role=follower term=4'],
    ],
    n2: [
      [0.05, 'initialised as n2 of n0,n1,n2'],
      [0.05, 'role=follower term=0'],
      [0.41, 'role=follower term=1'],
      [4.51, 'role=follower term=2'],
      [7.88, 'role=candidate term=4'],
      [7.9, 'role=leader term=4'],
    ],
  };
  for (const [n, lines] of Object.entries(logs)) {
    writeFileSync(join(dir, 'node-logs', `${n}.log`), lines.map(([s, text]) => `${iso(s)} info ${n} ${text}\n`).join(''));
  }
  writeFileSync(join(dir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(dir, 'history.json'), JSON.stringify(events) + '\n');
  writeFileSync(join(dir, 'FIXTURE.txt'), FIXTURE_LABEL + '\n');
  return { flagged };
}
