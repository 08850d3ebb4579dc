// `npm run bench:cpu -- [--ops N] [--clients-per-node C] [--nodes 3] [--keys K] [--reads F] [--repeat R] [--no-disk]`
//
// CPU per client operation of the node's own code, as a benchmark (not a
// timed test): three RaftNodes (src/maelstrom/node.ts, what bin/raft runs)
// in this one process, on a virtual clock, with lines passed between them
// as the binary sees them (JSON text, one batch per turn of a node), a
// memory disk behind their write-ahead logs (the WAL encoding is counted,
// no fsync), and C closed-loop clients per node (lin-kv reads, writes and
// cas over K keys; a follower proxies its clients' requests). It prints
// the time each node spent handling its batches per operation answered,
// leader and followers apart, and what the virtual clock's timers took.
// Nothing else runs in the process, so the figures move with the code, not
// with the bench's processes; still, other jobs on the machine make them
// noisy: compare runs interleaved (--repeat), and against a build of
// another commit by running this script from that commit's tree.
import { parseArgs } from 'node:util';
import { importTs } from './import-ts.mjs';

const { values } = parseArgs({
  options: {
    ops: { type: 'string', default: '200000' },
    'clients-per-node': { type: 'string', default: '40' },
    nodes: { type: 'string', default: '3' },
    keys: { type: 'string', default: '20' },
    reads: { type: 'string', default: '0.5' },
    repeat: { type: 'string', default: '3' },
    'no-disk': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
const usage = 'usage: npm run bench:cpu -- [--ops N] [--clients-per-node C] [--nodes N] [--keys K] [--reads F] [--repeat R] [--no-disk]';
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const ops = Number(values.ops);
const perNode = Number(values['clients-per-node']);
const nodeCount = Number(values.nodes);
const keys = Number(values.keys);
const readShare = Number(values.reads);
const repeat = Number(values.repeat);
if (![ops, perNode, nodeCount, keys, repeat].every((n) => Number.isSafeInteger(n) && n > 0) || !(readShare >= 0 && readShare <= 1)) {
  console.error(usage);
  process.exit(2);
}

const m = await importTs('scripts/bench-cpu-entry.ts', 'bench-cpu');
const { RaftNode, VirtualClock, Rng, openNodeStorage } = m;

/** A disk in memory: appends kept, syncs free (the WAL's encoding and CRC still run). */
class MemoryDisk {
  files = new Map();
  read(name) {
    const parts = this.files.get(name);
    if (!parts) return undefined;
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
  append(name, data) {
    const parts = this.files.get(name) ?? [];
    // Keep memory bounded over a long run: only sizes matter here.
    if (parts.length > 1024) parts.splice(0, parts.length, new Uint8Array(0));
    parts.push(data);
    this.files.set(name, parts);
  }
  sync() {}
  truncate(name) {
    this.files.set(name, []);
  }
  replace(name, data) {
    this.files.set(name, [data]);
  }
}

function run(seed) {
  const clock = new VirtualClock(0);
  const ids = Array.from({ length: nodeCount }, (_, i) => `n${i}`);
  const inbox = new Map(ids.map((id) => [id, []]));
  const busy = new Map(ids.map((id) => [id, 0]));
  const rng = new Rng(seed, 1);
  let answered = 0;
  let errors = 0;
  /** Per client: its node, its next msg_id. */
  const clients = [];
  const nodes = new Map();
  for (const id of ids) {
    const disk = new MemoryDisk();
    nodes.set(
      id,
      new RaftNode({
        clock,
        seed: 1000 + Number(id.slice(1)),
        logLevel: 'error',
        log: (level, text) => {
          if (level === 'error') console.error(`${id} ${text}`);
        },
        openStorage: values['no-disk'] ? undefined : (nid, nids) => openNodeStorage(disk, nid, nids),
        output: (msg) => {
          const line = JSON.stringify(msg);
          if (inbox.has(msg.dest)) inbox.get(msg.dest).push(line);
          else answer(msg);
        },
      }),
    );
  }
  const request = (c) => {
    const k = rng.int(keys);
    const r = rng.next();
    const body =
      r < readShare
        ? { type: 'read', key: k }
        : r < readShare + (1 - readShare) / 2
          ? { type: 'write', key: k, value: rng.int(100) }
          : { type: 'cas', key: k, from: rng.int(100), to: rng.int(100) };
    inbox.get(c.node).push(JSON.stringify({ src: c.id, dest: c.node, body: { ...body, msg_id: ++c.msgId } }));
  };
  const answer = (msg) => {
    if (msg.body.type === 'init_ok') return;
    const c = clients[Number(msg.dest.slice(1))];
    if (!c || msg.body.in_reply_to !== c.msgId) return;
    if (msg.body.type === 'error' && msg.body.code !== 20 && msg.body.code !== 22) errors++;
    else answered++;
    if (answered + errors < ops) request(c);
  };
  for (const id of ids) {
    nodes.get(id).handleLine(JSON.stringify({ src: 'c-init', dest: id, body: { type: 'init', msg_id: 1, node_id: id, node_ids: ids } }));
  }
  const turn = (timed) => {
    for (const id of ids) {
      const lines = inbox.get(id);
      if (lines.length === 0) continue;
      inbox.set(id, []);
      const node = nodes.get(id);
      const t0 = performance.now();
      node.batch(() => {
        for (const l of lines) node.handleLine(l);
      });
      if (timed) busy.set(id, busy.get(id) + performance.now() - t0);
    }
  };
  // An election first (not timed).
  while (![...nodes.values()].some((n) => n.role === 'leader')) {
    clock.advance(1);
    turn(false);
  }
  for (let i = 0; i < 50; i++) turn(false);
  const leader = ids.find((id) => nodes.get(id).role === 'leader');
  for (let i = 0; i < perNode * nodeCount; i++) {
    const c = { id: `c${i}`, node: ids[i % nodeCount], msgId: 0 };
    clients.push(c);
    request(c);
  }
  let timers = 0;
  const start = performance.now();
  while (answered + errors < ops) {
    turn(true);
    const t0 = performance.now();
    clock.advance(0.25);
    timers += performance.now() - t0;
    if (performance.now() - start > 600_000) throw new Error('bench:cpu: no progress');
  }
  const wall = performance.now() - start;
  const leaderUs = (busy.get(leader) * 1000) / answered;
  const followerUs = ids.filter((id) => id !== leader).map((id) => (busy.get(id) * 1000) / answered);
  return { answered, errors, leaderUs, followerUs, timersUs: (timers * 1000) / answered, wallUs: (wall * 1000) / answered, stillLeader: nodes.get(leader).role === 'leader' };
}

console.error(`bench:cpu: ${nodeCount} nodes, ${perNode * nodeCount} clients, ${ops} ops, reads ${readShare}, ${keys} keys, ${values['no-disk'] ? 'no disk' : 'memory disk'}; ${repeat} runs`);
// One run to warm the JIT up, not counted.
run(6);
const rows = [];
for (let k = 0; k < repeat; k++) {
  const r = run(7);
  rows.push(r);
  console.log(
    `run ${k + 1}: ${r.answered} ok, ${r.errors} errors; µs/op: leader ${r.leaderUs.toFixed(1)}, followers ${r.followerUs.map((x) => x.toFixed(1)).join(' ')}, timers ${r.timersUs.toFixed(1)}, all ${r.wallUs.toFixed(1)}${r.stillLeader ? '' : ' (leader changed!)'}`,
  );
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`median µs/op: leader ${med(rows.map((r) => r.leaderUs)).toFixed(1)}, follower ${med(rows.map((r) => r.followerUs[0])).toFixed(1)}, all ${med(rows.map((r) => r.wallUs)).toFixed(1)}`);
