// Command-line flags of `raftchart test`, with Maelstrom's meanings and
// defaults (Maelstrom inherits several from Jepsen's CLI: 5 nodes,
// concurrency 1n, time limit 60 s, test count 1).

import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { NEMESIS_FAULTS, type NemesisFault } from './nemesis.js';
import type { BenchOptions, LatencyDist, WorkloadName } from './types.js';
import { parseTxnListAppendFlags } from './workloads/txn-list-append.js';

export class UsageError extends Error {}

export const HELP = `usage: raftchart test [options] [-- extra args for the node binary]

Runs a Maelstrom-compatible test: starts --node-count copies of --bin, each
speaking Maelstrom's JSON-lines protocol on stdin/stdout, routes their
messages through a simulated network, drives client operations and faults,
then checks the history. Exit status (as Jepsen's): 0 valid, 1 invalid,
2 unknown, 254 bad arguments, 255 the bench itself failed.

Maelstrom's flags (same meaning and defaults):
  -w, --workload NAME         workload to run: lin-kv or txn-list-append
                              (default lin-kv)
      --bin FILE              the node binary to test (required); run once per
                              node with no arguments unless extra args follow
      --node-count NUM        number of nodes n0, n1, ... (default 5)
      --time-limit SECONDS    how long to run client operations (default 60)
      --concurrency NUMBER    client threads; an integer, or Nn for N times
                              the node count, e.g. 4n (default 1n). lin-kv
                              works in groups of 2 x node-count threads per key
      --rate RATE             approximate requests per second over all
                              clients; 0 means no client load (default 5)
      --nemesis FAULTS        comma-separated faults: partition (Maelstrom's),
                              kill and pause (beyond Maelstrom), e.g.
                              partition,kill (default: none)
      --nemesis-interval SECS mean seconds between nemesis operations
                              (default 10)
      --latency MILLIS        mean one-way latency between servers, ms;
                              messages to or from clients have none (default 0)
      --latency-dist TYPE     constant, uniform or exponential (default constant)
      --test-count NUMBER     run the test this many times, stopping at the
                              first run that is not valid (default 1)
      --log-stderr            copy the nodes' stderr to this terminal (it is
                              always saved in node-logs/ of the run)
      --availability EXPECTED fraction of operations that must succeed, a
                              number from 0 to 1, or "total"; omitted means
                              availability never fails a test

txn-list-append (Maelstrom's flags and defaults):
      --key-count INT         keys in play at once (default 10, Elle's default)
      --max-txn-length INT    most micro-ops per transaction (default 4)
      --max-writes-per-key INT appends per key before it is retired (default 16)
      --consistency-models M  strict-serializable (default) or serializable

Bench options:
      --no-data-dir           start nodes without RAFT_DATA_DIR: a memory-only
                              run, labelled so (by default every node gets
                              RAFT_DATA_DIR=<run dir>/data/<node id>, the same
                              after a restart)
      --coarse-timer          deliver delayed messages with setTimeout (whole
                              milliseconds, 0.5-1 ms late per hop) instead of
                              the precise timer thread: for comparisons
      --store DIR             where runs are stored (default ./store)
      --seed NUMBER           seed for the bench's random choices (default:
                              random; printed and saved in results.json)
      --recovery-time SECS    after healing partitions, wait this long before
                              checking (default 3 with a nemesis, else 0)
      --per-key-limit NUM     lin-kv: also retire a key after about NUM ops
                              (Jepsen's option, randomised 0.9-1.0). Maelstrom
                              sets none: a key is retired only after 20
                              processes used it (default: none)
      --checker-time-limit S  give up checking after this long; the verdict is
                              then unknown (default 120)
  -h, --help                  show this help

Arguments that are not flags, and everything after "--", are passed to every
node process. Results go to store/<workload>/<timestamp>/ (results.json,
history.jsonl, history.txt, latency-raw.svg, timeline.html, messages.svg,
node-logs/) and store/latest points at the newest run.
`;

type Spec = { takesValue: boolean; key: string };

