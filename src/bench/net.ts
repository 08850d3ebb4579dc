// The simulated network: node processes speaking JSON lines, in-process
// clients, per-destination delivery queues with latency, partitions that drop
// messages on arrival, and a journal of every send and delivery.
//
// Node processes run in process groups of their own, so that the nemesis can
// kill (SIGKILL) and pause (SIGSTOP/SIGCONT) a node together with any child
// it started (a node binary may be a wrapper script); the groups are killed
// when the bench exits, however it exits.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { LatencyDist, NodeProblem, SnapshotEvent } from './types.js';
import { MinHeap } from '../core/heap.js';
import { deliveryTimer, type DeliveryTimer } from './precise-timer.js';
import { nestingDepth } from '../maelstrom/codec.js';
import type { Rng } from '../core/random.js';

/** A message as it travels through the network. */
export interface NetMessage {
  /** Internal id, unique per run. */
  id: number;
  src: string;
  dest: string;
  body: Record<string, unknown>;
  /** The exact JSON line, reused when forwarding to a process. */
  line: string;
  /** ms since network start. */
  sentAt: number;
  deadline: number;
}

/** One journal record: the life of one message. */
export interface JournalRecord {
  id: number;
  src: string;
  dest: string;
  type: string;
  msgId: number | null;
  inReplyTo: number | null;
  /** ms since start. */
  sent: number;
  /** ms since start: when the latency distribution made it due. */
  due: number;
  /** ms since start, or null if never delivered. */
  delivered: number | null;
  /** Dropped by a partition on arrival, or lost because its destination was down. */
  dropped: boolean;
}

export interface NetCounters {
  clientSend: number;
  clientRecv: number;
  serverSend: number;
  serverRecv: number;
  /** Distinct messages (each gets one id when accepted), as Maelstrom's msg-count. */
  clientMsgs: number;
  serverMsgs: number;
  dropped: number;
  /** Arrived while their destination node was killed (and not yet restarted). */
  lostToDeadNodes: number;
  undeliverable: number;
  /** Accepted messages whose src was another known id than the sender's (Maelstrom accepts them). */
  forgedSrc: number;
}

/**
 * Whether a message counts as client traffic, as Maelstrom decides it
 * (maelstrom.util/involves-client?): its src or dest is a client id.
 */
export function involvesClient(src: string, dest: string, isClient: (id: string) => boolean): boolean {
  return isClient(src) || isClient(dest);
}

/** Delivery order: deadline, then id. */
const deliveryOrder = (x: NetMessage, y: NetMessage): boolean =>
  x.deadline < y.deadline || (x.deadline === y.deadline && x.id < y.id);

export interface NetworkOptions {
  latency: number;
  latencyDist: LatencyDist;
  rng: Rng;
  /** Keep at most this many journal records in memory (counters are exact). */
  journalLimit?: number;
  /** Called for each problem a node causes. */
  onProblem?: (p: NodeProblem) => void;
  /** false: deliver delayed messages with setTimeout (whole milliseconds, 0.5-1 ms late) instead of the precise timer. */
  preciseTimer?: boolean;
}

export interface NodeSpawnOptions {
  bin: string;
  args: string[];
  /** Where the node's stderr goes (appended to: a restarted node keeps its log). */
  logPath: string | null;
  /** Also copy node stderr to our stderr, prefixed. */
  logStderr: boolean;
  cwd?: string;
  /** The node's environment (default: ours). */
  env?: NodeJS.ProcessEnv;
  /** A line written to the log before the node's output (e.g. a restart marker). */
  logHeader?: string;
}

const MAX_LINE = 16 * 1024 * 1024;
const MAX_STDIN_BACKLOG = 64 * 1024 * 1024;
const MAX_PROBLEMS_PER_KIND = 20;
/** Passes of one flush over the messages sent while it delivers (see Network.flush). */
const MAX_PASSES = 4;
/** Snapshot events kept for the report (a long run at a low threshold takes many). */
const MAX_SNAPSHOT_EVENTS = 2000;
/** raftchart's node logs `snapshot index=I term=T bytes=B ...` and `installed snapshot index=I term=T bytes=B`. */
const SNAPSHOT_LINE = /\b(installed )?snapshot index=(\d+) term=(\d+) bytes=(\d+)/;
/**
 * Deepest nesting accepted in a node's message: far beyond any workload, and
 * shallow enough that nothing the bench does with a message (JSON.stringify
 * when it writes the history, the checker, the report) can overflow the stack.
 */
