// The client load (src/bench/load.ts) on a fake clock, and the network's
// flush passes (src/bench/net.ts): a client's next request goes out in the
// flush that delivered its reply, and a client that keeps sending from its
// handler cannot hold a flush (and the event loop) forever.

import { describe, expect, it } from 'vitest';
import { RpcClient } from '../../src/bench/client.js';
import { Load } from '../../src/bench/load.js';
import { Network } from '../../src/bench/net.js';
import { Rng } from '../../src/core/random.js';

/** A fake clock with one-shot timers. */
function fakeClock() {
  let now = 0;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 0;
  return {
    now: () => now,
    setTimer: (fn: () => void, ms: number) => {
      const id = nextId++;
      timers.push({ at: now + Math.max(1, ms), fn, id }); // setTimeout waits at least 1 ms
      return id;
    },
    cancelTimer: (h: unknown) => {
      const i = timers.findIndex((t) => t.id === h);
      if (i >= 0) timers.splice(i, 1);
    },
    pending: () => timers.length,
    /** Runs the timers due up to `to`, in time order. */
    advance(to: number) {
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const t = timers[0];
        if (!t || t.at > to) break;
        timers.shift();
        now = t.at;
        t.fn();
      }
      now = to;
    },
  };
}

describe('client load', () => {
  it('offers the asked rate while threads are free, on one timer at a time', () => {
    const clock = fakeClock();
    const busy = new Array<boolean>(8).fill(false);
    const starts: number[] = [];
    // Operations end at once: every thread is free again before the next is due.
    const load = new Load({ rate: 2000, busy, stagger: new Rng(1), pick: new Rng(2), now: clock.now, start: (t) => starts.push(t), setTimer: clock.setTimer, cancelTimer: clock.cancelTimer }, 0, 10_000);
    load.pump();
    for (let ms = 0; ms < 5000; ms += 7) {
      clock.advance(ms);
      expect(clock.pending()).toBeLessThanOrEqual(1);
    }
    // 2000/s for 5 s: 10,000 on average (spacing uniform in [0, 1 ms)).
    expect(starts.length).toBeGreaterThan(9_700);
    expect(starts.length).toBeLessThan(10_300);
    expect(load.started).toBe(starts.length);
    expect(new Set(starts).size).toBe(8);
    load.stop();
    clock.advance(6000);
    expect(starts.length).toBe(load.started);
    expect(clock.pending()).toBe(0);
  });

  it('never starts an operation on a busy thread; what is due waits for a free one, and a stall owes at most one per thread', () => {
    const clock = fakeClock();
    const busy = new Array<boolean>(4).fill(false);
    const started: number[] = [];
    const load = new Load(
      {
        rate: 1000,
        busy,
        stagger: new Rng(3),
        pick: new Rng(4),
        now: clock.now,
        start: (t) => {
          expect(busy[t]).toBe(false);
          busy[t] = true;
          started.push(t);
        },
        setTimer: clock.setTimer,
        cancelTimer: clock.cancelTimer,
      },
      0,
      60_000,
    );
    load.pump();
    clock.advance(50);
    // All four threads took an operation and none finished: the rest of the 50 ms is owed.
    expect(started.length).toBe(4);
    expect(load.backlog).toBe(4); // capped: one per thread, not ~46
    // Thread 2 finishes: the runner frees it and pumps; it takes an owed operation at once.
    busy[2] = false;
    load.pump();
    expect(started).toHaveLength(5);
    expect(started[4]).toBe(2);
    expect(load.backlog).toBe(4); // still more due than threads
  });

  it('starts nothing at rate 0', () => {
    const clock = fakeClock();
    const load = new Load({ rate: 0, busy: [false], stagger: new Rng(1), pick: new Rng(1), now: clock.now, start: () => expect.fail('started'), setTimer: clock.setTimer, cancelTimer: clock.cancelTimer }, 0, 1000);
    load.pump();
    clock.advance(1000);
    expect(load.started).toBe(0);
  });
});

describe('network flush passes', () => {
  it('delivers a request a client sends from its reply handler in the same flush as the reply', async () => {
    const net = new Network({ latency: 0, latencyDist: 'constant', rng: new Rng(1) });
    // A server played by an in-process handler: answers every request at once.
    net.addClient('srv', (m) => net.send('srv', m.src, { type: 'pong', in_reply_to: m.body.msg_id }));
    const c = new RpcClient('c0', net);
    let replies = 0;
    await new Promise<void>((done) => {
      const again = () =>
        c.request('srv', { type: 'ping' }, 1000, (o) => {
          expect(o.kind).toBe('reply');
          if (++replies < 50) again();
          else done();
        });
      again();
    });
    // 50 round trips (100 deliveries) in very few flushes: each flush carried
    // request -> reply -> next request ... up to its pass limit, not one hop per turn.
    expect(replies).toBe(50);
    expect(net.io.flushes).toBeGreaterThan(1); // the guard split the chain
    expect(net.io.flushes).toBeLessThan(50);
    for (const j of net.journal) expect(j.delivered).not.toBeNull();
    await net.close();
  });

  it('does not let clients that keep sending from their handlers hold the event loop', async () => {
    const net = new Network({ latency: 0, latencyDist: 'constant', rng: new Rng(1) });
    let hops = 0;
    let stop = false;
    // Two handlers that answer each other for ever (a bad client pair): only the flush's pass limit breaks the chain.
    net.addClient('a', () => {
      hops++;
      if (!stop) net.send('a', 'b', { type: 'x' });
    });
    net.addClient('b', () => {
      hops++;
      if (!stop) net.send('b', 'a', { type: 'x' });
    });
    net.send('a', 'b', { type: 'x' });
    // A timer still runs: the chain goes on over many turns of the event loop.
    await new Promise((r) => setTimeout(r, 30));
    stop = true;
    expect(hops).toBeGreaterThan(10);
    expect(net.io.flushes).toBeGreaterThan(2);
    await new Promise((r) => setImmediate(r));
    await net.close();
  });
});
