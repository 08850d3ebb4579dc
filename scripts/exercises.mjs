// npm run exercises -- the tutorial's exercises answered by bench runs: each
// read mode of lin-kv (RAFT_READS) and each read-only transaction mode of
// txn-list-append (RAFT_TXN_READS), run on the bench with partitions, one
// run per seed, one after the other. Prints every run's command and figures,
// a table per mode (verdict, availability, p50 latency, messages per
// operation), the shortest stale read a local-read run shows (which node,
// which write it missed, why), and, for txn-list-append, the anomaly classes
// and whether the same history is serializable.
//
//   npm run exercises                       # 3 seeds per mode, 20 s runs
//   npm run exercises -- --seeds 1,2 --time-limit 10 --only lin-kv
//
// The bench's seed fixes its own random choices (operations, partition kinds
// and times); node timing is real, so runs differ in detail. Needs dist/
// (npm run build).

import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { importTs, root } from './import-ts.mjs';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3' },
    'time-limit': { type: 'string', default: '20' },
    only: { type: 'string' },
    modes: { type: 'string' },
    nemesis: { type: 'string', default: 'partition' },
    latency: { type: 'string', default: '0' },
  },
});
const seeds = args.seeds.split(',').map(Number);
const timeLimit = Number(args['time-limit']);
const latency = Number(args.latency);
if (seeds.some((s) => !Number.isInteger(s)) || !(timeLimit > 0) || !(latency >= 0) || !['partition', 'none'].includes(args.nemesis)) {
  console.error(
    'usage: npm run exercises -- [--seeds 1,2,3] [--time-limit 20] [--only lin-kv|txn-list-append] [--modes log,readindex,local] [--nemesis partition|none] [--latency MS]',
  );
  process.exit(2);
}
const modes = (args.modes ?? 'log,readindex,local').split(',');
if (!existsSync(join(root, 'dist', 'raftchart.js'))) {
  console.error('dist/raftchart.js is missing: run npm run build first');
  process.exit(2);
}
const { checkListAppend } = await importTs('src/bench/checker/list-append.ts', 'exercises-list-append');

const workloads = [
  { name: 'lin-kv', env: 'RAFT_READS' },
  { name: 'txn-list-append', env: 'RAFT_TXN_READS' },
].filter((w) => !args.only || w.name === args.only);

const flags = (workload, seed) =>
  `-w ${workload} --bin bin/raft --node-count 3 --concurrency 4n --rate 30 --time-limit ${timeLimit}` +
  (args.nemesis === 'partition' ? ' --nemesis partition --nemesis-interval 10' : '') +
  (latency > 0 ? ` --latency ${latency}` : '') +
  ` --seed ${seed}`;

const quantile = (xs, q) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const range = (xs, digits = 1) => {
  const ok = xs.filter((x) => Number.isFinite(x));
  if (ok.length === 0) return '-';
  let lo = ok[0];
  let hi = ok[0];
  for (const x of ok) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return lo.toFixed(digits) === hi.toFixed(digits) ? lo.toFixed(digits) : `${lo.toFixed(digits)}-${hi.toFixed(digits)}`;
};

/** Latencies (ms) of ok reads (lin-kv) or ok read-only transactions (txn-list-append). */
function readLatencies(history) {
  const open = new Map();
  const out = [];
  for (const ev of history) {
    if (ev.type === 'invoke') {
      open.set(ev.process, ev);
      continue;
    }
    const inv = open.get(ev.process);
    open.delete(ev.process);
    if (!inv || ev.type !== 'ok') continue;
    const isRead = inv.f === 'read' || (inv.f === 'txn' && Array.isArray(inv.value) && inv.value.every((m) => m[0] === 'r'));
    if (isRead) out.push((ev.time - inv.time) / 1e6);
  }
  return out;
}

/** What the node logs say about roles at history time `t` (seconds): each node's last role line before it. */
function rolesAt(dir, nodes, startedAt, t) {
  const at = Date.parse(startedAt) + t * 1000;
  const roles = {};
  for (const n of nodes) {
    let last;
    let lead;
    for (const line of readFileSync(join(dir, 'node-logs', `${n}.log`), 'utf8').split('\n')) {
      const m = /^(\S+) info \S+ (?:role=(\w+) term=(\d+)|following leader (\S+) in term (\d+))/.exec(line);
      if (!m || Date.parse(m[1]) > at) continue;
      if (m[2]) last = { role: m[2], term: Number(m[3]) };
      else lead = { leader: m[4], term: Number(m[5]) };
    }
    roles[n] = { ...last, ...(lead && last && lead.term === last.term && last.role === 'follower' ? { leader: lead.leader } : {}) };
  }
  return roles;
}