export const MAX_MESSAGE_DEPTH = 1000;
/** Lines of a node's stderr kept to show when it crashes (Maelstrom keeps 32). */
export const STDERR_TAIL_LINES = 32;

// Every live node process group, killed when the bench exits (normally, by an
// uncaught error, or by a signal), so no node outlives the bench.
const liveGroups = new Set<number>();
let exitHooksInstalled = false;
function killLiveGroups(): void {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  liveGroups.clear();
}
function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', killLiveGroups);
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.on(sig, () => {
      killLiveGroups();
      process.exit(code);
    });
  }
}

export class NodeProcess {
  readonly id: string;
  readonly proc: ChildProcess;
  private buf = '';
  private log: WriteStream | null;
  exited = false;
  exitInfo: string | null = null;
  /** Set before the nemesis kills the node, so its exit is not a problem. */
  expectedExit = false;
  /** SIGSTOPped by the nemesis. */
  paused = false;
  /**
   * While set (a restart until its init_ok), only messages from this client
   * (the one sending init) reach the node; others are lost, as if it were
   * still down, so a restarted node, like a new one, hears init first.
   */
  onlyFrom: string | null = null;
  /** Resolves when the process has ended (or could not start). */
  readonly ended: Promise<void>;
  private markEnded: () => void = () => {};
  private pendingOut: string[] = [];
  private stdinBroken = false;
  private errBuf = '';
  /** The last lines the node wrote to stderr. */
  readonly stderrTail: string[] = [];

