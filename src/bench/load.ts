// The client load of a run (Jepsen's gen/stagger over a pool of client
// threads): operation times spaced uniformly at random in [0, 2/rate), so
// `rate` per second on average; an operation due while every thread is busy
// waits for the next free thread, which is picked at random from the free
// ones; a stall never owes more operations than there are threads.
//
// It holds no promise and no timer per operation: the runner calls pump()
// when an operation completes (in the turn its reply is delivered), and one
// timer, armed for the next due time, calls it otherwise.

import type { Rng } from '../core/random.js';

export interface LoadOptions {
  /** Operations per second; 0 or less: none. */
  rate: number;
  /** busy[t]: thread t has an operation in flight (the runner sets and clears it). */
  busy: readonly boolean[];
  /** Spacing of operation times. */
  stagger: Rng;
  /** Which free thread takes a due operation. */
  pick: Rng;
  /** The clock (ms). */
  now: () => number;
  /** Starts an operation on thread t (the runner marks it busy at once). */
  start: (thread: number) => void;
  /** Arms a one-shot timer; returns a handle for cancel. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  cancelTimer?: (handle: unknown) => void;
}

export class Load {
  private owed = 0;
  private nextAt: number;
  private timer: unknown = null;
  private stopped = false;
  private readonly free: number[] = [];
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly cancelTimer: (handle: unknown) => void;
  /** Operations started. */
  started = 0;

  constructor(
    private readonly o: LoadOptions,
    /** When the load starts (ms, on o.now's clock). */
    start: number,
    /** When it ends (the timer never waits past it). */
    private readonly end: number,
  ) {
    this.nextAt = start;
    this.setTimer = o.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.cancelTimer = o.cancelTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
  }

  /** Operations due but not started (every thread was busy). */
  get backlog(): number {
    return this.owed;
  }

  /** Starts what is due on free threads, and arms the timer for the next due time. */
  pump(): void {
    const o = this.o;
    if (this.stopped || o.rate <= 0) return;
    while (o.now() >= this.nextAt) {
      this.owed++;
      this.nextAt += o.stagger.next() * (2000 / o.rate);
    }
    const free = this.free;
    while (this.owed > 0) {
      free.length = 0;
      for (let t = 0; t < o.busy.length; t++) if (!o.busy[t]) free.push(t);
      if (free.length === 0) break;
      this.owed--;
      this.started++;
      o.start(o.pick.pick(free));
    }
    if (this.owed > o.busy.length) this.owed = o.busy.length; // don't let a long stall turn into a flood
    // One timer at a time: one armed for an earlier time wakes pump() early, which re-arms it.
    if (this.timer === null) {
      const now = o.now();
      const wait = Math.max(0, Math.min(this.nextAt - now, this.end - now));
      this.timer = this.setTimer(() => {
        this.timer = null;
        this.pump();
      }, wait);
    }
  }

  /** No operation starts after this. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.cancelTimer(this.timer);
    this.timer = null;
  }
}
