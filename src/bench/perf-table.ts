// `npm run bench:perf`: a fixed table of bench runs against a Maelstrom node
// (bin/raft by default, any other with --bin), each watched from inside the
// bench: latency split by clients bound to the leader and to a follower,
// with the physical floor of each; ok ops/s; server messages per operation;
// failover time; CPU per operation of the leader process; the bench
// process's own CPU share. See scripts/bench-perf.mjs.
//
// Nothing here knows our node's internals: the leader is the node that sends
// the most server messages (a Raft leader sends every AppendEntries), found
// per 100 ms, so the same table works for any Maelstrom binary.

import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { execFileSync } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from './options.js';
import { runTest, type RunProbe } from './runner.js';
import type { Cluster } from './cluster.js';
import type { Network, NetObserver } from './net.js';
import { RpcClient } from './client.js';
import type { BenchResults, HistoryEvent } from './types.js';

/** One configuration of the table. */
export interface PerfCase {
  readonly id: string;
  readonly label: string;
  /** `raftchart test` flags, without --bin and --store. */
  readonly args: readonly string[];
  /**
   * Environment for the node processes (our RAFT_* settings; another binary
   * given with --bin ignores them): the tuned rows.
   */
  readonly env?: Readonly<Record<string, string>>;
  /** Isolate the leader this many times during the run, to measure failover. */
  readonly failover?: { readonly firstAt: number; readonly every: number; readonly hold: number; readonly count: number };
}

/** The rows of issue 18, failover, and the ceiling, with the node's defaults. */
const DEFAULT_CASES: readonly PerfCase[] = [
  {
    id: 'latency10',
    label: '--latency 10, 10n, rate 1000',
    args: ['--node-count', '3', '--concurrency', '10n', '--rate', '1000', '--latency', '10', '--time-limit', '20', '--seed', '1'],
  },
  {
    id: 'aggressive',
    label: "seed's aggressive run (10n, rate 100, partitions every ~3 s, 60 s)",
    args: ['--node-count', '3', '--concurrency', '10n', '--rate', '100', '--time-limit', '60', '--nemesis', 'partition', '--nemesis-interval', '3', '--seed', '11'],
  },
  {
    id: '20n',
    label: '20n, rate 2000, no faults',
    args: ['--node-count', '3', '--concurrency', '20n', '--rate', '2000', '--time-limit', '20', '--seed', '2'],
  },
  {
    id: '5nodes',
    label: '5 nodes, 10n, rate 200',
    args: ['--node-count', '5', '--concurrency', '10n', '--rate', '200', '--time-limit', '20', '--seed', '3'],
  },
  {
    id: '7nodes',
    label: '7 nodes, 10n, rate 200',
    args: ['--node-count', '7', '--concurrency', '10n', '--rate', '200', '--time-limit', '20', '--seed', '4'],
  },
  {
    id: 'failover',
    label: 'failover: leader isolated 3 times (10n, rate 200)',
    args: ['--node-count', '3', '--concurrency', '10n', '--rate', '200', '--time-limit', '20', '--seed', '5'],
    failover: { firstAt: 4, every: 6, hold: 3, count: 3 },
  },
  {
    id: 'ceiling',
    label: 'ceiling: 40n, rate 30000',
    args: ['--node-count', '3', '--concurrency', '40n', '--rate', '30000', '--time-limit', '20', '--seed', '6'],
  },
];

/** A default row run again with RAFT_* settings: `<id>-<suffix>`, same arguments. */
function tuned(baseId: string, suffix: string, label: string, env: Readonly<Record<string, string>>): PerfCase {
  const base = DEFAULT_CASES.find((c) => c.id === baseId)!;
  const settings = Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ');
  return { id: `${baseId}-${suffix}`, label: `${label}; ${settings}`, args: base.args, env };
}

const LEASE_AND_WAIT = (ms: number) => ({ RAFT_READS: 'lease', RAFT_BATCH_MS: String(ms) });

