// The run report without a browser: parsing, pairing, self-containment, and
// what it does with an incomplete run directory.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  flaggedOps,
  forEachLine,
  historyZero,
  MAX_POINTS,
  MAX_TIMELINE_OPS,
  pairOperations,
  parseRoleSpans,
  readJsonLines,
  readRunDir,
  renderReport,
  timelineSelection,
  writeRunReport,
  type HistoryEventLike,
  type ResultsLike,
} from '../../src/viz/report.js';
import { writeHandmadeRun } from './fixture.js';

describe('run report', () => {
  it('pairs invocations with completions per process; an op with no completion stays pending', () => {
    const ops = pairOperations([
      { index: 0, type: 'invoke', process: 0, f: 'write', key: 1, value: 5, time: 1e9 },
      { index: 1, type: 'invoke', process: 1, f: 'read', key: 1, value: null, time: 1.5e9 },
      { index: 2, type: 'ok', process: 0, f: 'write', key: 1, value: 5, time: 2e9 },
      { index: 3, type: 'info', process: 1, f: 'read', key: 1, value: null, time: 3e9, error: 'net-timeout' },
      { index: 4, type: 'invoke', process: 2, f: 'cas', key: 1, value: [5, 6], time: 3.5e9 },
    ]);
    expect(ops.map((o) => [o.id, o.outcome, o.start, o.end])).toEqual([
      [0, 'ok', 1, 2],
      [1, 'info', 1.5, 3],
      [4, 'pending', 3.5, null],
    ]);
  });

  it('reads role and term changes from node logs, ignoring other lines and other binaries', () => {
    const spans = parseRoleSpans(
      {
        'n1.log': [
          '2026-01-01T00:00:01.000Z info n1 initialised as n1 of n1,n2',
          '2026-01-01T00:00:01.000Z info n1 role=follower term=0',
          '2026-01-01T00:00:02.400Z info n1 role=precandidate term=0',
          '2026-01-01T00:00:02.500Z info n1 role=candidate term=1',
          'garbage line role=leader',
          '2026-01-01T00:00:02.600Z info n1 role=leader term=1',
        ].join('\n'),
        'n2.log': 'some other binary logging whatever it likes\n',
      },
      Date.parse('2026-01-01T00:00:00.000Z'),
    );
    expect([...spans.keys()]).toEqual(['n1']);
    expect(spans.get('n1')!.map((s) => [s.role, s.term, s.start, s.end])).toEqual([
      ['follower', 0, 1, 2.4],
      ['precandidate', 0, 2.4, 2.5],
      ['candidate', 1, 2.5, 2.6],
      ['leader', 1, 2.6, null],
    ]);
  });

  it('puts history time 0 at historyStartedAt, else the last init line of our nodes, else startedAt', () => {
    const logs = {
      'n0.log': '2026-01-01T00:00:01.200Z info n0 initialised as n0 of n0,n1\n',
      'n1.log': '2026-01-01T00:00:01.300Z info n1 initialised as n1 of n0,n1\n',
    };
    const startedAt = '2026-01-01T00:00:00.000Z';
    expect(historyZero({ startedAt, historyStartedAt: '2026-01-01T00:00:01.305Z' }, logs)).toEqual({ ms: Date.parse('2026-01-01T00:00:01.305Z'), how: 'historyStartedAt' });
    expect(historyZero({ startedAt }, logs)).toEqual({ ms: Date.parse('2026-01-01T00:00:01.300Z'), how: 'init' });
    expect(historyZero({ startedAt }, { 'n0.log': 'other binary\n' })).toEqual({ ms: Date.parse(startedAt), how: 'startedAt' });
    expect(historyZero({}, {}).how).toBe('none');
  });

  it('takes the flagged operations and the culprit from the checker failures', () => {
    const { ops, culprits } = flaggedOps([{ key: 1, culprit: 'c3 (process 3) read 2 between 1s and 2s [history #17]', ops: [4, 9, 17] }]);
    expect([...ops].sort((a, b) => a - b)).toEqual([4, 9, 17]);
    expect([...culprits]).toEqual([17]);
  });

  it('is self-contained and deterministic', () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftchart-report-'));
    writeHandmadeRun(dir, { invalid: true });
    const a = renderReport(readRunDir(dir));
    const b = renderReport(readRunDir(dir));
    expect(a).toBe(b);
    // Nothing loaded from anywhere: no src=, no stylesheet links, no URLs but the SVG namespace.
    expect(a).not.toMatch(/<(script|img|iframe)[^>]*\ssrc=/i);
    expect(a).not.toMatch(/<link\s/i);
    expect(a.replace(/http:\/\/www\.w3\.org\/2000\/svg/g, '')).not.toMatch(/https?:\/\//);
    expect(a).toContain('id="failures"');
    expect(a).toContain('class="verdict verdict-invalid"');
  });

  it('renders an empty or broken run directory, saying what is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftchart-report-empty-'));
    await writeRunReport(dir);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('no results.json in the run directory');
    expect(html).toContain('no history file in the run directory');
    expect(html).toContain('verdict-unknown');
  });
});

