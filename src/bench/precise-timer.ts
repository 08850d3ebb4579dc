// The bench's delivery timer, precise to a few tens of microseconds.
//
// A message sent over a link with --latency L must reach its destination L
// ms later, never earlier, and as close to it as we can. setTimeout cannot
// do that: it counts whole milliseconds on a clock the event loop only reads
// once per turn, so it fires 0.5 to 1 ms late (p50 0.7 ms measured on the
// 2-core machine). Every hop of an operation pays that, so a follower-bound
// operation's four hops at --latency 10 were about 2.5 ms slower than the
// network asked for. Maelstrom's own network (a DelayQueue polled with
// nanosecond timeouts) has no such error.
//
// So a worker thread keeps the time: it sleeps on Atomics.wait until 0.1 ms
// before the deadline (its timeout has sub-millisecond resolution), spins
// the rest, and then posts a message, which wakes the event loop (p50 about
// 0.04 ms late). The spin costs at most 0.1 ms of the worker's CPU per
// wake-up, and that CPU is the bench's own (counted in bench:perf's bench
// CPU share). The main thread still delivers only what is due on its own
// clock, so a worker that woke a few microseconds early only re-arms.

import { Worker } from 'node:worker_threads';

/** One pending wake-up at a time: `arm` moves it, `cancel` drops it. */
export interface DeliveryTimer {
  /** Calls the timer's function once `at` (ms on the bench clock) has passed; replaces any earlier arm. */
  arm(at: number): void;
  cancel(): void;
  /** Stops the timer for good (the worker thread ends). */
  close(): void;
  readonly kind: 'worker' | 'setTimeout';
}

/** How long before the deadline the worker stops sleeping and spins (ms). */
const SPIN_MS = 0.1;

// Shared memory: Int32 [0] generation (bumped after every change of the
// deadline, and on close: the word the worker waits on), Int32 [1] closed
// flag, Float64 [1] the deadline in absolute ms (performance.timeOrigin +
// performance.now()), or +Infinity for none. The worker fires at most once
// per generation and says which; the main thread ignores a stale one.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ctl = new Int32Array(workerData.sab, 0, 2);
const due = new Float64Array(workerData.sab, 8, 1);
const spin = workerData.spin;
const origin = performance.timeOrigin;
let fired = -1;
for (;;) {
  if (Atomics.load(ctl, 1) !== 0) break;
  const gen = Atomics.load(ctl, 0);
  const at = due[0];
  // Nothing armed, or this arm already fired: sleep until the next arm.
  if (gen === fired || !(at < Infinity)) { Atomics.wait(ctl, 0, gen); continue; }
  const left = at - (origin + performance.now());
  if (left > spin) { Atomics.wait(ctl, 0, gen, left - spin); continue; }
  if (left > 0) continue;
  fired = gen;
  parentPort.postMessage(gen);
}
`;

/**
 * A timer on a worker thread (see above); falls back to setTimeout if a
 * worker cannot start. `now` is the bench clock (ms), `origin` its zero in
 * absolute ms (performance.timeOrigin + the performance.now() it counts from).
 */
export function deliveryTimer(
  now: () => number,
  origin: number,
  fire: () => void,
  opts: { readonly worker?: boolean; /** Tests only: another worker program (one that fails, say). */ readonly workerSource?: string } = {},
): DeliveryTimer {
  if (opts.worker !== false) {
    try {
      return new WorkerTimer(origin, fire, now, opts.workerSource ?? WORKER_SOURCE);
    } catch {
      // No worker threads here: the coarse timer still delivers, only later.
    }
  }
  return new CoarseTimer(now, fire);
}

class WorkerTimer implements DeliveryTimer {
  readonly kind = 'worker' as const;
  private readonly ctl: Int32Array;
  private readonly due: Float64Array;
  private readonly worker: Worker;
  private gen = 0;
  private armed = false;
  private closed = false;
  /** Set if the worker thread failed: the coarse timer takes over, late but never lost. */
  private fallback: CoarseTimer | undefined;

  constructor(
    private readonly origin: number,
    fire: () => void,
    now: () => number,
    source: string,
  ) {
    const sab = new SharedArrayBuffer(16);
    this.ctl = new Int32Array(sab, 0, 2);
    this.due = new Float64Array(sab, 8, 1);
    this.due[0] = Infinity;
    this.worker = new Worker(source, { eval: true, workerData: { sab, spin: SPIN_MS } });
    // Only an armed timer keeps the process alive, as a pending setTimeout would.
    this.worker.unref();
    this.worker.on('message', (gen: number) => {
      if (this.closed || gen !== this.gen || !this.armed) return;
      this.setArmed(false);
      fire();
    });
    this.worker.on('error', () => {
      // Cannot happen short of a bug in the source above; the deadline armed
      // now must still fire, so setTimeout takes it over.
      if (this.closed || this.fallback) return;
      const pending = this.armed ? this.due[0]! - this.origin : undefined;
      this.setArmed(false);
      this.fallback = new CoarseTimer(now, fire);
      if (pending !== undefined) this.fallback.arm(pending);
    });
  }

  private setArmed(on: boolean): void {
    if (on === this.armed) return;
    this.armed = on;
    if (on) this.worker.ref();
    else this.worker.unref();
  }

  private publish(due: number): void {
    this.due[0] = due;
    this.gen = Atomics.add(this.ctl, 0, 1) + 1;
    Atomics.notify(this.ctl, 0);
  }

  arm(at: number): void {
    if (this.closed) return;
    if (this.fallback) return this.fallback.arm(at);
    this.publish(this.origin + at);
    this.setArmed(true);
  }

  cancel(): void {
    if (this.fallback) return this.fallback.cancel();
    if (this.closed || !this.armed) return;
    this.publish(Infinity);
    this.setArmed(false);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fallback?.close();
    this.setArmed(false);
    Atomics.store(this.ctl, 1, 1);
    this.publish(Infinity);
    void this.worker.terminate();
  }
}

class CoarseTimer implements DeliveryTimer {
  readonly kind = 'setTimeout' as const;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly now: () => number,
    private readonly fire: () => void,
  ) {}

  arm(at: number): void {
    this.cancel();
    // setTimeout counts on the event loop's clock, whole milliseconds read
    // once per turn, which can run behind ours: it may go off a fraction of
    // a millisecond before `at`. Then it waits again, so that it never fires
    // early (late by up to a millisecond more, as setTimeout always is).
    const check = (): void => {
      const left = at - this.now();
      if (left > 0) {
        this.timer = setTimeout(check, Math.max(1, Math.ceil(left)));
        return;
      }
      this.timer = null;
      this.fire();
    };
    this.timer = setTimeout(check, Math.max(0, Math.ceil(at - this.now())));
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  close(): void {
    this.cancel();
  }
}
