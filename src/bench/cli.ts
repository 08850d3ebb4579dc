// `raftchart test ...`: parse flags, run the test(s), print the summary and
// the verdict, return the exit status. Exit statuses are Jepsen's (jepsen.cli):
// 0 valid, 1 invalid, 2 unknown, 254 bad arguments, 255 the bench itself
// failed.

import { relative } from 'node:path';
import { HELP, parseArgs, UsageError } from './options.js';
import { runTest } from './runner.js';
import type { BenchResults, LatencyQuantiles } from './types.js';
import { describeTxnChecker, type TxnCheckerResult } from './workloads/txn-list-append.js';

export const VERDICT_LINES = {
  valid: 'Everything looks good! ヽ(‘ー`)ノ',
  invalid: 'Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻',
  unknown: 'Errors occurred during analysis, but no anomalies found. ಠ~ಠ',
} as const;

export const EXIT = { valid: 0, invalid: 1, unknown: 2, usage: 254, crash: 255 } as const;

/** Writes text somewhere (stdout, stderr, or a test's buffer). */
export interface Out {
  write(text: string): unknown;
}
export interface CliIo {
  out: Out;
  err: Out;
}
const stdio: CliIo = { out: process.stdout, err: process.stderr };

const fmt = (x: number | null | undefined, d = 1) => (x === null || x === undefined ? 'n/a' : x.toFixed(d));
const q = (l: LatencyQuantiles) => `p50 ${fmt(l.p50)}  p95 ${fmt(l.p95)}  p99 ${fmt(l.p99)}  max ${fmt(l.max)}  (${l.count} ops)`;

