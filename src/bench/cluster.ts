// The node processes of a run and what can happen to them: start, init,
// kill (SIGKILL), pause (SIGSTOP), resume (SIGCONT), restart. A node started
// again after a kill keeps its id, its data directory and its log file, and
// is sent `init` again, like the first time.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RpcClient } from './client.js';
import type { Network } from './net.js';

/** Maelstrom gives a node 10 s to answer init. */
export const INIT_TIMEOUT_MS = 10_000;

export interface ClusterOptions {
  bin: string;
  args: string[];
  runDir: string;
  /** Give each node RAFT_DATA_DIR=<run dir>/data/<node id>. */
  dataDirs: boolean;
  logStderr: boolean;
  nodes: readonly string[];
  /** A fresh client id for each init (c0, c1, ...). */
  newClientId: () => string;
}

export type NodeState = 'running' | 'paused' | 'down';

export class Cluster {
  /** Nodes the nemesis killed and has not restarted yet. */
  private readonly killed = new Set<string>();

  constructor(
    readonly net: Network,
    private readonly opts: ClusterOptions,
  ) {
    if (opts.dataDirs) for (const id of opts.nodes) mkdirSync(this.dataDir(id), { recursive: true });
  }

  dataDir(id: string): string {
    return join(this.opts.runDir, 'data', id);
  }

  /** Our environment without any RAFT_DATA_DIR of our own, plus the node's when data dirs are on. */
  env(id: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.RAFT_DATA_DIR;
    if (this.opts.dataDirs) env.RAFT_DATA_DIR = this.dataDir(id);
    return env;
  }

  start(id: string, logHeader?: string): void {
    this.net.spawnNode(id, {
      bin: this.opts.bin,
      args: this.opts.args,
      logPath: join(this.opts.runDir, 'node-logs', `${id}.log`),
      logStderr: this.opts.logStderr,
      env: this.env(id),
      ...(logHeader ? { logHeader } : {}),
    });
  }

  /**
   * Sends init through a fresh client; true once init_ok came back. With
   * `exclusive` (a restart) nothing else reaches the node until then.
   */
  async init(id: string, exclusive = false): Promise<boolean> {
    const node = this.net.nodes.get(id);
    if (!node) return false;
    const c = new RpcClient(this.opts.newClientId(), this.net);
    if (exclusive) node.onlyFrom = c.id;
    try {
      return await this.sendInit(id, c);
    } finally {
      node.onlyFrom = null;
    }
  }

  private async sendInit(id: string, c: RpcClient): Promise<boolean> {
    const node = this.net.nodes.get(id)!;
    const res = await Promise.race([
      c.call(id, { type: 'init', node_id: id, node_ids: [...this.opts.nodes] }, INIT_TIMEOUT_MS),
      node.ended.then(() => ({ kind: 'ended' as const })),
    ]);
    if (res.kind === 'ended') {
      c.cancel();
      return false;
    }
    if (res.kind === 'timeout') {
      this.net.problem(id, 'init-timeout', `no init_ok within ${INIT_TIMEOUT_MS / 1000} s`);
      return false;
    }
    if (res.body.type === 'error') {
      // E.g. a node that will not start from a damaged data directory.
      this.net.problem(id, 'init-error', `answered init with error ${JSON.stringify(res.body.code)}${typeof res.body.text === 'string' ? `: ${res.body.text.slice(0, 300)}` : ''}`);
      return false;
    }
    if (res.body.type !== 'init_ok') {
      this.net.problem(id, 'bad-message', `expected init_ok, got ${JSON.stringify(res.body).slice(0, 200)}`);
      return false;
    }
    return true;
  }

  state(id: string): NodeState {
    const n = this.net.nodes.get(id);
    if (!n || n.exited) return 'down';
    return n.paused ? 'paused' : 'running';
  }

  /** SIGKILLs a running or paused node; false if it was already down. */
  async kill(id: string): Promise<boolean> {
    const n = this.net.nodes.get(id);
    if (!n || n.exited) return false;
    this.killed.add(id);
    await n.kill();
    return true;
  }

  pause(id: string): boolean {
    const n = this.net.nodes.get(id);
    return n !== undefined && n.pause();
  }

  resume(id: string): boolean {
    const n = this.net.nodes.get(id);
    return n !== undefined && n.resume();
  }

  /** Nodes the nemesis killed and has not restarted yet. */
  killedNodes(): string[] {
    return this.opts.nodes.filter((id) => this.killed.has(id));
  }

  /** Starts a node the nemesis killed, with the same id and data directory, and inits it. */
  async restart(id: string, atSeconds: number): Promise<boolean> {
    if (!this.killed.has(id)) return false;
    this.killed.delete(id);
    this.start(id, `--- raftchart: ${id} restarted by the nemesis at ${atSeconds.toFixed(3)} s (history time) ---`);
    return this.init(id, true);
  }
}
