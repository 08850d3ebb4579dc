// The Maelstrom node binary (bin/raft): JSON messages, one per line, on stdin
// and stdout; leveled logs on stderr. Nothing but messages reaches stdout.
//
// Environment:
//   RAFT_LOG            error | warn | info (default) | debug | trace (debug, and
//                       for the step-through viewer a JSON line per chart
//                       transition and per Raft message: src/runtime/trace.ts NodeTraceLog)
//   RAFT_HEARTBEAT_MS   leader heartbeat period (default 50)
//   RAFT_ELECTION_MS    election timeout range "min-max" (default 300-600)
//   RAFT_MAX_LINE_BYTES longest input line accepted (default 1048576)
//   RAFT_MAX_DEPTH      deepest nesting of a message (default 64)
//   RAFT_MAX_ENTRY_BYTES largest client request that may enter the log (default 262144)
//   RAFT_SNAPSHOT_ENTRIES  snapshot the state machine and compact the log every
//                       this many applied entries (default 10000)
//   RAFT_MAX_INFLIGHT   most AppendEntries with entries in flight to a follower
//                       in the replicate state (default 16; 1: no pipelining)
//   RAFT_BATCH_MS       how long a leader waits after a batch of input before it
//                       sends what the batch made due (default 0: at once); a
//                       wait lets requests share AppendEntries, at that latency
//   RAFT_LEADER_SYNC    parallel (default): a leader sends the AppendEntries
//                       carrying new entries before its own fsync of them
//                       (Raft thesis 10.2.1) | before-send: after it, as every
//                       other message
//   RAFT_DATA_DIR       directory for this node's durable state (term, vote, log);
//                       unset: memory only, and a restarted node comes back empty
//   RAFT_READS          how reads are served: log | readindex (default) | local
//                       (local is UNSAFE: stale reads; see docs/exercises.md) |
//                       lease (leader leases; safe while clocks drift apart by
//                       at most RAFT_LEASE_DRIFT)
//   RAFT_TXN_READS      how read-only transactions are served: log | readindex
//                       (default) | local (UNSAFE) | lease
//   RAFT_LEASE_DRIFT    lease mode: the bound rho on clock rate drift (default 0.1)
//   RAFT_LEASE_MS       lease mode: the lease (default and most: electionMin *
//                       (1 - rho) / (1 + rho) - 5 ms); a longer one is refused

import { defaultConfig, LEADER_SYNC_MODES, leaseConfigProblem, leaseDuration, READ_MODES, TXN_READ_MODES, usesLeases, type RaftConfig } from '../../machines/context.js';
import { realClock } from '../runtime/clock.js';
import { LOG_LEVELS, RaftNode, type LogLevel, type Message } from './node.js';
import { NodeTraceLog } from '../runtime/trace.js';
import { LineSplitter } from './lines.js';
import { decodeLine, defaultLimits, type InputLimits } from './codec.js';
import { openNodeStorage } from '../core/storage.js';
import { FileDisk } from '../runtime/file-disk.js';
import { openOutput } from './output.js';

