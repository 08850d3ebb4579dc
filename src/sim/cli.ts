// `raftchart sim`: deterministic simulation of whole clusters.
//
// Standard output is deterministic: the same arguments give the same bytes.
// Wall-clock figures (seeds per minute, simulated seconds per wall second)
// go to standard error, on a line starting with "figures:".

import { openSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { renderViewerHtml } from '../viz/viewer/html.js';
import { TraceCollector } from '../viz/viewer/trace-file.js';
import { BUG_NAMES, type BugName } from './bugs.js';
import { FAULTS, type FaultName } from './network.js';
import { defaultSimOptions, runSimulation, SIM_WORKLOADS, type SimOptions, type SimResult, type SimWorkload } from './simulation.js';
import { LEADER_SYNC_MODES, READ_MODES, TXN_READ_MODES, type LeaderSyncMode, type ReadMode, type TxnReadMode } from '../../machines/context.js';

const USAGE = `usage: raftchart sim [options]

Runs whole raftchart clusters (the real machines and runtime) in one process
on a virtual clock with a seeded network; checks ElectionSafety, LogMatching,
LeaderCompleteness and StateMachineSafety after every step, and the client
history at the end (linearizability for lin-kv, strict serializability for
txn-list-append). The same seed replays exactly.

options:
  --seed S            run one seed (default 1)
  --seeds N           run N seeds: S, S+1, ... S+N-1 (S from --seed, default 1)
  --nodes N           servers (default ${defaultSimOptions.nodes})
  -w, --workload NAME ${SIM_WORKLOADS.join(' or ')} (default ${defaultSimOptions.workload})
  --consistency-models M  txn-list-append: strict-serializable (default) or serializable
  --reads MODE        how nodes serve reads (RAFT_READS): ${READ_MODES.join(', ')} (default readindex;
                      local is unsafe, on purpose)
  --txn-reads MODE    how nodes serve read-only txns (RAFT_TXN_READS): ${TXN_READ_MODES.join(', ')}
                      (default readindex; local is unsafe)
  --duration SECS     simulated seconds of load and faults (default ${defaultSimOptions.duration});
                      then ${defaultSimOptions.recovery} s of recovery (--recovery SECS)
  --faults LIST       comma-separated from ${FAULTS.join(', ')}; or all, none (default none)
  --rate R            client operations per simulated second (default ${defaultSimOptions.rate})
  --concurrency C     client threads, a number or Nn (default ${defaultSimOptions.concurrency})
  --latency MS        mean one-way latency between servers (default ${defaultSimOptions.latencyMs})
  --loss-rate P       probability a server message is lost with the loss fault (default ${defaultSimOptions.lossRate})
  --nemesis-interval SECS  mean time between partitions/pauses (default ${defaultSimOptions.nemesisInterval})
  --max-batch N       most entries per AppendEntries (node config, default 256)
  --batch-ms N        batch wait (RAFT_BATCH_MS): a leader's sends and a follower's proxied
                      requests wait N ms to share messages (node config, default 0)
  --heartbeat MS      leader heartbeat period (node config, default 50)
  --leader-sync MODE  when a leader's AppendEntries leave (RAFT_LEADER_SYNC): ${LEADER_SYNC_MODES.join(' or ')}
                      (node config, default parallel: before its own fsync)
  --snapshot-entries N  snapshot and compact the log every N applied entries
                      (node config; default ${defaultSimOptions.config?.snapshotEntries} here, so snapshots and
                      InstallSnapshot happen in most runs; 10000 in the binary)
  --bug NAME          TEST-ONLY bug variant: ${BUG_NAMES.join(', ')}
  --trace FILE        write an NDJSON trace of chart transitions with the TLA+ variables (one seed),
                      and the messages, client operations and nemesis actions beside them
  --html FILE         write a step-through viewer of the run (one seed): a self-contained page
  --stop-on-fail      stop at the first failing seed
  --verbose           one line per seed, not only failing ones
  --steps K           steps shown before a failure (default ${defaultSimOptions.recentSteps})
`;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface ParsedSimArgs {
  readonly options: Omit<SimOptions, 'seed'>;
  readonly seed: number;
  readonly seeds: number | undefined;
  readonly tracePath?: string;
  readonly htmlPath?: string;
  readonly stopOnFail: boolean;
  readonly verbose: boolean;
}

export function parseSimArgs(args: readonly string[]): ParsedSimArgs | string {
  const o: Mutable<Omit<SimOptions, 'seed'>> = { ...defaultSimOptions };
  let seed = 1;
  let seeds: number | undefined;
  let tracePath: string | undefined;
  let htmlPath: string | undefined;
  let stopOnFail = false;
  let verbose = false;
  let concurrencySpec: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const num = (min: number): number => {
      const v = value();
      const n = Number(v);
      if (!Number.isFinite(n) || n < min) throw new Error(`${flag}: expected a number >= ${min}, got '${v}'`);
      return n;
    };
    const int = (min: number): number => {
      const n = num(min);
      if (!Number.isInteger(n)) throw new Error(`${flag}: expected an integer, got ${n}`);
      return n;
    };
    try {
      switch (flag) {
        case '--seed':
          seed = int(-2147483648);
          break;
        case '--seeds':
          seeds = int(1);
          break;
        case '--nodes':
          o.nodes = int(1);
          break;
        case '-w':
        case '--workload': {
          const v = value();
          if (!(SIM_WORKLOADS as readonly string[]).includes(v)) throw new Error(`unknown workload '${v}' (known: ${SIM_WORKLOADS.join(', ')})`);
          o.workload = v as SimWorkload;
          break;
        }
        case '--consistency-models': {
          const v = value();
          if (v !== 'strict-serializable' && v !== 'serializable') throw new Error(`--consistency-models: strict-serializable or serializable, got '${v}'`);
          o.consistencyModel = v;
          break;
        }
        case '--reads': {
          const v = value();
          if (!(READ_MODES as readonly string[]).includes(v)) throw new Error(`--reads: one of ${READ_MODES.join(', ')}, got '${v}'`);
          o.config = { ...o.config, reads: v as ReadMode };
          break;
        }
        case '--txn-reads': {
          const v = value();
          if (!(TXN_READ_MODES as readonly string[]).includes(v)) throw new Error(`--txn-reads: one of ${TXN_READ_MODES.join(', ')}, got '${v}'`);
          o.config = { ...o.config, txnReads: v as TxnReadMode };
          break;
        }
        case '--duration':
          o.duration = num(0);
          break;
        case '--recovery':
          o.recovery = num(0);
          break;
        case '--rate':
          o.rate = num(0);
          break;
        case '--concurrency':
          concurrencySpec = value();
          break;
        case '--latency':
          o.latencyMs = num(0);
          break;
        case '--loss-rate':
          o.lossRate = num(0);
          if (o.lossRate > 1) return '--loss-rate: a probability, 0..1';
          break;
        case '--nemesis-interval':
          o.nemesisInterval = num(0.01);
          break;
        case '--max-batch':
          o.config = { ...o.config, maxBatch: int(1) };
          break;
        case '--batch-ms':
          o.config = { ...o.config, batchWaitMs: int(0) };
          break;
        case '--snapshot-entries':
          o.config = { ...o.config, snapshotEntries: int(1) };
          break;
        case '--heartbeat':
          o.config = { ...o.config, heartbeatMs: int(1) };
          break;
        case '--leader-sync': {
          const v = value();
          if (!(LEADER_SYNC_MODES as readonly string[]).includes(v)) throw new Error(`--leader-sync: one of ${LEADER_SYNC_MODES.join(', ')}, got '${v}'`);
          o.config = { ...o.config, leaderSync: v as LeaderSyncMode };
          break;
        }
        case '--steps':
          o.recentSteps = int(0);
          break;
        case '--faults': {
          const v = value();
          const list = v === 'all' ? [...FAULTS] : v === 'none' || v === '' ? [] : v.split(',').map((x) => x.trim());
          for (const f of list) if (!(FAULTS as readonly string[]).includes(f)) throw new Error(`unknown fault '${f}' (known: ${FAULTS.join(', ')})`);
          o.faults = [...new Set(list as FaultName[])].sort((x, y) => FAULTS.indexOf(x) - FAULTS.indexOf(y));
          break;
        }
        case '--bug': {
          const v = value();
          if (!(BUG_NAMES as string[]).includes(v)) throw new Error(`unknown bug '${v}' (known: ${BUG_NAMES.join(', ')})`);
          o.bug = v as BugName;
          break;
        }
        case '--trace':
          tracePath = value();
          break;
        case '--html':
          htmlPath = value();
          break;
        case '--no-linearizability':
          o.checkLinearizability = false;
          break;
        case '--stop-on-fail':
          stopOnFail = true;
          break;
        case '--verbose':
          verbose = true;
          break;
        default:
          throw new Error(`unknown option '${a}'`);
      }
    } catch (err) {
      return (err as Error).message;
    }
  }
  if (concurrencySpec !== undefined) {
    const m = /^(\d+)(n?)$/.exec(concurrencySpec);
    if (!m || Number(m[1]) < 1) return `--concurrency: expected N or Nn, got '${concurrencySpec}'`;
    o.concurrency = Number(m[1]) * (m[2] ? o.nodes : 1);
  }
  if (tracePath !== undefined && seeds !== undefined && seeds > 1) return '--trace writes one run: use it with --seed, not --seeds';
  if (htmlPath !== undefined && seeds !== undefined && seeds > 1) return '--html shows one run: use it with --seed, not --seeds';
  return { options: o, seed, seeds, ...(tracePath !== undefined ? { tracePath } : {}), ...(htmlPath !== undefined ? { htmlPath } : {}), stopOnFail, verbose };
}

