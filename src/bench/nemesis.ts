// The partition nemesis: grudges (receiver -> senders it drops) for the four
// partition kinds Maelstrom picks from, and the start/stop schedule.

import type { Rng } from '../core/random.js';

export type PartitionKind = 'one' | 'majority' | 'minority-third' | 'majorities-ring';
export const PARTITION_KINDS: readonly PartitionKind[] = ['one', 'minority-third', 'majority', 'majorities-ring'];

export type Grudge = Map<string, Set<string>>;

/** No node in a component hears from any node outside it. */
export function completeGrudge(components: string[][]): Grudge {
  const all = components.flat();
  const g: Grudge = new Map();
  for (const comp of components) {
    const inside = new Set(comp);
    for (const n of comp) g.set(n, new Set(all.filter((x) => !inside.has(x))));
  }
  return g;
}

/** Largest count strictly below a third of n. */
export function minorityThird(n: number): number {
  return Math.ceil(n / 3) - 1;
}

export interface Partition {
  kind: PartitionKind;
  grudge: Grudge;
  description: string;
}

function describeComponents(components: string[][]): string {
  return components
    .filter((c) => c.length > 0)
    .map((c) => c.slice().sort(byNodeId).join(' '))
    .join(' | ');
}

function byNodeId(a: string, b: string): number {
  return Number(a.slice(1)) - Number(b.slice(1)) || a.localeCompare(b);
}

export function makePartition(kind: PartitionKind, nodes: readonly string[], rng: Rng): Partition {
  const n = nodes.length;
  switch (kind) {
    case 'one': {
      const loner = rng.pick(nodes);
      const comps = [[loner], nodes.filter((x) => x !== loner)];
      return { kind, grudge: completeGrudge(comps), description: describeComponents(comps) };
    }
    case 'majority': {
      const s = rng.shuffle(nodes);
      const cut = Math.floor(n / 2);
      const comps = [s.slice(0, cut), s.slice(cut)];
      return { kind, grudge: completeGrudge(comps), description: describeComponents(comps) };
    }
    case 'minority-third': {
      const s = rng.shuffle(nodes);
      const cut = minorityThird(n);
      const comps = [s.slice(0, cut), s.slice(cut)];
      const desc = cut === 0 ? `(no node split off: ${n} nodes have no minority under a third)` : describeComponents(comps);
      return { kind, grudge: completeGrudge(comps.filter((c) => c.length > 0)), description: desc };
    }
    case 'majorities-ring': {
      // Nodes in a random ring; each hears only the majority-sized window of
      // the ring around itself, so every node sees a majority and no two see
      // the same one.
      const ring = rng.shuffle(nodes);
      const m = Math.floor(n / 2) + 1;
      const g: Grudge = new Map();
      const parts: string[] = [];
      for (let i = 0; i < n; i++) {
        const window = new Set<string>();
        const startOff = -Math.floor(m / 2);
        for (let k = 0; k < m; k++) window.add(ring[(((i + startOff + k) % n) + n) % n]);
        g.set(ring[i], new Set(nodes.filter((x) => !window.has(x))));
        parts.push(`${ring[i]} hears ${[...window].sort(byNodeId).join(',')}`);
      }
      return { kind, grudge: g, description: `ring: ${parts.join('; ')}` };
    }
  }
}

/** Grudge as a plain object for JSON. */
export function grudgeToJson(g: Grudge): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of [...g.entries()].sort((a, b) => byNodeId(a[0], b[0]))) out[k] = [...v].sort(byNodeId);
  return out;
}

// --- kill and pause targets, and the whole schedule -------------------------

/** The faults `--nemesis` takes. */
export type NemesisFault = 'partition' | 'kill' | 'pause';
export const NEMESIS_FAULTS: readonly NemesisFault[] = ['partition', 'kill', 'pause'];

/**
 * Which nodes a kill or pause acts on, as jepsen.nemesis.combined/db-nodes
 * draws them: a random non-empty subset, one node, fewer than a third, a
 * minority (the largest count below a majority), a majority, or all. Jepsen
 * also has `primaries`, which needs to know the leader; the bench runs any
 * binary and cannot tell, so it leaves that one out.
 */
