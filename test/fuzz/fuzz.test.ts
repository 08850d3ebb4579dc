// Fuzzes the real bin/raft with 10,000+ hostile lines per cluster shape
// (test/fuzz/lines.ts says what each line is and what it requires), and
// checks what a client sees: the processes stay up, stdout carries only
// messages, every bad request that names its sender and msg_id is answered
// 12 or 10, and every acknowledged value reads back unchanged.
// `npm run fuzz -- --lines N` runs the same for longer, printing figures.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DestsBeforeInit, runFuzz, type FuzzReport } from './harness.js';

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

  it('before init a node answers a line whose dest was mutated as that dest, and that is not bad output (seed 77)', { timeout: 120_000 }, async () => {
    // Seed 77's lines before init include dest "n1" and "n2" mutated to "n":
    // the nodes answer error 11 as "n", as they must without an id.
    const r = await runFuzz({ bin: BIN, nodeCount: 3, lines: 2_000, seed: 77 });
    expectClean(r, 2_000);
  });
});

describe('the fuzz harness itself', () => {
  it('excuses an answer as a mutated dest only before init, only from the process sent that dest', () => {
    const b = new DestsBeforeInit();
    b.sent('n1', '{"src":"cf1","dest":"n","body":{"type":"read","key":1,"msg_id":5}}');
    b.sent('n2', '{"src":"cf1","dest":"n2x","body":{"type":"re'); // broken JSON: the scanned dest
    const answer = (src: string) => JSON.stringify({ src, dest: 'cf1', body: { type: 'error', code: 11, in_reply_to: 5 } });
    expect(b.excuses('n1', answer('n'))).toBe(true);
    expect(b.excuses('n2', answer('n2x'))).toBe(true);
    expect(b.excuses('n2', answer('n'))).toBe(false);
    expect(b.excuses('n1', answer('n9'))).toBe(false);
    expect(b.excuses('n1', 'not json')).toBe(false);
    expect(b.excuses('n1', JSON.stringify({ src: 'n', dest: 'cf1', body: 'error' }))).toBe(false);
    expect(b.excuses('n1', JSON.stringify({ src: 'n', body: { type: 'error' } }))).toBe(false);
    b.initialised = true;
    expect(b.excuses('n1', answer('n'))).toBe(false);
  });

  it('reports an answer from a mutated dest after init as bad output (a node that always answers as the dest)', { timeout: 120_000 }, async () => {
    const r = await runFuzz({ bin: fileURLToPath(new URL('../fixtures/dest-as-src-node.mjs', import.meta.url)), nodeCount: 1, lines: 3_000, seed: 1 });
    expect(r.exited).toEqual([]);
    expect(r.badOutput.length).toBeGreaterThan(0);
    expect(r.badOutput.every((l) => l.startsWith('n0: ') && !l.includes('"src":"n0"'))).toBe(true);
  });
});