/**
 * The fixed table: the default rows, then some of them with settings that
 * are not the defaults: reads by leader lease (no confirmation round, at the
 * price of a clock assumption: README), and a batch wait that lets requests
 * share AppendEntries and proxy messages (messages for latency).
 */
export const PERF_CASES: readonly PerfCase[] = [
  ...DEFAULT_CASES,
  tuned('latency10', 'lease', '--latency 10, 10n, rate 1000', { RAFT_READS: 'lease' }),
  tuned('aggressive', 'tuned', "seed's aggressive run", LEASE_AND_WAIT(5)),
  tuned('20n', 'tuned', '20n, rate 2000', LEASE_AND_WAIT(5)),
  tuned('5nodes', 'tuned', '5 nodes, rate 200', LEASE_AND_WAIT(5)),
  tuned('7nodes', 'tuned', '7 nodes, rate 200', LEASE_AND_WAIT(10)),
  tuned('ceiling', 'lease', 'ceiling: 40n, rate 30000', { RAFT_READS: 'lease' }),
];

/** Latency quantiles of one class of clients (ms). */
export interface ClassLatency {
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  /** The physical floor: round trips between servers the operation cannot avoid (ms). */
  readonly floor: number;
}

export interface PerfRow {
  readonly id: string;
  readonly label: string;
  readonly verdict: BenchResults['verdict'];
  readonly runDir: string;
  readonly seconds: number;
  /** Invocations per second of the client phase (what the bench offered). */
  readonly offered: number;
  /** What --rate asked (ops/s), and the client threads (--concurrency). */
  readonly asked: number;
  readonly threads: number;
  /** Client threads with an operation in flight, averaged over the client phase. */
  readonly meanInFlight: number;
  /** Mean latency of the operations that completed (ms, every outcome). */
  readonly meanLatencyMs: number | null;
  /** The bench's I/O with the nodes per second of the client phase, and lines per stdin write. */
  readonly io: { readonly stdinWritesPerSecond: number; readonly linesPerWrite: number; readonly stdoutChunksPerSecond: number };
  /** CPU share of one core, per node process, during the client phase. */
  readonly nodeCpuShare: Readonly<Record<string, number>>;
  /** The whole machine's busy share of all its cores during the client phase (null: no /proc/stat), and its core count. */
  readonly machineBusy: number | null;
  readonly cores: number;
  /** Who limited the rate, in words (see bottleneck()). */
  readonly bottleneck: string;
  readonly okPerSecond: number;
  readonly leaderBound: ClassLatency;
  readonly followerBound: ClassLatency;
  readonly all: { readonly p50: number | null; readonly p95: number | null };
  readonly serverMsgsPerOp: number | null;
  /** Server messages routed per second (client traffic excluded). */
  readonly serverMsgsPerSecond: number;
  /** Failover times (s): leader cut off to the first write another node acknowledged (null: none before the cut healed). */
  readonly failovers: readonly (number | null)[];
  /** The node that led most of the run, and the CPU it used per operation invoked (µs). */
  readonly leader: string | null;
  readonly leaderCpuPerOpUs: number | null;
  /** CPU of every node process during the client phase (s). */
  readonly nodeCpu: Readonly<Record<string, number>>;
  /** The bench process's own CPU during the client phase, as a share of one core. */
  readonly benchCpuShare: number;
  /** The bench's event-loop delay during the client phase (ms): p50, p99. */
  readonly benchLoopDelay: { readonly p50: number; readonly p99: number };
  /** Leader changes seen (by the message-count rule). */
  readonly leaderChanges: number;
  /** Server messages by body type, most frequent first. */
  readonly byType: readonly (readonly [string, number])[];
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU seconds (user + system) of every process in the process group `pgid` (Linux /proc), or null. */
export function groupCpuSeconds(pgid: number): number | null {
  let ticks = 0;
  let found = false;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  for (const e of entries) {
    if (e.charCodeAt(0) < 48 || e.charCodeAt(0) > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${e}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ... utime(14) stime(15): fields after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(f[2]) !== pgid) continue;
    found = true;
    ticks += Number(f[11]) + Number(f[12]);
  }
  return found ? ticks / ticksPerSecond() : null;
}

/** Busy and total jiffies of the whole machine (Linux /proc/stat), or null. */
export function machineJiffies(): { busy: number; total: number } | null {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return null;
  }
  const line = text.split('\n', 1)[0] ?? '';
  if (!line.startsWith('cpu ')) return null;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal ...
  const total = f.slice(0, 8).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}