/** The one-line command that replays a seed with these options. */
export function reproCommand(seed: number, o: Omit<SimOptions, 'seed'>): string {
  const d = defaultSimOptions;
  const parts = ['bin/raftchart sim', `--seed ${seed}`, `--nodes ${o.nodes}`, `--duration ${o.duration}`];
  if (o.workload !== d.workload) parts.push(`--workload ${o.workload}`);
  if (o.workload === 'txn-list-append' && o.consistencyModel !== d.consistencyModel) parts.push(`--consistency-models ${o.consistencyModel}`);
  parts.push(`--faults ${o.faults.length > 0 ? o.faults.join(',') : 'none'}`);
  if (o.rate !== d.rate) parts.push(`--rate ${o.rate}`);
  if (o.concurrency !== d.concurrency) parts.push(`--concurrency ${o.concurrency}`);
  if (o.latencyMs !== d.latencyMs) parts.push(`--latency ${o.latencyMs}`);
  if (o.lossRate !== d.lossRate) parts.push(`--loss-rate ${o.lossRate}`);
  if (o.nemesisInterval !== d.nemesisInterval) parts.push(`--nemesis-interval ${o.nemesisInterval}`);
  if (o.recovery !== d.recovery) parts.push(`--recovery ${o.recovery}`);
  if (!o.checkLinearizability) parts.push('--no-linearizability');
  if (o.config?.maxBatch !== undefined) parts.push(`--max-batch ${o.config.maxBatch}`);
  if (o.config?.batchWaitMs !== undefined) parts.push(`--batch-ms ${o.config.batchWaitMs}`);
  if (o.config?.snapshotEntries !== undefined && o.config.snapshotEntries !== defaultSimOptions.config?.snapshotEntries) parts.push(`--snapshot-entries ${o.config.snapshotEntries}`);
  if (o.config?.heartbeatMs !== undefined) parts.push(`--heartbeat ${o.config.heartbeatMs}`);
  if (o.config?.leaderSync !== undefined) parts.push(`--leader-sync ${o.config.leaderSync}`);
  if (o.config?.reads !== undefined) parts.push(`--reads ${o.config.reads}`);
  if (o.config?.txnReads !== undefined) parts.push(`--txn-reads ${o.config.txnReads}`);
  if (o.bug) parts.push(`--bug ${o.bug}`);
  return parts.join(' ');
}

