// The protocol layer's bounds on input lines and on requests that would
// become log entries (src/maelstrom/node.ts handleLine, entryProblem).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RaftNode, type Message } from '../../src/maelstrom/node.js';
import { VirtualClock } from '../../src/runtime/clock.js';
import type { InputLimits } from '../../src/maelstrom/codec.js';

function node(limits: Partial<InputLimits>): { n: RaftNode; out: Message[]; line: (body: Record<string, unknown>) => void; raw: (text: string) => void } {
  const out: Message[] = [];
  const n = new RaftNode({ clock: new VirtualClock(0), output: (m) => out.push(m), logLevel: 'error', limits });
  n.handleLine(JSON.stringify({ src: 'c0', dest: 'n0', body: { type: 'init', msg_id: 1, node_id: 'n0', node_ids: ['n0', 'n1', 'n2'] } }));
  return {
    n,
    out,
    line: (body) => n.handleLine(JSON.stringify({ src: 'c1', dest: 'n0', body })),
    raw: (text) => n.handleLine(text),
  };
}

const answerTo = (out: Message[], id: number) => out.find((m) => m.dest === 'c1' && m.body.in_reply_to === id)?.body;

describe('input limits', () => {
  it('refuses a line longer than RAFT_MAX_LINE_BYTES, counted in UTF-8 bytes, and takes one at the limit', () => {
    const { out, raw } = node({ maxLineBytes: 1024 });
    const make = (id: number, pad: string) => `{"src":"c1","dest":"n0","body":{"type":"write","msg_id":${id},"key":1,"value":"${pad}"}}`;
    const fixed = make(1, '').length;
    // 3-byte characters: the line's length in UTF-16 units is a third of its bytes.
    const over = make(1, '\u20ac'.repeat(Math.ceil((1025 - fixed) / 3)));
    expect(Buffer.byteLength(over)).toBeGreaterThan(1024);
    expect(over.length).toBeLessThan(1024);
    raw(over);
    expect(answerTo(out, 1)).toMatchObject({ type: 'error', code: 12 });
    expect(String(answerTo(out, 1)!.text)).toMatch(/exceeds RAFT_MAX_LINE_BYTES=1024/);
    const atLimit = make(2, 'x'.repeat(1024 - fixed));
    expect(Buffer.byteLength(atLimit)).toBe(1024);
    raw(atLimit);
    // Not refused for its length (no leader known yet: 11).
    expect(answerTo(out, 2)).toMatchObject({ type: 'error', code: 11 });
  });

  it('refuses a request whose entry would exceed RAFT_MAX_ENTRY_BYTES, measured as the JSON it re-encodes to, even from a short line', () => {
    const { out, line, raw } = node({ maxEntryBytes: 64 });
    line({ type: 'write', msg_id: 1, key: 1, value: 'x'.repeat(80) });
    expect(answerTo(out, 1)).toMatchObject({ type: 'error', code: 12 });
    expect(String(answerTo(out, 1)!.text)).toMatch(/exceeds RAFT_MAX_ENTRY_BYTES=64/);
    // 1e20 re-encodes as 100000000000000000000: the body grows from 52 to 85 bytes.
    const short = '{"src":"c1","dest":"n0","body":{"type":"write","msg_id":2,"key":1,"value":[1e20,1e20]}}';
    expect(JSON.stringify(JSON.parse(short).body).length).toBeGreaterThan(64);
    raw(short);
    expect(answerTo(out, 2)).toMatchObject({ type: 'error', code: 12 });
    // A small request passes the check (no leader known yet: 11).
    line({ type: 'write', msg_id: 3, key: 1, value: 2 });
    expect(answerTo(out, 3)).toMatchObject({ type: 'error', code: 11 });
    // A line whose request re-encodes to more than 3 bytes per character.
    const grows = node({ maxEntryBytes: 2000 });
    const text = `{"src":"c1","dest":"n0","body":{"type":"write","msg_id":4,"key":1,"value":[${Array(100).fill('1e20').join(',')}]}}`;
    expect(text.length * 3).toBeLessThan(2000);
    expect(JSON.stringify(JSON.parse(text).body).length).toBeGreaterThan(2000);
    grows.raw(text);
    expect(answerTo(grows.out, 4)).toMatchObject({ type: 'error', code: 12 });
  });
});

describe('re-encoded JSON', () => {
  // entryProblem skips re-encoding a request from a line shorter than
  // maxEntryBytes / 75 characters, on the bound that JSON text re-encodes to
  // at most 25 bytes per byte: numbers written short that print long,
  // escapes, lone surrogates, nesting.
  const digits = fc.stringMatching(/^[1-9][0-9]{0,3}$/);
  const number = fc
    .tuple(fc.boolean(), digits, fc.option(digits), fc.option(fc.tuple(fc.constantFrom('e', 'E', 'e+', 'e-', 'E-'), fc.integer({ min: 0, max: 400 }))))
    .map(([neg, int, frac, exp]) => `${neg ? '-' : ''}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : `${exp[0]}${exp[1]}`}`);
  const chars = fc.constantFrom('a', '\\u0041', '\\ud800', '\\"', '\\/', '\\n', '\\u0001', '\u20ac', '\ud83d\ude00', '\udc00', '\\ud83d\\ude00');
  const string = fc.array(chars, { maxLength: 8 }).map((cs) => `"${cs.join('')}"`);
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, number, string, fc.constantFrom('true', 'null'), tie('arr'), tie('obj')),
    arr: fc.array(tie('v'), { maxLength: 5 }).map((xs) => `[ ${xs.join(' , ')} ]`),
    obj: fc.array(fc.tuple(string, tie('v')), { maxLength: 4 }).map((kv) => `{${kv.map(([k, v]) => `${k}:${v}`).join(',')}}`),
  })).v;

  it('is at most 25 bytes per byte of the text it was parsed from', () => {
    fc.assert(
      fc.property(value as fc.Arbitrary<string>, (text) => {
        const again = JSON.stringify(JSON.parse(text));
        expect(Buffer.byteLength(again)).toBeLessThanOrEqual(25 * Buffer.byteLength(text));
      }),
      { numRuns: 2000 },
    );
    // Numbers grow most: 4 bytes print as 21, and no number prints longer than 25.
    expect(JSON.stringify(JSON.parse('1e20'))).toBe('100000000000000000000');
    expect(JSON.stringify(-0.0000012345678901234567)).toHaveLength(25);
  });
});
