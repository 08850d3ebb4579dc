import { afterEach, describe, expect, it } from 'vitest';
import { deliveryTimer, type DeliveryTimer } from '../../src/bench/precise-timer.js';

// The bench clock of a Network: ms since t0.
const t0 = performance.now();
const now = (): number => performance.now() - t0;
const origin = performance.timeOrigin + t0;

const open: DeliveryTimer[] = [];
afterEach(() => {
  for (const t of open.splice(0)) t.close();
});

/** Arms `timer` for `delay` ms from now; resolves with how late it fired on the bench clock (negative: early). */
function firing(make: (fire: () => void) => DeliveryTimer, delay: number): Promise<number> {
  return new Promise((resolve) => {
    let due = 0;
    const timer = make(() => resolve(now() - due));
    open.push(timer);
    due = now() + delay;
    timer.arm(due);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('the bench delivery timer', () => {
  it('runs on a worker thread and never fires before the deadline', async () => {
    const kinds = new Set<string>();
    for (const delay of [0, 0.3, 1.7, 5, 12.25]) {
      const late = await firing((fire) => {
        const t = deliveryTimer(now, origin, fire);
        kinds.add(t.kind);
        return t;
      }, delay);
      expect(late).toBeGreaterThanOrEqual(0);
      // Generous: a loaded machine may be slow; the precision is a benchmark's business (bench:hops).
      expect(late).toBeLessThan(500);
    }
    expect([...kinds]).toEqual(['worker']);
  });

  it('the setTimeout fallback never fires early either', async () => {
    const t = (fire: () => void): DeliveryTimer => deliveryTimer(now, origin, fire, { worker: false });
    expect(t(() => undefined).kind).toBe('setTimeout');
    expect(await firing(t, 2.5)).toBeGreaterThanOrEqual(0);
    // With the event loop kept busy (a turn every few microseconds), a
    // setTimeout goes off as soon as the loop's whole-millisecond clock
    // reaches its deadline, up to a millisecond before ours does: it must
    // wait out the difference. 1.9 ms rounds up to 2, early in most trials.
    let busy = true;
    const spin = (): void => {
      if (busy) setImmediate(spin);
    };
    spin();
    const lates: number[] = [];
    for (let k = 0; k < 20; k++) lates.push(await firing(t, 1.9));
    busy = false;
    expect(Math.min(...lates)).toBeGreaterThanOrEqual(0);
  });

  it('if the worker thread fails, setTimeout takes over the deadline armed, and later ones', async () => {
    const fired: number[] = [];
    let due = 0;
    // A worker that fails once it has started.
    const timer = deliveryTimer(now, origin, () => fired.push(now() - due), { workerSource: 'setTimeout(() => { throw new Error("boom"); }, 20);' });
    open.push(timer);
    due = now() + 60;
    timer.arm(due);
    await sleep(200);
    expect(fired).toHaveLength(1);
    expect(fired[0]!).toBeGreaterThanOrEqual(0);
    due = now() + 5;
    timer.arm(due);
    await sleep(100);
    expect(fired).toHaveLength(2);
    expect(fired[1]!).toBeGreaterThanOrEqual(0);
  });

  it('a new arm replaces the old one; cancel and close stop it', async () => {
    const fired: number[] = [];
    const timer = deliveryTimer(now, origin, () => fired.push(now()));
    open.push(timer);
    const later = now() + 10_000;
    timer.arm(later);
    timer.arm(now() + 2); // an earlier deadline replaces it
    await sleep(300); // the worker thread may take a while to start
    expect(fired.length).toBe(1);
    expect(fired[0]!).toBeLessThan(later);

    timer.arm(now() + 5);
    timer.cancel();
    await sleep(30);
    expect(fired.length).toBe(1);

    timer.arm(now() + 3);
    timer.close();
    await sleep(30);
    expect(fired.length).toBe(1);
    timer.arm(now()); // after close: nothing
    await sleep(10);
    expect(fired.length).toBe(1);
  });
});
