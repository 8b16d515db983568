/** The rollback statechart's public surface. */
export { rollbackMachine } from './machine.js';
export type {
  Cleanup,
  RollbackContext,
  RollbackDecisionEvent,
  RollbackEvent,
  RollbackInput,
  RollbackOutput,
  RollbackStep,
} from './types.js';
