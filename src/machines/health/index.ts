/** The health statechart's public surface. */
export {
  healthMachine,
  type HealthContext,
  type HealthInput,
  type HealthVerdict,
} from './machine.js';
export { errorText, STARTUP_DELAY_MS } from './policy.js';
