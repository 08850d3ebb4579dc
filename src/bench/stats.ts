// Operation and network statistics.

import type { NetCounters } from './net.js';
import type { BenchResults, FunctionStats, HistoryEvent, LatencyQuantiles, NetStats } from './types.js';

/** Quantiles as Jepsen takes them: the element at floor(q x n) of the sorted values. */
export function quantiles(xs: readonly number[]): LatencyQuantiles {
  if (xs.length === 0) return { count: 0, p50: null, p95: null, p99: null, max: null };
  const s = Float64Array.from(xs).sort();
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const r = (x: number) => Math.round(x * 100) / 100;
  return { count: s.length, p50: r(q(0.5)), p95: r(q(0.95)), p99: r(q(0.99)), max: r(s[s.length - 1]) };
}

/** A completed operation: invocation and completion paired. */
export interface PairedOp {
  invoke: HistoryEvent;
  complete: HistoryEvent | null;
}

export function pairOps(history: readonly HistoryEvent[]): PairedOp[] {
  const open = new Map<number, PairedOp>();
  const out: PairedOp[] = [];
  for (const ev of history) {
    if (ev.type === 'invoke') {
      const p: PairedOp = { invoke: ev, complete: null };
      open.set(ev.process, p);
      out.push(p);
    } else {
      const p = open.get(ev.process);
      if (p) {
        p.complete = ev;
        open.delete(ev.process);
      }
    }
  }
  return out;
}

export function computeStats(history: readonly HistoryEvent[], durationSeconds: number): BenchResults['stats'] {
  const byFunction: Record<string, FunctionStats> = {};
  const okLat: number[] = [];
  // function -> completion type -> latencies (ms)
  const latBy = new Map<string, Map<string, number[]>>();
  let ok = 0;
  let fail = 0;
  let info = 0;
  let count = 0;
  // One pass, as pairOps but without building the pairs.
  const open = new Map<number, HistoryEvent>();
  const add = (inv: HistoryEvent, c: HistoryEvent | null) => {
    const type = c ? c.type : 'info';
    const f = inv.f;
    const fs = (byFunction[f] ??= { count: 0, ok: 0, fail: 0, info: 0 });
    fs.count++;
    count++;
    if (type === 'ok') {
      ok++;
      fs.ok++;
    } else if (type === 'fail') {
      fail++;
      fs.fail++;
    } else {
      info++;
      fs.info++;
    }
    if (c) {
      const ms = (c.time - inv.time) / 1e6;
      if (type === 'ok') okLat.push(ms);
      let byType = latBy.get(f);
      if (!byType) latBy.set(f, (byType = new Map()));
      let l = byType.get(type);
      if (!l) byType.set(type, (l = []));
      l.push(ms);
    }
  };
  for (const ev of history) {
    if (ev.type === 'invoke') open.set(ev.process, ev);
    else {
      const inv = open.get(ev.process);
      if (inv) {
        open.delete(ev.process);
        add(inv, ev);
      }
    }
  }
  for (const inv of open.values()) add(inv, null);
  const latencyByFunction: Record<string, LatencyQuantiles> = {};
  const flat: [string, number[]][] = [];
  for (const [f, byType] of latBy) for (const [t, v] of byType) flat.push([`${f} ${t}`, v]);
  for (const [k, v] of flat.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) latencyByFunction[k] = quantiles(v);
  return {
    count,
    ok,
    fail,
    info,
    byFunction,
    // As Maelstrom's availability checker: with no operations, the ok fraction is 1.
    availability: count === 0 ? 1 : ok / count,
    throughput: durationSeconds > 0 ? ok / durationSeconds : null,
    latency: quantiles(okLat),
    latencyByFunction,
  };
}

/** Maelstrom's net stats: sends, receives and distinct messages; msgs-per-op from the distinct count. */
export function netStats(c: NetCounters, opCount: number): NetStats {
  const allMsgs = c.clientMsgs + c.serverMsgs;
  return {
    all: {
      sendCount: c.clientSend + c.serverSend,
      recvCount: c.clientRecv + c.serverRecv,
      msgCount: allMsgs,
      msgsPerOp: opCount > 0 ? allMsgs / opCount : null,
    },
    clients: { sendCount: c.clientSend, recvCount: c.clientRecv, msgCount: c.clientMsgs },
    servers: {
      sendCount: c.serverSend,
      recvCount: c.serverRecv,
      msgCount: c.serverMsgs,
      msgsPerOp: opCount > 0 ? c.serverMsgs / opCount : null,
    },
    dropped: c.dropped,
    lostToDeadNodes: c.lostToDeadNodes,
    undeliverable: c.undeliverable,
    forgedSrc: c.forgedSrc,
  };
}
