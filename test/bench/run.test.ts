// Process-level runs of the bench against fixture nodes: a wrong node must be
// flagged invalid, a correct one valid (also under partitions), and a broken
// one reported. Short time limits keep the suite fast.

import { mkdtempSync, readFileSync, readlinkSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/bench/options.js';
import { runTest } from '../../src/bench/runner.js';
import { computeStats, quantiles } from '../../src/bench/stats.js';
import { decideVerdict } from '../../src/bench/verdict.js';
import type { BenchOptions, BenchResults } from '../../src/bench/types.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const store = mkdtempSync(join(tmpdir(), 'raftchart-bench-test-'));
afterAll(() => rmSync(store, { recursive: true, force: true }));

function opts(args: string[]): BenchOptions {
  const r = parseArgs(['--store', store, ...args]);
  if (r.help) throw new Error('help');
  return r.options;
}

async function run(args: string[]): Promise<{ results: BenchResults; dir: string }> {
  return runTest(opts(args), true);
}

describe('bench runs against fixture nodes', () => {
  it('flags a local-only (unreplicated) node invalid, and explains why', async () => {
    const { results, dir } = await run([
      '--bin', join(fixtures, 'local-kv-node.mjs'),
      '--node-count', '3', '--concurrency', '2n', '--rate', '100', '--time-limit', '3', '--seed', '1',
    ]);
    expect(results.verdict).toBe('invalid');
    expect(results.linearizability.valid).toBe(false);
    const f = results.linearizability.failures[0];
    expect(f.explanation.length).toBeGreaterThan(0);
    expect(f.culprit).toMatch(/c\d+ \(process \d+\)/);
    // artefacts
    for (const file of ['results.json', 'history.jsonl', 'history.txt', 'latency-raw.svg', 'timeline.html', 'messages.svg', 'node-logs/n0.log']) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    expect(readlinkSync(join(store, 'latest'))).toBe(join('lin-kv', dir.split('/').pop()!));
    const saved = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as BenchResults;
    expect(saved.verdict).toBe('invalid');
    const lines = readFileSync(join(dir, 'history.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBe(results.stats.count * 2);
  });

  it('passes a correct forward-to-n0 node, and counts server messages', async () => {
    const { results } = await run([
      '--bin', join(fixtures, 'forward-kv-node.mjs'),
      '--node-count', '3', '--concurrency', '2n', '--rate', '100', '--time-limit', '3', '--seed', '2',
      '--latency', '2', '--latency-dist', 'exponential',
    ]);
    expect(results.verdict).toBe('valid');
    expect(results.stats.ok).toBeGreaterThan(100);
    expect(results.net.servers.sendCount).toBeGreaterThan(0);
    expect(results.net.servers.msgsPerOp).toBeGreaterThan(0.5);
    // Maelstrom's msgs-per-op: distinct messages per operation.
    expect(results.net.servers.msgCount).toBe(results.net.servers.sendCount);
    expect(results.net.servers.msgsPerOp).toBeCloseTo(results.net.servers.msgCount / results.stats.count, 10);
    expect(results.net.all.msgCount).toBe(results.net.clients.msgCount + results.net.servers.msgCount);
    expect(results.stats.latency.p50).not.toBeNull();
    expect(results.problems).toEqual([]);
  });

  it('keeps the correct node valid under partitions; timeouts become info, partitions are recorded', async () => {
    const { results } = await run([
      '--bin', join(fixtures, 'forward-kv-node.mjs'),
      '--node-count', '3', '--concurrency', '4n', '--rate', '100', '--time-limit', '6', '--seed', '3',
      '--nemesis', 'partition', '--nemesis-interval', '0.7', '--recovery-time', '0.2',
    ]);
    expect(results.verdict).toBe('valid');
    expect(results.partitions.length).toBeGreaterThan(2);
    for (const p of results.partitions) {
      expect(p.stop).not.toBeNull();
      expect(p.stop!).toBeGreaterThanOrEqual(p.start);
    }
    expect(results.net.dropped).toBeGreaterThan(0);
    expect(results.stats.info).toBeGreaterThan(0);
    // reads that time out fail rather than stay unknown
    expect(results.stats.byFunction.read?.info ?? 0).toBe(0);
  });

  it('reports a node that prints garbage and exits', async () => {
    const { results } = await run([
      '--bin', join(fixtures, 'garbage-node.mjs'),
      '--node-count', '2', '--concurrency', '2', '--rate', '50', '--time-limit', '1.5', '--seed', '4',
    ]);
    const kinds = new Set(results.problems.map((p) => p.kind));
    expect(kinds.has('bad-output')).toBe(true);
    expect(kinds.has('exit')).toBe(true);
    expect(results.verdict).toBe('unknown');
  });

  it('the availability requirement can fail a run', async () => {
    const { results } = await run([
      '--bin', join(fixtures, 'forward-kv-node.mjs'),
      '--node-count', '3', '--concurrency', '2n', '--rate', '50', '--time-limit', '1', '--seed', '5',
      '--availability', 'total',
    ]);
    // cas on missing keys / mismatches fail definitely, so total availability is impossible
    expect(results.availability.valid).toBe(false);
    expect(results.verdict).toBe('invalid');
  });
});

describe('statistics', () => {
  it('with no operations, availability is 1 (as Maelstrom), and total availability is met', () => {
    const s = computeStats([], 10);
    expect(s.count).toBe(0);
    expect(s.availability).toBe(1);
    expect(decideVerdict({ checker: { valid: true, keyCount: 0, failures: [], unknownKeys: [], seconds: 0, steps: 0 }, availability: { expected: 'total', actual: s.availability }, problems: [], notes: [] }).verdict).toBe('valid');
  });
  it('quantiles as Jepsen takes them, on a typed sort (no spread, any size)', () => {
    const xs = Array.from({ length: 1_000_000 }, (_, i) => (i * 7919) % 1_000_003);
    const q = quantiles(xs);
    expect(q.count).toBe(1_000_000);
    expect(q.max).toBe(xs.reduce((m, x) => (x > m ? x : m), -Infinity));
    expect(q.p50! > 400_000 && q.p50! < 600_000).toBe(true);
  });
});

describe('CLI flags', () => {
  const bin = join(fixtures, 'local-kv-node.mjs');
  it('has Maelstrom defaults', () => {
    const o = opts(['--bin', bin]);
    expect(o.nodeCount).toBe(5);
    expect(o.concurrency).toBe(5);
    expect(o.timeLimit).toBe(60);
    expect(o.rate).toBe(5);
    expect(o.nemesisInterval).toBe(10);
    expect(o.latency).toBe(0);
    expect(o.latencyDist).toBe('constant');
    expect(o.testCount).toBe(1);
    expect(o.availability).toBeNull();
    expect(o.workload).toBe('lin-kv');
    expect(o.perKeyLimit).toBeNull(); // Maelstrom: keys retired after 20 processes only
    expect(o.dataDir).toBe(true);
    expect(o.nemesis).toEqual([]);
  });
  it('takes kill and pause faults, a per-key limit and --no-data-dir', () => {
    const o = opts(['--bin', bin, '--nemesis', 'partition, kill,pause,kill', '--per-key-limit', '128', '--no-data-dir']);
    expect(o.nemesis).toEqual(['partition', 'kill', 'pause']);
    expect(o.perKeyLimit).toBe(128);
    expect(o.dataDir).toBe(false);
    expect(opts(['--bin', bin, '--nemesis', 'kill']).recoveryTime).toBe(3);
  });
  it('parses the seed commands', () => {
    const o = opts(['-w', 'lin-kv', '--bin', bin, '--time-limit', '60', '--node-count', '3', '--concurrency', '10n', '--rate', '100', '--nemesis', 'partition', '--nemesis-interval', '3', '--test-count', '5']);
    expect(o.concurrency).toBe(30);
    expect(o.nemesis).toEqual(['partition']);
    expect(o.testCount).toBe(5);
    expect(opts(['--bin', bin, '--availability', 'total']).availability).toBe('total');
    expect(opts(['--bin', bin, '--availability=0.5']).availability).toBe(0.5);
    expect(opts(['--bin', bin, 'a', '--', '--b']).args).toEqual(['a', '--b']);
  });
  it('rejects bad flags and values with a clear message', () => {
    expect(() => opts(['--bin', bin, '--bogus'])).toThrow(/unknown option --bogus/);
    expect(() => opts([])).toThrow(/--bin/);
    expect(() => opts(['--bin', '/nonexistent/x'])).toThrow(/no such file/);
    expect(() => opts(['--bin', bin, '--concurrency', '3x'])).toThrow(/--concurrency/);
    expect(() => opts(['--bin', bin, '--latency-dist', 'normal'])).toThrow(/--latency-dist/);
    expect(() => opts(['--bin', bin, '--rate', '-1'])).toThrow(/--rate/);
    expect(() => opts(['--bin', bin, '--time-limit'])).toThrow(/needs a value/);
    expect(() => opts(['--bin', bin, '--nemesis', 'partition,clock'])).toThrow(/--nemesis must be a comma-separated list of: partition, kill, pause \(got "clock"\)/);
    expect(() => opts(['--bin', bin, '--no-data-dir=1'])).toThrow(/takes no value/);
  });
});
