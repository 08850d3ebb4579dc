// The protocol layer's memory of recent requests (deduplication by sender and msg_id).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RecentKeys } from '../../src/maelstrom/node.js';

/** The plain model: the last `capacity` distinct (sender, msg_id) pairs recorded, oldest first. */
class Model {
  private readonly held: string[] = [];
  constructor(private readonly capacity: number) {}
  seen(src: string, id: number): boolean {
    const key = JSON.stringify([src, id]);
    if (this.held.includes(key)) return true;
    this.held.push(key);
    if (this.held.length > this.capacity) this.held.shift();
    return false;
  }
}

describe('RecentKeys', () => {
  it('knows a request again by sender and msg_id, and tells senders apart', () => {
    const r = new RecentKeys(8);
    expect(r.seen('c1', 1)).toBe(false);
    expect(r.seen('c1', 1)).toBe(true);
    expect(r.seen('c2', 1)).toBe(false); // same msg_id, other sender
    expect(r.seen('c1#1', 0)).toBe(false);
    expect(r.seen('c1', 10)).toBe(false);
    expect(r.seen('c1', 10)).toBe(true);
    expect(r.seen('c1', 0)).toBe(false);
    expect(r.seen('c1', -0)).toBe(true);
  });

  it('forgets the oldest once full, and only it', () => {
    const r = new RecentKeys(3);
    for (const id of [1, 2, 3]) expect(r.seen('c', id)).toBe(false);
    expect(r.seen('c', 4)).toBe(false); // forgets 1
    expect(r.seen('c', 2)).toBe(true);
    expect(r.seen('c', 3)).toBe(true);
    expect(r.seen('c', 1)).toBe(false); // forgotten: new again (and forgets 2)
    expect(r.seen('c', 2)).toBe(false);
    // A sender whose last request is forgotten, then seen again.
    const one = new RecentKeys(1);
    expect(one.seen('a', 1)).toBe(false);
    expect(one.seen('a', 2)).toBe(false);
    expect(one.seen('a', 2)).toBe(true);
    expect(one.seen('a', 1)).toBe(false);
    expect(() => new RecentKeys(0)).toThrow(RangeError);
  });

  it('answers as the plain model does on any sequence', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'a#1'), fc.integer({ min: 0, max: 5 })), { maxLength: 200 }),
        (capacity, requests) => {
          const r = new RecentKeys(capacity);
          const m = new Model(capacity);
          for (const [src, id] of requests) expect(r.seen(src, id)).toBe(m.seen(src, id));
        },
      ),
      { numRuns: 300 },
    );
  });
});
