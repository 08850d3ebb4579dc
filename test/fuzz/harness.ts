// Runs hostile input against real bin/raft processes: a one-node or a
// three-node cluster wired by a small router (server-to-server messages are
// passed on unchanged; everything addressed to a client comes back here).
// Fuzz lines are written raw into the nodes' stdin; interleaved with them,
// well-formed writes and list appends to keys the fuzz never touches are
// acknowledged, and at the end every acknowledged value must read back
// unchanged. Used by test/fuzz/fuzz.test.ts and `npm run fuzz`.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
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

interface Waiter {
  resolve: (body: Record<string, unknown>) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

class Cluster {
  readonly ids: string[];
  readonly procs = new Map<string, ChildProcessWithoutNullStreams>();
  readonly badOutput: string[] = [];
  readonly exited: string[] = [];
  readonly stderrErrors: string[] = [];
  /** Called with every answer to a client nobody is waiting for, keyed `${dest} ${in_reply_to}`. */
  onAnswer: (key: string, body: Record<string, unknown>) => void = () => {};
  private readonly waiters = new Map<string, Waiter>();
  peakRss = 0;

  constructor(bin: string, n: number, env: Record<string, string>) {
    this.ids = Array.from({ length: n }, (_, i) => `n${i}`);
    for (const id of this.ids) {
      const p = spawn(bin, [], { env: { ...process.env, RAFT_LOG: 'warn', ...env } });
      this.procs.set(id, p);
      let buf = '';
      p.stdout.on('data', (d: Buffer) => {
        buf += d.toString('utf8');
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          this.output(id, buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
      let errBuf = '';
      p.stderr.on('data', (d: Buffer) => {
        errBuf += d.toString('utf8');
        let i;
        while ((i = errBuf.indexOf('\n')) >= 0) {
          const line = errBuf.slice(0, i);
          errBuf = errBuf.slice(i + 1);
          if (/ error |internal error|TypeError|RangeError|Maximum call stack|FATAL/.test(line) && this.stderrErrors.length < 20) {
            this.stderrErrors.push(`${id}: ${line.slice(0, 300)}`);
          }
        }
      });
      p.stdin.on('error', () => {});
      p.stdin.setMaxListeners(0);
      p.on('exit', (code, signal) => this.exited.push(`${id} (code ${code}, signal ${signal})`));
    }
  }

  private output(from: string, line: string): void {
    let m: { src?: unknown; dest?: unknown; body?: { type?: unknown; in_reply_to?: unknown } };
    try {
      m = JSON.parse(line);
    } catch {
      if (this.badOutput.length < 20) this.badOutput.push(`${from}: ${line.slice(0, 200)}`);
      return;
    }
    if (typeof m !== 'object' || m === null || m.src !== from || typeof m.dest !== 'string' || typeof m.body !== 'object' || m.body === null || typeof m.body.type !== 'string') {
      if (this.badOutput.length < 20) this.badOutput.push(`${from}: ${line.slice(0, 200)}`);
      return;
    }
    if (this.procs.has(m.dest)) {
      // An error to a member answers a malformed line sent in that member's name.
      if (m.body.type === 'error' && typeof m.body.in_reply_to === 'number') this.onAnswer(`${m.dest} ${m.body.in_reply_to}`, m.body as Record<string, unknown>);
      this.write(m.dest, line);
      return;
    }
    if (typeof m.body.in_reply_to === 'number') {
      const k = `${m.dest} ${m.body.in_reply_to}`;
      const w = this.waiters.get(k);
      if (w) {
        this.waiters.delete(k);
        w.resolve(m.body as Record<string, unknown>);
      } else {
        this.onAnswer(k, m.body as Record<string, unknown>);
      }
    }
  }

  private readonly pending = new Map<string, string[]>();
  private pendingBytes = 0;

  /** Queues a line for a node; written in batches by `flush` (one write per node, not per line). */
  queue(id: string, line: string): void {
    let q = this.pending.get(id);
    if (!q) this.pending.set(id, (q = []));
    q.push(line);
    this.pendingBytes += line.length + 1;
  }

  get queuedBytes(): number {
    return this.pendingBytes;
  }

  /** Writes every queued line; resolves once every pipe has room again. */
  async flush(): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const [id, lines] of this.pending) {
      if (lines.length === 0) continue;
      const w = this.write(id, lines.join('\n'));
      if (w) waits.push(w);
      lines.length = 0;
    }
    this.pendingBytes = 0;
    await Promise.all(waits);
  }

  /** Writes a line to a node; resolves once the pipe has room again. */
  write(id: string, line: string): Promise<void> | undefined {
    const p = this.procs.get(id)!;
    if (p.exitCode !== null || p.stdin.destroyed) return undefined;
    if (p.stdin.write(`${line}\n`)) return undefined;
    return new Promise((r) => p.stdin.once('drain', () => r()));
  }

  /** Sends a client request and waits for its answer (or undefined after timeoutMs). */
  async call(node: string, src: string, body: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown> | undefined> {
    const k = `${src} ${body.msg_id as number}`;
    const got = new Promise<Record<string, unknown> | undefined>((resolve) => {
      this.waiters.set(k, { resolve });
      setTimeout(() => {
        if (this.waiters.delete(k)) resolve(undefined);
      }, timeoutMs);
    });
    await this.write(node, JSON.stringify({ src, dest: node, body }));
    return got;
  }

  sampleRss(): number {
    let total = 0;
    for (const p of this.procs.values()) {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'));
        if (m) total = Math.max(total, Number(m[1]) / 1024);
      } catch {
        /* exited */
      }
    }
    if (total > this.peakRss) this.peakRss = total;
    return total;
  }

  stop(): void {
    for (const p of this.procs.values()) p.kill('SIGKILL');
  }
}

/** Retries a call while the cluster has no leader (error 11) or the answer is lost (fate unknown). */
async function settle(c: Cluster, node: string, src: string, nextId: () => number, body: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const r = await c.call(node, src, { ...body, msg_id: nextId() }, 2000);
    if (r && r.code !== 11) return r;
    await sleep(100);
  }
  return undefined;
}

export async function runFuzz(opts: FuzzRunOptions): Promise<FuzzReport> {
  const c = new Cluster(opts.bin, opts.nodeCount, { RAFT_ELECTION_MS: '150-300', ...opts.env });
  const started = Date.now();
  let id = 0;
  const nextId = () => ++id;
  const arb = fuzzLines({ nodes: c.ids, noWrites: opts.noWrites });
  const books = new Books();
  c.onAnswer = (k, b) => books.answer(k, b);
  try {
    // Hostile lines before init, too: a node must answer them without an id of its own.
    // (Well-formed Raft messages are dropped then: the node cannot yet tell members from others.)
    for (const l of fc.sample(arb, { numRuns: 300, seed: opts.seed - 1 })) {
      books.expect(l.raft ? { ...l, expect: null } : l);
      c.queue(l.dest !== undefined && c.procs.has(l.dest) ? l.dest : c.ids[0]!, l.text);
    }
    await c.flush();
    for (const n of c.ids) {
      await c.call(n, 'c-init', { type: 'init', msg_id: nextId(), node_id: n, node_ids: c.ids }, 5000);
    }
    // Wait for a leader: a write that succeeds.
    const first = await settle(c, 'n0', 'cack', nextId, { type: 'write', key: `${ACK_PREFIX}warmup`, value: 0 });
    if (first?.type !== 'write_ok') throw new Error(`cluster did not elect a leader: ${JSON.stringify(first)}`);

    const acked = new Map<string, unknown>();
    const ackLists = new Map<string, unknown[]>();
    const ackEvery = opts.ackEvery ?? Math.max(100, Math.round(opts.lines / 1000));
    const rss: number[] = [];
    const chunk = 2000;
    let sent = 0;
    const report = (lost: FuzzReport['lost'] = []): FuzzReport => books.report(c, started, sent, acked.size + [...ackLists.values()].reduce((n, l) => n + l.length, 0), rss, lost);
    for (let base = 0; sent < opts.lines; base++) {
      const batch = fc.sample(arb, { numRuns: Math.min(chunk, opts.lines - sent), seed: opts.seed + base });
      for (const l of batch) {
        const target = l.dest !== undefined && c.procs.has(l.dest) ? l.dest : c.ids[sent % c.ids.length]!;
        books.expect(l);
        c.queue(target, l.text);
        if (c.queuedBytes > 256 * 1024) await c.flush();
        sent++;
        if (sent % ackEvery === 0 && !opts.noWrites) {
          await c.flush();
          // An acknowledged write of a value that could be mutated in place if shared, then an append to a list.
          const k = `${ACK_PREFIX}${sent}`;
          const v = { at: sent, list: [sent, [sent]] };
          const r = await settle(c, c.ids[(sent / ackEvery) % c.ids.length]!, 'cack', nextId, { type: 'write', key: k, value: v });
          if (r?.type === 'write_ok') acked.set(k, v);
          const lk = `${ACK_PREFIX}list${sent % 7}`;
          const a = await settle(c, 'n0', 'cack', nextId, { type: 'txn', txn: [['append', lk, sent]] });
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
      const r = await settle(c, c.ids[i++ % c.ids.length]!, 'cack', nextId, { type: 'read', key: k });
      if (r?.type !== 'read_ok' || JSON.stringify(r.value) !== JSON.stringify(v)) lost.push({ key: k, expected: v, got: r });
    }
    for (const [k, list] of ackLists) {
      const r = await settle(c, c.ids[i++ % c.ids.length]!, 'cack', nextId, { type: 'txn', txn: [['r', k, null]] });
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

  report(c: Cluster, started: number, sent: number, acked: number, rss: number[], lost: FuzzReport['lost']): FuzzReport {
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
      badOutput: c.badOutput,
      exited: c.exited,
      acked,
      lost,
      peakRssMb: Math.round(c.peakRss),
      rssSamplesMb: rss,
      stderrErrors: c.stderrErrors,
    };
  }
}