export type NodeSpec = 'subset' | 'one' | 'minority-third' | 'minority' | 'majority' | 'all';
export const NODE_SPECS: readonly NodeSpec[] = ['subset', 'one', 'minority-third', 'minority', 'majority', 'all'];

/** Smallest count strictly above half. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

export function targetNodes(spec: NodeSpec, nodes: readonly string[], rng: Rng): string[] {
  const n = nodes.length;
  let out: string[];
  switch (spec) {
    case 'subset': {
      // Uniform over the non-empty subsets.
      let picked: string[] = [];
      while (picked.length === 0) picked = nodes.filter(() => rng.next() < 0.5);
      out = picked;
      break;
    }
    case 'one':
      out = [rng.pick(nodes)];
      break;
    case 'minority-third':
      out = rng.shuffle(nodes).slice(0, minorityThird(n));
      break;
    case 'minority':
      out = rng.shuffle(nodes).slice(0, majority(n) - 1);
      break;
    case 'majority':
      out = rng.shuffle(nodes).slice(0, majority(n));
      break;
    case 'all':
      out = nodes.slice();
      break;
  }
  return out.sort(byNodeId);
}

/** One nemesis operation, with Jepsen's names for them. */
export type NemesisF = 'start-partition' | 'stop-partition' | 'kill' | 'start' | 'pause' | 'resume';

export interface PlannedNemesisOp {
  /** Seconds after the client phase begins; drawn from the seed alone. */
  at: number;
  f: NemesisF;
  /** Partition kind, or the node spec of a kill or pause. */
  spec?: string;
  /** The nodes a kill or pause targets (start and resume act on every node down or paused). */
  nodes?: string[];
  /** For start-partition: who drops whose messages, and the grouping in words. */
  grudge?: Record<string, string[]>;
  description?: string;
}

/**
 * The whole nemesis schedule of a run, from its seed alone (so two binaries
 * tested with the same seed meet the same faults at the same times), as
 * Jepsen's combined nemesis composes it: one stream of partitions
 * (start-partition, stop-partition, ...) and one stream of process faults
 * in which each step picks kill-start or pause-resume at random and takes that
 * flip-flop's next operation; each stream waits a uniform random delay in
 * [0, 2 x interval) before each of its operations (gen/stagger). Operations
 * due after the time limit are not planned.
 */
export function planNemesis(
  rng: Rng,
  opts: { faults: readonly NemesisFault[]; nodes: readonly string[]; interval: number; timeLimit: number },
): PlannedNemesisOp[] {
  const out: PlannedNemesisOp[] = [];
  const partitionRng = rng.fork(0);
  const dbRng = rng.fork(1);
  if (opts.faults.includes('partition')) {
    let t = 0;
    let active = false;
    for (;;) {
      t += partitionRng.next() * 2 * opts.interval;
      if (t >= opts.timeLimit) break;
      if (!active) {
        const kind = partitionRng.pick(PARTITION_KINDS);
        const p = makePartition(kind, opts.nodes, partitionRng);
        out.push({ at: t, f: 'start-partition', spec: kind, grudge: grudgeToJson(p.grudge), description: p.description });
      } else {
        out.push({ at: t, f: 'stop-partition' });
      }
      active = !active;
    }
  }
  const modes: ('kill' | 'pause')[] = [];
  if (opts.faults.includes('pause')) modes.push('pause');
  if (opts.faults.includes('kill')) modes.push('kill');
  if (modes.length > 0) {
    const faulting = { kill: false, pause: false };
    let t = 0;
    for (;;) {
      t += dbRng.next() * 2 * opts.interval;
      if (t >= opts.timeLimit) break;
      const mode = dbRng.pick(modes);
      if (!faulting[mode]) {
        const spec = dbRng.pick(NODE_SPECS);
        out.push({ at: t, f: mode, spec, nodes: targetNodes(spec, opts.nodes, dbRng) });
      } else {
        out.push({ at: t, f: mode === 'kill' ? 'start' : 'resume' });
      }
      faulting[mode] = !faulting[mode];
    }
  }
  // Stable: at equal times, partitions first.
  return out.map((op, i) => ({ op, i })).sort((a, b) => a.op.at - b.op.at || a.i - b.i).map((x) => x.op);
}
