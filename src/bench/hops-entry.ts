// What scripts/bench-hops.mjs needs of the bench, in one bundle.
export { parseArgs } from './options.js';
export { runTest } from './runner.js';
export { hopBreakdown, formatHops } from './hops.js';
