// Transcript tests in the manner of etcd-io/raft's `testdata/` (its
// datadriven files): a plain text file of directives, each a command, an
// optional block of input lines, `----`, and the exact output expected.
//
//   # a comment
//   tick-election n0
//   ----
//   n0->n1 {"type":"pre_vote","term":1,...,"msg_id":1}
//
// Nodes are real RaftNodes (the protocol layer, the runtime, the chart) on a
// simulated disk, each with its own virtual clock: time moves for a node
// only when a directive says so. Messages between nodes wait in a queue
// until a directive delivers or drops them; messages to clients are printed
// and go nowhere else. Output lines are every message a node sends (its
// exact body, as JSON), the `role=... term=...` lines it logs, and its
// warnings and errors, in the order they happen.
//
// Commands (node ids n0, n1, ...; clients are any other id):
//   add-nodes N [election=300-600] [heartbeat=50] [lease=12] [snapshot=N] [chunk=N] [batch=N] [proxy-timeout=MS]
//                                 create and init n0..n(N-1), every node with its own clock and disk
//   tick-election NODE            run NODE's clock until an election timer fires
//   tick-heartbeat NODE [COUNT]   run NODE's clock until its heartbeat timer has fired COUNT times (default 1),
//                                 or until it is no longer leader
//   advance NODE MS               move NODE's clock MS milliseconds on (every timer due fires)
//   deliver [FROM->TO] [type=T]   deliver the queued messages that match, in order (not those they cause)
//   stabilize [NODE...]           deliver queued messages (only between the NODEs, if given) until none is left
//   drop [FROM->TO] [type=T]      drop the queued messages that match
//   send FROM->TO                 deliver the message bodies given as input lines (JSON), one per line,
//                                 from FROM (a client or a peer); a body without msg_id gets one
//   isolate NODE...               cut the NODEs off from every other node: messages between them are lost
//                                 (printed, marked lost), those queued are dropped
//   heal                          undo every isolate
//   crash NODE                    the process dies: timers stop, unsynced disk writes may be lost, its queue goes
//   crash-during-write NODE       the process will die during its next disk write: what depends on it never goes out
//   restart NODE                  a new process on the same disk, told init again
//   snapshot NODE                 snapshot the state machine now (compacting the log)
//   status NODE...                role, term, vote, leader, commit and applied indexes, the log
//   queue                         the messages waiting to be delivered
//
// `--rewrite` (TRANSCRIPT_REWRITE=1) rewrites each file's expectations with
// what the nodes did: review the diff before committing it.

import { VirtualClock } from '../../src/runtime/clock.js';
import { Rng } from '../../src/core/random.js';
import { SimDisk } from '../../src/sim/disk.js';
import { openNodeStorage } from '../../src/core/storage.js';
import { RaftNode, type Message } from '../../src/maelstrom/node.js';
import type { RaftConfig } from '../../machines/index.js';

export interface Directive {
  /** 1-based line of the command in its file. */
  readonly line: number;
  readonly command: string;
  readonly args: readonly string[];
  readonly input: readonly string[];
  readonly expected: string;
}

/** Parses a transcript file (datadriven syntax: command, input, `----`, output, blank line). */
export function parseTranscript(text: string, file = 'transcript'): Directive[] {
  const lines = text.split('\n');
  const out: Directive[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i]!;
    if (l.trim() === '' || l.startsWith('#')) {
      i++;
      continue;
    }
    const at = i + 1;
    const [command, ...args] = l.trim().split(/\s+/);
    i++;
    const input: string[] = [];
    while (i < lines.length && lines[i] !== '----') {
      if (lines[i]!.trim() === '') throw new Error(`${file}:${at}: directive ${command} has no ---- line`);
      input.push(lines[i]!);
      i++;
    }
    if (i >= lines.length) throw new Error(`${file}:${at}: directive ${command} has no ---- line`);
    i++;
    const expected: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '') {
      expected.push(lines[i]!);
      i++;
    }
    out.push({ line: at, command: command!, args, input, expected: expected.join('\n') });
  }
  return out;
}

