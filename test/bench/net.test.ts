// The network between real processes: latency lets messages overtake each
// other, partitions drop messages when they arrive, clients see no latency.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RpcClient } from '../../src/bench/client.js';
import { Network } from '../../src/bench/net.js';
import { completeGrudge } from '../../src/bench/nemesis.js';
import { Rng } from '../../src/core/random.js';

const flood = join(import.meta.dirname, '..', 'fixtures', 'flood-node.mjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function cluster(latency: number, dist: 'constant' | 'uniform') {
  const net = new Network({ latency, latencyDist: dist, rng: new Rng(5) });
  const ids = ['n0', 'n1', 'n2'];
  for (const id of ids) net.spawnNode(id, { bin: flood, args: [], logPath: null, logStderr: false });
  await Promise.all(
    ids.map(async (id, i) => {
      const r = await new RpcClient(`c${i}`, net).call(id, { type: 'init', node_id: id, node_ids: ids }, 10_000);
      expect(r.kind).toBe('reply');
    }),
  );
  return { net, ids };
}

describe('network', () => {
  it('with uniform latency, messages to one destination overtake each other; clients see none', async () => {
    const { net } = await cluster(20, 'uniform');
    try {
      const c = new RpcClient('cx', net);
      const r = await c.call('n0', { type: 'echo', echo: 'hi' }, 1000);
      expect(r.kind === 'reply' && r.body.echo).toBe('hi');
      // Client traffic has zero latency: due when sent (wall-clock time under load is no measure).
      const clientRecs = net.journal.filter((j) => j.src === 'cx' || j.dest === 'cx');
      expect(clientRecs.length).toBe(2);
      for (const j of clientRecs) expect(j.due).toBe(j.sent);
      await c.call('n0', { type: 'flood', window: 5 }, 1000);
      await sleep(400);
      const toN1 = net.journal.filter((j) => j.dest === 'n1' && j.src.startsWith('n') && j.delivered !== null);
      expect(toN1.length).toBeGreaterThan(20);
      let overtaken = 0;
      for (let i = 1; i < toN1.length; i++) if (toN1[i].delivered! < toN1[i - 1].delivered!) overtaken++;
      expect(overtaken).toBeGreaterThan(0);
      // Delays drawn uniformly in [0, 2 x 20 ms); never delivered before due.
      // (How late after due depends on the machine's load, so it is not asserted.)
      for (const j of toN1) {
        expect(j.due - j.sent).toBeGreaterThanOrEqual(0);
        expect(j.due - j.sent).toBeLessThan(40);
        expect(j.delivered!).toBeGreaterThanOrEqual(j.due);
      }
      const delays = toN1.map((j) => j.due - j.sent);
      expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(10); // spread out, not constant
    } finally {
      await net.close();
    }
  });

  it('partitions drop messages on arrival, including ones already in flight', async () => {
    const { net } = await cluster(50, 'constant');
    try {
      const c = new RpcClient('cx', net);
      for (const n of ['n0', 'n1', 'n2']) await c.call(n, { type: 'flood', window: 3 }, 1000);
      await sleep(120);
      // Messages now in flight n0 <-> n1 will arrive after the partition starts.
      net.setGrudge(completeGrudge([['n0'], ['n1', 'n2']]));
      const dropped0 = net.counters.dropped;
      await sleep(150);
      expect(net.counters.dropped).toBeGreaterThan(dropped0);
      const during = net.journal.filter((j) => j.dropped);
      for (const j of during) expect([j.src, j.dest].includes('n0')).toBe(true);
      // n1 <-> n2 still talk
      const n1n2 = net.counters.serverRecv;
      await sleep(150);
      expect(net.counters.serverRecv).toBeGreaterThan(n1n2);
      // client traffic is never partitioned
      const r = await c.call('n0', { type: 'echo', echo: 1 }, 1000);
      expect(r.kind).toBe('reply');
    } finally {
      await net.close();
    }
  });

  it('reports non-JSON output and messages with a forged src, and keeps running', async () => {
    const problems: string[] = [];
    const net = new Network({ latency: 0, latencyDist: 'constant', rng: new Rng(1), onProblem: (p) => problems.push(p.kind) });
    try {
      net.spawnNode('n0', { bin: flood, args: [], logPath: null, logStderr: false });
      net.receiveLine('n0', 'hello world');
      net.receiveLine('n0', '{"src":"n9","dest":"c1","body":{"type":"x"}}');
      net.receiveLine('n0', '[1,2]');
      net.receiveLine('n0', '{"src":"n0","dest":"c1"}');
      // A value nested 100,000 deep (which JSON.stringify could not write back) is refused before parsing.
      net.receiveLine('n0', `{"src":"n0","dest":"c1","body":{"type":"read_ok","value":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`);
      expect(problems).toEqual(['bad-output', 'bad-message', 'bad-message', 'bad-message', 'bad-message']);
      const r = await new RpcClient('c0', net).call('n0', { type: 'init', node_id: 'n0', node_ids: ['n0'] }, 5000);
      expect(r.kind).toBe('reply');
    } finally {
      await net.close();
    }
  });
});