export function describeResult(r: SimResult): string {
  const n = r.net;
  const ops = r.ops;
  const verdict = r.violation
    ? `${r.violation.invariant} violated`
    : r.consistency !== undefined
      ? r.consistency.valid === true
        ? r.consistency.model
        : r.consistency.valid === false
          ? `NOT ${r.consistency.model} (${r.consistency.anomalies.join(', ')})`
          : `${r.consistency.model} unknown`
      : r.linearizable === undefined
      ? 'not checked for linearizability'
      : r.linearizable === true
        ? 'linearizable'
        : r.linearizable === false
          ? 'NOT linearizable'
          : 'linearizability unknown';
  return (
    `seed ${r.seed} ${r.ok ? 'ok' : 'FAILED'}: ${r.simSeconds.toFixed(1)} sim s, ${r.steps} steps, ` +
    `${n.sent} msgs (${n.dropped} dropped, ${n.duplicated} duplicated), ` +
    `${ops.invoked} ops (${ops.ok} ok, ${ops.fail} fail, ${ops.info} info), ` +
    `${r.elections} elections, max term ${r.maxTerm}, ${r.committed} committed, ${r.snapshots} snapshots, ${r.installs} installed, ${r.nemesis} nemesis${r.crashes > 0 ? ` (${r.crashes} crashes, ${r.crashesAfterSend} after a leader's early AppendEntries (${r.entriesLostAfterSend} entries lost), ${r.restarts} restarts, ${r.tornBytes} torn bytes)` : ''}; ${verdict}`
  );
}

/** The failure report: what broke, the repro command, and the last steps with chart transitions. */
export function failureReport(r: SimResult, o: Omit<SimOptions, 'seed'>): string[] {
  const lines: string[] = [];
  if (r.violation) {
    lines.push(`  ${r.violation.invariant} violated at ${(r.violation.time / 1000).toFixed(3)} s (step ${r.violation.step}): ${r.violation.detail}`);
  }
  for (const p of r.linearizabilityProblems) lines.push(`  ${p}`);
  lines.push(`  repro: ${reproCommand(r.seed, o)}`);
  // Replay with chart transitions recorded (same seed, same run) to explain it.
  const again = runSimulation({ ...o, seed: r.seed, explain: true, checkLinearizability: false });
  if (again.recent.length > 0) {
    lines.push(`  last ${again.recent.length} steps (step, simulated time, what happened [chart transitions] => the node after it):`);
    for (const l of again.recent) lines.push(`    ${l}`);
  }
  return lines;
}

export async function runSimCli(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const parsed = parseSimArgs(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`raftchart sim: ${parsed}\n${USAGE}`);
    return 2;
  }
  const { options, seed, seeds, tracePath, htmlPath, stopOnFail, verbose } = parsed;
  const out = (s: string): void => {
    process.stdout.write(`${s}\n`);
  };
  const count = seeds ?? 1;
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  let failed = 0;
  let ran = 0;
  let simSeconds = 0;
  let steps = 0;
  let afterSend = 0;
  let afterSendSeeds = 0;
  let lostAfterSend = 0;
  const failing: number[] = [];
  let fd: number | undefined;
  if (tracePath !== undefined) fd = openSync(tracePath, 'w');
  try {
    for (let k = 0; k < count; k++) {
      const s = seed + k;
      const viewer = htmlPath !== undefined ? new TraceCollector(`sim seed ${s}${options.bug ? ` (bug ${options.bug})` : ''}`, [reproCommand(s, options)]) : undefined;
      const trace = (line: string): void => {
        if (fd !== undefined) writeSync(fd, `${line}\n`);
        viewer?.line(line);
      };
      const r = runSimulation({
        ...options,
        seed: s,
        ...(fd !== undefined || viewer ? { trace, traceEvents: true } : {}),
      });
      if (fd !== undefined || viewer) trace(JSON.stringify({ kind: 'end', t: Math.round(r.simSeconds * 1e6) / 1000, result: describeResult(r) }));
      if (viewer) writeFileSync(htmlPath!, renderViewerHtml(viewer.model()));
      ran++;
      simSeconds += r.simSeconds;
      steps += r.steps;
      afterSend += r.crashesAfterSend;
      if (r.crashesAfterSend > 0) afterSendSeeds++;
      lostAfterSend += r.entriesLostAfterSend;
      if (!r.ok) {
        failed++;
        failing.push(s);
        out(describeResult(r));
        for (const l of failureReport(r, options)) out(l);
        if (stopOnFail) break;
      } else if (verbose || count === 1) {
        out(describeResult(r));
      }
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (count > 1) {
    out(
      `${ran} seeds (${seed}..${seed + ran - 1}), ${options.nodes} nodes, ${options.duration} s + ${options.recovery} s recovery, ` +
        `faults ${options.faults.length > 0 ? options.faults.join(',') : 'none'}${options.bug ? `, bug ${options.bug}` : ''}` +
        `${options.workload !== defaultSimOptions.workload ? `, ${options.workload}` : ''}` +
        `${options.config?.reads !== undefined ? `, reads ${options.config.reads}` : ''}${options.config?.txnReads !== undefined ? `, txn reads ${options.config.txnReads}` : ''}: ` +
        `${ran - failed} ok, ${failed} failed${failing.length > 0 ? ` (seeds ${failing.slice(0, 20).join(', ')}${failing.length > 20 ? ', ...' : ''})` : ''}` +
        `${afterSend > 0 ? `; ${afterSend} leader crashes after early AppendEntries, in ${afterSendSeeds} seeds, ${lostAfterSend} entries lost` : ''}`,
    );
  }
  const wall = (performance.now() - wall0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  process.stderr.write(
    `figures: ${ran} seeds in ${wall.toFixed(2)} s wall (${((ran / wall) * 60).toFixed(0)} seeds/min), ` +
      `${simSeconds.toFixed(0)} simulated s, ${(simSeconds / wall).toFixed(0)} simulated s per wall s ` +
      `(${(simSeconds / cpuS).toFixed(0)} per CPU s), ${(steps / wall / 1000).toFixed(0)}k steps/s\n`,
  );
  return failed > 0 ? 1 : 0;
}
