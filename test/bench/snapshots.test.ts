// The bench notes the snapshots nodes report on stderr, and the report and
// summary show them.
import { describe, expect, it } from 'vitest';
import { Network } from '../../src/bench/net.js';
import { Rng } from '../../src/core/random.js';
import { renderReport, type ResultsLike } from '../../src/viz/report.js';

describe('snapshots in bench results', () => {
  it('notes taken and installed snapshots from node log lines, and nothing else', () => {
    const net = new Network({ latency: 0, latencyDist: 'constant', rng: new Rng(1) });
    net.noteNodeLine('n0', '2026-11-27T10:00:00.000Z INFO snapshot index=40 term=2 bytes=512 entries=40');
    net.noteNodeLine('n1', 'INFO installed snapshot index=40 term=2 bytes=512');
    net.noteNodeLine('n1', 'INFO role=follower term=2');
    net.noteNodeLine('n2', 'WARN snapshot index=abc term=2 bytes=1');
    expect(net.snapshotCounts).toEqual({ n0: { taken: 1, installed: 0 }, n1: { taken: 0, installed: 1 } });
    expect(net.snapshots.map((e) => [e.node, e.kind, e.index, e.term, e.bytes])).toEqual([
      ['n0', 'taken', 40, 2, 512],
      ['n1', 'installed', 40, 2, 512],
    ]);
  });

  it('the report lists them and marks them on the role lanes', () => {
    const results = {
      workload: 'lin-kv',
      verdict: 'valid',
      nodes: ['n0', 'n1'],
      historyStartedAt: '2026-11-27T10:00:00.000Z',
      duration: 3,
      snapshots: [
        { node: 'n0', time: 1.5, kind: 'taken', index: 40, term: 2, bytes: 512 },
        { node: 'n1', time: 2.5, kind: 'installed', index: 40, term: 2, bytes: 512 },
      ],
      snapshotCounts: { n0: { taken: 1, installed: 0 }, n1: { taken: 0, installed: 1 } },
    } as unknown as ResultsLike;
    const logs = { n0: '2026-11-27T10:00:00.100Z INFO n0 role=leader term=2\n', n1: '2026-11-27T10:00:00.100Z INFO n1 role=follower term=2\n' };
    const html = renderReport({ results, history: [], nodeLogs: logs, links: {}, readProblems: [] });
    expect(html).toContain('<section id="snapshots">');
    expect(html).toContain('class="snapshot-mark snapshot-taken"');
    expect(html).toContain('class="snapshot-mark snapshot-installed"');
    expect(html).toMatch(/<tr class="snapshot snapshot-installed"><td>2\.50 s<\/td><td><code>n1<\/code><\/td>/);
    const none = renderReport({ results: { ...results, snapshots: [], snapshotCounts: {} } as ResultsLike, history: [], nodeLogs: logs, links: {}, readProblems: [] });
    expect(none).not.toContain('<section id="snapshots">');
  });
});
