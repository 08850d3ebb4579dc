// Benchmarks of the bench itself: how many messages per second the network
// routes between real node processes, how long the checker takes on large
// lin-kv histories, and synthetic histories for them and for the tests. Run
// with `npm run bench:network` and `npm run bench:scale`.

import { checkLinearizable } from './checker/linearizable.js';
import { RpcClient } from './client.js';
import { Network } from './net.js';
import { Rng } from '../core/random.js';
import type { HistoryEvent, LatencyDist } from './types.js';
import { MinHeap } from '../core/heap.js';
import { LinKvGenerator } from './workloads/lin-kv-generator.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface RouteResult {
  nodes: number;
  window: number;
  latency: number;
  seconds: number;
  routed: number;
  perSecond: number;
}

/** Floods the network with ping/pong between `flood-node` processes. */
export async function measureRouting(opts: {
  bin: string;
  nodes: number;
  window: number;
  seconds: number;
  latency?: number;
  latencyDist?: LatencyDist;
}): Promise<RouteResult> {
  const net = new Network({
    latency: opts.latency ?? 0,
    latencyDist: opts.latencyDist ?? 'constant',
    rng: new Rng(1),
    journalLimit: 100_000,
    onProblem: (p) => process.stderr.write(`problem: ${p.node} ${p.kind} ${p.detail}\n`),
  });
  const ids = Array.from({ length: opts.nodes }, (_, i) => `n${i}`);
  for (const id of ids) net.spawnNode(id, { bin: opts.bin, args: [], logPath: null, logStderr: true });
  try {
    await Promise.all(
      ids.map(async (id, i) => {
        const c = new RpcClient(`c${i}`, net);
        const r = await c.call(id, { type: 'init', node_id: id, node_ids: ids }, 10_000);
        if (r.kind !== 'reply') throw new Error(`${id} did not init`);
      }),
    );
    const warm = new RpcClient('cw', net);
    for (const id of ids) await warm.call(id, { type: 'flood', window: opts.window }, 10_000);
    await sleep(500); // warm up
    const c = net.counters;
    const before = c.serverRecv + c.clientRecv;
    const t0 = performance.now();
    await sleep(opts.seconds * 1000);
    const routed = c.serverRecv + c.clientRecv - before;
    const seconds = (performance.now() - t0) / 1000;
    return {
      nodes: opts.nodes,
      window: opts.window,
      latency: opts.latency ?? 0,
      seconds,
      routed,
      perSecond: routed / seconds,
    };
  } finally {
    await net.close();
  }
}

/**
 * A synthetic lin-kv history shaped like a bench run: `threads` clients
 * driven by the bench's own generator (groups of 2 x nodes per key, keys
 * retired after 20 processes as in Maelstrom, or after about `perKeyLimit`
 * operations if given), operations taking effect at a random moment inside
 * their interval on a true register, some timing out (info: those take
 * effect or not, possibly after they timed out); reads never time out here.
 * Valid by construction. Iterative, so it scales to millions of operations.
 */
export function syntheticHistory(opts: {
  seconds: number;
  rate: number;
  threads: number;
  nodes: number;
  infoFraction: number;
  seed: number;
  perKeyLimit?: number | null;
}): HistoryEvent[] {
  const rng = new Rng(opts.seed);
  const gen = new LinKvGenerator(rng.fork(1), { nodeCount: opts.nodes, concurrency: opts.threads, perKeyLimit: opts.perKeyLimit ?? null });
  interface Op {
    thread: number;
    process: number;
    f: 'read' | 'write' | 'cas';
    key: number;
    value: unknown;
    result: unknown;
    failed: boolean;
    info: boolean;
    inv: number;
  }
  const ops: Op[] = [];
  // Timeline entries as parallel arrays: time, kind (0 invoke, 1 apply, 2 complete), op index.
  const tT: number[] = [];
  const tK: number[] = [];
  const tO: number[] = [];
  const regs = new Map<number, number | null>();
  const free: number[] = Array.from({ length: opts.threads }, (_, i) => i);
  const pendingDone = new MinHeap<{ t: number; thread: number; info: boolean }>((x, y) => x.t < y.t);
  const total = Math.floor(opts.seconds * opts.rate);
  let t = 0;
  for (let i = 0; i < total; i++) {
    t += rng.next() * (2 / opts.rate);
    for (let d = pendingDone.peek(); d !== undefined && d.t <= t; d = pendingDone.peek()) {
      pendingDone.pop();
      gen.complete(d.thread, d.info ? 'info' : 'ok');
      free.push(d.thread);
    }
    if (free.length === 0) continue;
    const k = rng.int(free.length);
    const th = free[k]!;
    free[k] = free[free.length - 1]!;
    free.pop();
    const process = gen.process(th);
    const g = gen.next(th);
    const info = g.f !== 'read' && rng.next() < opts.infoFraction;
    const lat = info ? 1 : 0.001 + rng.exponential(0.01);
    ops.push({ thread: th, process, f: g.f, key: g.key, value: g.value, result: null, failed: false, info, inv: t });
    const idx = ops.length - 1;
    tT.push(t);
    tK.push(0);
    tO.push(idx);
    // an info op that "never happened" is simply not applied
    if (!(info && rng.next() < 0.5)) {
      tT.push(t + rng.next() * lat * (info ? 3 : 1));
      tK.push(1);
      tO.push(idx);
    }
    tT.push(t + lat);
    tK.push(2);
    tO.push(idx);
    pendingDone.push({ t: t + lat, thread: th, info });
  }
  // Interleave invocations, applications and completions in time order.
  const order = Int32Array.from(tT.keys()).sort((x, y) => tT[x]! - tT[y]! || tK[x]! - tK[y]!);
  const hist: HistoryEvent[] = [];
  const push = (o: Op, type: HistoryEvent['type'], value: unknown, time: number) =>
    hist.push({ index: hist.length, type, process: o.process, client: `c${o.thread}`, node: `n${o.thread % opts.nodes}`, f: o.f, key: o.key, value, time: Math.round(time * 1e9) });
  for (const e of order) {
    const o = ops[tO[e]!]!;
    const kind = tK[e]!;
    if (kind === 0) push(o, 'invoke', o.value, tT[e]!);
    else if (kind === 1) {
      const cur = regs.has(o.key) ? regs.get(o.key)! : null;
      if (o.f === 'read') o.result = cur;
      else if (o.f === 'write') regs.set(o.key, o.value as number);
      else {
        const [from, to] = o.value as [number, number];
        if (cur === from) regs.set(o.key, to);
        else o.failed = true;
      }
    } else {
      if (o.info) push(o, 'info', o.value, tT[e]!);
      else if (o.failed) push(o, 'fail', o.value, tT[e]!);
      else push(o, 'ok', o.f === 'read' ? o.result : o.value, tT[e]!);
    }
  }
  return hist;
}

export function measureChecker(history: HistoryEvent[]): {
  ops: number;
  keys: number;
  longestKey: number;
  seconds: number;
  valid: boolean | 'unknown';
  failures: number;
  coreSize: number;
} {
  const r = checkLinearizable(history, { timeLimit: 300 });
  const perKey = new Map<number, number>();
  let ops = 0;
  for (const e of history) {
    if (e.type !== 'invoke') continue;
    ops++;
    perKey.set(e.key, (perKey.get(e.key) ?? 0) + 1);
  }
  let longestKey = 0;
  for (const c of perKey.values()) if (c > longestKey) longestKey = c;
  return { ops, keys: r.keyCount, longestKey, seconds: r.seconds, valid: r.valid, failures: r.failures.length, coreSize: r.failures[0]?.ops.length ?? 0 };
}