function configFromEnv(env: NodeJS.ProcessEnv): { config: Partial<RaftConfig>; limits: InputLimits; level: LogLevel; problems: string[] } {
  const problems: string[] = [];
  const limits: { -readonly [K in keyof InputLimits]: InputLimits[K] } = { ...defaultLimits };
  const positive = (name: string, key: keyof InputLimits, min: number): void => {
    const raw = env[name];
    if (raw === undefined) return;
    const n = Number(raw);
    if (Number.isSafeInteger(n) && n >= min) limits[key] = n;
    else problems.push(`${name} must be an integer >= ${min}; using ${defaultLimits[key]}`);
  };
  positive('RAFT_MAX_LINE_BYTES', 'maxLineBytes', 1024);
  positive('RAFT_MAX_DEPTH', 'maxDepth', 8);
  positive('RAFT_MAX_ENTRY_BYTES', 'maxEntryBytes', 64);
  const config: { -readonly [K in keyof RaftConfig]?: RaftConfig[K] } = {};
  const level = (env.RAFT_LOG === 'trace' ? 'debug' : (env.RAFT_LOG ?? 'info')) as LogLevel;
  if (!LOG_LEVELS.includes(level)) problems.push(`RAFT_LOG must be one of ${LOG_LEVELS.join(', ')}; using info`);
  const positiveConfig = (name: string, key: 'heartbeatMs' | 'snapshotEntries' | 'maxInflight'): void => {
    const raw = env[name];
    if (raw === undefined) return;
    const n = Number(raw);
    if (Number.isSafeInteger(n) && n > 0) config[key] = n;
    else problems.push(`${name} must be a positive integer; using ${defaultConfig[key]}`);
  };
  positiveConfig('RAFT_HEARTBEAT_MS', 'heartbeatMs');
  positiveConfig('RAFT_SNAPSHOT_ENTRIES', 'snapshotEntries');
  positiveConfig('RAFT_MAX_INFLIGHT', 'maxInflight');
  if (env.RAFT_BATCH_MS !== undefined && env.RAFT_BATCH_MS !== '') {
    const n = Number(env.RAFT_BATCH_MS);
    const most = config.heartbeatMs ?? defaultConfig.heartbeatMs;
    if (Number.isSafeInteger(n) && n >= 0 && n <= most) config.batchWaitMs = n;
    else problems.push(`RAFT_BATCH_MS must be an integer from 0 to the heartbeat period (${most}); using ${defaultConfig.batchWaitMs}`);
  }
  if (env.RAFT_ELECTION_MS !== undefined) {
    const m = /^(\d+)-(\d+)$/.exec(env.RAFT_ELECTION_MS);
    if (m && Number(m[1]) > 0 && Number(m[2]) >= Number(m[1])) {
      config.electionMinMs = Number(m[1]);
      config.electionMaxMs = Number(m[2]);
    } else {
      problems.push(`RAFT_ELECTION_MS must look like 300-600; using ${defaultConfig.electionMinMs}-${defaultConfig.electionMaxMs}`);
    }
  }
  const mode = <M extends string>(name: string, modes: readonly M[], dflt: M): M | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    if ((modes as readonly string[]).includes(raw)) return raw as M;
    problems.push(`${name} must be one of ${modes.join(', ')}; using ${dflt}`);
    return undefined;
  };
  const reads = mode('RAFT_READS', READ_MODES, defaultConfig.reads);
  if (reads !== undefined) config.reads = reads;
  const txnReads = mode('RAFT_TXN_READS', TXN_READ_MODES, defaultConfig.txnReads);
  if (txnReads !== undefined) config.txnReads = txnReads;
  const leaderSync = mode('RAFT_LEADER_SYNC', LEADER_SYNC_MODES, defaultConfig.leaderSync);
  if (leaderSync !== undefined) config.leaderSync = leaderSync;
  // Lease settings are not corrected to a default: an unsafe one stops the node (below).
  if (env.RAFT_LEASE_DRIFT !== undefined && env.RAFT_LEASE_DRIFT !== '') config.leaseDriftRatio = Number(env.RAFT_LEASE_DRIFT);
  if (env.RAFT_LEASE_MS !== undefined && env.RAFT_LEASE_MS !== '') config.leaseMs = Number(env.RAFT_LEASE_MS);
  return { config, limits, level: LOG_LEVELS.includes(level) ? level : 'info', problems };
}