  constructor(
    id: string,
    private readonly net: Network,
    opts: NodeSpawnOptions,
  ) {
    this.id = id;
    this.log = opts.logPath ? createWriteStream(opts.logPath, { flags: 'a' }) : null;
    this.log?.on('error', () => {
      this.log = null;
    });
    if (opts.logHeader) this.log?.write(`${opts.logHeader}\n`);
    this.ended = new Promise<void>((r) => (this.markEnded = r));
    installExitHooks();
    this.proc = spawn(opts.bin, opts.args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: opts.cwd, env: opts.env, detached: true });
    const pid = this.proc.pid;
    if (pid !== undefined) liveGroups.add(pid);
    this.proc.on('error', (err) => {
      if (pid !== undefined) liveGroups.delete(pid);
      this.exited = true;
      this.exitInfo = err.message;
      net.problem(id, 'spawn-error', `could not run ${opts.bin}: ${err.message}`);
      this.markEnded();
    });
    this.proc.on('exit', (code, signal) => {
      this.exited = true;
      this.exitInfo = signal ? `signal ${signal}` : `exit status ${code}`;
      // The group may hold children of a wrapper script: end them too.
      if (pid !== undefined) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // none left
        }
        liveGroups.delete(pid);
      }
      if (!net.closing && !this.expectedExit) {
        // Give the last stderr lines a moment to arrive before describing the crash.
        setTimeout(() => net.crashed(this), 50);
      }
      this.markEnded();
    });
    this.proc.stdin!.on('error', (err) => {
      this.stdinBroken = true;
      if (!net.closing && !this.expectedExit && !this.exited) net.problem(id, 'stdin-error', `writing to the node's stdin failed: ${err.message}`);
    });
    this.proc.stdout!.setEncoding('utf8');
    this.proc.stdout!.on('data', (chunk: string) => this.onStdout(chunk));
    this.proc.stderr!.setEncoding('utf8');
    this.proc.stderr!.on('data', (chunk: string) => {
      this.log?.write(chunk);
      this.onStderr(chunk);
      if (opts.logStderr) {
        for (const l of chunk.split('\n')) if (l.length > 0) process.stderr.write(`${id}: ${l}\n`);
      }
    });
  }

  private onStderr(chunk: string): void {
    const text = this.errBuf + chunk;
    const lines = text.split('\n');
    this.errBuf = lines.pop() ?? '';
    if (this.errBuf.length > 4096) this.errBuf = this.errBuf.slice(0, 4096);
    for (const l of lines) {
      this.net.noteNodeLine(this.id, l);
      this.stderrTail.push(l.length > 500 ? `${l.slice(0, 500)}...` : l);
      if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
    }
  }

  /** The last stderr lines, including an unterminated last line. */
  lastStderrLines(): string[] {
    return this.errBuf.length > 0 ? [...this.stderrTail, this.errBuf].slice(-STDERR_TAIL_LINES) : [...this.stderrTail];
  }

  private onStdout(chunk: string): void {
    this.net.io.stdoutChunks++;
    let start = 0;
    let nl = chunk.indexOf('\n');
    if (nl < 0) {
      this.buf += chunk;
      if (this.buf.length > MAX_LINE) {
        this.net.problem(this.id, 'bad-output', `a stdout line longer than ${MAX_LINE} bytes; discarded`);
        this.buf = '';
      }
      return;
    }
    while (nl >= 0) {
      let line = chunk.slice(start, nl);
      if (this.buf.length > 0) {
        line = this.buf + line;
        this.buf = '';
      }
      if (line.length > 0 && line !== '\r') this.net.receiveLine(this.id, line);
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    if (start < chunk.length) this.buf = chunk.slice(start);
    this.net.scheduleFlush();
  }

  /** Queues a line for the node's stdin (written in one batch per flush). */
  enqueue(line: string): void {
    this.pendingOut.push(line);
  }

  flushOut(): void {
    if (this.pendingOut.length === 0) return;
    const data = this.pendingOut.join('\n') + '\n';
    this.net.io.stdinLines += this.pendingOut.length;
    this.pendingOut = [];
    if (this.exited || this.stdinBroken) return;
    const stdin = this.proc.stdin!;
    if (stdin.writableLength > MAX_STDIN_BACKLOG) {
      this.net.problem(this.id, 'stdin-error', `node is not reading its stdin (backlog over ${MAX_STDIN_BACKLOG} bytes); messages dropped`);
      return;
    }
    this.net.io.stdinWrites++;
    stdin.write(data);
  }

  /** Sends a signal to the node's whole process group. */
  signal(sig: NodeJS.Signals): boolean {
    if (this.exited || this.proc.pid === undefined) return false;
    try {
      process.kill(-this.proc.pid, sig);
      return true;
    } catch {
      try {
        return this.proc.kill(sig);
      } catch {
        return false;
      }
    }
  }

  /** SIGKILL, as the kill nemesis does: no chance to flush anything. Resolves once the process is gone. */
  async kill(): Promise<void> {
    this.expectedExit = true;
    this.pendingOut = [];
    this.signal('SIGKILL');
    await this.ended;
    await this.closeLog();
  }

  pause(): boolean {
    if (this.exited || this.paused) return false;
    this.paused = this.signal('SIGSTOP');
    return this.paused;
  }

  resume(): boolean {
    if (!this.paused) return false;
    this.paused = false;
    return this.signal('SIGCONT');
  }

  private closeLog(): Promise<void> {
    return new Promise<void>((resolve) => {
      const log = this.log;
      this.log = null;
      if (!log) return resolve();
      log.end(() => resolve());
    });
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      const done = this.ended;
      if (this.paused) this.resume();
      this.proc.stdin?.end();
      this.signal('SIGTERM');
      const timer = setTimeout(() => this.signal('SIGKILL'), 1000);
      let giveUp: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise((r) => (giveUp = setTimeout(r, 3000)))]);
      clearTimeout(timer);
      clearTimeout(giveUp);
    }
    await this.closeLog();
  }
}

export type ClientHandler = (msg: NetMessage) => void;

/** Watches server traffic as it is sent (a benchmark's probe; see src/bench/perf-table.ts). */
export interface NetObserver {
  /** A message between two nodes was accepted for delivery, at `now` ms since the network started. */
  serverSent(src: string, dest: string, type: unknown, now: number): void;
}

