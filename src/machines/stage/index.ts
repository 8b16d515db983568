/** The stage statechart's public surface. */
export { stageMachine } from './machine.js';
export type { StageContext, StageEvent, StageFailure, StageInput, StageOutput } from './setup.js';
