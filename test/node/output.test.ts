// bin/raft's output (src/maelstrom/output.ts): asynchronous, and bounded.
// A reader that stops reading does not freeze the node (its timers keep
// running), and once more than a megabyte of output waits the node stops
// reading input, so that its memory stays bounded; when the reader reads
// again, every answer arrives, whole and in order.
import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openOutput } from '../../src/maelstrom/output.js';

const BIN = fileURLToPath(new URL('../../bin/raft', import.meta.url));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('output with a bound', () => {
  it('tells the caller to stop reading above the high-water mark, and to go on once drained', async () => {
    let release: (() => void) | undefined;
    const sink = new Writable({
      highWaterMark: 16,
      write(_chunk, _enc, cb) {
        release = cb; // completes only when the test says so: a reader that lags
      },
    });
    const pressure: boolean[] = [];
    const out = openOutput({ onPressure: (h) => pressure.push(h), onError: () => undefined }, sink, 100);
    out.write('x'.repeat(60));
    expect(pressure).toEqual([]);
    out.write('y'.repeat(60)); // 120 bytes wait: above 100
    expect(pressure).toEqual([true]);
    out.write('z'.repeat(60));
    out.write('w'.repeat(60));
    expect(pressure).toEqual([true]);
    while (sink.writableLength > 0) {
      release!();
      await sleep(0);
    }
    expect(pressure).toEqual([true, false]);
  });

  it('bin/raft keeps running while its reader lags, stops reading input, then delivers every answer', async () => {
    const child = spawn(BIN, [], { env: { ...process.env, RAFT_LOG: 'debug', RAFT_ELECTION_MS: '100-150' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const preVotes = () => (stderr.match(/asking for pre-votes/g) ?? []).length;
    try {
      // A node of three whose peers never answer: it asks for pre-votes on every election timeout.
      child.stdin.write(`${JSON.stringify({ src: 'c0', dest: 'n0', body: { type: 'init', msg_id: 1, node_id: 'n0', node_ids: ['n0', 'n1', 'n2'] } })}\n`);
      // Requests answered at once with error 11 (no leader): about 4 MB of answers.
      const N = 60_000;
      const lines: string[] = [];
      for (let i = 0; i < N; i++) lines.push(JSON.stringify({ src: 'c1', dest: 'n0', body: { type: 'read', msg_id: 10 + i, key: i % 7 } }));
      child.stdout.pause(); // nobody reads stdout
      for (let i = 0; i < N; i += 500) child.stdin.write(`${lines.slice(i, i + 500).join('\n')}\n`);
      // The node stops reading its input: what we wrote stays queued on our side
      // (a node that read on would have taken all of it within a few seconds).
      const t0 = Date.now();
      let last = -1;
      let still = 0;
      while (Date.now() - t0 < 25_000 && child.stdin.writableLength > 0 && (still < 6 || Date.now() - t0 < 8000)) {
        await sleep(500);
        const queued = child.stdin.writableLength;
        still = queued === last ? still + 1 : 0;
        last = queued;
      }
      expect(child.stdin.writableLength).toBeGreaterThan(1_000_000);
      // ...and its timers keep running.
      const before = preVotes();
      const deadline1 = Date.now() + 10_000;
      while (preVotes() - before < 4 && Date.now() < deadline1) await sleep(50);
      expect(preVotes() - before).toBeGreaterThanOrEqual(4);
      // Now read everything.
      let buf = '';
      const answers: number[] = [];
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const m = JSON.parse(buf.slice(0, i)) as { dest: string; body: { type: string; in_reply_to?: number; code?: number } };
          buf = buf.slice(i + 1);
          if (m.dest === 'c1') {
            expect(m.body).toMatchObject({ type: 'error', code: 11 });
            answers.push(m.body.in_reply_to!);
          }
        }
      });
      child.stdout.resume();
      const deadline2 = Date.now() + 30_000;
      while (answers.length < N && Date.now() < deadline2) await sleep(50);
      expect(answers.length).toBe(N);
      expect(answers.every((x, i) => x === 10 + i)).toBe(true);
      expect(stderr).not.toMatch(/FATAL|internal error/);
    } finally {
      child.kill();
    }
  }, 70_000);
});
