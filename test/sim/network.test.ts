import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/runtime/clock.js';
import type { Message } from '../../src/maelstrom/node.js';
import { NodeClock, SimNetwork, type FaultName, type StepLabel } from '../../src/sim/network.js';
import { Rng } from '../../src/core/random.js';

function setup(faults: FaultName[] = []) {
  const clock = new VirtualClock();
  const sim: { label: StepLabel | undefined; touched: string | undefined } = { label: undefined, touched: undefined };
  const net = new SimNetwork(clock, new Rng(1), { latencyMs: 5, faults: new Set(faults), lossRate: 0.5, duplicateRate: 0.5, delayRate: 0.5 }, sim);
  const got: Record<string, number[]> = { a: [], b: [] };
  const clocks: Record<string, NodeClock> = {};
  for (const id of ['a', 'b']) {
    clocks[id] = new NodeClock(clock, id, sim);
    net.addNode(id, { deliver: (m: Message) => got[id]!.push(m.body.msg_id as number) }, clocks[id]!);
  }
  const send = (src: string, dest: string, n: number) => net.send({ src, dest, body: { type: 'x', msg_id: n } });
  return { clock, net, got, clocks, send };
}

describe('the simulated network', () => {
  it('keeps links FIFO without reorder or delay faults', () => {
    const { clock, got, send } = setup();
    for (let i = 1; i <= 50; i++) send('a', 'b', i);
    clock.runUntil(1000);
    expect(got.b).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('reorders with the reorder fault, loses and duplicates with theirs', () => {
    const r = setup(['reorder']);
    for (let i = 1; i <= 50; i++) r.send('a', 'b', i);
    r.clock.runUntil(1000);
    expect(r.got.b).toHaveLength(50);
    expect(r.got.b).not.toEqual([...r.got.b].sort((x, y) => x - y));
    const l = setup(['loss', 'duplicate']);
    for (let i = 1; i <= 200; i++) l.send('a', 'b', i);
    l.clock.runUntil(1000);
    expect(l.net.stats.dropped).toBeGreaterThan(50);
    expect(l.net.stats.duplicated).toBeGreaterThan(20);
  });

  it('drops messages across a partition, also those in flight when it starts', () => {
    const { clock, net, got, send } = setup();
    send('a', 'b', 1);
    net.partition([['a'], ['b']]);
    send('a', 'b', 2);
    clock.runUntil(100);
    expect(got.b).toEqual([]);
    net.heal();
    send('a', 'b', 3);
    clock.runUntil(200);
    expect(got.b).toEqual([3]);
  });

  it('a paused node queues messages and timers; a timer cancelled meanwhile never runs', () => {
    const { clock, net, got, clocks, send } = setup();
    const fired: string[] = [];
    const b = clocks.b!;
    b.setTimeout(() => fired.push('t1'), 10);
    const t2 = b.setTimeout(() => fired.push('t2'), 20);
    net.pause('b');
    send('a', 'b', 1);
    clock.runUntil(100);
    expect(fired).toEqual([]);
    expect(got.b).toEqual([]);
    net.resume('b');
    // Queued work runs in order (the message came at ~5 ms, t1 at 10 ms), one step
    // each; then the node cancels t2, as one re-entering a state would.
    clock.step();
    expect(got.b).toEqual([1]);
    clock.step();
    expect(fired).toEqual(['t1']);
    b.clearTimeout(t2);
    clock.runUntil(200);
    expect(fired).toEqual(['t1']);
    expect(got.b).toEqual([1]);
  });
});
