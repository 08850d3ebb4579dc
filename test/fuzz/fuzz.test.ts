// Fuzzes the real bin/raft with 10,000+ hostile lines per cluster shape
// (test/fuzz/lines.ts says what each line is and what it requires), and
// checks what a client sees: the processes stay up, stdout carries only
// messages, every bad request that names its sender and msg_id is answered
// 12 or 10, and every acknowledged value reads back unchanged.
// `npm run fuzz -- --lines N` runs the same for longer, printing figures.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runFuzz, type FuzzReport } from './harness.js';

const BIN = fileURLToPath(new URL('../../bin/raft', import.meta.url));

function expectClean(r: FuzzReport, lines: number): void {
  expect(r.exited).toEqual([]);
  expect(r.badOutput).toEqual([]);
  expect(r.wrongAnswers).toEqual([]);
  expect(r.unanswered).toBe(0);
  expect(r.lost).toEqual([]);
  expect(r.stderrErrors).toEqual([]);
  // The situations arose: all lines went in, bad requests were answered with
  // both codes, and values were acknowledged to be read back.
  expect(r.lines).toBe(lines);
  expect(r.replies['error 12'] ?? 0).toBeGreaterThan(lines / 10);
  expect(r.replies['error 10'] ?? 0).toBeGreaterThan(lines / 100);
  expect(r.acked).toBeGreaterThan(lines / 100);
}

describe('bin/raft under hostile input (fast-check)', () => {
  it('a one-node cluster survives 10,000 generated and mutated lines, answers every bad request 12 or 10, and loses nothing', { timeout: 120_000 }, async () => {
    const r = await runFuzz({ bin: BIN, nodeCount: 1, lines: 10_000, seed: 1 });
    expectClean(r, 10_000);
  });

  it('so does a three-node cluster, with lines spread over all three nodes', { timeout: 120_000 }, async () => {
    const r = await runFuzz({ bin: BIN, nodeCount: 3, lines: 10_000, seed: 2 });
    expectClean(r, 10_000);
  });
});
