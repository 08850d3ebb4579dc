// `raftchart analyze [RUN_DIR]`: checks a stored run's history again, with
// the run's options or new checker options, prints the same summary, verdict
// and exit status as the run, and rewrites results.json, linear.svg, the
// plots and the report. Like Jepsen's and Maelstrom's `analyze`, which
// rebuild the test from the stored one and run its checker again. Messages
// are not re-counted (the journal is not stored), and messages.svg and the
// node logs are left as they are.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Rng } from '../core/random.js';
import { readJsonLines } from '../viz/report.js';
import { EXIT, type CliIo, verdictText } from './cli.js';
import { computeStats } from './stats.js';
import { writeAnalysis } from './store.js';
import type { BenchOptions, BenchResults, HistoryEvent } from './types.js';
import { decideVerdict } from './verdict.js';
import { createWorkload } from './workloads/index.js';
import { parseTxnListAppendFlags } from './workloads/txn-list-append.js';

export const ANALYZE_HELP = `usage: raftchart analyze [RUN_DIR] [options]

Checks the history stored in RUN_DIR (default: store/latest) again, with the
run's own options unless given new ones here, prints the summary and the
verdict as the run did, exits as it would have (0 valid, 1 invalid,
2 unknown, 254 bad arguments or an unreadable run, 255 the bench failed),
and rewrites results.json, linear.svg, the plots and index.html.

Options:
      --consistency-models M  txn-list-append: strict-serializable or
                              serializable
      --checker-time-limit S  give up checking after S seconds
      --availability EXPECTED a number from 0 to 1, or "total"; "none" drops
                              the run's requirement
  -h, --help                  show this help
`;

class AnalyzeError extends Error {}

interface AnalyzeArgs {
  dir: string;
  changed: Record<string, unknown>;
}

function parseAnalyzeArgs(argv: readonly string[], cwd: string): AnalyzeArgs | 'help' {
  let dir: string | undefined;
  const changed: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') return 'help';
    let name = a;
    let value: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      name = a.slice(0, eq);
      value = a.slice(eq + 1);
    }
    const need = (): string => {
      if (value !== undefined) return value;
      if (i + 1 >= argv.length) throw new AnalyzeError(`${name} needs a value`);
      return argv[++i]!;
    };
    switch (name) {
      case '--consistency-models': {
        const v = need();
        try {
          changed.consistencyModel = parseTxnListAppendFlags((f) => (f === '--consistency-models' ? v : undefined)).consistencyModel;
        } catch (e) {
          throw new AnalyzeError((e as Error).message);
        }
        break;
      }
      case '--checker-time-limit': {
        const v = Number(need());
        if (!(v > 0)) throw new AnalyzeError('--checker-time-limit must be a positive number of seconds');
        changed.checkerTimeLimit = v;
        break;
      }
      case '--availability': {
        const v = need();
        if (v === 'total') changed.availability = 'total';
        else if (v === 'none') changed.availability = null;
        else {
          const x = Number(v);
          if (v.trim() === '' || !(x >= 0 && x <= 1)) throw new AnalyzeError("--availability must be 'total', 'none', or a number between 0 and 1");
          changed.availability = x;
        }
        break;
      }
      default:
        if (a.startsWith('-')) throw new AnalyzeError(`unknown option ${name} (see raftchart analyze --help)`);
        if (dir !== undefined) throw new AnalyzeError(`one run directory at a time (got ${dir} and ${a})`);
        dir = a;
    }
  }
  return { dir: resolve(cwd, dir ?? join('store', 'latest')), changed };
}

function isHistoryEvent(e: unknown): e is HistoryEvent {
  if (typeof e !== 'object' || e === null) return false;
  const x = e as Record<string, unknown>;
  return (
    typeof x.index === 'number' &&
    typeof x.process === 'number' &&
    typeof x.time === 'number' &&
    (x.type === 'invoke' || x.type === 'ok' || x.type === 'fail' || x.type === 'info') &&
    typeof x.f === 'string'
  );
}

