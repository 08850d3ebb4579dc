// Crash-restart safety of the real bin/raft with RAFT_DATA_DIR, the repro
// cases of the durable-state issue: processes killed with SIGKILL (no chance
// to flush anything) and started again from their data directory.
import { existsSync, mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessCluster, type Body } from '../support/process-cluster.js';

const BIN = fileURLToPath(new URL('../../bin/raft', import.meta.url));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let dirs: string[] = [];
let clusters: ProcessCluster[] = [];
afterEach(() => {
  for (const c of clusters) c.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
  clusters = [];
});

function cluster(nodeCount: number, opts: { durable?: boolean; electionMs?: string; snapshotEntries?: number } = {}): ProcessCluster {
  const dir = mkdtempSync(join(tmpdir(), 'raftchart-restart-'));
  dirs.push(dir);
  const c = new ProcessCluster({
    bin: BIN,
    nodeCount,
    env: (id) => ({
      RAFT_LOG: 'warn',
      RAFT_ELECTION_MS: opts.electionMs ?? '150-300',
      ...(opts.durable === false ? {} : { RAFT_DATA_DIR: join(dir, id) }),
      ...(opts.snapshotEntries ? { RAFT_SNAPSHOT_ENTRIES: String(opts.snapshotEntries) } : {}),
    }),
  });
  clusters.push(c);
  return c;
}

const rv = (candidate: string, term: number) => ({ type: 'request_vote', term, candidate_id: candidate, last_log_index: 0, last_log_term: 0 });

/** The one node every other node follows, once a write through it succeeds. */
async function writeVia(c: ProcessCluster, node: string, key: string, value: number): Promise<Body | undefined> {
  return c.settle(node, 'c1', { type: 'write', key, value });
}