const FLAGS: Record<string, Spec> = {
  '-w': { takesValue: true, key: 'workload' },
  '--workload': { takesValue: true, key: 'workload' },
  '--bin': { takesValue: true, key: 'bin' },
  '--node-count': { takesValue: true, key: 'node-count' },
  '--time-limit': { takesValue: true, key: 'time-limit' },
  '--concurrency': { takesValue: true, key: 'concurrency' },
  '--rate': { takesValue: true, key: 'rate' },
  '--nemesis': { takesValue: true, key: 'nemesis' },
  '--nemesis-interval': { takesValue: true, key: 'nemesis-interval' },
  '--latency': { takesValue: true, key: 'latency' },
  '--latency-dist': { takesValue: true, key: 'latency-dist' },
  '--test-count': { takesValue: true, key: 'test-count' },
  '--log-stderr': { takesValue: false, key: 'log-stderr' },
  '--availability': { takesValue: true, key: 'availability' },
  '--store': { takesValue: true, key: 'store' },
  '--seed': { takesValue: true, key: 'seed' },
  '--recovery-time': { takesValue: true, key: 'recovery-time' },
  '--per-key-limit': { takesValue: true, key: 'per-key-limit' },
  '--checker-time-limit': { takesValue: true, key: 'checker-time-limit' },
  '--no-data-dir': { takesValue: false, key: 'no-data-dir' },
  '--coarse-timer': { takesValue: false, key: 'coarse-timer' },
  '--key-count': { takesValue: true, key: 'key-count' },
  '--max-txn-length': { takesValue: true, key: 'max-txn-length' },
  '--max-writes-per-key': { takesValue: true, key: 'max-writes-per-key' },
  '--consistency-models': { takesValue: true, key: 'consistency-models' },
  '-h': { takesValue: false, key: 'help' },
  '--help': { takesValue: false, key: 'help' },
};

/** Maelstrom flags for workloads or features this bench does not have yet. */
const KNOWN_UNSUPPORTED = new Set([
  '--topology',
  '--log-net-send',
  '--log-net-recv',
]);

function num(flag: string, v: string, check: (n: number) => boolean, what: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !check(n)) {
    throw new UsageError(`${flag} must be ${what} (got ${JSON.stringify(v)})`);
  }
  return n;
}

export type ParseResult = { help: true } | { help: false; options: BenchOptions };

