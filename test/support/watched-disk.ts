// A simulated disk (src/sim/disk.ts) that calls `onSync` after every fsync:
// tests compare what a node had sent by then with what the fsync made durable.
import { SimDisk } from '../../src/sim/disk.js';
import { Rng } from '../../src/core/random.js';
import type { Disk } from '../../src/core/storage.js';

export function watchedDisk(onSync: () => void, seed = 7): Disk {
  const sim = new SimDisk(new Rng(seed));
  return {
    read: (n) => sim.read(n),
    append: (n, data) => sim.append(n, data),
    sync: (n) => {
      sim.sync(n);
      onSync();
    },
    truncate: (n, size) => sim.truncate(n, size),
    replace: (n, data) => sim.replace(n, data),
  };
}