/** Prints directives back with the given outputs (the rewrite). Comments and spacing before each directive are kept. */
export function rewriteTranscript(text: string, outputs: readonly string[]): string {
  const lines = text.split('\n');
  const result: string[] = [];
  let i = 0;
  let k = 0;
  while (i < lines.length) {
    const l = lines[i]!;
    if (l.trim() === '' || l.startsWith('#')) {
      result.push(l);
      i++;
      continue;
    }
    result.push(l);
    i++;
    while (i < lines.length && lines[i] !== '----') result.push(lines[i++]!);
    result.push('----');
    i++;
    while (i < lines.length && lines[i]!.trim() !== '') i++;
    result.push(...outputs[k++]!.split('\n'));
  }
  return result.join('\n');
}

interface Queued {
  readonly msg: Message;
}

interface Member {
  node: RaftNode;
  clock: VirtualClock;
  readonly disk: SimDisk;
  /** Election and heartbeat timer transitions taken since last asked. */
  timers: { election: number; heartbeat: number };
  crashed: boolean;
}

const isNodeId = (s: string) => /^n\d+$/.test(s);

/** One transcript's world: nodes, their queue of messages, the output of the directive being run. */
export class TranscriptWorld {
  private readonly members = new Map<string, Member>();
  private ids: string[] = [];
  private queue: Queued[] = [];
  private out: string[] = [];
  private config: Partial<RaftConfig> = {};
  private proxyTimeoutMs: number | undefined;
  private clientMsgId = 100;
  /** Nodes cut off from every other node: what they send or are sent is lost. */
  private readonly isolated = new Set<string>();

  run(d: Directive): string {
    this.out = [];
    const fn = this.commands[d.command];
    if (!fn) throw new Error(`unknown command ${d.command}`);
    fn(d.args, d.input);
    if (this.out.length > 500) throw new Error(`${d.command} printed ${this.out.length} lines; a transcript step should print a few`);
    return this.out.length === 0 ? 'ok' : this.out.join('\n');
  }

  stop(): void {
    for (const m of this.members.values()) if (!m.crashed) m.node.stop();
  }

  private member(id: string): Member {
    const m = this.members.get(id);
    if (!m) throw new Error(`no node ${id}`);
    return m;
  }

  private start(id: string, disk: SimDisk, index: number): Member {
    const clock = new VirtualClock();
    const m: Member = { node: undefined as unknown as RaftNode, clock, disk, timers: { election: 0, heartbeat: 0 }, crashed: false };
    m.node = new RaftNode({
      clock,
      seed: index + 1,
      logLevel: 'info',
      config: this.config,
      ...(this.proxyTimeoutMs !== undefined ? { proxyTimeoutMs: this.proxyTimeoutMs } : {}),
      openStorage: (nid, nids) => openNodeStorage(disk, nid, nids),
      output: (msg) => {
        // A process that died during a disk write sends nothing after it.
        if (disk.dead || m.crashed) return;
        if (msg.dest === 'c-init') return;
        const cut = isNodeId(msg.dest) && (this.isolated.has(msg.src) || this.isolated.has(msg.dest));
        this.out.push(`${msg.src}->${msg.dest} ${JSON.stringify(msg.body)}${cut ? ' (lost: cut off)' : ''}`);
        if (isNodeId(msg.dest) && !cut) this.queue.push({ msg });
      },
      log: (level, text) => {
        if (m.crashed || disk.dead) return;
        const role = /\brole=\w+ term=\d+$/.exec(text);
        if (role) this.out.push(`${id} ${role[0]}`);
        else if (level === 'error' || level === 'warn') this.out.push(`${id} ${level.toUpperCase()}: ${text.replace(/^n\d+ /, '')}`);
      },
      onTransition: (_n, step) => {
        const t = step.event.type;
        if (t.startsWith('xstate.after.electionTimeout')) m.timers.election++;
        if (t.startsWith('xstate.after.heartbeatInterval')) m.timers.heartbeat++;
      },
    });
    m.node.handle({ src: 'c-init', dest: id, body: { type: 'init', msg_id: 1, node_id: id, node_ids: this.ids } });
    this.members.set(id, m);
    return m;
  }

