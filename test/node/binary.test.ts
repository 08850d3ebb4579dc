// Drives the real bin/raft process over stdin/stdout as a single-node cluster.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/raft', import.meta.url));

class Proc {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: Record<string, unknown>[] = [];
  stderr = '';
  nonJson: string[] = [];
  private waiters: (() => void)[] = [];

  constructor() {
    this.child = spawn(BIN, [], { env: { ...process.env, RAFT_ELECTION_MS: '50-100' } });
    let buf = '';
    this.child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          this.lines.push(JSON.parse(line));
        } catch {
          this.nonJson.push(line);
        }
        this.waiters.splice(0).forEach((w) => w());
      }
    });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
  }

  write(x: unknown): void {
    this.child.stdin.write(typeof x === 'string' ? `${x}\n` : `${JSON.stringify(x)}\n`);
  }

  async reply(inReplyTo: number, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.lines.find((l) => (l.body as { in_reply_to?: number }).in_reply_to === inReplyTo);
      if (m) return m.body as Record<string, unknown>;
      if (Date.now() > deadline) throw new Error(`no reply to ${inReplyTo}; stderr:\n${this.stderr}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  /** Sends a request and waits for its answer, retrying while the node has no leader yet (error 11). */
  async call(body: Record<string, unknown>, msgId: number): Promise<Record<string, unknown>> {
    this.write({ src: 'c1', dest: 'n0', body: { ...body, msg_id: msgId } });
    return this.reply(msgId);
  }
}

describe('bin/raft as a single-node cluster', () => {
  let p: Proc;
  beforeAll(() => {
    p = new Proc();
  });
  afterAll(() => {
    p.child.kill();
  });

  it('answers init quickly', async () => {
    const t0 = Date.now();
    p.write({ src: 'c0', dest: 'n0', body: { type: 'init', msg_id: 1, node_id: 'n0', node_ids: ['n0'] } });
    expect(await p.reply(1)).toEqual({ type: 'init_ok', in_reply_to: 1 });
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('serves write, read and cas with lin-kv error codes', async () => {
    // Wait until the node has elected itself (it answers 11 until then).
    let id = 100;
    for (;;) {
      const r = await p.call({ type: 'read', key: 'warmup' }, ++id);
      if (r.code !== 11) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await p.call({ type: 'read', key: 1 }, 2)).toMatchObject({ type: 'error', code: 20 });
    expect(await p.call({ type: 'write', key: 1, value: 3 }, 3)).toEqual({ type: 'write_ok', in_reply_to: 3 });
    expect(await p.call({ type: 'read', key: 1 }, 4)).toEqual({ type: 'read_ok', value: 3, in_reply_to: 4 });
    expect(await p.call({ type: 'cas', key: 1, from: 2, to: 9 }, 5)).toMatchObject({ type: 'error', code: 22 });
    expect(await p.call({ type: 'cas', key: 2, from: 2, to: 9 }, 6)).toMatchObject({ type: 'error', code: 20 });
    expect(await p.call({ type: 'cas', key: 1, from: 3, to: 9 }, 7)).toEqual({ type: 'cas_ok', in_reply_to: 7 });
  });

  it('survives a burst of garbage, answering 12 or 10 where it can, and keeps its state', async () => {
    const garbage = [
      'not json at all',
      '{"unterminated": ',
      '[1,2,3]',
      '42',
      'null',
      '"a string"',
      '{}',
      '{"src":"c1","dest":"n0"}',
      '{"src":"c1","dest":"n0","body":[]}',
      '{"src":"c1","dest":"n0","body":{"msg_id":"x"}}',
      '{"src":"c1","dest":"n0","body":{"type":7,"msg_id":1}}',
      '\u0000\u0001\u0002',
      '{"src":"c1","dest":"n0","body":{"type":"append_entries","term":-1}}',
      '{"src":"n9","dest":"n0","body":{"type":"request_vote","term":99,"candidate_id":"n9","last_log_index":0,"last_log_term":0}}',
      '{"src":"c1","dest":"n0","body":{"type":"__proto__","msg_id":13}}',
      JSON.stringify({ src: 'c1', dest: 'n0', body: { type: 'read', msg_id: 1e20 } }),
      'x'.repeat(100_000),
    ];
    for (const g of garbage) p.write(g);
    p.write({ src: 'c1', dest: 'n0', body: { type: 'write', msg_id: 20, key: 1 } }); // no value
    p.write({ src: 'c1', dest: 'n0', body: { type: 'cas', msg_id: 21, key: [1], from: 1, to: 2 } }); // bad key
    p.write({ src: 'c1', dest: 'n0', body: { type: 'frobnicate', msg_id: 22 } }); // unknown type
    p.write({ src: 'c1', dest: 'n0', body: { type: 'append_entries', msg_id: 23, term: 1 } }); // missing fields
    expect(await p.reply(20)).toMatchObject({ type: 'error', code: 12 });
    expect(await p.reply(21)).toMatchObject({ type: 'error', code: 12 });
    expect(await p.reply(22)).toMatchObject({ type: 'error', code: 10 });
    expect(await p.reply(23)).toMatchObject({ type: 'error', code: 12 });
    expect(await p.reply(13)).toMatchObject({ type: 'error', code: 10 });

    // Still serving, state intact, term not disturbed by the non-member's vote request.
    expect(await p.call({ type: 'read', key: 1 }, 30)).toEqual({ type: 'read_ok', value: 9, in_reply_to: 30 });
    expect(await p.call({ type: 'write', key: 'b', value: [1, { x: 2 }] }, 31)).toEqual({ type: 'write_ok', in_reply_to: 31 });
    expect(await p.call({ type: 'read', key: 'b' }, 32)).toEqual({ type: 'read_ok', value: [1, { x: 2 }], in_reply_to: 32 });
    expect(p.child.exitCode).toBeNull();
    // Nothing but messages on stdout.
    expect(p.nonJson).toEqual([]);
    for (const l of p.lines) expect(Object.keys(l).sort()).toEqual(['body', 'dest', 'src']);
    // The repro cases of hostile input: a line of 20,000 nested brackets, a
    // write whose value nests 10,000 deep, a transaction on a scalar.
    p.write(`${'['.repeat(20_000)}${']'.repeat(20_000)}`);
    p.write(`{"src":"c1","dest":"n0","body":{"type":"write","msg_id":40,"key":"d","value":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`);
    expect(await p.reply(40)).toMatchObject({ type: 'error', code: 12 });
    expect(await p.call({ type: 'write', key: 's', value: 5 }, 41)).toEqual({ type: 'write_ok', in_reply_to: 41 });
    expect(await p.call({ type: 'txn', txn: [['append', 's', 1]] }, 42)).toMatchObject({ type: 'error', code: 22 });
    // ... after which the node still applies and answers.
    expect(await p.call({ type: 'txn', txn: [['append', 't', 1], ['r', 't', null]] }, 43)).toEqual({ type: 'txn_ok', txn: [['append', 't', 1], ['r', 't', [1]]], in_reply_to: 43 });
    expect(await p.call({ type: 'read', key: 's' }, 44)).toEqual({ type: 'read_ok', value: 5, in_reply_to: 44 });
    expect(p.child.exitCode).toBeNull();
    // Every bad line was reported on stderr, in one line each (no crash traces).
    expect(p.stderr).toMatch(/malformed JSON; no src and msg_id to answer/);
    expect(p.stderr).not.toMatch(/internal error|TypeError|stopped/);
  });
});
