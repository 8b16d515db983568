/** The health statechart's public surface. */
export { healthMachine, type HealthInput, type HealthVerdict } from './machine.js';
export { errorText } from './policy.js';