export class Network {
  readonly t0 = performance.now();
  readonly nodes = new Map<string, NodeProcess>();
  private readonly clients = new Map<string, ClientHandler>();
  private readonly queues = new Map<string, MinHeap<NetMessage>>();
  /** receiver -> senders whose messages it drops. */
  private grudge = new Map<string, Set<string>>();
  readonly journal: JournalRecord[] = [];
  private readonly journalLimit: number;
  private journalIndex = new Map<number, JournalRecord>();
  journalTruncated = false;
  readonly counters: NetCounters = {
    clientSend: 0,
    clientRecv: 0,
    serverSend: 0,
    serverRecv: 0,
    clientMsgs: 0,
    serverMsgs: 0,
    dropped: 0,
    lostToDeadNodes: 0,
    undeliverable: 0,
    forgedSrc: 0,
  };
  /** Per sending node: messages it sent under another known id, and the first one. */
  readonly forgedSrcBySender = new Map<string, { count: number; example: string }>();
  private nextId = 0;
  private flushScheduled = false;
  /** Inside flush(): sends then are delivered by its further passes. */
  private flushing = false;
  /** Destinations of the messages sent during the current pass of flush(). */
  private readonly sentInFlush = new Set<string>();
  /** Wakes flush() when the earliest queued message is due (src/bench/precise-timer.ts). */
  private readonly timer: DeliveryTimer;
  private timerAt = Infinity;
  closing = false;
  /**
   * The bench's own I/O with the node processes: writes to their stdin (and
   * the lines they carried), chunks read from their stdout, and flushes of
   * the delivery queues. A benchmark reads them (src/bench/perf-table.ts).
   */
  readonly io = { stdinWrites: 0, stdinLines: 0, stdoutChunks: 0, flushes: 0 };
  /** Told of every server message accepted (null: nobody watches). */
  observer: NetObserver | null = null;
  private readonly problemCounts = new Map<string, number>();
  readonly problems: NodeProblem[] = [];
  /** Snapshots taken or installed, as the nodes' log lines say (the first MAX_SNAPSHOT_EVENTS). */
  readonly snapshots: SnapshotEvent[] = [];
  readonly snapshotCounts: Record<string, { taken: number; installed: number }> = {};

  constructor(private readonly opts: NetworkOptions) {
    this.journalLimit = opts.journalLimit ?? 200_000;
    this.timer = deliveryTimer(
      () => this.now(),
      performance.timeOrigin + this.t0,
      () => {
        this.timerAt = Infinity;
        this.flush();
      },
      { worker: opts.preciseTimer !== false },
    );
  }

  /** Which timer delivers delayed messages: 'worker' (precise) or 'setTimeout' (whole milliseconds, late). */
  get timerKind(): DeliveryTimer['kind'] {
    return this.timer.kind;
  }

  now(): number {
    return performance.now() - this.t0;
  }

  /** A node process ended that nobody meant to end: a problem, with the last lines of its stderr. */
  crashed(n: NodeProcess): void {
    const tail = n.lastStderrLines();
    const errorLine = [...tail].reverse().find((l) => /error|exception|panic|fatal|traceback/i.test(l)) ?? tail.filter((l) => l.trim() !== '').pop();
    this.problem(n.id, 'exit', `node process ended with ${n.exitInfo}${errorLine ? `; its stderr ends with: ${errorLine.trim().slice(0, 300)}` : ''}`, tail);
  }

  /** A line a node wrote to stderr: notes the snapshots it reports. */
  noteNodeLine(node: string, line: string): void {
    if (!line.includes('snapshot index=')) return;
    const m = SNAPSHOT_LINE.exec(line);
    if (!m) return;
    const kind = m[1] ? 'installed' : 'taken';
    const c = (this.snapshotCounts[node] ??= { taken: 0, installed: 0 });
    c[kind]++;
    if (this.snapshots.length < MAX_SNAPSHOT_EVENTS) {
      this.snapshots.push({ node, time: this.now() / 1000, kind, index: Number(m[2]), term: Number(m[3]), bytes: Number(m[4]) });
    }
  }

  problem(node: string, kind: NodeProblem['kind'], detail: string, stderrTail?: string[]): void {
    const k = `${node}/${kind}`;
    const n = (this.problemCounts.get(k) ?? 0) + 1;
    this.problemCounts.set(k, n);
    if (n > MAX_PROBLEMS_PER_KIND) return;
    const p: NodeProblem = { node, time: this.now() / 1000, kind, detail: n === MAX_PROBLEMS_PER_KIND ? `${detail} (further ${kind} problems from ${node} not recorded)` : detail };
    if (stderrTail && stderrTail.length > 0) p.stderrTail = stderrTail;
    this.problems.push(p);
    this.opts.onProblem?.(p);
  }

  /**
   * Starts a node process under `id`. Starting it again (a restart after a
   * kill) replaces the process; messages already queued for the node stay
   * queued and reach the new process when due.
   */
  spawnNode(id: string, opts: NodeSpawnOptions): NodeProcess {
    const old = this.nodes.get(id);
    if (old && !old.exited) throw new Error(`node ${id} is still running`);
    const n = new NodeProcess(id, this, opts);
    this.nodes.set(id, n);
    if (!this.queues.has(id)) this.queues.set(id, new MinHeap<NetMessage>(deliveryOrder));
    return n;
  }

