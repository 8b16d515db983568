export { rolloutMachine } from './machine.js';
export type { RolloutInput, RolloutInstanceEvent, RolloutTellEvent } from './machine.js';
