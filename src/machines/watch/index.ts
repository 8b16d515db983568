/** The watch statechart's public surface. */
export { watchMachine } from './machine.js';
export type {
  WatchAlert,
  WatchEvent,
  WatchFailure,
  WatchInput,
  WatchNotice,
  WatchOutput,
} from './machine.js';
export { DEFAULT_FAILURES_TO_TRIP, type WatchedService } from './logic.js';
