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
