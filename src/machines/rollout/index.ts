export { rolloutMachine } from './machine.js';
export type { RolloutTellEvent } from './machine.js';
