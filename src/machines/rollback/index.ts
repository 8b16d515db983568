/** The rollback statechart's public surface. */
export { rollbackMachine } from './machine.js';
export type { RollbackEvent, RollbackInput, RollbackOutput, RollbackStep } from './types.js';