describe('bin/raft with RAFT_DATA_DIR, killed with SIGKILL and restarted', () => {
  it('never votes twice in a term: a vote survives the crash', { timeout: 30_000 }, async () => {
    // Long election timeouts: the node under test must not start elections of its own.
    const c = cluster(3, { electionMs: '20000-30000' });
    await c.init('n0');
    const first = await c.call('n0', 'n1', rv('n1', 1));
    expect(first).toMatchObject({ type: 'request_vote_res', term: 1, vote_granted: true });
    await c.kill('n0');
    expect(await c.restart('n0')).toMatchObject({ type: 'init_ok' });
    const second = await c.call('n0', 'n2', rv('n2', 1));
    expect(second).toMatchObject({ type: 'request_vote_res', term: 1, vote_granted: false });
    // The same candidate may ask again (its request was perhaps lost): same answer as before.
    expect(await c.call('n0', 'n1', rv('n1', 1))).toMatchObject({ vote_granted: true });
  });

  it('without a data directory, the same node does vote twice (the known-bad case)', { timeout: 30_000 }, async () => {
    const c = cluster(3, { durable: false, electionMs: '20000-30000' });
    await c.init('n0');
    expect(await c.call('n0', 'n1', rv('n1', 1))).toMatchObject({ vote_granted: true });
    await c.kill('n0');
    await c.restart('n0');
    expect(await c.call('n0', 'n2', rv('n2', 1))).toMatchObject({ vote_granted: true });
  });

  /**
   * The schedule: n2 cut off; `writes` writes acknowledged by n0 and
   * n1; n1 killed and restarted; then n0 cut off and n2 reconnected, so n1
   * and n2 must elect a leader. Returns what that leader's side reads.
   */
  async function restartMajorityMember(c: ProcessCluster, writes: number): Promise<(Body | undefined)[]> {
    await c.initAll();
    c.partition(['n2'], ['n0', 'n1']);
    let via = 'n0';
    for (let i = 0; i < writes; i++) {
      let r = await writeVia(c, via, `k${i}`, i);
      if (r?.type !== 'write_ok') r = await writeVia(c, (via = via === 'n0' ? 'n1' : 'n0'), `k${i}`, i);
      expect(r).toMatchObject({ type: 'write_ok' });
    }
    await c.kill('n1');
    await c.restart('n1');
    c.partition(['n0'], ['n1', 'n2']);
    const reads = [];
    for (let i = 0; i < writes; i++) reads.push(await c.settle(i % 2 === 0 ? 'n1' : 'n2', 'c2', { type: 'read', key: `k${i}` }));
    return reads;
  }

  it('keeps acknowledged writes when a majority member restarts and the old majority is cut off', { timeout: 60_000 }, async () => {
    const reads = await restartMajorityMember(cluster(3), 20);
    reads.forEach((r, i) => expect(r).toMatchObject({ type: 'read_ok', value: i }));
  });

  it('without a data directory the same schedule loses acknowledged writes (the known-bad case)', { timeout: 60_000 }, async () => {
    const reads = await restartMajorityMember(cluster(3, { durable: false }), 5);
    // n1 and n2 elected a leader that never saw the writes.
    expect(reads.filter((r) => r?.code === 20).length).toBeGreaterThan(0);
  });

  it('a single node killed right after acknowledging writes returns them after restart', { timeout: 60_000 }, async () => {
    const c = cluster(1);
    await c.initAll();
    for (let round = 0; round < 5; round++) {
      const r = await writeVia(c, 'n0', `k${round}`, round);
      expect(r).toMatchObject({ type: 'write_ok' });
      // No pause: the kill follows the acknowledgement at once.
      await c.kill('n0');
      await c.restart('n0');
      for (let j = 0; j <= round; j++) expect(await c.settle('n0', 'c2', { type: 'read', key: `k${j}` })).toMatchObject({ type: 'read_ok', value: j });
    }
  });

  it('restarts from a snapshot and the log after it', { timeout: 60_000 }, async () => {
    const c = cluster(3, { snapshotEntries: 5 });
    await c.initAll();
    for (let i = 0; i < 23; i++) expect(await writeVia(c, 'n0', `k${i % 4}`, i)).toMatchObject({ type: 'write_ok' });
    for (const id of c.ids) await c.kill(id);
    for (const id of c.ids) expect(existsSync(join(dirs[0]!, id, 'snapshot.bin'))).toBe(true);
    for (const id of c.ids) await c.restart(id);
    for (let k = 0; k < 4; k++) {
      const last = [20, 21, 22, 19][k]!;
      expect(await c.settle(c.ids[k % 3]!, 'c2', { type: 'read', key: `k${k}` })).toMatchObject({ type: 'read_ok', value: last });
    }
  });

  it('refuses to start from a damaged data directory, and from another node\'s', { timeout: 30_000 }, async () => {
    const c = cluster(1);
    await c.initAll();
    expect(await writeVia(c, 'n0', 'a', 1)).toMatchObject({ type: 'write_ok' });
    expect(await writeVia(c, 'n0', 'b', 2)).toMatchObject({ type: 'write_ok' });
    await c.kill('n0');
    // Another node's identity on this directory: refused, and the process exits.
    c.respawn('n0');
    const wrong = await c.call('n0', 'c-init', { type: 'init', node_id: 'n9', node_ids: ['n9', 'n0'] }, 10_000);
    expect(wrong).toMatchObject({ type: 'error', code: 13 });
    expect(String(wrong?.text)).toMatch(/belongs to n0/);
    await sleep(300);
    expect(c.procs.get('n0')!.exitCode).toBe(1);
    const wal = join(dirs[0]!, 'n0', 'raft.wal');
    const bytes = readFileSync(wal);
    bytes[12] = bytes[12]! ^ 0x20; // damage an early record, not the tail
    writeFileSync(wal, bytes);
    const answer = await c.restart('n0');
    expect(answer).toMatchObject({ type: 'error', code: 13 });
    expect(String(answer?.text)).toMatch(/durable storage: .*checksum/);
    await sleep(300);
    expect(c.procs.get('n0')!.exitCode).toBe(1);
  });
});
