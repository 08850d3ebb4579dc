// The run report without a browser: parsing, pairing, self-containment, and
// what it does with an incomplete run directory.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flaggedOps, historyZero, pairOperations, parseRoleSpans, readRunDir, renderReport, writeRunReport } from '../../src/viz/report.js';
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
