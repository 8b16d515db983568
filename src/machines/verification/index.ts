/** The verification statechart's public surface. */
export { verificationMachine, type VerificationInput, type VerificationOutput } from './machine.js';
export type { ReadinessFinding } from './readiness.js';
