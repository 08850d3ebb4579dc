// Benchmarks of the bench itself: how many messages per second the network
// routes between real node processes, and how long the checker takes on a
// large lin-kv history. Run with `npm run bench:network`.

import { checkLinearizable } from './checker/linearizable.js';
import { RpcClient } from './client.js';
import { Network } from './net.js';
import { Rng } from '../core/random.js';
import type { HistoryEvent, LatencyDist } from './types.js';

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
 * A synthetic lin-kv history shaped like a real run: `threads` clients in
 * groups of 2 x nodes per key, ~128 ops per key, ops taking effect at a
 * random moment inside their interval on a true register, some timing out
 * (info; those take effect or not), reads that time out fail.
 */
export function syntheticHistory(opts: {
  seconds: number;
  rate: number;
  threads: number;
  nodes: number;
  infoFraction: number;
  seed: number;
}): HistoryEvent[] {
  const rng = new Rng(opts.seed);
  const groupSize = 2 * opts.nodes;
  const groups = Math.max(1, Math.floor(opts.threads / groupSize));
  type Pending = { t: number; thread: number; kind: 'apply' | 'complete'; op: number };
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
  const events: Pending[] = [];
  const regs = new Map<number, number | null>();
  const groupKey = Array.from({ length: groups }, (_, g) => g);
  const groupCount = new Array<number>(groups).fill(0);
  let nextKey = groups;
  const busyUntil = new Array<number>(groups * groupSize).fill(0);
  const process = Array.from({ length: groups * groupSize }, (_, i) => i);
  const total = Math.floor(opts.seconds * opts.rate);
  let t = 0;
  for (let i = 0; i < total; i++) {
    t += rng.next() * (2 / opts.rate);
    const free = busyUntil.map((b, th) => (b <= t ? th : -1)).filter((th) => th >= 0);
    if (free.length === 0) continue;
    const th = rng.pick(free);
    const g = Math.floor(th / groupSize);
    if (groupCount[g] >= 115 + rng.int(13)) {
      groupKey[g] = nextKey++;
      groupCount[g] = 0;
    }
    groupCount[g]++;
    const reader = th % groupSize < opts.nodes;
    const r = rng.int(3);
    const f = reader ? 'read' : r === 0 ? 'write' : 'cas';
    const value = f === 'read' ? null : f === 'write' ? rng.int(5) : [rng.int(5), rng.int(5)];
    const info = f !== 'read' && rng.next() < opts.infoFraction;
    const lat = info ? 1 : 0.001 + rng.exponential(0.01);
    const op: Op = { thread: th, process: process[th], f, key: groupKey[g], value, result: null, failed: false, info, inv: t };
    ops.push(op);
    const idx = ops.length - 1;
    // an info op that "never happened" is simply not applied
    if (!(info && rng.next() < 0.5)) events.push({ t: t + rng.next() * lat * (info ? 3 : 1), thread: th, kind: 'apply', op: idx });
    events.push({ t: t + lat, thread: th, kind: 'complete', op: idx });
    busyUntil[th] = t + lat;
    if (info) process[th] += groups * groupSize;
  }
  // Interleave: invocations, applications and completions in time order.
  const timeline: { t: number; kind: 'invoke' | 'apply' | 'complete'; op: number }[] = ops.map((o, i) => ({ t: o.inv, kind: 'invoke' as const, op: i }));
  for (const e of events) timeline.push({ t: e.t, kind: e.kind, op: e.op });
  const order = { invoke: 0, apply: 1, complete: 2 };
  timeline.sort((a, b) => a.t - b.t || order[a.kind] - order[b.kind]);
  const hist: HistoryEvent[] = [];
  const push = (o: Op, type: HistoryEvent['type'], value: unknown, time: number) =>
    hist.push({ index: hist.length, type, process: o.process, client: `c${o.thread}`, node: `n${o.thread % opts.nodes}`, f: o.f, key: o.key, value, time: Math.round(time * 1e9) });
  for (const e of timeline) {
    const o = ops[e.op];
    if (e.kind === 'invoke') push(o, 'invoke', o.value, e.t);
    else if (e.kind === 'apply') {
      const cur = regs.has(o.key) ? regs.get(o.key)! : null;
      if (o.f === 'read') o.result = cur;
      else if (o.f === 'write') regs.set(o.key, o.value as number);
      else {
        const [from, to] = o.value as [number, number];
        if (cur === from) regs.set(o.key, to);
        else o.failed = true;
      }
    } else {
      if (o.info) push(o, 'info', o.value, e.t);
      else if (o.failed) push(o, 'fail', o.value, e.t);
      else push(o, 'ok', o.f === 'read' ? o.result : o.value, e.t);
    }
  }
  return hist;
}

export function measureChecker(history: HistoryEvent[]): { ops: number; keys: number; seconds: number; valid: boolean | 'unknown' } {
  const r = checkLinearizable(history, { timeLimit: 300 });
  return { ops: history.filter((e) => e.type === 'invoke').length, keys: r.keyCount, seconds: r.seconds, valid: r.valid };
}
