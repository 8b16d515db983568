/** The deployment statechart's public surface. */
export { deploymentMachine } from './machine.js';
export type { DeploymentContext, DeploymentInput, PreviousRelease, ResumePlan } from './context.js';
export type { DeploymentEvent } from './setup.js';
export { rollbackSteps } from './rollback.js';
