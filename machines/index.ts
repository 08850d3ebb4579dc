export * from './context.js';
export * from './raft.js';
export { guards, majorityMatchIndex, type GuardName } from './guards.js';
export { actions, opOfRequest, type ActionName } from './actions.js';
