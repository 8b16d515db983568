/** The verification statechart's public surface. */
export {
  verificationMachine,
  type VerificationContext,
  type VerificationInput,
  type VerificationOutput,
} from './machine.js';
export type { ReadinessFinding, ReadinessVerdict } from './readiness.js';
