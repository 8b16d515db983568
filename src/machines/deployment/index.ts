/** The deployment statechart's public surface. */
export { deploymentMachine } from './machine.js';
export type {
  DeploymentContext,
  DeploymentFailure,
  DeploymentInput,
  PreviousRelease,
  ResumePlan,
  ServiceStatus,
} from './context.js';
export type { DeploymentEvent } from './setup.js';
export { rollbackSteps } from './rollback.js';
