// withField (src/maelstrom/node.ts): a spread with one more field, without the spread.
import { describe, expect, it } from 'vitest';
import { withField } from '../../src/maelstrom/node.js';

describe('withField', () => {
  it('is { ...o, [key]: value }: same fields, same order, the original untouched', () => {
    const o = { type: 'write_ok', code: 1 };
    const w = withField(o, 'in_reply_to', 7);
    expect(JSON.stringify(w)).toBe(JSON.stringify({ ...o, in_reply_to: 7 }));
    expect(Object.keys(w)).toEqual(['type', 'code', 'in_reply_to']);
    expect(o).toEqual({ type: 'write_ok', code: 1 });
    // A field already there keeps its place and takes the new value.
    const again = withField({ msg_id: 1, type: 'x' }, 'msg_id', 2);
    expect(JSON.stringify(again)).toBe('{"msg_id":2,"type":"x"}');
  });

  it('keeps an own __proto__ field of parsed JSON as a field, as a spread does', () => {
    const parsed = JSON.parse('{"type":"write","__proto__":{"polluted":true},"key":1}') as { type: string };
    const w = withField(parsed, 'msg_id', 3);
    expect(JSON.stringify(w)).toBe(JSON.stringify({ ...parsed, msg_id: 3 }));
    expect(JSON.stringify(w)).toBe('{"type":"write","__proto__":{"polluted":true},"key":1,"msg_id":3}');
    expect(Object.getPrototypeOf(w)).toBe(Object.prototype);
    expect((w as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
