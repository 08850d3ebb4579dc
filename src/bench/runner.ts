// Runs one test: spawn nodes, init them, drive clients and the nemesis for
// the time limit, heal every fault, wait for recovery, check, and write the
// store.
//
// Randomness: one seed, split into independent streams (the workload's
// choices, the times operations are due, which free thread takes one, the
// nemesis schedule, network latencies). The nemesis schedule is planned in
// full before the run and the workload's choices never read another stream,
// so both depend on the seed alone, whatever the node under test does.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RpcClient } from './client.js';
import { Cluster } from './cluster.js';
import { Network } from './net.js';
import { Load } from './load.js';
import { planNemesis, type PlannedNemesisOp } from './nemesis.js';
import { Rng } from '../core/random.js';
import { computeStats, netStats } from './stats.js';
import { writeStore } from './store.js';
import type { BenchOptions, BenchResults, CheckerResult, FaultPeriod, HistoryEvent, NemesisOp, NodeProblem, PartitionPeriod } from './types.js';
import { decideVerdict } from './verdict.js';
import { createWorkload } from './workloads/index.js';
import type { Workload } from './workloads/workload.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface RunOutput {
  results: BenchResults;
  dir: string;
  /** The history, in memory (also in the store's history.jsonl). */
  history: readonly HistoryEvent[];
}

/**
 * Hooks for a benchmark that watches a run from inside the bench
 * (src/bench/perf-table.ts): they see the network and the node processes,
 * and may act on the network (a partition of their own); they never change
 * what the run does otherwise.
 */
export interface RunProbe {
  /** The client phase starts now (history time 0). */
  started?(run: { net: Network; cluster: Cluster; nodes: readonly string[] }): void;
  /** The client phase ended (before in-flight operations finish, healing and checking). */
  ended?(): void;
}

