// Runs hostile input against real bin/raft processes: a one-node or a
// three-node cluster wired by a small router (server-to-server messages are
// passed on unchanged; everything addressed to a client comes back here).
// Fuzz lines are written raw into the nodes' stdin; interleaved with them,
// well-formed writes and list appends to keys the fuzz never touches are
// acknowledged, and at the end every acknowledged value must read back
// unchanged. Used by test/fuzz/fuzz.test.ts and `npm run fuzz`.

import fc from 'fast-check';
import { ProcessCluster } from '../support/process-cluster.js';
import { envelopeOf } from '../../src/maelstrom/codec.js';
import { ACK_PREFIX, fuzzLines, type FuzzLine } from './lines.js';

export interface FuzzRunOptions {
  readonly bin: string;
  readonly nodeCount: number;
  readonly lines: number;
  readonly seed: number;
  /** One acknowledged write (or append) every this many fuzz lines. */
  readonly ackEvery?: number;
  readonly noWrites?: boolean;
  readonly env?: Record<string, string>;
  /** Called every `progressEvery` lines with a report so far. */
  readonly onProgress?: (r: FuzzReport) => void;
  readonly progressEvery?: number;
}

export interface FuzzReport {
  lines: number;
  seconds: number;
  linesPerSecond: number;
  /** Answers to fuzz lines by error code, or by type for non-errors. */
  replies: Record<string, number>;
  /** Lines that required 10 or 12 and got something else (or nothing). */
  wrongAnswers: { line: string; expected: number; got: unknown }[];
  /** Lines that required 10 or 12 and got no answer at all. */
  unanswered: number;
  /** Well-formed client requests that got no answer (allowed: fate unknown). */
  unansweredWellFormed: number;
  /** Lines on stdout that are not valid Maelstrom messages. */
  badOutput: string[];
  /** Nodes that exited. */
  exited: string[];
  acked: number;
  /** Acknowledged values that did not read back equal. */
  lost: { key: string; expected: unknown; got: unknown }[];
  peakRssMb: number;
  rssSamplesMb: number[];
  stderrErrors: string[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runFuzz(opts: FuzzRunOptions): Promise<FuzzReport> {
  const badOutput: string[] = [];
  const stderrErrors: string[] = [];
  const books = new Books();
  const beforeInit = new DestsBeforeInit();
  const c = new ProcessCluster({
    bin: opts.bin,
    nodeCount: opts.nodeCount,
    env: () => ({ RAFT_LOG: 'warn', RAFT_ELECTION_MS: '150-300', ...opts.env }),
    onBadOutput: (id, line) => {
      if (beforeInit.excuses(id, line)) return;
      if (badOutput.length < 20) badOutput.push(`${id}: ${line.slice(0, 200)}`);
    },
    onStderr: (id, line) => {
      if (/ error |internal error|TypeError|RangeError|Maximum call stack|FATAL/.test(line) && stderrErrors.length < 20) stderrErrors.push(`${id}: ${line.slice(0, 300)}`);
    },
    // An error to a member answers a malformed line sent in that member's name.
    onServerMessage: (m) => {
      if (m.body.type === 'error' && typeof m.body.in_reply_to === 'number') books.answer(`${m.dest} ${m.body.in_reply_to}`, m.body);
    },
    onClientAnswer: (m) => {
      if (typeof m.body.in_reply_to === 'number') books.answer(`${m.dest} ${m.body.in_reply_to}`, m.body);
    },
  });
  const started = Date.now();
  const settle = (node: string, body: Record<string, unknown>) => c.settle(node, 'cack', body);
  const arb = fuzzLines({ nodes: c.ids, noWrites: opts.noWrites });
  try {
    // Hostile lines before init, too: a node must answer them without an id of its own.
    // (Well-formed Raft messages are dropped then: the node cannot yet tell members from others.)
    for (const l of fc.sample(arb, { numRuns: 300, seed: opts.seed - 1 })) {
      books.expect(l.raft ? { ...l, expect: null } : l);
      const target = l.dest !== undefined && c.procs.has(l.dest) ? l.dest : c.ids[0]!;
      beforeInit.sent(target, l.text);
      c.queue(target, l.text);
    }
    await c.flush();
    await c.initAll();
    beforeInit.initialised = true;
    // Wait for a leader: a write that succeeds.
    const first = await settle('n0', { type: 'write', key: `${ACK_PREFIX}warmup`, value: 0 });
    if (first?.type !== 'write_ok') throw new Error(`cluster did not elect a leader: ${JSON.stringify(first)}`);

    const acked = new Map<string, unknown>();
    const ackLists = new Map<string, unknown[]>();
    const ackEvery = opts.ackEvery ?? Math.max(100, Math.round(opts.lines / 1000));
    const rss: number[] = [];
    const chunk = 2000;
    let sent = 0;
    const report = (lost: FuzzReport['lost'] = []): FuzzReport => books.report(c, badOutput, stderrErrors, started, sent, acked.size + [...ackLists.values()].reduce((n, l) => n + l.length, 0), rss, lost);
    for (let base = 0; sent < opts.lines; base++) {
      const batch = fc.sample(arb, { numRuns: Math.min(chunk, opts.lines - sent), seed: opts.seed + base });
      for (const l of batch) {
        const target = l.dest !== undefined && c.procs.has(l.dest) ? l.dest : c.ids[sent % c.ids.length]!;
        books.expect(l);
        c.queue(target, l.text);
        if (c.bytesQueued > 256 * 1024) await c.flush();
        sent++;
        if (sent % ackEvery === 0 && !opts.noWrites) {
          await c.flush();
          // An acknowledged write of a value that could be mutated in place if shared, then an append to a list.
          const k = `${ACK_PREFIX}${sent}`;
          const v = { at: sent, list: [sent, [sent]] };
          const r = await settle(c.ids[(sent / ackEvery) % c.ids.length]!, { type: 'write', key: k, value: v });
          if (r?.type === 'write_ok') acked.set(k, v);
          const lk = `${ACK_PREFIX}list${sent % 7}`;
          const a = await settle('n0', { type: 'txn', txn: [['append', lk, sent]] });
          if (a?.type === 'txn_ok') ackLists.set(lk, [...(ackLists.get(lk) ?? []), sent]);
        }
        if (sent % 5000 === 0) {
          await c.flush();
          rss.push(Math.round(c.sampleRss()));
          // Let replies drain so the books stay small.
          await sleep(1);
        }
        if (opts.onProgress && opts.progressEvery && sent % opts.progressEvery === 0) opts.onProgress(report());
      }
    }
    await c.flush();
    await sleep(1500);
    rss.push(Math.round(c.sampleRss()));
    // Read every acknowledged value back, through every node.
    const lost: FuzzReport['lost'] = [];
    let i = 0;
    for (const [k, v] of acked) {
      const r = await settle(c.ids[i++ % c.ids.length]!, { type: 'read', key: k });
      if (r?.type !== 'read_ok' || JSON.stringify(r.value) !== JSON.stringify(v)) lost.push({ key: k, expected: v, got: r });
    }
    for (const [k, list] of ackLists) {
      const r = await settle(c.ids[i++ % c.ids.length]!, { type: 'txn', txn: [['r', k, null]] });
      const got = (r?.txn as unknown[][] | undefined)?.[0]?.[2];
      // Appends whose answer was lost may have happened too: every acknowledged one must be there, in order.
      const gotList = Array.isArray(got) ? (got as unknown[]) : [];
      const positions = list.map((x) => gotList.indexOf(x));
      const inOrder = positions.every((p, j) => p >= 0 && (j === 0 || p > positions[j - 1]!));
      if (!inOrder) lost.push({ key: k, expected: list, got });
    }
    return report(lost);
  } finally {
    c.stop();
  }
}

/**
 * Before init a node has no id: it answers as the message's dest (Maelstrom
 * only delivers a node the messages addressed to it). A fuzz line whose dest
 * was mutated gets an answer from that dest, which is right then and only
 * then: until the nodes are initialised, and only from a dest this process
 * was sent. Any other src that is not the process's id is bad output.
 */
export class DestsBeforeInit {
  initialised = false;
  private readonly dests = new Map<string, Set<string>>();

  /** A line sent to `target` before init: the dests the node may read in it (JSON.parse's, and on broken JSON the scan's, src/maelstrom/codec.ts envelopeOf). */
  sent(target: string, text: string): void {
    let set = this.dests.get(target);
    if (set === undefined) this.dests.set(target, (set = new Set()));
    try {
      const m = JSON.parse(text) as { dest?: unknown } | null;
      if (typeof m === 'object' && m !== null && typeof m.dest === 'string') set.add(m.dest);
    } catch {
      // broken JSON: the scan below only
    }
    const scanned = envelopeOf(text).dest;
    if (scanned !== undefined) set.add(scanned);
  }

  /** Whether an output line of process `id` is such an answer: a well-formed message whose src is the one thing amiss. */
  excuses(id: string, line: string): boolean {
    if (this.initialised) return false;
    try {
      const m = JSON.parse(line) as { src?: unknown; dest?: unknown; body?: { type?: unknown } | null } | null;
      if (typeof m !== 'object' || m === null || typeof m.dest !== 'string' || typeof m.body !== 'object' || m.body === null || typeof m.body.type !== 'string') return false;
      return typeof m.src === 'string' && (this.dests.get(id)?.has(m.src) ?? false);
    } catch {
      return false;
    }
  }
}

/**
 * What each fuzz line asked for, settled as answers arrive. Lines that name a
 * sender and msg_id only by accident (mutated ones) are booked too, as
 * requiring nothing, so that an answer to one is never taken for the answer to
 * another line that happens to share the pair; booked lines that are never
 * answered are forgotten after a while, so the books do not grow with the run.
 */
class Books {
  private readonly open = new Map<string, { expect: 10 | 12 | 'any' | null; head: string; at: number }>();
  private booked = 0;
  readonly replies: Record<string, number> = {};
  readonly wrongAnswers: FuzzReport['wrongAnswers'] = [];
  /** Lines that required 10 or 12 and were still unanswered when forgotten. */
  forgottenUnanswered = 0;

  expect(l: FuzzLine): void {
    let key: string | undefined;
    if (l.src !== undefined && l.msgId !== undefined) key = `${l.src} ${l.msgId}`;
    else {
      const env = envelopeOf(l.text);
      if (env.src !== undefined && env.msgId !== undefined) key = `${env.src} ${env.msgId}`;
    }
    if (key === undefined) return;
    this.booked++;
    // Two lines with the same sender and msg_id: their answers cannot be told
    // apart, so neither is required to get a particular one.
    this.open.set(key, this.open.has(key) ? { expect: null, head: '', at: this.booked } : { expect: l.expect, head: l.text.slice(0, 200), at: this.booked });
    if (this.booked % 10_000 === 0) this.forget(this.booked - 50_000);
  }

  private forget(before: number): void {
    for (const [k, l] of this.open) {
      if (l.at >= before) break;
      this.open.delete(k);
      if (l.expect === 10 || l.expect === 12) {
        this.forgottenUnanswered++;
        if (this.wrongAnswers.length < 10) this.wrongAnswers.push({ line: l.head, expected: l.expect, got: undefined });
      }
    }
  }

  answer(k: string, a: Record<string, unknown>): void {
    const l = this.open.get(k);
    if (!l) return;
    this.open.delete(k);
    if (l.expect === null) return;
    const label = a.type === 'error' ? `error ${String(a.code)}` : String(a.type);
    this.replies[label] = (this.replies[label] ?? 0) + 1;
    if (l.expect !== 'any' && (a.type !== 'error' || a.code !== l.expect) && this.wrongAnswers.length < 10) {
      this.wrongAnswers.push({ line: l.head, expected: l.expect, got: a });
    }
  }

  report(c: ProcessCluster, badOutput: string[], stderrErrors: string[], started: number, sent: number, acked: number, rss: number[], lost: FuzzReport['lost']): FuzzReport {
    let unanswered = this.forgottenUnanswered;
    let unansweredWellFormed = 0;
    const wrongAnswers = [...this.wrongAnswers];
    for (const l of this.open.values()) {
      if (l.expect === null) continue;
      if (l.expect === 'any') unansweredWellFormed++;
      else {
        unanswered++;
        if (wrongAnswers.length < 10) wrongAnswers.push({ line: l.head, expected: l.expect, got: undefined });
      }
    }
    const seconds = (Date.now() - started) / 1000;
    return {
      lines: sent,
      seconds,
      linesPerSecond: Math.round(sent / seconds),
      replies: { ...this.replies },
      wrongAnswers,
      unanswered,
      unansweredWellFormed,
      badOutput,
      exited: c.exited,
      acked,
      lost,
      peakRssMb: Math.round(c.peakRssMb),
      rssSamplesMb: rss,
      stderrErrors,
    };
  }
}
