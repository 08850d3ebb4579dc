// What scripts/bench-cpu.mjs needs of the project, bundled in one module.
export { RaftNode } from '../src/maelstrom/node.js';
export { VirtualClock } from '../src/runtime/clock.js';
export { Rng } from '../src/core/random.js';
export { openNodeStorage } from '../src/core/storage.js';