/**
 * Threads with an operation in flight, averaged over [0, end] (ns, history
 * time), and the mean latency of completed operations (ms). Each client
 * thread runs one operation at a time (Jepsen's closed loop), so by Little's
 * law the rate the clients can offer is at most threads / mean latency.
 */
export function occupancy(history: readonly HistoryEvent[], endNs: number): { meanInFlight: number; meanLatencyMs: number | null } {
  const open = new Map<number, number>();
  let busyNs = 0;
  let latSum = 0;
  let latN = 0;
  for (const e of history) {
    if (e.type === 'invoke') {
      open.set(e.process, e.time);
      continue;
    }
    const t0 = open.get(e.process);
    if (t0 === undefined) continue;
    open.delete(e.process);
    latSum += e.time - t0;
    latN++;
    busyNs += Math.max(0, Math.min(e.time, endNs) - Math.max(t0, 0));
  }
  for (const t0 of open.values()) busyNs += Math.max(0, endNs - t0);
  return { meanInFlight: endNs > 0 ? busyNs / endNs : 0, meanLatencyMs: latN > 0 ? latSum / latN / 1e6 : null };
}

/**
 * Names what limited the rate of a run, from what the bench saw. The clients
 * are a closed loop (one operation in flight per thread), so a run offers
 * less than --rate asks either because every thread is waiting for a reply
 * (then the latency sets the rate, and the question is which process makes
 * it: the one near a full core, or the machine when all together are near
 * all its cores) or because the bench did not start operations fast enough
 * although threads were free: then the bench is at fault, unless the run
 * had faults (a nemesis, a cut-off leader) and the bench had CPU to spare,
 * where operations held up by the faults (an answer that never comes, a
 * timeout) kept their threads from their next turns.
 */
export function bottleneck(x: {
  /** The run had faults that hold operations up (a nemesis, the failover case's cuts). */
  faults?: boolean;
  asked: number;
  offered: number;
  threads: number;
  meanInFlight: number;
  meanLatencyMs: number | null;
  benchCpuShare: number;
  nodeCpuShare: Readonly<Record<string, number>>;
  machineBusy: number | null;
  cores: number;
}): string {
  const pct = (v: number) => `${Math.round(v * 100)}%`;
  if (x.asked > 0 && x.offered >= 0.95 * x.asked) return `none: offered ${pct(x.offered / x.asked)} of the asked rate`;
  const busyThreads = x.threads > 0 ? x.meanInFlight / x.threads : 0;
  const loop = x.meanLatencyMs !== null && x.meanLatencyMs > 0 ? (x.threads / x.meanLatencyMs) * 1000 : null;
  if (busyThreads < 0.9) {
    const short = `offered ${pct(x.offered / Math.max(1, x.asked))} of the asked rate with only ${pct(busyThreads)} of its ${x.threads} threads busy`;
    // A bench far from a full core that still falls behind was not given the CPU (a stall owes at most one operation per thread).
    if (x.benchCpuShare < 0.8 && x.machineBusy !== null && x.machineBusy >= 0.9) {
      return `the machine (${pct(x.machineBusy)} of ${x.cores} cores busy, every process included): the bench, at ${pct(x.benchCpuShare)} of a core, ${short}`;
    }
    if (x.faults && x.benchCpuShare < 0.8) {
      return `the faults: operations they held up (no answer, a timeout) kept their threads from their next turns; ${short} on average, the bench at ${pct(x.benchCpuShare)} of a core`;
    }
    return `the bench (${pct(x.benchCpuShare)} of a core): ${short}`;
  }
  const why = `closed loop: ${pct(busyThreads)} of ${x.threads} threads waiting for replies, mean latency ${x.meanLatencyMs?.toFixed(2)} ms, so at most ${loop === null ? '-' : Math.round(loop).toLocaleString('en-US')} ops/s`;
  const hot: string[] = [];
  if (x.benchCpuShare >= 0.8) hot.push(`the bench (${pct(x.benchCpuShare)} of a core)`);
  for (const [n, v] of Object.entries(x.nodeCpuShare)) if (v >= 0.8) hot.push(`${n} (${pct(v)} of a core)`);
  if (hot.length > 0) return `${hot.join(', ')}; ${why}`;
  if (x.machineBusy !== null && x.machineBusy >= 0.9) return `the machine (${pct(x.machineBusy)} of ${x.cores} cores busy, every process included); ${why}`;
  return `latency, no process near a full core; ${why}`;
}