function timestampDir(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}Z`;
}

/** The random streams of a run, all from its seed. */
export function runStreams(seed: number): { workload: Rng; stagger: Rng; pick: Rng; nemesis: Rng; network: Rng } {
  const base = new Rng(seed);
  return { workload: base.fork(1), stagger: base.fork(2), pick: base.fork(3), nemesis: base.fork(4), network: base.fork(5) };
}

/** Progress on stderr: redrawn in place on a TTY, otherwise a line every few seconds. */
class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private lastLine = 0;
  private drawn = false;
  constructor(private readonly quiet: boolean) {}
  update(text: string, now: number): void {
    if (this.quiet) return;
    if (this.tty) {
      process.stderr.write(`\r\x1b[K${text}`);
      this.drawn = true;
    } else if (now - this.lastLine >= 5000) {
      this.lastLine = now;
      process.stderr.write(`${text}\n`);
    }
  }
  /** Prints a normal line without breaking the progress line. */
  line(text: string): void {
    if (this.tty && this.drawn) process.stderr.write('\r\x1b[K');
    process.stderr.write(`${text}\n`);
    this.drawn = false;
  }
  end(): void {
    if (this.tty && this.drawn) process.stderr.write('\r\x1b[K');
    this.drawn = false;
  }
}

function makeRunDir(opts: BenchOptions, started: Date): string {
  let dir = join(opts.store, opts.workload, timestampDir(started));
  for (let i = 1; ; i++) {
    try {
      mkdirSync(dir, { recursive: false });
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        mkdirSync(dir, { recursive: true });
        return dir;
      }
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || i > 100) throw e;
      dir = join(opts.store, opts.workload, `${timestampDir(started)}-${i}`);
    }
  }
}

export async function runTest(opts: BenchOptions, quiet = false, probe: RunProbe = {}): Promise<RunOutput> {
  const started = new Date();
  /** Wall-clock time of history time 0 (the start of the client phase), for aligning node logs. */
  let historyStartedAt: string | undefined;
  /** Network time (ms) of history time 0; node events are put on the history's time axis. */
  let historyT0 = 0;
  const dir = makeRunDir(opts, started);
  mkdirSync(join(dir, 'node-logs'), { recursive: true });

  const progress = new Progress(quiet);
  const streams = runStreams(opts.seed);
  const nodes = Array.from({ length: opts.nodeCount }, (_, i) => `n${i}`);
  const net = new Network({
    latency: opts.latency,
    latencyDist: opts.latencyDist,
    rng: streams.network,
    preciseTimer: opts.preciseTimer,
    onProblem: (p: NodeProblem) => {
      progress.line(`raftchart: node ${p.node}: ${p.kind}: ${p.detail}`);
      if (p.stderrTail && p.stderrTail.length > 0) {
        progress.line(`raftchart: the last ${p.stderrTail.length} line(s) ${p.node} wrote to stderr (all of it: node-logs/${p.node}.log):`);
        for (const l of p.stderrTail) progress.line(`  ${p.node} | ${l}`);
      }
    },
  });
  let nextClient = 0;
  const cluster = new Cluster(net, {
    bin: opts.bin,
    args: opts.args,
    runDir: dir,
    dataDirs: opts.dataDir,
    logStderr: opts.logStderr,
    nodes,
    newClientId: () => `c${nextClient++}`,
  });
  const history: HistoryEvent[] = [];
  const partitions: PartitionPeriod[] = [];
  const faults: FaultPeriod[] = [];
  const nemesisOps: NemesisOp[] = [];
  let clientPhaseEnd = 0;
  if (!opts.dataDir) {
    progress.line('raftchart: memory-only run (--no-data-dir): nodes get no RAFT_DATA_DIR, so a killed node restarts with nothing');
  }

  try {
    for (const id of nodes) cluster.start(id);
    // init: one fresh client per node, as Maelstrom does.
    const initOk = (await Promise.all(nodes.map((id) => cluster.init(id)))).every(Boolean);
    if (!initOk) {
      await net.close();
      return await finish(null, computeStats(history, 0), []);
    }

    const workload: Workload = createWorkload(opts, {
      nodeCount: opts.nodeCount,
      concurrency: opts.concurrency,
      rng: streams.workload,
      perKeyLimit: opts.perKeyLimit,
    });
    for (const n of workload.notes) progress.line(`raftchart: note: ${n}`);
    const timeoutMs = workload.timeoutMs(opts.latency);
    const clients: RpcClient[] = [];
    const busy: boolean[] = [];
    for (let t = 0; t < opts.concurrency; t++) {
      clients.push(new RpcClient(`c${nextClient++}`, net));
      busy.push(false);
    }
    const plan: PlannedNemesisOp[] =
      opts.nemesis.length > 0
        ? planNemesis(streams.nemesis, { faults: opts.nemesis, nodes, interval: opts.nemesisInterval, timeLimit: opts.timeLimit })
        : [];
    const tStart = net.now();
    historyT0 = tStart;
    historyStartedAt = new Date().toISOString();
    const tEnd = tStart + opts.timeLimit * 1000;
    const sinceStart = () => (net.now() - tStart) / 1000;
    let stopping = false;
    let ops = 0;
    const ns = (ms: number) => Math.round(ms * 1e6);
    // Operations in flight, and who waits for them all to end.
    let inflight = 0;
    let drained: (() => void) | null = null;
    /** An error in the bench's own completion code: the run fails with it. */
    let benchError: unknown = null;

    // One operation of thread t: invoke, send, and (in the turn its reply is
    // delivered, or at the client timeout) complete it and let the generator
    // start the next one. No promise per operation: the completion runs
    // inside the network's flush, so the next request goes out in the same
    // write as the other requests of that flush (see Network.flush).
    const runOp = (t: number): void => {
      busy[t] = true;
      const op = workload.nextOp(t);
      const node = nodes[t % nodes.length]!;
      const client = clients[t]!;
      const proc = workload.process(t);
      history.push({ index: history.length, type: 'invoke', process: proc, client: client.id, node, f: op.f, key: op.key, value: op.value, time: ns(net.now() - tStart) });
      ops++;
      inflight++;
      client.request(node, workload.request(op), timeoutMs, (outcome) => {
        try {
          const done = workload.completion(op, outcome);
          if (done.malformed && done.error && done.error !== 'net-timeout') {
            net.problem(node, 'bad-message', `reply to ${client.id}: ${done.error[1]}`);
          }
          const ev: HistoryEvent = { index: history.length, type: done.type, process: proc, client: client.id, node, f: op.f, key: op.key, value: done.value, time: ns(net.now() - tStart) };
          if (done.error !== undefined) ev.error = done.error;
          history.push(ev);
          workload.complete(t, done.type);
          busy[t] = false;
          pump();
        } catch (err) {
          benchError ??= err;
        } finally {
          inflight--;
          if (inflight === 0 && drained !== null) drained();
        }
      });
    };

    // Client load (Jepsen's gen/stagger; see load.ts).
    const load = new Load({ rate: opts.rate, busy, stagger: streams.stagger, pick: streams.pick, now: () => net.now(), start: runOp }, tStart, tEnd);
    const pump = (): void => load.pump();

    // The nemesis: one operation at a time, each at its planned time (or as
    // soon as the one before it is done).
    let activePartition: PartitionPeriod | null = null;
    const openFaults = new Map<string, FaultPeriod>(); // `${fault} ${node}`
    const openFault = (fault: 'kill' | 'pause', node: string, spec: string | undefined) => {
      const p: FaultPeriod = { fault, node, start: sinceStart(), stop: null, ...(spec ? { spec } : {}) };
      faults.push(p);
      openFaults.set(`${fault} ${node}`, p);
    };
    const closeFault = (fault: 'kill' | 'pause', node: string) => {
      const p = openFaults.get(`${fault} ${node}`);
      if (p) {
        p.stop = sinceStart();
        openFaults.delete(`${fault} ${node}`);
      }
    };
    const apply = async (op: PlannedNemesisOp | { f: 'stop-partition' | 'resume' | 'start'; final: true }): Promise<void> => {
      const rec: NemesisOp = 'final' in op ? { at: null, time: sinceStart(), f: op.f, final: true } : { ...op, time: sinceStart() };
      switch (op.f) {
        case 'start-partition': {
          if (activePartition) break;
          const grudge = new Map(Object.entries(op.grudge ?? {}).map(([k, v]) => [k, new Set(v)]));
          net.setGrudge(grudge);
          activePartition = { start: sinceStart(), stop: null, kind: op.spec ?? '?', grudge: op.grudge ?? {}, description: op.description ?? '' };
          partitions.push(activePartition);
          break;
        }
        case 'stop-partition':
          net.heal();
          if (activePartition) activePartition.stop = sinceStart();
          activePartition = null;
          break;
        case 'kill': {
          const hit: string[] = [];
          for (const id of op.nodes ?? []) {
            const wasPaused = cluster.state(id) === 'paused';
            if (await cluster.kill(id)) {
              hit.push(id);
              if (wasPaused) closeFault('pause', id);
              openFault('kill', id, op.spec);
            }
          }
          rec.nodes = op.nodes ?? [];
          if (hit.length !== rec.nodes.length) rec.description = `down already: ${rec.nodes.filter((n) => !hit.includes(n)).join(' ') || 'none'}`;
          break;
        }
        case 'pause':
          for (const id of op.nodes ?? []) if (cluster.pause(id)) openFault('pause', id, op.spec);
          rec.nodes = op.nodes ?? [];
          break;
        case 'resume': {
          const resumed = nodes.filter((id) => cluster.state(id) === 'paused');
          for (const id of resumed) {
            cluster.resume(id);
            closeFault('pause', id);
          }
          rec.nodes = resumed;
          break;
        }
        case 'start': {
          const down = cluster.killedNodes();
          rec.nodes = down;
          await Promise.all(
            down.map(async (id) => {
              const ok = await cluster.restart(id, sinceStart());
              closeFault('kill', id);
              if (!ok) progress.line(`raftchart: ${id} did not come back after its restart`);
            }),
          );
          break;
        }
      }
      nemesisOps.push(rec);
    };
    let nemesisDone = Promise.resolve();
    const nemesis = async (): Promise<void> => {
      for (let i = 0; i < plan.length; i++) {
        const op = plan[i]!;
        const due = tStart + op.at * 1000;
        while (!stopping && net.now() < due) await sleep(Math.min(100, due - net.now()));
        if (stopping) {
          for (const rest of plan.slice(i)) nemesisOps.push({ ...rest, time: null });
          return;
        }
        await apply(op);
      }
    };

    const ticker = setInterval(() => {
      const el = sinceStart();
      const down = nodes.filter((id) => cluster.state(id) === 'down');
      const paused = nodes.filter((id) => cluster.state(id) === 'paused');
      const p = activePartition as PartitionPeriod | null;
      progress.update(
        `[${Math.min(el, opts.timeLimit).toFixed(0)}/${opts.timeLimit}s] ${ops} ops, ${net.counters.serverSend + net.counters.clientSend} msgs` +
          `${opts.nemesis.includes('partition') ? `, partition: ${p ? `${p.kind}: ${p.description}` : 'none'}` : ''}` +
          `${down.length ? `, down: ${down.join(' ')}` : ''}${paused.length ? `, paused: ${paused.join(' ')}` : ''}`,
        net.now(),
      );
    }, 250);

    probe.started?.({ net, cluster, nodes });
    pump();
    nemesisDone = nemesis();
    while (net.now() < tEnd && benchError === null) await sleep(Math.min(100, tEnd - net.now()));
    stopping = true;
    probe.ended?.();
    load.stop();
    await nemesisDone;
    clientPhaseEnd = sinceStart();
    // Let in-flight requests finish (each is bounded by the client timeout).
    if (inflight > 0) await new Promise<void>((r) => (drained = r));
    if (benchError !== null) throw benchError;
    clearInterval(ticker);
    progress.end();
    // Heal everything, as Jepsen's final nemesis generators do: the network,
    // then paused nodes continue, then killed nodes restart.
    if (opts.nemesis.length > 0) {
      if (activePartition !== null || opts.nemesis.includes('partition')) await apply({ f: 'stop-partition', final: true });
      if (opts.nemesis.includes('pause')) await apply({ f: 'resume', final: true });
      if (opts.nemesis.includes('kill')) await apply({ f: 'start', final: true });
    }
    net.heal();
    if (opts.nemesis.length > 0 && opts.recoveryTime > 0) {
      progress.line(`raftchart: healed every fault; waiting ${opts.recoveryTime}s for recovery`);
      await sleep(opts.recoveryTime * 1000);
    }
    progress.line(`raftchart: checking ${(history.length / 2) | 0} operations...`);
    const checker = workload.check(history, opts.checkerTimeLimit);
    const stats = computeStats(history, clientPhaseEnd);
    await net.close();
    return await finish(checker, stats, workload.notes);
  } catch (err) {
    await net.close().catch(() => {});
    throw err;
  }

  async function finish(checker: CheckerResult | null, stats: BenchResults['stats'], notes: string[]): Promise<RunOutput> {
    const lin = checker ?? { valid: 'unknown' as const, keyCount: 0, failures: [], unknownKeys: [], seconds: 0, steps: 0 };
    // On the history's time axis, as partitions and faults are (problems before the clients started are negative).
    const problems = net.problems.map((p) => ({ ...p, time: p.time - historyT0 / 1000 }));
    const v = decideVerdict({
      checker,
      availability: { expected: opts.availability, actual: stats.availability },
      problems,
      notes,
    });
    const warnings: string[] = [];
    for (const [sender, f] of net.forgedSrcBySender) {
      warnings.push(
        `${sender} sent ${f.count} message(s) under another id than its own (first: ${f.example}); accepted, as Maelstrom accepts any known node or client id as src, ` +
          `but the receiver answers that id, not ${sender}, and a message with a client's src counts as client traffic`,
      );
    }
    if (!opts.dataDir) warnings.push('memory-only run (--no-data-dir): nodes had no RAFT_DATA_DIR, so a node restarted after a kill had lost its state');
    const results: BenchResults = {
      schema: 1,
      workload: opts.workload,
      verdict: v.verdict,
      cause: v.cause,
      reasons: v.reasons,
      warnings,
      memoryOnly: !opts.dataDir,
      dataDir: opts.dataDir ? 'data/' : null,
      options: { ...opts },
      nodes,
      startedAt: started.toISOString(),
      ...(historyStartedAt ? { historyStartedAt } : {}),
      duration: clientPhaseEnd,
      stats,
      availability: { expected: opts.availability, actual: stats.availability, valid: v.availabilityValid },
      net: netStats(net.counters, stats.count),
      linearizability: lin,
      partitions,
      nemesis: nemesisOps,
      faults,
      problems,
      snapshots: net.snapshots.map((e) => ({ ...e, time: e.time - historyT0 / 1000 })),
      snapshotCounts: net.snapshotCounts,
      files: {},
    };
    await writeStore(dir, opts.store, results, history, net.journal, net.journalTruncated);
    return { results, dir, history };
  }
}
