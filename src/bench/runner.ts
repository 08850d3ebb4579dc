// Runs one test: spawn nodes, init them, drive clients and the nemesis for
// the time limit, heal, wait for recovery, check, and write the store.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RpcClient } from './client.js';
import { Network } from './net.js';
import { grudgeToJson, makePartition, PARTITION_KINDS } from './nemesis.js';
import { Rng } from '../core/random.js';
import { computeStats, netStats } from './stats.js';
import { writeStore } from './store.js';
import type { BenchOptions, BenchResults, HistoryEvent, NodeProblem, PartitionPeriod } from './types.js';
import { createWorkload } from './workloads/index.js';
import type { Workload } from './workloads/workload.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface RunOutput {
  results: BenchResults;
  dir: string;
}

function timestampDir(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}Z`;
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

export async function runTest(opts: BenchOptions, quiet = false): Promise<RunOutput> {
  const started = new Date();
  /** Wall-clock time of history time 0 (the start of the client phase), for aligning node logs. */
  let historyStartedAt: string | undefined;
  let dir = join(opts.store, opts.workload, timestampDir(started));
  for (let i = 1; ; i++) {
    try {
      mkdirSync(dir, { recursive: false });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        mkdirSync(dir, { recursive: true });
        break;
      }
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || i > 100) throw e;
      dir = join(opts.store, opts.workload, `${timestampDir(started)}-${i}`);
    }
  }
  mkdirSync(join(dir, 'node-logs'), { recursive: true });

  const progress = new Progress(quiet);
  const rng = new Rng(opts.seed);
  const nodes = Array.from({ length: opts.nodeCount }, (_, i) => `n${i}`);
  const net = new Network({
    latency: opts.latency,
    latencyDist: opts.latencyDist,
    rng: new Rng(opts.seed ^ 0x5bd1e995),
    onProblem: (p: NodeProblem) => progress.line(`raftchart: node ${p.node}: ${p.kind}: ${p.detail}`),
  });
  const history: HistoryEvent[] = [];
  const partitions: PartitionPeriod[] = [];
  const reasons: string[] = [];
  let clientPhaseEnd = 0;
  let nextClient = 0;

  try {
    for (const id of nodes) {
      net.spawnNode(id, {
        bin: opts.bin,
        args: opts.args,
        logPath: join(dir, 'node-logs', `${id}.log`),
        logStderr: opts.logStderr,
      });
    }

    // init: one fresh client per node, as Maelstrom does.
    const inits = await Promise.all(
      nodes.map(async (id) => {
        const c = new RpcClient(`c${nextClient++}`, net);
        const res = await Promise.race([
          c.call(id, { type: 'init', node_id: id, node_ids: nodes }, 10_000),
          net.nodes.get(id)!.ended.then(() => ({ kind: 'ended' as const })),
        ]);
        if (res.kind === 'ended') {
          c.cancel();
          return false;
        }
        if (res.kind === 'timeout') {
          net.problem(id, 'init-timeout', 'no init_ok within 10 s');
          return false;
        }
        if (res.body.type !== 'init_ok') {
          net.problem(id, 'bad-message', `expected init_ok, got ${JSON.stringify(res.body).slice(0, 200)}`);
          return false;
        }
        return true;
      }),
    );
    const initOk = inits.every(Boolean);

    if (initOk) {
      const workload: Workload = createWorkload(opts, {
        nodeCount: opts.nodeCount,
        concurrency: opts.concurrency,
        rng: new Rng(opts.seed ^ 0x27d4eb2f),
        perKeyLimit: opts.perKeyLimit,
      });
      for (const n of workload.notes) progress.line(`raftchart: note: ${n}`);
      const timeoutMs = Math.max(10 * opts.latency, 1000);
      const clients: RpcClient[] = [];
      const processOf: number[] = [];
      const busy: boolean[] = [];
      for (let t = 0; t < opts.concurrency; t++) {
        clients.push(new RpcClient(`c${nextClient++}`, net));
        processOf.push(t);
        busy.push(false);
      }
      const tStart = net.now();
      historyStartedAt = new Date().toISOString();
      const tEnd = tStart + opts.timeLimit * 1000;
      let stopping = false;
      let ops = 0;
      let currentPartition: string | null = null;
      const inflight = new Set<Promise<void>>();
      const ns = (ms: number) => Math.round(ms * 1e6);

      const runOp = async (t: number): Promise<void> => {
        busy[t] = true;
        const op = workload.nextOp(t);
        const node = nodes[t % nodes.length];
        const client = clients[t];
        const process = processOf[t];
        history.push({
          index: history.length,
          type: 'invoke',
          process,
          client: client.id,
          node,
          f: op.f,
          key: op.key,
          value: op.value,
          time: ns(net.now() - tStart),
        });
        ops++;
        const done = await workload.invoke(client, node, op, timeoutMs);
        if (done.malformed && done.error && done.error !== 'net-timeout') {
          net.problem(node, 'bad-message', `reply to ${client.id}: ${done.error[1]}`);
        }
        const ev: HistoryEvent = {
          index: history.length,
          type: done.type,
          process,
          client: client.id,
          node,
          f: op.f,
          key: op.key,
          value: done.value,
          time: ns(net.now() - tStart),
        };
        if (done.error !== undefined) ev.error = done.error;
        history.push(ev);
        if (done.type === 'info') processOf[t] += opts.concurrency; // the process crashed; a new one takes over
        busy[t] = false;
      };

      // Client load: op times staggered uniformly in [0, 2/rate); an op due
      // while every thread is busy waits for the next free thread.
      let owed = 0;
      let nextAt = tStart;
      const wake: Array<() => void> = [];
      const kick = () => {
        while (wake.length) wake.pop()!();
      };
      const startOp = (t: number) => {
        const p = runOp(t).finally(() => {
          inflight.delete(p);
          kick();
        });
        inflight.add(p);
      };
      const generator = async (): Promise<void> => {
        if (opts.rate <= 0) return;
        while (!stopping) {
          const now = net.now();
          if (now >= nextAt) {
            owed++;
            nextAt += rng.next() * (2000 / opts.rate);
            continue;
          }
          while (owed > 0) {
            const free: number[] = [];
            for (let t = 0; t < busy.length; t++) if (!busy[t]) free.push(t);
            if (free.length === 0) break;
            owed--;
            startOp(rng.pick(free));
          }
          if (owed > opts.concurrency) owed = opts.concurrency; // don't let a long stall turn into a flood
          const wait = Math.max(0, Math.min(nextAt - net.now(), tEnd - net.now()));
          await new Promise<void>((r) => {
            const timer = setTimeout(r, wait);
            wake.push(() => {
              clearTimeout(timer);
              r();
            });
          });
        }
      };

      const nemesis = async (): Promise<void> => {
        if (!opts.nemesis.includes('partition')) return;
        let active: PartitionPeriod | null = null;
        for (;;) {
          const delay = rng.next() * 2 * opts.nemesisInterval * 1000;
          const until = Math.min(net.now() + delay, tEnd);
          while (!stopping && net.now() < until) await sleep(Math.min(200, until - net.now()));
          if (stopping || net.now() >= tEnd) break;
          if (active === null) {
            const kind = rng.pick(PARTITION_KINDS);
            const p = makePartition(kind, nodes, rng);
            net.setGrudge(p.grudge);
            active = {
              start: (net.now() - tStart) / 1000,
              stop: null,
              kind,
              grudge: grudgeToJson(p.grudge),
              description: p.description,
            };
            partitions.push(active);
            currentPartition = `${kind}: ${p.description}`;
          } else {
            net.heal();
            active.stop = (net.now() - tStart) / 1000;
            active = null;
            currentPartition = null;
          }
        }
        if (active !== null) {
          net.heal();
          active.stop = (net.now() - tStart) / 1000;
          currentPartition = null;
        }
      };

      const ticker = setInterval(() => {
        const el = (net.now() - tStart) / 1000;
        progress.update(
          `[${Math.min(el, opts.timeLimit).toFixed(0)}/${opts.timeLimit}s] ${ops} ops, ${net.counters.serverSend + net.counters.clientSend} msgs, partition: ${currentPartition ?? 'none'}`,
          net.now(),
        );
      }, 250);

      const gen = generator();
      const nem = nemesis();
      while (net.now() < tEnd) await sleep(Math.min(100, tEnd - net.now()));
      stopping = true;
      kick();
      await gen;
      await nem;
      clientPhaseEnd = (net.now() - tStart) / 1000;
      // Let in-flight requests finish (each is bounded by the client timeout).
      await Promise.all([...inflight]);
      clearInterval(ticker);
      progress.end();
      net.heal();
      if (opts.nemesis.length > 0 && opts.recoveryTime > 0) {
        progress.line(`raftchart: healed the network; waiting ${opts.recoveryTime}s for recovery`);
        await sleep(opts.recoveryTime * 1000);
      }
      progress.line(`raftchart: checking ${history.length / 2 | 0} operations...`);
      const checker = workload.check(history, opts.checkerTimeLimit);
      const stats = computeStats(history, clientPhaseEnd);
      await net.close();
      return finish(checker, stats, workload.notes);
    } else {
      reasons.push('nodes did not initialise; no operations were run');
      await net.close();
      return finish(null, computeStats(history, 0), []);
    }
  } catch (err) {
    await net.close().catch(() => {});
    throw err;
  }

  async function finish(
    checker: ReturnType<Workload['check']> | null,
    stats: BenchResults['stats'],
    notes: string[],
  ): Promise<RunOutput> {
    const lin = checker ?? { valid: 'unknown' as const, keyCount: 0, failures: [], unknownKeys: [], seconds: 0, steps: 0 };
    const actual = stats.availability;
    const expected = opts.availability;
    const availValid =
      expected === null ? true : actual === null ? false : expected === 'total' ? actual === 1 : actual >= expected;
    let verdict: BenchResults['verdict'];
    if (lin.valid === false) {
      verdict = 'invalid';
      const ks = lin.failures.map((f) => f.key);
      if ('reasons' in lin && Array.isArray(lin.reasons)) reasons.push(...(lin.reasons as string[]));
      else reasons.push(
        `${ks.length} key(s) not linearizable: ${ks.slice(0, 20).join(', ')}${ks.length > 20 ? `, ... (${ks.length - 20} more)` : ''}`,
      );
    } else if (!availValid) {
      verdict = 'invalid';
      reasons.push(`availability ${actual === null ? 'n/a' : actual.toFixed(4)} is below the required ${expected}`);
    } else if (lin.valid === 'unknown' || checker === null) {
      verdict = 'unknown';
      if (lin.unknownKeys.length > 0) reasons.push(`checker gave up on key(s) ${lin.unknownKeys.join(', ')}`);
    } else verdict = 'valid';
    const serious = net.problems.filter((p) => p.kind !== 'unknown-dest');
    if (serious.length > 0) {
      reasons.push(`${serious.length} node problem(s): ${[...new Set(serious.map((p) => `${p.node} ${p.kind}`))].join(', ')}`);
      if (verdict === 'valid') verdict = 'unknown';
    }
    for (const n of notes) reasons.push(`note: ${n}`);
    const results: BenchResults = {
      schema: 1,
      workload: opts.workload,
      verdict,
      reasons,
      options: { ...opts },
      nodes,
      startedAt: started.toISOString(),
      ...(historyStartedAt ? { historyStartedAt } : {}),
      duration: clientPhaseEnd,
      stats,
      availability: { expected, actual, valid: availValid },
      net: netStats(net.counters, stats.count),
      linearizability: lin,
      partitions,
      problems: net.problems,
      files: {},
    };
    await writeStore(dir, opts.store, results, history, net);
    return { results, dir };
  }
}