const BUCKET_MS = 100;

/**
 * Per 100 ms bucket, which peers each node sent server messages to, and how
 * many. The leader of a bucket is the node that talked to the most peers
 * (a Raft leader sends AppendEntries to every follower; a follower answers
 * the leader and forwards requests to it), then the one that sent the most.
 */
export class LeaderTracker implements NetObserver {
  private readonly buckets: Map<string, { dests: Set<string>; count: number }>[] = [];
  readonly byType = new Map<string, number>();
  constructor(private readonly t0: number) {}

  serverSent(src: string, dest: string, type: unknown, now: number): void {
    const b = Math.floor((now - this.t0) / BUCKET_MS);
    if (b < 0) return;
    while (this.buckets.length <= b) this.buckets.push(new Map());
    const m = this.buckets[b]!;
    let e = m.get(src);
    if (!e) m.set(src, (e = { dests: new Set(), count: 0 }));
    e.dests.add(dest);
    e.count++;
    const t = typeof type === 'string' ? type : String(type);
    this.byType.set(t, (this.byType.get(t) ?? 0) + 1);
  }

  private static best(totals: Map<string, { dests: Set<string>; count: number }>): string | null {
    let best: string | null = null;
    let bd = 0;
    let bc = 0;
    for (const [n, e] of totals) {
      if (e.dests.size > bd || (e.dests.size === bd && e.count > bc)) {
        best = n;
        bd = e.dests.size;
        bc = e.count;
      }
    }
    return best;
  }

  /** The leader of each bucket (the previous bucket's when nothing was sent). */
  leaders(): (string | null)[] {
    const out: (string | null)[] = [];
    let last: string | null = null;
    for (const m of this.buckets) {
      const b = LeaderTracker.best(m);
      if (b !== null) last = b;
      out.push(last);
    }
    return out;
  }

  /** The leader over the last `ms` before `now` (ms since t0). */
  leaderAt(now: number, ms: number): string | null {
    const to = Math.floor(now / BUCKET_MS);
    const totals = new Map<string, { dests: Set<string>; count: number }>();
    for (let b = Math.max(0, to - Math.ceil(ms / BUCKET_MS)); b <= to && b < this.buckets.length; b++) {
      for (const [n, e] of this.buckets[b]!) {
        let t = totals.get(n);
        if (!t) totals.set(n, (t = { dests: new Set(), count: 0 }));
        for (const d of e.dests) t.dests.add(d);
        t.count += e.count;
      }
    }
    return LeaderTracker.best(totals);
  }
}

function quantile(sorted: Float64Array, p: number): number | null {
  if (sorted.length === 0) return null;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! * 100) / 100;
}

