/** The service statechart's public surface. */
export { serviceMachine } from './machine.js';
export type { ServiceInput, ServiceOutput } from './setup.js';
export { healthInput } from './inputs.js';
