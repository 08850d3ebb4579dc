// Real node processes (bin/raft, or any Maelstrom binary) behind a small
// router: server-to-server messages are passed on unless the link is cut;
// everything addressed to a client comes back to the test. Nodes can be
// killed (SIGKILL) and restarted with the same id and environment (and so the
// same RAFT_DATA_DIR), then told init again, as Maelstrom would a new process.
// Used by the restart tests and the fuzz harness.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { linksBetween } from '../../src/sim/network.js';

export type Body = Record<string, unknown>;

export interface ProcessClusterOptions {
  readonly bin: string;
  readonly nodeCount: number;
  /** Environment of node `id` (on top of the test's own). */
  readonly env?: (id: string) => Record<string, string>;
  /** Called with every line a node writes to stdout that is not a valid message from it. */
  readonly onBadOutput?: (id: string, line: string) => void;
  /** Called with every stderr line. */
  readonly onStderr?: (id: string, line: string) => void;
  /** Called with every message a node sends to another node (before it is routed). */
  readonly onServerMessage?: (m: { src: string; dest: string; body: Body }) => void;
  /** Called with every answer to a client that no `call` is waiting for. */
  readonly onClientAnswer?: (m: { src: string; dest: string; body: Body }) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ProcessCluster {
  readonly ids: string[];
  readonly procs = new Map<string, ChildProcessWithoutNullStreams>();
  readonly exited: string[] = [];
  private blocked = new Set<string>();
  private readonly waiters = new Map<string, (b: Body) => void>();
  private readonly killed = new Set<ChildProcessWithoutNullStreams>();
  private nextId = 1_000_000;
  peakRssMb = 0;

  constructor(private readonly opts: ProcessClusterOptions) {
    this.ids = Array.from({ length: opts.nodeCount }, (_, i) => `n${i}`);
    for (const id of this.ids) this.spawn(id);
  }

  private spawn(id: string): void {
    const p = spawn(this.opts.bin, [], { env: { ...process.env, ...this.opts.env?.(id) } });
    this.procs.set(id, p);
    p.stdin.on('error', () => {});
    p.stdin.setMaxListeners(0);
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
        this.opts.onStderr?.(id, errBuf.slice(0, i));
        errBuf = errBuf.slice(i + 1);
      }
    });
    p.on('exit', (code, signal) => {
      if (!this.killed.has(p)) this.exited.push(`${id} (code ${code}, signal ${signal})`);
    });
  }

  private output(from: string, line: string): void {
    let m: { src?: unknown; dest?: unknown; body?: Body };
    try {
      m = JSON.parse(line);
    } catch {
      this.opts.onBadOutput?.(from, line);
      return;
    }
    if (typeof m !== 'object' || m === null || m.src !== from || typeof m.dest !== 'string' || typeof m.body !== 'object' || m.body === null || typeof m.body.type !== 'string') {
      this.opts.onBadOutput?.(from, line);
      return;
    }
    const msg = m as { src: string; dest: string; body: Body };
    // An answer to a request a test sent in some sender's name (a peer's, even) goes to the test.
    const waiting = this.waiters.get(`${msg.dest} ${String(msg.body.in_reply_to)}`);
    if (waiting) {
      this.waiters.delete(`${msg.dest} ${String(msg.body.in_reply_to)}`);
      waiting(msg.body);
      return;
    }
    if (this.procs.has(msg.dest)) {
      this.opts.onServerMessage?.(msg);
      if (!this.blocked.has(`${msg.src}>${msg.dest}`)) this.write(msg.dest, line);
      return;
    }
    this.opts.onClientAnswer?.(msg);
  }

  private readonly queued = new Map<string, string[]>();
  private queuedBytes = 0;

  /** Queues a raw line for a node; `flush` writes the queue (one write per node). */
  queue(id: string, line: string): void {
    let q = this.queued.get(id);
    if (!q) this.queued.set(id, (q = []));
    q.push(line);
    this.queuedBytes += line.length + 1;
  }

  get bytesQueued(): number {
    return this.queuedBytes;
  }

  async flush(): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const [id, lines] of this.queued) {
      if (lines.length === 0) continue;
      const w = this.write(id, lines.join('\n'));
      if (w) waits.push(w);
      lines.length = 0;
    }
    this.queuedBytes = 0;
    await Promise.all(waits);
  }

  /** Writes a raw line to a node's stdin; resolves once the pipe has room again. */
  write(id: string, line: string): Promise<void> | undefined {
    const p = this.procs.get(id)!;
    if (p.exitCode !== null || p.signalCode !== null || p.stdin.destroyed) return undefined;
    if (p.stdin.write(`${line}\n`)) return undefined;
    return new Promise((r) => p.stdin.once('drain', () => r()));
  }

  /** Sends a request as client `src` to `node`; the answer, or undefined after `timeoutMs`. */
  async call(node: string, src: string, body: Body, timeoutMs = 2000): Promise<Body | undefined> {
    const msgId = (body.msg_id as number | undefined) ?? ++this.nextId;
    const k = `${src} ${msgId}`;
    const got = new Promise<Body | undefined>((resolve) => {
      this.waiters.set(k, resolve);
      setTimeout(() => {
        if (this.waiters.delete(k)) resolve(undefined);
      }, timeoutMs);
    });
    await this.write(node, JSON.stringify({ src, dest: node, body: { ...body, msg_id: msgId } }));
    return got;
  }

  /** Retries while the answer is 11 (no leader yet) or lost; the last answer, or undefined. */
  async settle(node: string, src: string, body: Body, attempts = 40): Promise<Body | undefined> {
    let last: Body | undefined;
    for (let i = 0; i < attempts; i++) {
      last = await this.call(node, src, body);
      if (last && last.code !== 11) return last;
      await sleep(100);
    }
    return last;
  }

  async init(id: string): Promise<Body | undefined> {
    return this.call(id, 'c-init', { type: 'init', node_id: id, node_ids: this.ids }, 10_000);
  }

  async initAll(): Promise<void> {
    for (const id of this.ids) {
      const r = await this.init(id);
      if (r?.type !== 'init_ok') throw new Error(`${id} did not answer init: ${JSON.stringify(r)}`);
    }
  }

  /** Cuts every link between the groups, both ways (messages in the router's hands are dropped). */
  partition(...groups: string[][]): void {
    this.blocked = linksBetween(groups);
  }

  heal(): void {
    this.blocked = new Set();
  }

  /** SIGKILL: the process dies at once, whatever it was doing. */
  async kill(id: string): Promise<void> {
    const p = this.procs.get(id)!;
    this.killed.add(p);
    if (p.exitCode === null && p.signalCode === null) {
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await gone;
    }
  }

  /** Starts `id` again (same environment, so the same data directory) and tells it init. */
  async restart(id: string): Promise<Body | undefined> {
    this.spawn(id);
    return this.init(id);
  }

  /** Starts `id` again without telling it init. */
  respawn(id: string): void {
    this.spawn(id);
  }

  /** The largest resident set of the node processes now, in MB. */
  sampleRss(): number {
    let top = 0;
    for (const p of this.procs.values()) {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'));
        if (m) top = Math.max(top, Number(m[1]) / 1024);
      } catch {
        /* exited */
      }
    }
    if (top > this.peakRssMb) this.peakRssMb = top;
    return top;
  }

  stop(): void {
    for (const p of this.procs.values()) {
      this.killed.add(p);
      p.kill('SIGKILL');
    }
  }
}