  private deliverOne(q: Queued): void {
    const m = this.members.get(q.msg.dest);
    if (!m || m.crashed || m.disk.dead) return;
    m.node.handle(q.msg);
  }

  private matching(args: readonly string[]): (q: Queued) => boolean {
    let from: string | undefined;
    let to: string | undefined;
    let type: string | undefined;
    for (const a of args) {
      const link = /^(\w*)->(\w*)$/.exec(a);
      if (link) {
        from = link[1] || undefined;
        to = link[2] || undefined;
      } else if (a.startsWith('type=')) type = a.slice(5);
      else throw new Error(`bad filter ${a}`);
    }
    return (q) => (from === undefined || q.msg.src === from) && (to === undefined || q.msg.dest === to) && (type === undefined || q.msg.body.type === type);
  }

  private readonly commands: Record<string, (args: readonly string[], input: readonly string[]) => void> = {
    'add-nodes': (args) => {
      if (this.members.size > 0) throw new Error('add-nodes comes once, first (start another file for another cluster)');
      const n = Number(args[0]);
      const opts = Object.fromEntries(args.slice(1).map((a) => a.split('=') as [string, string]));
      const config: Record<string, unknown> = {};
      if (opts.election) {
        const [lo, hi] = opts.election.split('-').map(Number);
        config.electionMinMs = lo;
        config.electionMaxMs = hi ?? lo;
      }
      if (opts.heartbeat) config.heartbeatMs = Number(opts.heartbeat);
      if (opts.lease) config.leaseTicks = Number(opts.lease);
      if (opts.snapshot) config.snapshotEntries = Number(opts.snapshot);
      if (opts.chunk) config.snapshotChunkBytes = Number(opts.chunk);
      if (opts.batch) config.maxBatch = Number(opts.batch);
      if (opts['proxy-timeout']) this.proxyTimeoutMs = Number(opts['proxy-timeout']);
      this.config = config as Partial<RaftConfig>;
      this.ids = Array.from({ length: n }, (_, i) => `n${i}`);
      for (const [i, id] of this.ids.entries()) this.start(id, new SimDisk(new Rng(1000 + i)), i);
    },
    'tick-election': (args) => {
      const m = this.member(args[0]!);
      m.timers.election = 0;
      for (let i = 0; i < 1000 && m.timers.election === 0; i++) if (!m.clock.step()) break;
      if (m.timers.election === 0) throw new Error(`${args[0]} runs no election timer`);
    },
    'tick-heartbeat': (args) => {
      const m = this.member(args[0]!);
      if (m.node.role !== 'leader') throw new Error(`${args[0]} is not a leader: it runs no heartbeat timer`);
      const count = Number(args[1] ?? 1);
      m.timers.heartbeat = 0;
      for (let i = 0; i < 100_000 && m.timers.heartbeat < count && m.node.role === 'leader'; i++) if (!m.clock.step()) break;
    },
    advance: (args) => {
      this.member(args[0]!).clock.advance(Number(args[1]));
    },
    deliver: (args) => {
      const match = this.matching(args);
      const now = this.queue.filter(match);
      this.queue = this.queue.filter((q) => !match(q));
      for (const q of now) this.deliverOne(q);
    },
    stabilize: (args) => {
      const within = (q: Queued) => args.length === 0 || (args.includes(q.msg.src) && args.includes(q.msg.dest));
      for (let i = 0; ; i++) {
        if (i > 10_000) throw new Error('stabilize: still delivering after 10,000 messages');
        const k = this.queue.findIndex(within);
        if (k < 0) break;
        const [q] = this.queue.splice(k, 1);
        this.deliverOne(q!);
      }
    },
    drop: (args) => {
      const match = this.matching(args);
      const dropped = this.queue.filter(match);
      this.queue = this.queue.filter((q) => !match(q));
      this.out.push(`dropped ${dropped.length}`);
    },
    send: (args, input) => {
      const link = /^(\w+)->(\w+)$/.exec(args[0] ?? '');
      if (!link) throw new Error('send FROM->TO');
      const m = this.member(link[2]!);
      for (const l of input) {
        const body = JSON.parse(l) as Message['body'];
        if (body.msg_id === undefined) body.msg_id = ++this.clientMsgId;
        m.node.handle({ src: link[1]!, dest: link[2]!, body });
      }
    },
    isolate: (args) => {
      for (const id of args) {
        this.member(id);
        this.isolated.add(id);
      }
      this.queue = this.queue.filter((q) => !this.isolated.has(q.msg.src) && !this.isolated.has(q.msg.dest));
    },
    heal: () => {
      this.isolated.clear();
    },
    crash: (args) => {
      const m = this.member(args[0]!);
      m.node.stop();
      m.crashed = true;
      m.disk.crash();
      this.queue = this.queue.filter((q) => q.msg.src !== args[0] && q.msg.dest !== args[0]);
    },
    'crash-during-write': (args) => {
      this.member(args[0]!).disk.armCrash(1);
    },
    restart: (args) => {
      const id = args[0]!;
      const old = this.member(id);
      if (!old.crashed) throw new Error(`${id} is running; crash it first`);
      this.start(id, old.disk, this.ids.indexOf(id));
    },
    snapshot: (args) => {
      this.member(args[0]!).node.snapshotNow();
    },
    status: (args) => {
      for (const id of args) {
        const n = this.member(id).node;
        const c = n.context!;
        const entries: string[] = [];
        for (let i = c.log.snapshotIndex + 1; i <= c.log.lastIndex; i++) {
          const e = c.log.entry(i);
          entries.push(`${i}/${e.term}:${opText(e.op)}`);
        }
        const snap = c.log.snapshotIndex > 0 ? ` snapshot=${c.log.snapshotIndex}/${c.log.snapshotTerm}` : '';
        this.out.push(
          `${id} role=${n.role} term=${c.term} vote=${c.votedFor ?? '-'} leader=${c.leader ?? '-'} commit=${c.commitIndex} applied=${c.lastApplied}${snap} log=[${entries.join(' ')}]`,
        );
      }
    },
    queue: () => {
      for (const q of this.queue) this.out.push(`${q.msg.src}->${q.msg.dest} ${JSON.stringify(q.msg.body)}`);
    },
  };
}

function opText(op: { f: string; key?: unknown; value?: unknown; from?: unknown; to?: unknown; txn?: unknown }): string {
  switch (op.f) {
    case 'noop':
      return 'noop';
    case 'read':
      return `read(${String(op.key)})`;
    case 'write':
      return `write(${String(op.key)},${JSON.stringify(op.value)})`;
    case 'cas':
      return `cas(${String(op.key)},${JSON.stringify(op.from)},${JSON.stringify(op.to)})`;
    default:
      return `${op.f}(${JSON.stringify(op.txn)})`;
  }
}

/** Runs a transcript; returns every directive's actual output. */
export function runTranscript(text: string, file = 'transcript'): { directives: Directive[]; outputs: string[] } {
  const directives = parseTranscript(text, file);
  const world = new TranscriptWorld();
  const outputs: string[] = [];
  try {
    for (const d of directives) {
      try {
        outputs.push(world.run(d));
      } catch (err) {
        outputs.push(`error: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  } finally {
    world.stop();
  }
  return { directives, outputs };
}
