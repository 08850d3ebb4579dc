// Process-level txn-list-append runs: a node with no replication must be
// flagged invalid by the list-append checker; our Raft node must pass.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../src/bench/options.js';
import { runTest } from '../../src/bench/runner.js';
import type { BenchResults } from '../../src/bench/types.js';
import type { TxnCheckerResult } from '../../src/bench/workloads/txn-list-append.js';

const root = join(import.meta.dirname, '..', '..');
const store = mkdtempSync(join(tmpdir(), 'raftchart-txn-test-'));
afterAll(() => rmSync(store, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ results: BenchResults; dir: string }> {
  const r = parseArgs(['-w', 'txn-list-append', '--store', store, ...args]);
  if (r.help) throw new Error('help');
  return runTest(r.options, true);
}

describe('txn-list-append runs', () => {
  it('parses Maelstrom’s txn-list-append flags with their defaults', () => {
    const p = parseArgs(['-w', 'txn-list-append', '--bin', join(root, 'bin', 'raft')]);
    expect(!p.help && p.options.txnListAppend).toEqual({
      keyCount: 10,
      maxTxnLength: 4,
      maxWritesPerKey: 16,
      consistencyModel: 'strict-serializable',
    });
    const q = parseArgs(['-w', 'txn-list-append', '--bin', join(root, 'bin', 'raft'), '--key-count', '3', '--max-txn-length', '2',
      '--max-writes-per-key', '8', '--consistency-models', 'serializable']);
    expect(!q.help && q.options.txnListAppend).toEqual({ keyCount: 3, maxTxnLength: 2, maxWritesPerKey: 8, consistencyModel: 'serializable' });
    expect(() => parseArgs(['-w', 'txn-list-append', '--bin', join(root, 'bin', 'raft'), '--consistency-models', 'snapshot-isolation'])).toThrow(UsageError);
  });

  it('flags a node that applies txns locally, without replication, invalid', async () => {
    const { results, dir } = await run([
      '--bin', join(root, 'test', 'fixtures', 'txn-local-node.mjs'),
      '--node-count', '3', '--concurrency', '2n', '--rate', '100', '--time-limit', '3', '--seed', '1',
    ]);
    expect(results.verdict).toBe('invalid');
    const c = results.linearizability as TxnCheckerResult;
    expect(c.listAppend.valid).toBe(false);
    expect(c.listAppend.anomalyTypes).toContain('incompatible-order');
    expect(results.reasons.some((r) => /incompatible-order/.test(r))).toBe(true);
    const saved = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { linearizability: TxnCheckerResult };
    expect(saved.linearizability.listAppend.anomalies.length).toBeGreaterThan(0);
  }, 20_000);

  it('passes our Raft node (strict-serializable, reads through the log)', async () => {
    const { results } = await run([
      '--bin', join(root, 'bin', 'raft'),
      '--node-count', '3', '--concurrency', '2n', '--rate', '50', '--time-limit', '3', '--seed', '2',
    ]);
    const c = results.linearizability as TxnCheckerResult;
    expect(c.listAppend.anomalies).toEqual([]);
    expect(results.verdict).toBe('valid');
    expect(c.listAppend.txns.ok).toBeGreaterThan(50);
  }, 20_000);
});
