// Process-level runs of the nemesis and of nodes Maelstrom accepts: kill
// finds lost writes on a node that keeps its state in memory (and not on the
// same node when it has a data directory), pause really stops a node, a seed
// fixes the schedule and the generator's choices whatever the node, a proxy
// with a forged src is accepted with a warning, and a crash is described.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBenchCli, verdictText } from '../../src/bench/cli.js';
import { parseArgs } from '../../src/bench/options.js';
import { runTest } from '../../src/bench/runner.js';
import type { BenchOptions, BenchResults, HistoryEvent } from '../../src/bench/types.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const store = mkdtempSync(join(tmpdir(), 'raftchart-faults-test-'));
afterAll(() => rmSync(store, { recursive: true, force: true }));

function opts(args: string[]): BenchOptions {
  const r = parseArgs(['--store', store, ...args]);
  if (r.help) throw new Error('help');
  return r.options;
}
const run = (args: string[]) => runTest(opts(args), true);
const historyOf = (dir: string): HistoryEvent[] =>
  readFileSync(join(dir, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as HistoryEvent);

/** Completed operations (invoke, completion) of a history. */
function pairs(h: HistoryEvent[]): [HistoryEvent, HistoryEvent][] {
  const open = new Map<number, HistoryEvent>();
  const out: [HistoryEvent, HistoryEvent][] = [];
  for (const e of h) {
    if (e.type === 'invoke') open.set(e.process, e);
    else {
      const i = open.get(e.process);
      if (i) out.push([i, e]);
      open.delete(e.process);
    }
  }
  return out;
}

// The known-bad case of the kill nemesis: primary-backup-node without a data
// directory forgets, when n0 is killed and restarted, the appends it
// acknowledged since its last once-a-second copy to the others. The seeds'
// schedules (from the seed alone) kill n0 mid-run and restart it with time
// left; whether a lost append is then read again depends on timing, so the
// test tries up to three seeds. Measured: about 9 runs in 10 are invalid
// (npm run bench:kill measures it), so three fail together about once in a
// thousand.
const KILL_ARGS = [
  '-w', 'txn-list-append', '--bin', join(fixtures, 'primary-backup-node.mjs'), '--node-count', '3',
  '--concurrency', '10n', '--rate', '10', '--time-limit', '6', '--nemesis', 'kill', '--nemesis-interval', '1.5',
  '--max-writes-per-key', '1000', '--key-count', '3', '--recovery-time', '0',
];
const KILL_SEEDS = ['3', '1', '6'];

describe('kill nemesis', () => {
  it('finds lost writes on a node that keeps its state in memory (--no-data-dir), and labels the run memory-only', async () => {
    let found: BenchResults | null = null;
    let dir = '';
    const tried: string[] = [];
    for (const seed of KILL_SEEDS) {
      const out = await run([...KILL_ARGS, '--seed', seed, '--no-data-dir']);
      tried.push(`${seed}: ${out.results.verdict}`);
      // The situation arose: n0 was killed and restarted during the run.
      const n0 = out.results.faults.filter((f) => f.fault === 'kill' && f.node === 'n0');
      expect(n0.length).toBeGreaterThan(0);
      expect(n0[0]!.stop).not.toBeNull();
      expect(n0[0]!.stop!).toBeLessThan(out.results.duration);
      expect(out.results.memoryOnly).toBe(true);
      if (out.results.verdict === 'invalid') {
        found = out.results;
        dir = out.dir;
        break;
      }
    }
    expect(found, `no seed gave an invalid run: ${tried.join(', ')}`).not.toBeNull();
    const r = found!;
    expect(r.linearizability.valid).toBe(false);
    expect(r.cause).toMatch(/G-single|G2|G1|lost|incompatible|G0/);
    expect(r.dataDir).toBeNull();
    expect(r.warnings.join(' ')).toMatch(/memory-only/);
    expect(existsSync(join(dir, 'data'))).toBe(false);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('id="memory-only"');
    expect(verdictText(r, dir)).toMatch(/MEMORY-ONLY/);
    // Killed nodes were restarted with a new init, logged in the same file.
    const log = readFileSync(join(dir, 'node-logs', 'n0.log'), 'utf8');
    expect(log).toMatch(/restarted by the nemesis at/);
    expect(log).toMatch(/recovered seq \d+ from peers/);
  });

  it('the same node with a data directory survives the same kills: valid, and n0 served requests after its restart', async () => {
    const out = await run([...KILL_ARGS, '--seed', KILL_SEEDS[0]!]);
    const r = out.results;
    expect(r.verdict, r.cause ?? '').toBe('valid');
    expect(r.memoryOnly).toBe(false);
    expect(r.dataDir).toBe('data/');
    const n0 = r.faults.filter((f) => f.fault === 'kill' && f.node === 'n0' && f.stop !== null && f.stop < r.duration);
    expect(n0.length).toBeGreaterThan(0);
    const back = n0[0]!.stop!;
    const okAfter = pairs(historyOf(out.dir)).filter(([i, c]) => c.type === 'ok' && i.time / 1e9 > back);
    expect(okAfter.length).toBeGreaterThan(5);
    // It really recovered from its own disk.
    expect(existsSync(join(out.dir, 'data', 'n0', 'state.json'))).toBe(true);
    expect(readFileSync(join(out.dir, 'node-logs', 'n0.log'), 'utf8')).toMatch(/recovered seq [1-9]\d* from .*data\/n0\/state\.json/);
    // Kills are listed with the nodes they hit and drawn in the report.
    expect(r.nemesis.some((n) => n.f === 'kill' && n.nodes?.includes('n0'))).toBe(true);
    expect(r.nemesis.filter((n) => n.final).map((n) => n.f)).toEqual(['start']);
    const html = readFileSync(join(out.dir, 'index.html'), 'utf8');
    expect(html).toContain('class="node-fault node-kill"');
    expect(html).toContain('id="fault-periods"');
  });
});

describe('pause nemesis', () => {
  it('stops a node (nothing it serves completes while it is paused) and continues it; the run stays valid', async () => {
    const out = await run([
      '-w', 'lin-kv', '--bin', join(fixtures, 'primary-backup-node.mjs'), '--node-count', '3', '--concurrency', '2n', '--rate', '100',
      '--time-limit', '5', '--nemesis', 'pause', '--nemesis-interval', '0.6', '--seed', '4', '--recovery-time', '0',
    ]);
    const r = out.results;
    expect(r.verdict, r.cause ?? '').toBe('valid');
    const pauses = r.faults.filter((f) => f.fault === 'pause');
    expect(pauses.length).toBeGreaterThan(0);
    for (const p of pauses) expect(p.stop).not.toBeNull();
    // n0 serves every operation: none can both start and complete inside a pause of n0.
    const n0 = pauses.filter((p) => p.node === 'n0' && p.stop! - p.start > 0.2);
    expect(n0.length, JSON.stringify(pauses)).toBeGreaterThan(0);
    const ops = pairs(historyOf(out.dir));
    let inside = 0;
    for (const p of n0) {
      for (const [i, c] of ops) {
        const a = i.time / 1e9;
        const b = c.time / 1e9;
        if (a > p.start + 0.02 && a < p.stop! - 0.02) {
          inside++;
          if (b < p.stop! - 0.02) expect(c.type, `op ${i.index} completed at ${b} inside pause ${p.start}-${p.stop}`).not.toBe('ok');
        }
      }
    }
    expect(inside).toBeGreaterThan(0); // operations were issued while n0 was paused
    expect(r.stats.info + r.stats.fail).toBeGreaterThan(0);
    expect(r.nemesis.some((n) => n.f === 'resume')).toBe(true);
  });
});

describe('like for like', () => {
  it('a seed fixes the nemesis schedule and the generator choices, whatever the node under test', async () => {
    const args = ['--node-count', '3', '--concurrency', '2n', '--rate', '80', '--time-limit', '2', '--nemesis', 'partition,pause', '--nemesis-interval', '0.3', '--seed', '77', '--recovery-time', '0'];
    const a = await run(['--bin', join(fixtures, 'forward-kv-node.mjs'), ...args]);
    const b = await run(['--bin', join(fixtures, 'local-kv-node.mjs'), ...args]);
    const plan = (r: BenchResults) => r.nemesis.filter((n) => !n.final).map((n) => ({ at: n.at, f: n.f, spec: n.spec, nodes: n.f === 'kill' || n.f === 'pause' ? n.nodes : undefined, description: n.description }));
    expect(plan(a.results).length).toBeGreaterThan(4);
    expect(plan(b.results)).toEqual(plan(a.results));
    // The two nodes answer differently (one is wrong), yet each client thread drew the same ops.
    expect(a.results.verdict).not.toBe(b.results.verdict);
    const draws = (dir: string) => {
      const m = new Map<string, string[]>();
      for (const e of historyOf(dir)) {
        if (e.type !== 'invoke') continue;
        if (!m.has(e.client)) m.set(e.client, []);
        m.get(e.client)!.push(`${e.f} ${JSON.stringify(e.value)}`);
      }
      return m;
    };
    const da = draws(a.dir);
    const db = draws(b.dir);
    let compared = 0;
    for (const [client, xs] of da) {
      const ys = db.get(client) ?? [];
      const n = Math.min(xs.length, ys.length);
      expect(ys.slice(0, n), client).toEqual(xs.slice(0, n));
      compared += n;
    }
    expect(compared).toBeGreaterThan(100);
  });
});

describe('nodes Maelstrom accepts', () => {
  it('accepts a proxy that forwards a request with the client id as src, and warns', async () => {
    const { results } = await run([
      '--bin', join(fixtures, 'proxy-src-node.mjs'), '--node-count', '3', '--concurrency', '2n', '--rate', '100', '--time-limit', '2', '--seed', '8',
    ]);
    expect(results.verdict, results.cause ?? '').toBe('valid');
    expect(results.problems).toEqual([]);
    expect(results.net.forgedSrc).toBeGreaterThan(20);
    expect(results.stats.ok).toBeGreaterThan(50);
    expect(results.warnings.join('\n')).toMatch(/n[12] sent \d+ message\(s\) under another id than its own .*Maelstrom accepts/);
  });
});

describe('a node that crashes', () => {
  it('is described in one line before the verdict, with its last stderr lines; exit status 2', async () => {
    const chunks: string[] = [];
    const io = { out: { write: (s: string) => chunks.push(s) }, err: { write: () => true } };
    const code = await runBenchCli(
      ['--store', store, '--bin', join(fixtures, 'crash-node.mjs'), '--node-count', '2', '--concurrency', '4', '--rate', '50', '--time-limit', '1.5', '--seed', '3'],
      io,
    );
    expect(code).toBe(2);
    const text = chunks.join('');
    expect(text).toMatch(/\nUnknown: node n1 crashed at [\d.]+ s: node process ended with exit status 1; its stderr ends with: Error: fixture crash in applyOp on request 3\n/);
    expect(text).toMatch(/Errors occurred during analysis, but no anomalies found/);
    const r = JSON.parse(readFileSync(join(store, 'latest', 'results.json'), 'utf8')) as BenchResults;
    const crash = r.problems.find((p) => p.kind === 'exit')!;
    // Timed on the history's axis: after the clients started, within the run.
    expect(crash.time).toBeGreaterThanOrEqual(0);
    expect(crash.time).toBeLessThanOrEqual(r.duration + 1);
    expect(text).toContain(`crashed at ${crash.time.toFixed(2)} s`);
    expect(crash.stderrTail!.some((l) => /at applyOp/.test(l))).toBe(true);
    expect(crash.stderrTail!.length).toBeLessThanOrEqual(32);
  });

  it('a node that refuses init is named in the line before the verdict', async () => {
    const { results } = await run(['--bin', join(fixtures, 'refuse-init-node.mjs'), '--node-count', '2', '--concurrency', '2', '--rate', '10', '--time-limit', '1', '--seed', '1']);
    expect(results.verdict).toBe('unknown');
    expect(results.stats.count).toBe(0);
    expect(results.cause).toMatch(/^node n[01] refused init at [\d.]+ s: answered init with error 13: data directory damaged \(fixture\)$/);
  });

  it('bad arguments exit 254, as Jepsen', async () => {
    const err: string[] = [];
    const io = { out: { write: () => true }, err: { write: (s: string) => err.push(s) } };
    expect(await runBenchCli(['--bin', join(fixtures, 'crash-node.mjs'), '--nemesis', 'flood'], io)).toBe(254);
    expect(err.join('')).toMatch(/--nemesis must be a comma-separated list of: partition, kill, pause/);
  });
});
