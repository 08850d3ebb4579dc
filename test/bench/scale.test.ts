// A synthetic history of 500,000 operations through everything the bench
// does after a run: statistics, plots, the report and the checker. Nothing
// may recurse over it or spread it into a call. The million-operation run
// itself is measured by `npm run bench:scale`.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLinearizable } from '../../src/bench/checker/linearizable.js';
import { parseArgs } from '../../src/bench/options.js';
import { syntheticHistory } from '../../src/bench/perf.js';
import { latencyQuantilesSvg, latencySvg, rateSvg, timelineHtml } from '../../src/bench/report/svg.js';
import { computeStats } from '../../src/bench/stats.js';
import { BASE_FILES, writeAnalysis } from '../../src/bench/store.js';
import type { BenchResults, HistoryEvent } from '../../src/bench/types.js';
import { decideVerdict } from '../../src/bench/verdict.js';

const root = mkdtempSync(join(tmpdir(), 'raftchart-scale-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fixtures = join(import.meta.dirname, '..', 'fixtures');

function resultsFor(history: HistoryEvent[], seconds: number): BenchResults {
  const p = parseArgs(['--bin', join(fixtures, 'forward-kv-node.mjs'), '--node-count', '3', '--concurrency', '40n', '--rate', '5000', '--time-limit', String(seconds), '--store', root]);
  if (p.help) throw new Error('help');
  const stats = computeStats(history, seconds);
  const lin = checkLinearizable(history, { timeLimit: 120 });
  const v = decideVerdict({ checker: lin, availability: { expected: null, actual: stats.availability }, problems: [], notes: [] });
  return {
    schema: 1, workload: 'lin-kv', verdict: v.verdict, cause: v.cause, reasons: v.reasons, warnings: [], memoryOnly: false, dataDir: 'data/',
    options: p.options, nodes: ['n0', 'n1', 'n2'], startedAt: '2026-01-01T00:00:00.000Z', historyStartedAt: '2026-01-01T00:00:00.500Z',
    duration: seconds, stats, availability: { expected: null, actual: stats.availability, valid: true },
    net: { all: { sendCount: 0, recvCount: 0, msgCount: 0, msgsPerOp: null }, clients: { sendCount: 0, recvCount: 0, msgCount: 0 }, servers: { sendCount: 0, recvCount: 0, msgCount: 0, msgsPerOp: null }, dropped: 0, lostToDeadNodes: 0, undeliverable: 0, forgedSrc: 0 },
    linearizability: lin,
    partitions: [{ start: 10, stop: 20, kind: 'majority', grudge: {}, description: 'n0 | n1 n2' }],
    nemesis: [],
    faults: [{ fault: 'kill', node: 'n1', start: 30, stop: 31.5, spec: 'one' }, { fault: 'pause', node: 'n2', start: 50, stop: 52 }],
    problems: [],
    files: {},
  };
}

describe('a 500,000-operation history', () => {
  const seconds = 100;
  const history = syntheticHistory({ seconds, rate: 5000, threads: 120, nodes: 3, infoFraction: 0.01, seed: 3 });
  const ops = history.length / 2;

  it('goes through statistics, plots and the report with bounded outputs', async () => {
    expect(ops).toBeGreaterThan(499_000);
    const t0 = performance.now();
    const r = resultsFor(history, seconds);
    expect(r.stats.count).toBe(ops);
    expect(r.stats.ok + r.stats.fail + r.stats.info).toBe(ops);
    expect(r.stats.latency.count).toBe(r.stats.ok);
    expect(r.verdict).toBe('valid');
    expect(r.linearizability.keyCount).toBeGreaterThan(20);
    const sh = { partitions: r.partitions, faults: r.faults };
    for (const [name, text] of [
      ['latency', latencySvg(history, sh, 't')],
      ['quantiles', latencyQuantilesSvg(history, sh, 't')],
      ['rate', rateSvg(history, sh, 't')],
      ['timeline', timelineHtml(history, sh, 't')],
    ] as const) {
      expect(text.length, name).toBeGreaterThan(1000);
      expect(text.length, name).toBeLessThan(8_000_000);
    }
    // results.json, the plots, linear.svg (none here) and the report, as the bench writes them after a run.
    const dir = join(root, 'run');
    mkdirSync(join(dir, 'node-logs'), { recursive: true });
    r.files = { ...BASE_FILES };
    await writeAnalysis(dir, r, history);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html.length).toBeLessThan(20_000_000);
    expect(html).toContain('id="latency-sampled"');
    expect(html).toContain('id="timeline-capped"');
    expect(html).toContain('class="verdict verdict-valid"');
    expect(html).toContain(`<tr><th>operations</th><td>${ops}</td></tr>`);
    expect(html).toContain('id="latency-quantiles"');
    expect(html).toContain('id="rate"');
    expect(html).toContain('class="node-fault node-kill"');
    expect(statSync(join(dir, 'latency-quantiles.svg')).size).toBeLessThan(1_000_000);
    const seconds_ = (performance.now() - t0) / 1000;
    expect(seconds_).toBeLessThan(120); // a sanity bound, not a benchmark (npm run bench:scale measures)
  }, 180_000);

  it('and the checker finds, and explains in a few operations, a read of a value nobody wrote in one of its keys', () => {
    const reads = history.filter((e) => e.type === 'ok' && e.f === 'read' && e.value !== null);
    const victim = reads[Math.floor(reads.length * 0.9)]!;
    const was = victim.value;
    victim.value = 7;
    try {
      // That key's operations only (the whole history was checked above; keys are checked on their own).
      const r = checkLinearizable(history.filter((e) => e.key === victim.key), { timeLimit: 120 });
      expect(r.valid).toBe(false);
      expect(r.failures.map((f) => f.key)).toEqual([victim.key]);
      const f = r.failures[0]!;
      expect(f.core!.length).toBeLessThanOrEqual(3);
      expect(f.culprit).toMatch(/read 7 /);
    } finally {
      victim.value = was;
    }
  }, 120_000);
});