  addClient(id: string, handler: ClientHandler): void {
    this.clients.set(id, handler);
    this.queues.set(id, new MinHeap<NetMessage>(deliveryOrder));
  }

  isNode(id: string): boolean {
    return this.nodes.has(id);
  }

  /** Client traffic: src or dest is a client (or src is no node at all). */
  isClientTraffic(src: string, dest: string): boolean {
    return this.clients.has(src) || this.clients.has(dest) || !this.nodes.has(src);
  }

  setGrudge(grudge: Map<string, Set<string>>): void {
    this.grudge = grudge;
  }

  heal(): void {
    this.grudge = new Map();
  }

  /** A line a node printed on stdout. */
  receiveLine(from: string, line: string): void {
    // Each level of nesting takes a character, so a line no longer than the
    // bound cannot exceed it: only longer lines are scanned.
    if (line.length > MAX_MESSAGE_DEPTH && nestingDepth(line, MAX_MESSAGE_DEPTH) > MAX_MESSAGE_DEPTH) {
      this.problem(from, 'bad-message', `a message nested deeper than ${MAX_MESSAGE_DEPTH} levels; dropped: ${line.slice(0, 120)}`);
      return;
    }
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      this.problem(from, 'bad-output', `non-JSON on stdout: ${JSON.stringify(line.slice(0, 200))}`);
      return;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      this.problem(from, 'bad-message', `stdout line is not a JSON object: ${line.slice(0, 200)}`);
      return;
    }
    const m = msg as Record<string, unknown>;
    const body = m.body;
    if (typeof m.src !== 'string' || typeof m.dest !== 'string' || typeof body !== 'object' || body === null || Array.isArray(body)) {
      this.problem(from, 'bad-message', `message needs string src, string dest and an object body: ${line.slice(0, 200)}`);
      return;
    }
    if (m.src !== from) {
      // Maelstrom only checks that src is a known node or client (its Python
      // Raft demo proxies a request by sending it on with the client's id as
      // src). Accept that, count it, and say so in the results.
      if (!this.nodes.has(m.src) && !this.clients.has(m.src)) {
        this.problem(from, 'bad-message', `message src ${JSON.stringify(m.src)} is neither the sender's id ${from} nor any known node or client: ${line.slice(0, 200)}`);
        return;
      }
      this.counters.forgedSrc++;
      const f = this.forgedSrcBySender.get(from);
      if (f) f.count++;
      else this.forgedSrcBySender.set(from, { count: 1, example: line.slice(0, 200) });
    }
    this.send(m.src, m.dest, body as Record<string, unknown>, line);
  }

  /** Sends a message (from a node or a client). */
  send(src: string, dest: string, body: Record<string, unknown>, line?: string): void {
    const now = this.now();
    const q = this.queues.get(dest);
    const clientTraffic = this.isClientTraffic(src, dest);
    if (clientTraffic) this.counters.clientSend++;
    else this.counters.serverSend++;
    const id = this.nextId++;
    if (!q) {
      this.counters.undeliverable++;
      this.problem(src, 'unknown-dest', `message to unknown destination ${JSON.stringify(dest)} (type ${String(body.type)})`);
      this.record(id, src, dest, body, now, now);
      return;
    }
    if (clientTraffic) this.counters.clientMsgs++;
    else {
      this.counters.serverMsgs++;
      this.observer?.serverSent(src, dest, body.type, now);
    }
    let delay = 0;
    if (!clientTraffic && this.opts.latency > 0) {
      const mean = this.opts.latency;
      switch (this.opts.latencyDist) {
        case 'constant':
          delay = mean;
          break;
        case 'uniform':
          delay = this.opts.rng.next() * 2 * mean;
          break;
        case 'exponential':
          delay = this.opts.rng.exponential(mean);
          break;
      }
    }
    const msg: NetMessage = {
      id,
      src,
      dest,
      body,
      line: line ?? JSON.stringify({ src, dest, body }),
      sentAt: now,
      deadline: now + delay,
    };
    this.record(id, src, dest, body, now, msg.deadline);
    q.push(msg);
    if (this.flushing) this.sentInFlush.add(dest);
    else this.scheduleFlush();
  }

  private record(id: number, src: string, dest: string, body: Record<string, unknown>, now: number, due: number): void {
    if (this.journal.length >= this.journalLimit) {
      this.journalTruncated = true;
      return;
    }
    const r: JournalRecord = {
      id,
      src,
      dest,
      type: typeof body.type === 'string' ? body.type : String(body.type),
      msgId: typeof body.msg_id === 'number' ? body.msg_id : null,
      inReplyTo: typeof body.in_reply_to === 'number' ? body.in_reply_to : null,
      sent: now,
      due,
      delivered: null,
      dropped: false,
    };
    this.journal.push(r);
    this.journalIndex.set(id, r);
  }

  scheduleFlush(): void {
    if (this.flushScheduled || this.flushing) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /**
   * Delivers every message whose deadline has passed, writes what the nodes
   * got to their stdin (one write per node), and arms a timer for the rest.
   *
   * A client answers a reply in the same turn (RpcClient.request: the runner
   * records the completion and starts the thread's next operation), and a
   * client's message is due at once, so the messages sent while delivering
   * are delivered in a further pass before the writes: a client's next
   * request goes out with the replies of the same flush, one write instead of
   * one per turn of the event loop. Only clients can send during a flush
   * (node processes are read between flushes), and what they send goes to
   * node processes, which only queue it: two passes suffice; MAX_PASSES is a
   * guard, and whatever it leaves waits for the next flush.
   */
  flush(): void {
    this.io.flushes++;
    this.flushing = true;
    let earliest = Infinity;
    try {
      let now = this.now();
      for (const [dest, q] of this.queues) earliest = Math.min(earliest, this.deliverDue(dest, q, now));
      const further = this.sentInFlush.size > 0;
      for (let pass = 1; pass < MAX_PASSES && this.sentInFlush.size > 0; pass++) {
        const dests = [...this.sentInFlush];
        this.sentInFlush.clear();
        now = this.now();
        for (const dest of dests) {
          const q = this.queues.get(dest);
          if (q) this.deliverDue(dest, q, now);
        }
      }
      if (further) {
        // The first pass saw some of these queues before their new messages were delivered.
        earliest = Infinity;
        for (const q of this.queues.values()) {
          const m = q.peek();
          if (m !== undefined && m.deadline < earliest) earliest = m.deadline;
        }
      }
    } finally {
      this.flushing = false;
    }
    if (this.sentInFlush.size > 0) {
      // Left by the guard: deliver it in the next turn.
      this.sentInFlush.clear();
      this.scheduleFlush();
    }
    for (const n of this.nodes.values()) n.flushOut();
    if (earliest < Infinity && earliest < this.timerAt) {
      this.timerAt = earliest;
      this.timer.arm(earliest);
    }
  }

  /** Delivers the due messages of one queue; returns the deadline of the next one (Infinity: none). */
  private deliverDue(dest: string, q: MinHeap<NetMessage>, now: number): number {
    let m = q.peek();
    while (m !== undefined && m.deadline <= now) {
      q.pop();
      this.deliver(dest, m, now);
      m = q.peek();
    }
    return m === undefined ? Infinity : m.deadline;
  }

  private deliver(dest: string, m: NetMessage, now: number): void {
    const rec = this.journalIndex.get(m.id);
    if (rec) this.journalIndex.delete(m.id);
    const g = this.grudge.get(dest);
    if (g !== undefined && g.has(m.src)) {
      this.counters.dropped++;
      if (rec) {
        rec.dropped = true;
        rec.delivered = null;
      }
      return;
    }
    const client = this.clients.get(dest);
    if (!client) {
      const node = this.nodes.get(dest);
      if (node === undefined || node.exited || (node.onlyFrom !== null && m.src !== node.onlyFrom)) {
        // Killed and not (yet) restarted: the message is lost, as it would be on a real network.
        this.counters.lostToDeadNodes++;
        if (rec) {
          rec.dropped = true;
          rec.delivered = null;
        }
        return;
      }
    }
    if (this.isClientTraffic(m.src, dest)) this.counters.clientRecv++;
    else this.counters.serverRecv++;
    if (rec) rec.delivered = now;
    if (client) {
      try {
        client(m);
      } catch (err) {
        this.problem(dest, 'bad-message', `client could not handle a reply: ${(err as Error).message}`);
      }
      return;
    }
    this.nodes.get(dest)?.enqueue(m.line);
  }

  /** Number of messages still queued. */
  pending(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.size;
    return n;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.timer.close();
    await Promise.all([...this.nodes.values()].map((n) => n.stop()));
  }
}