/**
 * A lin-kv run's stale reads, in words, one per failing key: its culprit
 * read; the node that answered it; the last write or cas of the key's
 * failing set that completed before the read began (the write it missed);
 * the roles the node logs show then; whether a partition cut the node off.
 */
function staleReads(dir, results, history) {
  return (results.linearizability?.failures ?? []).map((f) => staleRead(dir, results, history, f));
}

function staleRead(dir, results, history, f) {
  const id = Number(/\[history #(\d+)\]/.exec(f.culprit)?.[1]);
  const inv = history[id];
  if (!inv || inv.f !== 'read') return { failure: f, partitioned: false, text: `culprit is not a read: ${f.culprit}` };
  const done = history.find((e) => e.index > id && e.process === inv.process && e.type !== 'invoke');
  const t = inv.time / 1e9;
  // Writes and cas of the core set that completed ok before the read was invoked, latest last.
  const before = [];
  for (const opId of f.ops) {
    const w = history[opId];
    if (!w || w.f === 'read') continue;
    const c = history.find((e) => e.index > opId && e.process === w.process && e.type !== 'invoke');
    if (c?.type === 'ok' && c.time < inv.time) before.push({ w, c });
  }
  before.sort((a, b) => a.c.time - b.c.time);
  const missed = before[before.length - 1];
  const period = (results.partitions ?? []).find((p) => p.start <= t && t <= p.stop);
  const cutFrom = period ? (period.grudge[inv.node] ?? []) : [];
  const roles = rolesAt(dir, results.nodes, results.historyStartedAt, t);
  const leaders = Object.entries(roles).filter(([, r]) => r.role === 'leader').sort((a, b) => b[1].term - a[1].term);
  const leader = leaders[0]?.[0];
  const own = roles[inv.node] ?? {};
  const fmt = (ns) => `${(ns / 1e9).toFixed(3)}s`;
  const value = (w) => (w.f === 'cas' ? `compare-and-set ${JSON.stringify(w.value[0])} -> ${JSON.stringify(w.value[1])}` : `write of ${JSON.stringify(w.value)}`);
  const lines = [
    `key ${f.key}: ${inv.client} read ${JSON.stringify(done?.value ?? null)} at ${inv.node} between ${fmt(inv.time)} and ${fmt(done?.time ?? inv.time)} [history #${id}];`,
    missed
      ? `it missed ${missed.w.client}'s ${value(missed.w)} (through ${missed.w.node}, acknowledged at ${fmt(missed.c.time)}, ${((inv.time - missed.c.time) / 1e6).toFixed(0)} ms before the read began) [history #${missed.w.index}].`
      : 'no write of the set completed before the read began (the conflict is among overlapping operations).',
    `${inv.node} was then ${own.role ?? 'of unknown role'}${own.term !== undefined ? ` in term ${own.term}` : ''}${own.leader ? ` following ${own.leader}` : ''} (node logs); ${leader ? `${leader} was leader${roles[leader].term !== undefined ? ` of term ${roles[leader].term}` : ''}` : 'no node logged itself leader'}.`,
    cutFrom.length > 0
      ? `A partition (${period.kind}, ${period.start.toFixed(1)}-${period.stop.toFixed(1)} s: ${period.description}) made ${inv.node} drop messages from ${cutFrom.join(', ')}: it answered from a state machine that could not learn of the commit.`
      : `No partition cut ${inv.node} off then${period ? ` (${period.kind}: ${period.description})` : ''}: it had simply not yet heard the new commit index, which a follower learns only from the leader's next AppendEntries (heartbeats every 50 ms), and a local read does not wait for it.`,
  ];
  return { failure: f, partitioned: cutFrom.length > 0, text: lines.join('\n    ') };
}

const rows = [];
const details = [];
for (const w of workloads) {
  for (const mode of modes) {
    const runs = [];
    for (const seed of seeds) {
      const command = `${w.env}=${mode} bin/raftchart test ${flags(w.name, seed)}`;
      process.stderr.write(`running: ${command}\n`);
      const t0 = Date.now();
      const r = spawnSync('node', [join(root, 'bin', 'raftchart'), 'test', ...flags(w.name, seed).split(' ')], {
        cwd: root,
        env: { ...process.env, [w.env]: mode },
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      const dirRel = /^results: (\S+?)\/? \(/m.exec(r.stdout)?.[1];
      if (!dirRel) {
        console.error(`no results directory in the output of: ${command}\n${r.stdout}\n${r.stderr}`);
        process.exit(1);
      }
      const dir = join(root, dirRel);
      const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
      const history = readFileSync(join(dir, 'history.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
      const reads = readLatencies(history);
      const run = {
        seed,
        command,
        dir: dirRel,
        verdict: results.verdict,
        availability: results.stats.availability,
        p50: results.stats.latency.p50,
        readP50: quantile(reads, 0.5),
        reads: reads.length,
        msgsPerOp: results.net.servers.msgsPerOp,
        ops: results.stats.count,
        wallSeconds: (Date.now() - t0) / 1000,
      };
      if (w.name === 'lin-kv') {
        run.failingKeys = (results.linearizability?.failures ?? []).length;
        for (const s of staleReads(dir, results, history)) {
          details.push({ mode, seed, command, dir: dirRel, kind: s.partitioned ? 'stale read (partition)' : 'stale read', ops: s.failure.explanation.length, text: s.text });
        }
      } else {
        const strict = checkListAppend(history, { consistencyModel: 'strict-serializable' });
        const ser = checkListAppend(history, { consistencyModel: 'serializable' });
        run.anomalies = strict.anomalyTypes.map((n) => `${n} x${strict.anomalyCounts[n]}`).join(', ');
        run.serializable = ser.valid;
        if (strict.valid === false) {
          const a = [...strict.anomalies].sort((x, y) => x.explanation.length - y.explanation.length)[0];
          details.push({ mode, seed, command, dir: dirRel, kind: a.name, ops: a.txns.length, text: a.explanation.join('\n    ') });
        }
      }
      runs.push(run);
      console.log(
        `${command}\n  -> ${run.verdict}; availability ${run.availability.toFixed(3)}; p50 ${run.p50.toFixed(1)} ms (reads ${run.readP50.toFixed(1)} ms over ${run.reads}); ` +
          `server msgs/op ${run.msgsPerOp.toFixed(2)}; ${run.ops} ops` +
          (run.failingKeys !== undefined ? `; ${run.failingKeys} key(s) not linearizable` : '') +
          (run.anomalies !== undefined ? `; anomalies: ${run.anomalies || 'none'}; serializable: ${run.serializable}` : '') +
          `; ${dirRel}`,
      );
    }
    rows.push({ workload: w.name, env: w.env, mode, runs });
  }
}

const count = (runs, v) => runs.filter((r) => r.verdict === v).length;
console.log(`\n| workload | mode | runs | verdict | availability | p50 all ok ops (ms) | p50 ${workloads.length > 1 ? 'reads / read-only txns' : 'reads'} (ms) | server msgs/op | checker found |`);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const row of rows) {
  const r = row.runs;
  const verdicts = ['valid', 'invalid', 'unknown'].filter((v) => count(r, v) > 0).map((v) => `${count(r, v)} ${v}`).join(', ');
  const found =
    row.workload === 'lin-kv'
      ? r.map((x) => x.failingKeys).some((n) => n > 0)
        ? `keys not linearizable: ${r.map((x) => x.failingKeys).join(', ')}`
        : 'nothing'
      : `${[...new Set(r.map((x) => x.anomalies).filter((x) => x))].join('; ') || 'nothing'}; serializable: ${r.map((x) => x.serializable).join(', ')}`;
  console.log(
    `| ${row.workload} | \`${row.env}=${row.mode}\` | ${r.length} (seeds ${r.map((x) => x.seed).join(', ')}) | ${verdicts} | ${range(r.map((x) => x.availability), 2)} | ${range(r.map((x) => x.p50))} | ${range(r.map((x) => x.readP50))} | ${range(r.map((x) => x.msgsPerOp), 2)} | ${found} |`,
  );
}

for (const kind of ['stale read', 'stale read (partition)', 'txn']) {
  const ds = details.filter((d) => (kind === 'txn' ? !d.kind.startsWith('stale read') : d.kind === kind));
  if (ds.length === 0) continue;
  const best = [...ds].sort((a, b) => a.ops - b.ops)[0];
  const what = kind === 'txn' ? `anomaly (${best.kind})` : kind === 'stale read' ? 'stale read with no partition at the reader' : 'stale read at a node a partition cut off';
  const of = kind === 'txn' ? `the shortest of ${ds.length} run(s)' examples` : `of ${ds.length} failing key(s)`;
  console.log(`\nshortest ${what}: ${best.ops} operations (${of}), from: ${best.command} (${best.dir})\n    ${best.text}`);
}
