/** The watch statechart's public surface. */
export { watchMachine } from './machine.js';
export type { WatchAlert, WatchInput, WatchNotice, WatchOutput } from './machine.js';
export type { WatchedService } from './logic.js';
export { seconds } from './logic.js';
