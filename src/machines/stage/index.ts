/** The stage statechart's public surface. */
export { stageMachine } from './machine.js';
export type { StageEvent, StageInput, StageOutput } from './setup.js';