export function parseArgs(argv: readonly string[], env: { cwd?: string } = {}): ParseResult {
  const raw = new Map<string, string | true>();
  const extra: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      extra.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      extra.push(a);
      continue;
    }
    let name = a;
    let inline: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      name = a.slice(0, eq);
      inline = a.slice(eq + 1);
    }
    const spec = FLAGS[name];
    if (!spec) {
      if (KNOWN_UNSUPPORTED.has(name)) throw new UsageError(`${name} is a Maelstrom flag this bench does not support yet`);
      throw new UsageError(`unknown option ${name} (see raftchart test --help)`);
    }
    if (spec.key === 'help') return { help: true };
    if (!spec.takesValue) {
      if (inline !== undefined) throw new UsageError(`${name} takes no value`);
      raw.set(spec.key, true);
      continue;
    }
    let v = inline;
    if (v === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`${name} needs a value`);
      v = argv[++i];
    }
    raw.set(spec.key, v);
  }
  const get = (k: string): string | undefined => {
    const v = raw.get(k);
    return typeof v === 'string' ? v : undefined;
  };

  const workload = get('workload') ?? 'lin-kv';
  if (workload !== 'lin-kv' && workload !== 'txn-list-append') {
    throw new UsageError(`--workload must be one of: lin-kv, txn-list-append (got ${JSON.stringify(workload)})`);
  }
  let txnListAppend: BenchOptions['txnListAppend'];
  try {
    txnListAppend = parseTxnListAppendFlags((flag) => get(flag.slice(2)));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const binArg = get('bin');
  if (binArg === undefined) throw new UsageError('expected a --bin PATH_TO_BINARY to test');
  const cwd = env.cwd ?? process.cwd();
  // Like Maelstrom: --bin is a path to a file, relative to the working directory.
  const bin = resolve(cwd, binArg);
  let st;
  try {
    st = statSync(bin);
  } catch {
    throw new UsageError(`--bin ${binArg}: no such file`);
  }
  if (!st.isFile()) throw new UsageError(`--bin ${binArg}: not a file`);
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    throw new UsageError(`--bin ${binArg}: not executable (chmod +x it, and give it a #! line)`);
  }
  const isInt = (n: number) => Number.isInteger(n);
  const nodeCount = num('--node-count', get('node-count') ?? '5', (n) => isInt(n) && n > 0 && n <= 100, 'a positive integer up to 100');
  const timeLimit = num('--time-limit', get('time-limit') ?? '60', (n) => n > 0 && n <= 86_400, 'a positive number of seconds');
  const concurrencySpec = get('concurrency') ?? '1n';
  const cm = /^(\d+)(n?)$/.exec(concurrencySpec);
  if (!cm) throw new UsageError(`--concurrency must be an integer, optionally followed by n, e.g. 4n (got ${JSON.stringify(concurrencySpec)})`);
  const concurrency = Number(cm[1]) * (cm[2] === 'n' ? nodeCount : 1);
  if (concurrency < 1 || concurrency > 10_000) throw new UsageError(`--concurrency must come to between 1 and 10000 threads (got ${concurrency})`);
  const rate = num('--rate', get('rate') ?? '5', (n) => n >= 0 && n <= 1e6, 'a non-negative number');
  const nemesisRaw = get('nemesis');
  const nemesis: NemesisFault[] = [];
  if (nemesisRaw !== undefined) {
    for (const f of nemesisRaw.split(/\s*,\s*/).filter((s) => s.length > 0)) {
      if (!(NEMESIS_FAULTS as readonly string[]).includes(f)) {
        throw new UsageError(`--nemesis must be a comma-separated list of: ${NEMESIS_FAULTS.join(', ')} (got ${JSON.stringify(f)})`);
      }
      if (!nemesis.includes(f as NemesisFault)) nemesis.push(f as NemesisFault);
    }
  }
  const nemesisInterval = num('--nemesis-interval', get('nemesis-interval') ?? '10', (n) => n > 0, 'a positive number of seconds');
  const latency = num('--latency', get('latency') ?? '0', (n) => n >= 0 && n <= 60_000, 'a non-negative number of milliseconds');
  const latencyDist = (get('latency-dist') ?? 'constant') as LatencyDist;
  if (!['constant', 'uniform', 'exponential'].includes(latencyDist)) {
    throw new UsageError(`--latency-dist must be constant, uniform, or exponential (got ${JSON.stringify(latencyDist)})`);
  }
  const testCount = num('--test-count', get('test-count') ?? '1', (n) => isInt(n) && n > 0, 'a positive integer');
  const availRaw = get('availability');
  let availability: 'total' | number | null = null;
  if (availRaw !== undefined) {
    availability = availRaw === 'total' ? 'total' : num('--availability', availRaw, (n) => n >= 0 && n <= 1, "either 'total' or a number between 0 and 1");
  }
  const recoveryTime = num('--recovery-time', get('recovery-time') ?? (nemesis.length > 0 ? '3' : '0'), (n) => n >= 0 && n <= 3600, 'a non-negative number of seconds');
  const seed = get('seed') !== undefined ? num('--seed', get('seed')!, (n) => isInt(n), 'an integer') : Math.floor(Math.random() * 2 ** 31);
  const pkl = get('per-key-limit');
  const perKeyLimit = pkl === undefined ? null : num('--per-key-limit', pkl, (n) => isInt(n) && n > 0, 'a positive integer');
  const checkerTimeLimit = num('--checker-time-limit', get('checker-time-limit') ?? '120', (n) => n > 0, 'a positive number of seconds');
  return {
    help: false,
    options: {
      workload: workload as WorkloadName,
      bin,
      args: extra,
      nodeCount,
      timeLimit,
      concurrency,
      concurrencySpec,
      rate,
      nemesis,
      nemesisInterval,
      latency,
      latencyDist,
      testCount,
      logStderr: raw.get('log-stderr') === true,
      availability,
      recoveryTime,
      store: resolve(cwd, get('store') ?? 'store'),
      seed,
      perKeyLimit,
      dataDir: raw.get('no-data-dir') !== true,
      preciseTimer: raw.get('coarse-timer') !== true,
      checkerTimeLimit,
      ...(workload === 'txn-list-append' ? { txnListAppend } : {}),
    },
  };
}