/** Splits ok operations by whether their node led when they were invoked; quantiles of each class. */
export function splitLatency(history: readonly HistoryEvent[], leaders: readonly (string | null)[]): {
  leader: number[];
  follower: number[];
  all: number[];
} {
  const open = new Map<number, HistoryEvent>();
  const leader: number[] = [];
  const follower: number[] = [];
  const all: number[] = [];
  for (const e of history) {
    if (e.type === 'invoke') {
      open.set(e.process, e);
      continue;
    }
    const inv = open.get(e.process);
    if (!inv) continue;
    open.delete(e.process);
    if (e.type !== 'ok') continue;
    const ms = (e.time - inv.time) / 1e6;
    all.push(ms);
    const b = Math.floor(inv.time / 1e6 / BUCKET_MS);
    const l = leaders[Math.min(b, leaders.length - 1)] ?? null;
    (l === inv.node ? leader : follower).push(ms);
  }
  return { leader, follower, all };
}

/**
 * Failover, measured by probing: once the leader is cut off, a probe client
 * per other node writes a key of its own (outside the workload's keys) every
 * 20 ms, each write with its own client and a long timeout, until one is
 * acknowledged. A write acknowledged by another node after the cut was
 * committed by a leader that could not reach the old one: a new leader. The
 * workload's own clients are no good for this: those whose requests went to
 * the old leader wait for their timeout, whatever the nodes do.
 */
class FailoverProbe {
  private done = false;
  private timer: NodeJS.Timeout | undefined;
  private clients = 0;
  result: number | null = null;

  constructor(
    private readonly net: Network,
    private readonly targets: readonly string[],
    private readonly at: number,
    private readonly until: number,
    private readonly idPrefix: string,
  ) {}

  start(): void {
    const tick = (): void => {
      if (this.done) return;
      if (this.net.now() > this.until) {
        this.done = true;
        return;
      }
      for (const node of this.targets) {
        const c = new RpcClient(`${this.idPrefix}${this.clients++}`, this.net);
        void c.call(node, { type: 'write', key: 'perf-failover-probe', value: this.clients }, Math.max(50, this.until - this.net.now())).then((r) => {
          if (this.done || r.kind !== 'reply' || r.body.type !== 'write_ok') return;
          this.done = true;
          this.result = (this.net.now() - this.at) / 1000;
        });
      }
      this.timer = setTimeout(tick, 20);
    };
    tick();
  }

