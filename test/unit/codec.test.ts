import { describe, expect, it } from 'vitest';
import { decodeLine, defaultLimits, envelopeOf, excerpt, nestingDepth, valueDepth } from '../../src/maelstrom/codec.js';
import { LineSplitter } from '../../src/maelstrom/lines.js';

const deep = (d: number) => `${'['.repeat(d)}${']'.repeat(d)}`;

describe('the wire codec', () => {
  it('measures nesting outside strings, without recursion, on any text', () => {
    expect(nestingDepth('1')).toBe(0);
    expect(nestingDepth('{"a":[1,{"b":[]}]}')).toBe(4);
    expect(nestingDepth('{"a":"[[[[[[\\"[[["}')).toBe(1);
    expect(nestingDepth(deep(200_000))).toBe(200_000);
    expect(nestingDepth(deep(200_000), 64)).toBe(65);
    expect(nestingDepth('{{{ not json')).toBe(3);
  });

  it('refuses a line nested deeper than the limit before parsing it, and names the limit', () => {
    const line = `{"src":"c1","dest":"n0","body":{"type":"write","msg_id":7,"key":1,"value":${deep(100)}}}`;
    const d = decodeLine(line, defaultLimits);
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.text).toMatch(/RAFT_MAX_DEPTH=64/);
      expect(d.envelope).toEqual({ src: 'c1', dest: 'n0', msgId: 7 });
    }
    const ok = decodeLine(`{"src":"c1","dest":"n0","body":{"type":"write","msg_id":7,"key":1,"value":${deep(10)}}}`, defaultLimits);
    expect(ok).toMatchObject({ ok: true, depth: 12 });
  });

  it('finds the sender and msg_id of broken, deep or cut-off lines, and only the top-level ones', () => {
    expect(envelopeOf('{"src":"c3","dest":"n0","body":{"type":"read","msg_id":12,"key":')).toEqual({ src: 'c3', dest: 'n0', msgId: 12 });
    expect(envelopeOf('{"body":{"msg_id":5,"type":"x"},"dest":"n0","src":"c9"')).toEqual({ src: 'c9', dest: 'n0', msgId: 5 });
    // A msg_id or src nested inside a value is not the envelope's.
    expect(envelopeOf('{"src":"c1","body":{"value":{"msg_id":9,"src":"evil"},"type":"write"}}')).toEqual({ src: 'c1' });
    expect(envelopeOf('{"x":{"src":"c1"},"body":{"msg_id":-1}}')).toEqual({});
    expect(envelopeOf(`{"src":"c1","dest":"n0","body":{"type":"write","msg_id":3,"value":${deep(50_000)}}}`)).toEqual({ src: 'c1', dest: 'n0', msgId: 3 });
    expect(envelopeOf('garbage')).toEqual({});
    expect(envelopeOf('"\\"src\\":\\"c1\\""')).toEqual({});
  });

  it('measures parsed values without recursion', () => {
    expect(valueDepth(5)).toBe(0);
    expect(valueDepth({ a: [1, { b: [] }] })).toBe(4);
    let v: unknown = 0;
    for (let i = 0; i < 100_000; i++) v = [v];
    expect(valueDepth(v, 64)).toBe(65);
  });

  it('shows lines in logs cut short, control characters escaped', () => {
    expect(excerpt('a\u0000b\nc')).toBe('a\\x00b\\x0ac');
    expect(excerpt('x'.repeat(1000), 10)).toBe('xxxxxxxxxx... (1000 chars)');
  });
});

describe('the line splitter', () => {
  it('drops a line over the limit as it streams in, keeping its head, and goes on with the next line', () => {
    const lines: string[] = [];
    const over: [number, string][] = [];
    const s = new LineSplitter((l) => lines.push(l), (n, head) => over.push([n, head]), 100);
    s.push(Buffer.from('{"src":"c1","body":{"msg_id":4,"v":"'));
    for (let i = 0; i < 10; i++) s.push(Buffer.from('x'.repeat(50)));
    s.push(Buffer.from('"}}\nshort\r\n'));
    s.push(Buffer.from('last'));
    s.end();
    expect(lines).toEqual(['short', 'last']);
    expect(over).toHaveLength(1);
    expect(over[0]![0]).toBe(36 + 500 + 3);
    expect(envelopeOf(over[0]![1])).toEqual({ src: 'c1', msgId: 4 });
  });
});
