// Where the node's messages go: stdout, asynchronously and with a bound.
//
// Node 20 writes process.stdout to a pipe or socket asynchronously: a write
// to a full pipe (a reader that lags, as a busy Maelstrom can) is queued in
// the process and the node goes on (measured: 8 MB queued by a reader that
// waits, timers still firing). Nothing bounds that queue, so a reader that
// stops reading would let the node grow until memory runs out. Here, once
// more than HIGH_WATER bytes wait, the caller is told to stop reading input
// (no input, no new output) until the queue has drained.

/** Bytes queued for stdout above which the caller should stop reading input. */
export const HIGH_WATER = 1 << 20;

export interface Output {
  /** Queues `chunk` (whole lines) for stdout, in order. */
  write(chunk: string): void;
  /** Calls `cb` once everything written so far has left the process. */
  drain(cb: () => void): void;
}

export interface OutputHooks {
  /** More than `highWater` bytes wait (true), or the queue has drained again (false). */
  onPressure(high: boolean): void;
  /** The stream failed (EPIPE: the reader went away). */
  onError(err: Error): void;
}

/** A writable the size of whose queue we can see: process.stdout, or a test's stream. */
export interface Sink {
  write(chunk: string, cb?: (err?: Error | null) => void): boolean;
  readonly writableLength: number;
  once(event: 'drain', fn: () => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
}

export function openOutput(hooks: OutputHooks, sink: Sink = process.stdout, highWater = HIGH_WATER): Output {
  let high = false;
  sink.on('error', hooks.onError);
  const drained = (): void => {
    if (sink.writableLength > highWater) {
      sink.once('drain', drained);
      return;
    }
    high = false;
    hooks.onPressure(false);
  };
  return {
    write: (chunk) => {
      sink.write(chunk);
      if (!high && sink.writableLength > highWater) {
        high = true;
        hooks.onPressure(true);
        sink.once('drain', drained);
      }
    },
    drain: (cb) => {
      if (sink.writableLength === 0) cb();
      else sink.write('', () => cb());
    },
  };
}
