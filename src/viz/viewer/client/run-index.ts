// Indexes over a ViewerModel, built once when the page loads, so that showing
// any step costs O(log steps + what is shown), whatever the run's length:
// per-node lists of the steps that set its variables (binary search gives a
// node's state at any step), per-index lists of log writes (a node's log at
// any step without replaying it), checkpointed interval indexes for the
// messages in flight and the operations in progress, and per-kind step lists
// for "next transition of this kind". Pure: no DOM, so Node tests use it too.

import type { Msg, Net, Op, Step, Vars, VarsDelta, ViewerModel } from '../model.js';

/** First position in a sorted array whose value is > x (upper bound). */
export function upperBound(a: ArrayLike<number>, x: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First position in a sorted array whose value is >= x (lower bound). */
export function lowerBound(a: ArrayLike<number>, x: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Which of a set of intervals [start, end) over step numbers contain a step.
 * end -1 means "never ended". Items alive at every multiple of `every` are
 * stored there; a query starts from the checkpoint below and adds the items
 * that began since. Never-ending items are kept apart (sorted by start), so a
 * run with thousands of them does not copy them into every checkpoint.
 */
export class IntervalIndex {
  private readonly byStart: Int32Array;
  private readonly starts: Int32Array;
  private readonly checkpoints: Int32Array[];
  private readonly openByStart: Int32Array;
  private readonly openStarts: Int32Array;

  constructor(
    private readonly start: ArrayLike<number>,
    private readonly end: ArrayLike<number>,
    steps: number,
    private readonly every = 256,
  ) {
    const closed: number[] = [];
    const open: number[] = [];
    for (let i = 0; i < start.length; i++) (end[i] === -1 ? open : closed).push(i);
    const byStart = (a: number[]): Int32Array => Int32Array.from(a.sort((x, y) => start[x]! - start[y]! || x - y));
    this.byStart = byStart(closed);
    this.starts = Int32Array.from(this.byStart, (i) => start[i]!);
    this.openByStart = byStart(open);
    this.openStarts = Int32Array.from(this.openByStart, (i) => start[i]!);
    const lists: number[][] = Array.from({ length: Math.floor(steps / every) + 1 }, () => []);
    for (const i of closed) {
      const s = start[i]!;
      const e = end[i]!;
      for (let c = Math.ceil(s / every); c * every < e && c < lists.length; c++) lists[c]!.push(i);
    }
    this.checkpoints = lists.map((l) => Int32Array.from(l));
  }

  /** Items alive at step s (start <= s < end), oldest first; at most `limit` of the never-ending ones (the latest). */
  at(s: number, limit = Infinity): { items: number[]; more: number } {
    const c = Math.min(Math.floor(s / this.every), this.checkpoints.length - 1);
    const items: number[] = [];
    if (c >= 0) {
      for (const i of this.checkpoints[c]!) if (this.end[i]! > s) items.push(i);
      const from = lowerBound(this.starts, c * this.every + 1);
      const to = upperBound(this.starts, s);
      for (let k = from; k < to; k++) {
        const i = this.byStart[k]!;
        if (this.end[i]! > s) items.push(i);
      }
    }
    const openTo = upperBound(this.openStarts, s);
    const first = Math.max(0, openTo - limit);
    for (let k = first; k < openTo; k++) items.push(this.openByStart[k]!);
    items.sort((x, y) => this.start[x]! - this.start[y]! || x - y);
    return { items, more: first };
  }
}

/**
 * Replaces each stored variables delta (model.ts VarsDelta) by the whole
 * tuple, in place: the node's previous variables with the delta's fields set.
 */
export function expandVars(model: ViewerModel): Step[] {
  const prev = new Map<number, Vars>();
  for (const st of model.steps) {
    const node = st[2];
    if (st[1] === 'T') {
      const v = st[6];
      if (!Array.isArray(v)) {
        const base = prev.get(node);
        const full = (base ? [...base] : [null, 0, null, null, null, null, null, null, null, null, null, null, null, null]) as Vars;
        full[7] = null;
        full[8] = null;
        for (const [k, x] of Object.entries(v as VarsDelta)) (full as unknown[])[Number(k)] = x;
        st[6] = full;
      }
      prev.set(node, st[6] as Vars);
    } else if (st[1] === 'L') {
      prev.set(node, st[3]);
    } else if (st[1] === 'E' && st[5]) {
      prev.set(node, st[5]);
    }
  }
  return model.steps as Step[];
}

export interface NodeState {
  /** The step that last set this node's variables (-1: none yet). */
  step: number;
  vars: Vars | null;
  /** The kind of that step ('T' transition, 'L' log line, 'E' event). */
  from: Step[1] | null;
}

export class RunIndex {
  readonly steps: Step[];
  readonly n: number;
  readonly times: Float64Array;
  /** Per node: steps that set its variables. */
  private readonly varSteps: Int32Array[];
  /** Per node: its transition steps. */
  private readonly trSteps: Int32Array[];
  /** Per node: steps that changed its log entries. */
  private readonly logSteps: Int32Array[];
  /** Per node: [step, down=1/up=0] status changes. */
  private readonly statusSteps: Int32Array[];
  private readonly statusVals: Uint8Array[];
  /** Per node, per log index: flat [step, term, value] writes in step order. */
  private readonly logWrites: Map<number, number[]>[];
  readonly msgIndex: IntervalIndex;
  readonly opIndex: IntervalIndex;
  /** Messages in order of their send step, and those steps. */
  private readonly msgsBySend: Int32Array;
  private readonly msgSendSteps: Int32Array;
  /** Completed operations in order of their completion step, and those steps. */
  private readonly opsByEnd: Int32Array;
  private readonly opEndSteps: Int32Array;
  private readonly netSteps: Int32Array;
  /** Step lists by a jump key ("transition:becomeLeader", "kind:N", "op:fail", ...). */
  readonly jumps = new Map<string, Int32Array>();
  /** Steps at which an operation the checker flagged was invoked. */
  readonly flaggedSteps: Int32Array;
  readonly flaggedOps: Set<number>;
  readonly culpritOps: Set<number>;

  constructor(readonly model: ViewerModel) {
    const steps = (this.steps = expandVars(model));
    const n = (this.n = steps.length);
    const nodes = model.servers.length;
    this.times = Float64Array.from(steps, (s) => s[0]);
    const varSteps: number[][] = Array.from({ length: nodes }, () => []);
    const trSteps: number[][] = Array.from({ length: nodes }, () => []);
    const logSteps: number[][] = Array.from({ length: nodes }, () => []);
    const statusSteps: number[][] = Array.from({ length: nodes }, () => []);
    const statusVals: number[][] = Array.from({ length: nodes }, () => []);
    this.logWrites = Array.from({ length: nodes }, () => new Map<number, number[]>());
    const jumps = new Map<string, number[]>();
    const jump = (key: string, s: number): void => {
      let l = jumps.get(key);
      if (!l) jumps.set(key, (l = []));
      if (l[l.length - 1] !== s) l.push(s);
    };
    const lastRole: number[] = new Array(nodes).fill(-1);
    for (let s = 0; s < n; s++) {
      const st = steps[s]!;
      const node = st[2];
      jump(`kind:${st[1]}`, s);
      let vars: Vars | null = null;
      if (st[1] === 'T') {
        vars = st[6];
        trSteps[node]?.push(s);
        jump(`transition:${model.transitions[st[3]]?.name ?? '?'}`, s);
      } else if (st[1] === 'L') {
        vars = st[3];
      } else if (st[1] === 'E') {
        vars = st[5];
        if (st[4] !== null && node >= 0) {
          statusSteps[node]!.push(s);
          statusVals[node]!.push(st[4] === 'down' ? 1 : 0);
          jump(`status:${st[4]}`, s);
        }
      } else if (st[1] === 'O' && st[4] === 1) {
        const op = model.ops[st[3]];
        if (op) jump(`op:${op[7]}`, s);
      }
      if (vars && node >= 0) {
        varSteps[node]!.push(s);
        if (vars[1] !== lastRole[node]) {
          lastRole[node] = vars[1];
          jump(`role:${model.roles[vars[1]] ?? '?'}`, s);
        }
        const from = vars[7];
        const entries = vars[8];
        if (from !== null && entries) {
          logSteps[node]!.push(s);
          const w = this.logWrites[node]!;
          for (let k = 0; k < entries.length; k++) {
            const idx = from + k;
            let l = w.get(idx);
            if (!l) w.set(idx, (l = []));
            l.push(s, entries[k]![0], entries[k]![1]);
          }
        }
      }
    }
    this.varSteps = varSteps.map((l) => Int32Array.from(l));
    this.trSteps = trSteps.map((l) => Int32Array.from(l));
    this.logSteps = logSteps.map((l) => Int32Array.from(l));
    this.statusSteps = statusSteps.map((l) => Int32Array.from(l));
    this.statusVals = statusVals.map((l) => Uint8Array.from(l));

    const msgs: Msg[] = model.msgs;
    this.msgIndex = new IntervalIndex(
      msgs.map((m) => m[0]),
      msgs.map((m) => (m[1] === -1 ? -1 : Math.max(m[1], m[0]))),
      n,
    );
    this.msgsBySend = Int32Array.from(msgs.map((_, i) => i).sort((a, b) => msgs[a]![0] - msgs[b]![0] || a - b));
    this.msgSendSteps = Int32Array.from(this.msgsBySend, (i) => msgs[i]![0]);
    for (const m of msgs) if (m[6] === 2 || m[6] === 3 || m[6] === 4 || m[6] === 5) jump('message:dropped', m[6] === 2 || m[6] === 5 ? m[1] : m[0]);
    const ops: Op[] = model.ops;
    this.opIndex = new IntervalIndex(
      ops.map((o) => o[0]),
      ops.map((o) => o[1]),
      n,
    );
    const done = ops.map((_, i) => i).filter((i) => ops[i]![1] >= 0);
    this.opsByEnd = Int32Array.from(done.sort((a, b) => ops[a]![1] - ops[b]![1] || a - b));
    this.opEndSteps = Int32Array.from(this.opsByEnd, (i) => ops[i]![1]);
    this.netSteps = Int32Array.from(model.net, (x: Net) => x[0]);

    this.flaggedOps = new Set();
    this.culpritOps = new Set();
    for (const f of model.checker?.failures ?? []) {
      for (const o of f.ops) this.flaggedOps.add(o);
      const m = /\[history #(\d+)\]/.exec(f.culprit);
      if (m) {
        const i = ops.findIndex((o) => o[9] === Number(m[1]));
        if (i >= 0) this.culpritOps.add(i);
      }
    }
    this.flaggedSteps = Int32Array.from(new Set([...this.flaggedOps].map((i) => ops[i]![0]).sort((a, b) => a - b)));
    for (const [k, l] of jumps) {
      l.sort((a, b) => a - b);
      this.jumps.set(k, Int32Array.from(l));
    }
  }

  /** The first step at or after a time (ms); the last step when none. */
  stepAtTime(ms: number): number {
    return Math.min(lowerBound(this.times, ms), this.n - 1);
  }

  /** A node's variables after step s. */
  stateAt(node: number, s: number): NodeState {
    const l = this.varSteps[node];
    const k = l ? upperBound(l, s) - 1 : -1;
    if (k < 0) return { step: -1, vars: null, from: null };
    const step = l![k]!;
    const st = this.steps[step]!;
    const vars = st[1] === 'T' ? st[6] : st[1] === 'L' ? st[3] : st[1] === 'E' ? st[5] : null;
    return { step, vars, from: st[1] };
  }

  /** A node's last transition step at or before s (-1: none). */
  lastTransition(node: number, s: number): number {
    const l = this.trSteps[node];
    const k = l ? upperBound(l, s) - 1 : -1;
    return k < 0 ? -1 : l![k]!;
  }

  /** The last step at or before s that changed a node's log entries (-1: none). */
  lastLogChange(node: number, s: number): number {
    const l = this.logSteps[node];
    const k = l ? upperBound(l, s) - 1 : -1;
    return k < 0 ? -1 : l![k]!;
  }

  /** Down after a crash line (until a restart line), as of step s. */
  isDown(node: number, s: number): boolean {
    const l = this.statusSteps[node];
    const k = l ? upperBound(l, s) - 1 : -1;
    return k >= 0 && this.statusVals[node]![k] === 1;
  }

  /** The entry [term, value string] at a log index of a node as of step s, or null when unknown. */
  entryAt(node: number, index: number, s: number): [number, number] | null {
    const l = this.logWrites[node]?.get(index);
    if (!l) return null;
    // Writes are in step order, three numbers each: find the last with step <= s.
    let lo = 0;
    let hi = l.length / 3;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (l[mid * 3]! <= s) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return null;
    return [l[(lo - 1) * 3 + 1]!, l[(lo - 1) * 3 + 2]!];
  }

  /** Messages sent at step s. */
  sentAt(s: number): number[] {
    const out: number[] = [];
    for (let k = lowerBound(this.msgSendSteps, s); k < this.msgSendSteps.length && this.msgSendSteps[k] === s; k++) out.push(this.msgsBySend[k]!);
    return out;
  }

  /** Messages in flight after step s (sent, not yet delivered or dropped). */
  inFlight(s: number, limit = 500): { items: number[]; more: number } {
    return this.msgIndex.at(s, limit);
  }

  /** Operations invoked and not completed after step s. */
  opsOpen(s: number, limit = 200): { items: number[]; more: number } {
    return this.opIndex.at(s, limit);
  }

  /** The last k operations completed at or before step s, latest first. */
  opsDone(s: number, k: number): number[] {
    const to = upperBound(this.opEndSteps, s);
    const out: number[] = [];
    for (let i = to - 1; i >= 0 && out.length < k; i--) out.push(this.opsByEnd[i]!);
    return out;
  }

  /** The network (blocked links, paused nodes) after step s. */
  netAt(s: number): Net | null {
    const k = upperBound(this.netSteps, s) - 1;
    return k < 0 ? null : this.model.net[k]!;
  }

  /** The next (dir 1) or previous (dir -1) step of a jump key after/before s, or -1. */
  jump(key: string, s: number, dir: 1 | -1): number {
    const l = key === 'flagged' ? this.flaggedSteps : this.jumps.get(key);
    if (!l || l.length === 0) return -1;
    if (dir === 1) {
      const k = upperBound(l, s);
      return k < l.length ? l[k]! : -1;
    }
    const k = lowerBound(l, s) - 1;
    return k >= 0 ? l[k]! : -1;
  }

  /** Role spans of a node over time, for the timeline: [t0, t1, role] (t1 of the last is the run's end). */
  roleSpans(node: number): [number, number, number][] {
    const l = this.varSteps[node];
    const out: [number, number, number][] = [];
    if (!l) return out;
    const end = this.n ? this.times[this.n - 1]! : 0;
    for (let k = 0; k < l.length; k++) {
      const st = this.stateAt(node, l[k]!);
      const role = st.vars ? st.vars[1] : -1;
      const t = this.times[l[k]!]!;
      const last = out[out.length - 1];
      if (last && last[2] === role) continue;
      if (last) last[1] = t;
      out.push([t, end, role]);
    }
    return out;
  }
}