  stop(): void {
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

export interface PerfRunOptions {
  readonly bin: string;
  readonly store: string;
  /** Multiply every time limit and failover time by this (quick looks). */
  readonly timeScale?: number;
  readonly extraArgs?: readonly string[];
  readonly log?: (text: string) => void;
}

function scaled(c: PerfCase, scale: number): PerfCase {
  if (scale === 1) return c;
  const args = [...c.args];
  const i = args.indexOf('--time-limit');
  if (i >= 0) args[i + 1] = String(Math.max(1, Number(args[i + 1]) * scale));
  return {
    ...c,
    args,
    ...(c.failover ? { failover: { ...c.failover, firstAt: c.failover.firstAt * scale, every: c.failover.every * scale, hold: c.failover.hold * scale } } : {}),
  };
}

/** Runs one case of the table and measures it. */
export async function runPerfCase(c0: PerfCase, o: PerfRunOptions): Promise<PerfRow> {
  const c = scaled(c0, o.timeScale ?? 1);
  const parsed = parseArgs([...c.args, '--bin', o.bin, '--store', o.store, ...(o.extraArgs ?? [])]);
  if (parsed.help) throw new Error('unexpected --help');
  const opts = parsed.options;
  let tracker: LeaderTracker | undefined;
  let net: Network | undefined;
  let cluster: Cluster | undefined;
  let nodeIds: readonly string[] = [];
  let cpu0 = new Map<string, number | null>();
  const nodeCpu: Record<string, number> = {};
  let bench0 = process.cpuUsage();
  let io0 = { stdinWrites: 0, stdinLines: 0, stdoutChunks: 0, flushes: 0 };
  let io = io0;
  let mach0: { busy: number; total: number } | null = null;
  let machineBusy: number | null = null;
  let wall0 = 0;
  let benchCpu = 0;
  let wall = 0;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const probes: FailoverProbe[] = [];
  const timers: NodeJS.Timeout[] = [];
  let tStart = 0;
  const readCpu = (): Map<string, number | null> => {
    const m = new Map<string, number | null>();
    for (const id of nodeIds) {
      const pid = net!.nodes.get(id)?.proc.pid;
      m.set(id, pid === undefined ? null : groupCpuSeconds(pid));
    }
    return m;
  };
  const probe: RunProbe = {
    started: (run) => {
      net = run.net;
      cluster = run.cluster;
      nodeIds = run.nodes;
      tStart = run.net.now();
      tracker = new LeaderTracker(tStart);
      run.net.observer = tracker;
      cpu0 = readCpu();
      bench0 = process.cpuUsage();
      io0 = { ...run.net.io };
      mach0 = machineJiffies();
      wall0 = performance.now();
      loop.enable();
      const f = c.failover;
      if (f) {
        for (let k = 0; k < f.count; k++) {
          const at = (f.firstAt + k * f.every) * 1000;
          timers.push(
            setTimeout(() => {
              const now = run.net.now() - tStart;
              const leader = tracker!.leaderAt(now, 1000);
              if (leader === null) return;
              // Cut the leader off both ways: everyone drops its messages, it drops theirs.
              const grudge = new Map<string, Set<string>>();
              grudge.set(leader, new Set(nodeIds.filter((n) => n !== leader)));
              for (const n of nodeIds) if (n !== leader) grudge.set(n, new Set([leader]));
              run.net.setGrudge(grudge);
              const p = new FailoverProbe(run.net, nodeIds.filter((n) => n !== leader), run.net.now(), run.net.now() + f.hold * 1000, `perf-probe-${k}-`);
              probes.push(p);
              p.start();
              o.log?.(`  failover: cut off ${leader} at ${(now / 1000).toFixed(2)} s`);
              timers.push(setTimeout(() => run.net.heal(), f.hold * 1000));
            }, at),
          );
        }
      }
    },
    ended: () => {
      loop.disable();
      const b = process.cpuUsage(bench0);
      benchCpu = (b.user + b.system) / 1e6;
      wall = (performance.now() - wall0) / 1000;
      const m1 = machineJiffies();
      if (mach0 && m1 && m1.total > mach0.total) machineBusy = (m1.busy - mach0.busy) / (m1.total - mach0.total);
      if (net) io = { stdinWrites: net.io.stdinWrites - io0.stdinWrites, stdinLines: net.io.stdinLines - io0.stdinLines, stdoutChunks: net.io.stdoutChunks - io0.stdoutChunks, flushes: net.io.flushes - io0.flushes };
      const cpu1 = readCpu();
      for (const id of nodeIds) {
        const a = cpu0.get(id);
        const z = cpu1.get(id);
        if (a != null && z != null) nodeCpu[id] = z - a;
      }
      for (const t of timers) clearTimeout(t);
      for (const p of probes) p.stop();
      if (net) net.observer = null;
    },
  };
  // The node processes inherit the bench's environment (src/bench/cluster.ts).
  const saved = Object.entries(c.env ?? {}).map(([k, v]) => {
    const before = process.env[k];
    process.env[k] = v;
    return [k, before] as const;
  });
  let out: Awaited<ReturnType<typeof runTest>>;
  try {
    out = await runTest(opts, true, probe);
  } finally {
    for (const [k, before] of saved) {
      if (before === undefined) delete process.env[k];
      else process.env[k] = before;
    }
  }
  void cluster;
  const r = out.results;
  const leaders = tracker?.leaders() ?? [];
  const split = splitLatency(out.history, leaders);
  const sort = (xs: number[]) => Float64Array.from(xs).sort();
  const ls = sort(split.leader);
  const fs = sort(split.follower);
  const as = sort(split.all);
  const tally = new Map<string, number>();
  let changes = 0;
  for (let i = 0; i < leaders.length; i++) {
    const l = leaders[i];
    if (l == null) continue;
    tally.set(l, (tally.get(l) ?? 0) + 1);
    if (i > 0 && leaders[i - 1] != null && leaders[i - 1] !== l) changes++;
  }
  let leader: string | null = null;
  for (const [n, k] of tally) if (leader === null || k > tally.get(leader)!) leader = n;
  const L = opts.latency;
  const invoked = r.stats.count;
  const leaderCpu = leader !== null ? nodeCpu[leader] : undefined;
  const occ = occupancy(out.history, r.duration * 1e9);
  const nodeCpuShare: Record<string, number> = {};
  for (const [n, v] of Object.entries(nodeCpu)) nodeCpuShare[n] = wall > 0 ? v / wall : 0;
  const offered = r.duration > 0 ? invoked / r.duration : 0;
  const benchCpuShare = wall > 0 ? benchCpu / wall : 0;
  const cores = cpus().length;
  return {
    id: c.id,
    label: c.label,
    verdict: r.verdict,
    runDir: out.dir,
    seconds: r.duration,
    offered,
    asked: opts.rate,
    threads: opts.concurrency,
    meanInFlight: occ.meanInFlight,
    meanLatencyMs: occ.meanLatencyMs,
    io: {
      stdinWritesPerSecond: wall > 0 ? io.stdinWrites / wall : 0,
      linesPerWrite: io.stdinWrites > 0 ? io.stdinLines / io.stdinWrites : 0,
      stdoutChunksPerSecond: wall > 0 ? io.stdoutChunks / wall : 0,
    },
    nodeCpuShare,
    machineBusy,
    cores,
    bottleneck: bottleneck({ faults: c.failover !== undefined || c.args.includes('--nemesis'), asked: opts.rate, offered, threads: opts.concurrency, meanInFlight: occ.meanInFlight, meanLatencyMs: occ.meanLatencyMs, benchCpuShare, nodeCpuShare, machineBusy, cores }),
    okPerSecond: r.stats.throughput ?? 0,
    leaderBound: { count: ls.length, p50: quantile(ls, 0.5), p95: quantile(ls, 0.95), floor: 2 * L },
    followerBound: { count: fs.length, p50: quantile(fs, 0.5), p95: quantile(fs, 0.95), floor: 4 * L },
    all: { p50: quantile(as, 0.5), p95: quantile(as, 0.95) },
    serverMsgsPerOp: r.net.servers.msgsPerOp,
    serverMsgsPerSecond: r.duration > 0 ? r.net.servers.msgCount / r.duration : 0,
    failovers: probes.map((p) => p.result),
    leader,
    leaderCpuPerOpUs: leaderCpu !== undefined && invoked > 0 ? (leaderCpu / invoked) * 1e6 : null,
    nodeCpu,
    benchCpuShare,
    benchLoopDelay: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6 },
    leaderChanges: changes,
    byType: [...(tracker?.byType ?? new Map<string, number>())].sort((a, b) => b[1] - a[1]),
  };
}

const f1 = (x: number | null | undefined, d = 1): string => (x === null || x === undefined ? '-' : x.toFixed(d));

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** A figure over repeated runs: the median, and the range when there are several. */
function cell(values: readonly (number | null | undefined)[], d = 1, fmt?: (x: number) => string): string {
  const xs = values.filter((x): x is number => x !== null && x !== undefined && Number.isFinite(x));
  if (xs.length === 0) return '-';
  const f = fmt ?? ((x: number) => x.toFixed(d));
  const m = f(median(xs));
  if (xs.length === 1) return m;
  let lo0 = xs[0]!;
  let hi0 = xs[0]!;
  for (const x of xs) {
    if (x < lo0) lo0 = x;
    if (x > hi0) hi0 = x;
  }
  const lo = f(lo0);
  const hi = f(hi0);
  return lo === hi ? m : `${m} (${lo}-${hi})`;
}

/** The table, as Markdown: one row per case; with repeated runs, medians and ranges. */
export function formatTable(groups: readonly (readonly PerfRow[])[]): string {
  const head = [
    'configuration',
    'verdicts',
    'offered / asked ops/s',
    'ok ops/s',
    'leader-bound p50 / p95 ms (floor)',
    'follower-bound p50 / p95 ms (floor)',
    'server msgs/op',
    'failover s',
    'leader CPU µs/op',
    'bench CPU (of a core)',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  const int = (x: number) => Math.round(x).toLocaleString('en-US');
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  for (const rs of groups) {
    if (rs.length === 0) continue;
    const r0 = rs[0]!;
    const verdicts = new Map<string, number>();
    for (const r of rs) verdicts.set(r.verdict, (verdicts.get(r.verdict) ?? 0) + 1);
    const fo = rs.flatMap((r) => r.failovers);
    const missed = fo.filter((x) => x === null).length;
    lines.push(
      `| ${[
        r0.label,
        [...verdicts].map(([v, n]) => (rs.length === 1 ? v : `${n} ${v}`)).join(', '),
        `${cell(rs.map((r) => r.offered), 0, int)} / ${int(r0.asked)}`,
        cell(rs.map((r) => r.okPerSecond), 0, int),
        `${cell(rs.map((r) => r.leaderBound.p50))} / ${cell(rs.map((r) => r.leaderBound.p95))} (${r0.leaderBound.floor})`,
        `${cell(rs.map((r) => r.followerBound.p50))} / ${cell(rs.map((r) => r.followerBound.p95))} (${r0.followerBound.floor})`,
        cell(rs.map((r) => r.serverMsgsPerOp), 2),
        fo.length === 0 ? '-' : `${cell(fo, 2)}${missed ? ` (${missed} of ${fo.length} not seen)` : ''}`,
        cell(rs.map((r) => r.leaderCpuPerOpUs), 0),
        cell(rs.map((r) => r.benchCpuShare), 0, pct),
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/** One line of detail per row: where the messages went, CPU per node, the bench's event loop. */
export function formatDetails(rows: readonly PerfRow[]): string {
  return rows
    .map((r) => {
      const types = r.byType.slice(0, 6).map(([t, n]) => `${t} ${(n / Math.max(1, r.seconds)).toFixed(0)}/s`).join(', ');
      const cpu = Object.entries(r.nodeCpu).map(([n, s]) => `${n}${n === r.leader ? '*' : ''} ${s.toFixed(1)}`).join(' ');
      const pct = (v: number) => `${Math.round(v * 100)}%`;
      const share = Object.entries(r.nodeCpuShare).map(([n, v]) => `${n}${n === r.leader ? '*' : ''} ${pct(v)}`).join(', ');
      return (
        `${r.id}: ${r.runDir}\n  server msgs ${Math.round(r.serverMsgsPerSecond)}/s: ${types}\n  node CPU s (* leader): ${cpu}; leader changes ${r.leaderChanges}; ops ${r.leaderBound.count} leader-bound, ${r.followerBound.count} follower-bound ok; bench loop delay p50 ${r.benchLoopDelay.p50.toFixed(1)} ms, p99 ${r.benchLoopDelay.p99.toFixed(1)} ms` +
        `\n  offered ${Math.round(r.offered).toLocaleString('en-US')} of ${Math.round(r.asked).toLocaleString('en-US')} ops/s asked; threads busy ${r.meanInFlight.toFixed(1)} of ${r.threads}; mean latency ${r.meanLatencyMs === null ? '-' : r.meanLatencyMs.toFixed(2)} ms` +
        `\n  CPU share of a core: bench ${pct(r.benchCpuShare)}, ${share}; machine ${r.machineBusy === null ? '-' : pct(r.machineBusy)} of ${r.cores} cores busy` +
        `\n  bench I/O: ${Math.round(r.io.stdinWritesPerSecond).toLocaleString('en-US')} stdin writes/s (${r.io.linesPerWrite.toFixed(2)} lines each), ${Math.round(r.io.stdoutChunksPerSecond).toLocaleString('en-US')} stdout reads/s` +
        `\n  bottleneck: ${r.bottleneck}`
      );
    })
    .join('\n');
}