export function summarize(r: BenchResults, dir: string): string {
  const o = r.options;
  const s = r.stats;
  const lines: string[] = [];
  lines.push(`${r.workload}: ${o.nodeCount} nodes, concurrency ${o.concurrency} (${o.concurrencySpec}), rate ${o.rate}/s, ${o.timeLimit} s` +
    `${o.nemesis.length ? `, nemesis ${o.nemesis.join(',')} every ~${o.nemesisInterval} s` : ''}${o.latency ? `, latency ${o.latency} ms ${o.latencyDist}` : ''}, seed ${o.seed}`);
  lines.push(
    r.memoryOnly
      ? 'state: MEMORY-ONLY run (--no-data-dir): nodes had no RAFT_DATA_DIR, so a node restarted after a kill had lost its state'
      : `state: every node had RAFT_DATA_DIR=<run dir>/${r.dataDir ?? 'data/'}<node id> (kept across restarts)`,
  );
  lines.push(`operations: ${s.count}  ok ${s.ok}  fail ${s.fail}  info ${s.info}`);
  for (const [f, fs] of Object.entries(s.byFunction)) {
    lines.push(`  ${f.padEnd(6)} ${String(fs.count).padStart(6)}  ok ${fs.ok}  fail ${fs.fail}  info ${fs.info}`);
  }
  lines.push(`availability: ${fmt(s.availability, 4)}${r.availability.expected !== null ? ` (required ${r.availability.expected}: ${r.availability.valid ? 'met' : 'NOT met'})` : ''}`);
  lines.push(`throughput: ${fmt(s.throughput, 2)} ok ops/s`);
  lines.push(`latency ms (ok ops): ${q(s.latency)}`);
  const n = r.net;
  lines.push(`messages: all sent ${n.all.sendCount} recv ${n.all.recvCount} unique ${n.all.msgCount ?? n.all.sendCount}, ${fmt(n.all.msgsPerOp, 2)} msgs/op; ` +
    `servers sent ${n.servers.sendCount} recv ${n.servers.recvCount} unique ${n.servers.msgCount ?? n.servers.sendCount}, ${fmt(n.servers.msgsPerOp, 2)} msgs/op; ` +
    `clients sent ${n.clients.sendCount} recv ${n.clients.recvCount}; dropped by partitions ${n.dropped}${n.lostToDeadNodes ? `; lost to killed nodes ${n.lostToDeadNodes}` : ''}`);
  if (r.partitions.length > 0) {
    lines.push(`partitions: ${r.partitions.length}`);
    for (const p of r.partitions.slice(0, 20)) {
      lines.push(`  ${fmt(p.start)}-${fmt(p.stop)} s  ${p.kind}: ${p.description}`);
    }
  }
  const faults = r.faults ?? [];
  if (faults.length > 0) {
    const kills = faults.filter((f) => f.fault === 'kill').length;
    const pauses = faults.filter((f) => f.fault === 'pause').length;
    lines.push(`faults: ${kills} node kill(s), ${pauses} node pause(s)`);
    for (const f of faults.slice(0, 20)) {
      lines.push(`  ${fmt(f.start)}-${f.stop === null ? 'end' : fmt(f.stop)} s  ${f.fault} ${f.node}${f.spec ? ` (${f.spec})` : ''}`);
    }
    if (faults.length > 20) lines.push(`  ... and ${faults.length - 20} more (see results.json)`);
  }
  const snaps = Object.entries(r.snapshotCounts ?? {}).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
  if (snaps.length > 0) {
    const taken = snaps.reduce((n, [, c]) => n + c.taken, 0);
    const installed = snaps.reduce((n, [, c]) => n + c.installed, 0);
    lines.push(`snapshots: ${taken} taken, ${installed} installed from a leader (${snaps.map(([node, c]) => `${node} ${c.taken}/${c.installed}`).join(', ')}; taken/installed)`);
    const firsts = (r.snapshots ?? []).filter((e) => e.kind === 'installed').slice(0, 5);
    for (const e of firsts) lines.push(`  ${fmt(e.time)} s  ${e.node} installed a snapshot up to index ${e.index} (term ${e.term}, ${e.bytes} bytes)`);
  }
  const l = r.linearizability;
  if ('listAppend' in l) lines.push(...describeTxnChecker(l as TxnCheckerResult));
  else lines.push(`linearizability: ${l.valid === true ? 'valid' : l.valid === false ? 'INVALID' : 'unknown'} (${l.keyCount} keys checked in ${l.seconds.toFixed(2)} s)`);
  for (const f of 'listAppend' in l ? [] : l.failures.slice(0, 5)) {
    lines.push(`  key ${f.key}: cannot linearise ${f.culprit}`);
    lines.push(`  these operations cannot all be linearised together (drawn in ${r.files[`linear ${String(f.key)}`] ?? 'linear.svg'}):`);
    for (const e of f.explanation) lines.push(`    ${e}`);
  }
  if (l.failures.length > 5 && !('listAppend' in l)) lines.push(`  ... and ${l.failures.length - 5} more keys (see results.json)`);
  if (r.problems.length > 0) {
    lines.push(`node problems: ${r.problems.length}`);
    for (const p of r.problems.slice(0, 10)) lines.push(`  ${p.node} at ${p.time.toFixed(2)} s: ${p.kind}: ${p.detail}`);
  }
  for (const w of r.warnings ?? []) lines.push(`warning: ${w}`);
  for (const reason of r.reasons) lines.push(`reason: ${reason}`);
  const rel = relative(process.cwd(), dir) || dir;
  const files = Object.values(r.files).filter((f) => f !== 'results.json' && f !== 'index.html');
  lines.push(`results: ${rel.startsWith('..') ? dir : rel}/ (index.html report, results.json, ${files.join(', ')})`);
  return lines.join('\n');
}

/** The summary, the one line on what went wrong (if anything), and the verdict line. */
export function verdictText(r: BenchResults, dir: string): string {
  return `\n${summarize(r, dir)}\n\n${r.cause ? `${r.verdict === 'invalid' ? 'Invalid' : 'Unknown'}: ${r.cause}\n` : ''}${VERDICT_LINES[r.verdict]}\n`;
}

export async function runBenchCli(args: string[], io: CliIo = stdio): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(args);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err.write(`raftchart test: ${e.message}\n`);
      return EXIT.usage;
    }
    throw e;
  }
  if (parsed.help) {
    io.out.write(HELP);
    return 0;
  }
  const base = parsed.options;
  for (let i = 0; i < base.testCount; i++) {
    const opts = { ...base, seed: i === 0 ? base.seed : (base.seed + i * 7919) | 0 };
    if (base.testCount > 1) io.err.write(`raftchart: test ${i + 1} of ${base.testCount}\n`);
    let out;
    try {
      out = await runTest(opts);
    } catch (e) {
      io.err.write(`raftchart test: the bench itself failed: ${(e as Error).stack ?? (e as Error).message}\n`);
      return EXIT.crash;
    }
    io.out.write(verdictText(out.results, out.dir));
    if (out.results.verdict !== 'valid') return EXIT[out.results.verdict];
  }
  return EXIT.valid;
}