/** Re-checks a stored run; returns the new results (also written to the run directory). */
export async function analyzeRun(dir: string, changed: Record<string, unknown> = {}): Promise<BenchResults> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new AnalyzeError(`${dir}: no such run directory`);
  const resultsPath = join(dir, 'results.json');
  if (!existsSync(resultsPath)) throw new AnalyzeError(`${dir}: no results.json (not a run directory?)`);
  let results: BenchResults;
  try {
    results = JSON.parse(readFileSync(resultsPath, 'utf8')) as BenchResults;
  } catch (e) {
    throw new AnalyzeError(`${resultsPath}: unreadable: ${(e as Error).message}`);
  }
  if (typeof results !== 'object' || results === null || typeof results.options !== 'object' || results.options === null) {
    throw new AnalyzeError(`${resultsPath}: has no options; cannot tell how to check this run`);
  }
  if (results.workload !== 'lin-kv' && results.workload !== 'txn-list-append') {
    throw new AnalyzeError(`${resultsPath}: unknown workload ${JSON.stringify(results.workload)}`);
  }
  const historyRel = results.files?.history ?? 'history.jsonl';
  const historyPath = join(dir, historyRel);
  if (!existsSync(historyPath)) throw new AnalyzeError(`${dir}: no ${historyRel}`);
  const problems: string[] = [];
  const raw = readJsonLines<unknown>(historyPath, (line, msg) => problems.push(`line ${line}: ${msg}`));
  if (problems.length > 0) throw new AnalyzeError(`${historyPath}: ${problems.length} unreadable line(s), first ${problems[0]}`);
  const bad = raw.findIndex((e) => !isHistoryEvent(e));
  if (bad >= 0) throw new AnalyzeError(`${historyPath}: line ${bad + 1} is not a history event: ${JSON.stringify(raw[bad]).slice(0, 200)}`);
  const history = raw as HistoryEvent[];

  const opts: BenchOptions = { ...(results.options as BenchOptions) };
  if (changed.checkerTimeLimit !== undefined) opts.checkerTimeLimit = changed.checkerTimeLimit as number;
  if ('availability' in changed) opts.availability = changed.availability as BenchOptions['availability'];
  if (changed.consistencyModel !== undefined) {
    if (opts.workload !== 'txn-list-append') throw new AnalyzeError('--consistency-models applies to txn-list-append runs only');
    opts.txnListAppend = { ...opts.txnListAppend!, consistencyModel: changed.consistencyModel as 'strict-serializable' | 'serializable' };
  }
  // The workload's checker (its generator is built but never asked for an op).
  const workload = createWorkload(opts, {
    nodeCount: opts.nodeCount,
    concurrency: opts.concurrency,
    rng: new Rng(opts.seed),
    perKeyLimit: opts.perKeyLimit ?? null,
  });
  const checker = workload.check(history, opts.checkerTimeLimit ?? 120);
  const stats = computeStats(history, results.duration ?? 0);
  const notes = (results.reasons ?? []).filter((r) => r.startsWith('note: ')).map((r) => r.slice('note: '.length));
  const v = decideVerdict({
    checker,
    availability: { expected: opts.availability ?? null, actual: stats.availability },
    problems: results.problems ?? [],
    notes,
  });
  const out: BenchResults = {
    ...results,
    warnings: results.warnings ?? [],
    memoryOnly: results.memoryOnly ?? false,
    dataDir: results.dataDir ?? null,
    partitions: results.partitions ?? [],
    nemesis: results.nemesis ?? [],
    faults: results.faults ?? [],
    problems: results.problems ?? [],
    files: results.files ?? {},
    options: { ...opts },
    verdict: v.verdict,
    cause: v.cause,
    reasons: v.reasons,
    stats,
    availability: { expected: opts.availability ?? null, actual: stats.availability, valid: v.availabilityValid },
    linearizability: checker,
    analyzed: { at: new Date().toISOString(), changed },
  };
  await writeAnalysis(dir, out, history);
  return out;
}

export async function runAnalyzeCli(args: string[], io: CliIo = { out: process.stdout, err: process.stderr }, cwd = process.cwd()): Promise<number> {
  let parsed;
  try {
    parsed = parseAnalyzeArgs(args, cwd);
  } catch (e) {
    io.err.write(`raftchart analyze: ${(e as Error).message}\n`);
    return EXIT.usage;
  }
  if (parsed === 'help') {
    io.out.write(ANALYZE_HELP);
    return 0;
  }
  io.err.write(`raftchart: analysing ${parsed.dir}\n`);
  let results: BenchResults;
  try {
    results = await analyzeRun(parsed.dir, parsed.changed);
  } catch (e) {
    if (e instanceof AnalyzeError) {
      io.err.write(`raftchart analyze: ${e.message}\n`);
      return EXIT.usage;
    }
    io.err.write(`raftchart analyze: the bench itself failed: ${(e as Error).stack ?? (e as Error).message}\n`);
    return EXIT.crash;
  }
  io.out.write(verdictText(results, parsed.dir));
  return EXIT[results.verdict];
}