describe('run report: faults, labels, plots and size bounds', () => {
  const run = (results: Record<string, unknown>, history: HistoryEventLike[] = []) =>
    renderReport({ results: results as ResultsLike, history, nodeLogs: {}, links: {}, readProblems: [] });
  const ops = (n: number, process = (i: number) => i % 10): HistoryEventLike[] => {
    const h: HistoryEventLike[] = [];
    for (let i = 0; i < n; i++) {
      h.push({ index: h.length, type: 'invoke', process: process(i), f: 'read', key: 0, value: null, time: i * 1e6 });
      h.push({ index: h.length, type: 'ok', process: process(i), f: 'read', key: 0, value: 1, time: i * 1e6 + 5e5 });
    }
    return h;
  };

  it('draws kill and pause periods on the node lanes and the plots, and lists the nemesis operations', () => {
    const html = run(
      {
        workload: 'lin-kv', verdict: 'valid', nodes: ['n0', 'n1'], duration: 10,
        faults: [{ fault: 'kill', node: 'n1', start: 2, stop: 4, spec: 'one' }, { fault: 'pause', node: 'n0', start: 5, stop: 6, spec: 'all' }],
        nemesis: [
          { at: 1.9, time: 2, f: 'kill', spec: 'one', nodes: ['n1'] },
          { at: 3.9, time: 4, f: 'start', nodes: ['n1'] },
          { at: 9.5, time: null, f: 'pause', spec: 'one', nodes: ['n0'] },
          { at: null, time: 10.1, f: 'resume', final: true, nodes: [] },
        ],
      },
      ops(50),
    );
    expect(html.match(/class="node-fault node-kill"/g)?.length).toBe(1);
    expect(html.match(/class="node-fault node-pause"/g)?.length).toBe(1);
    expect(html).toContain('class="fault fault-kill"');
    expect(html).toMatch(/<tr class="nemesis-op nemesis-pause"><td>9\.50 s<\/td><td>not done \(run over\)<\/td>/);
    expect(html).toContain('<td>final heal</td>');
    expect(html).toContain('id="fault-periods"');
    // A lane per faulted node even without role lines (any binary).
    expect(html).toMatch(/<g class="role-lane" data-node="n1">/);
  });

  it('labels a memory-only run, says what went wrong, and lists warnings', () => {
    const html = run({ workload: 'lin-kv', verdict: 'unknown', memoryOnly: true, cause: 'node n1 crashed at 1.00 s: boom', warnings: ['n1 sent 3 message(s) under another id'] });
    expect(html).toContain('id="memory-only"');
    expect(html).toMatch(/<p class="cause" id="cause"><strong>What went wrong:<\/strong> node n1 crashed at 1\.00 s: boom<\/p>/);
    expect(html).toContain('warning: n1 sent 3 message(s) under another id');
    expect(run({ workload: 'lin-kv', verdict: 'valid' })).not.toContain('id="memory-only"');
  });

  it('inlines the latency-quantiles and rate plots when the run has them', () => {
    const html = renderReport({ results: { verdict: 'valid' }, history: [], nodeLogs: {}, plots: { 'latency-quantiles.svg': '<svg id="q"></svg>', 'rate.svg': '<svg id="r"></svg>' } });
    expect(html).toContain('<section id="latency-quantiles">');
    expect(html).toContain('<svg id="q"></svg>');
    expect(html).toContain('<svg id="r"></svg>');
  });

  it('stays bounded on a large history: sampled latency points, a capped timeline (flagged operations kept)', () => {
    const n = 60_000;
    const h = ops(n, (i) => i % 500);
    const flaggedId = h[2 * (n - 3)]!.index; // an invoke near the end
    const html = run({ workload: 'lin-kv', verdict: 'invalid', duration: n / 1000, linearizability: { valid: false, failures: [{ key: 0, culprit: `x [history #${flaggedId}]`, ops: [flaggedId] }] } }, h);
    expect(html).toContain('id="latency-sampled"');
    expect(html).toContain('id="timeline-capped"');
    const points = html.match(/<circle class="op /g)?.length ?? 0;
    expect(points).toBeGreaterThan(MAX_POINTS / 2);
    expect(points).toBeLessThanOrEqual(MAX_POINTS + 1);
    const inTimeline = html.slice(html.indexOf('id="ops-timeline"')).match(/<g class="op /g)?.length ?? 0;
    expect(inTimeline).toBeLessThanOrEqual(MAX_TIMELINE_OPS + 1 + 1); // + the flagged one (and its zoom is elsewhere)
    expect(html).toContain(`data-op="${flaggedId}"`);
    expect(html.length).toBeLessThan(15_000_000);
    const sel = timelineSelection(pairOperations(h), new Set([flaggedId]));
    expect(sel.shown.length).toBe(MAX_TIMELINE_OPS + 1);
  });

  it('reads JSON lines in chunks, whatever falls on a chunk boundary', () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftchart-jsonl-'));
    const path = join(dir, 'h.jsonl');
    const rows = Array.from({ length: 500 }, (_, i) => ({ i, s: 'é'.repeat(i % 7), z: '→' }));
    writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n\n');
    for (const chunk of [7, 13, 64, 1000, 1 << 20]) {
      const got: string[] = [];
      forEachLine(path, (l) => got.push(l), chunk);
      expect(got.filter((l) => l !== '').map((l) => JSON.parse(l) as unknown)).toEqual(rows);
    }
    writeFileSync(path, '{"a":1}\nnot json\n{"a":2}');
    const problems: number[] = [];
    expect(readJsonLines(path, (line) => problems.push(line))).toEqual([{ a: 1 }, { a: 2 }]);
    expect(problems).toEqual([2]);
  });
});