const { config, limits, level, problems } = configFromEnv(process.env);
const stderr = (text: string): void => {
  process.stderr.write(`${text}\n`);
};
for (const p of problems) stderr(`warn ${p}`);
{
  const full = { ...defaultConfig, ...config };
  const leaseProblem = leaseConfigProblem(full);
  if (leaseProblem !== undefined) {
    // Refuse to start rather than serve reads by an unsafe lease.
    stderr(`FATAL RAFT_LEASE_MS / RAFT_LEASE_DRIFT: ${leaseProblem}`);
    process.exit(1);
  }
  if (usesLeases(full)) stderr(`info leader leases of ${leaseDuration(full)} ms (clock drift bound ${full.leaseDriftRatio}, election timeout ${full.electionMinMs}-${full.electionMaxMs} ms)`);
}
const unsafe = [config.reads === 'local' ? 'RAFT_READS=local' : '', config.txnReads === 'local' ? 'RAFT_TXN_READS=local' : ''].filter((x) => x !== '');
if (unsafe.length > 0) {
  stderr(
    `warn ${unsafe.join(' and ')}: reads are answered from each node's own state machine, so a node cut off ` +
      'from the leader answers with stale values (not linearizable: an exercise, see docs/exercises.md)',
  );
}

// Outgoing messages are gathered and written at the end of each chunk of
// input (its batch is over), else once per turn of the event loop (what
// timers produce), asynchronously (src/maelstrom/output.ts); while more than a megabyte
// waits for a reader that lags, the node stops reading input.
const output = openOutput({
  onPressure: (high) => {
    if (high) process.stdin.pause();
    else process.stdin.resume();
  },
  onError: (err) => {
    // The bench went away (EPIPE): nothing left to do.
    stderr(`stdout closed: ${err.message}`);
    process.exit(0);
  },
});
let out: string[] = [];
let flushScheduled = false;
const flush = (): void => {
  flushScheduled = false;
  if (out.length === 0) return;
  const chunk = out.join('');
  out = [];
  output.write(chunk);
};
const send = (msg: Message): void => {
  out.push(`${JSON.stringify(msg)}\n`);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
};

const dataDir = process.env.RAFT_DATA_DIR === undefined || process.env.RAFT_DATA_DIR === '' ? undefined : process.env.RAFT_DATA_DIR;
const trace = process.env.RAFT_LOG === 'trace' ? new NodeTraceLog(stderr, () => node, (line) => decodeLine(line, limits)) : undefined;
const node: RaftNode = new RaftNode({
  output: trace ? (msg) => (trace.sent(msg), send(msg)) : send,
  flushOutput: () => flush(),
  ...(trace ? { onTransition: trace.onTransition } : {}),
  clock: realClock,
  logLevel: level,
  log: (lvl, text) => stderr(`${new Date().toISOString()} ${lvl} ${text}`),
  config,
  limits,
  seed: (process.pid * 2654435761) | 0,
  ...(dataDir ? { openStorage: (id: string, ids: readonly string[]) => openNodeStorage(new FileDisk(dataDir), id, ids) } : {}),
  onFatal: (reason) => {
    // Refuse to go on (a crash is safe for Raft; serving from lost or damaged state is not).
    flush();
    stderr(`FATAL ${reason}`);
    process.exitCode = 1;
    // What was answered before the failure still goes out (unless the reader is stuck).
    process.stdin.pause();
    output.drain(() => process.exit(1));
    setTimeout(() => process.exit(1), 1000).unref();
  },
});

const lines = new LineSplitter(
  trace ? (line) => (trace.received(line), node.handleLine(line)) : (line) => node.handleLine(line),
  (bytes, head) => node.handleOversizeLine(bytes, head),
  limits.maxLineBytes,
);
// A chunk of input is one batch: its lines' state changes are made durable
// with one fsync, before any of their output goes out.
process.stdin.on('data', (chunk: Buffer) => {
  node.batch(() => lines.push(chunk));
  // The batch is over (its fsync done): its output goes now, not a turn of
  // the event loop later (0.1-0.4 ms per hop on this machine: npm run bench:hops).
  flush();
});
process.stdin.on('end', () => {
  lines.end();
  flush();
  node.stop();
});
