/**
 * The interfaces of the child machines the stage and deployment invoke by name (machines-interfaces
 * brief). The slots are typed by input only, so compose and tests can bind the real machines or
 * small fakes with `.provide()`.
 */
import type { ActorLogic } from 'xstate';
import type { ServiceSpec } from '../config/plan-types.js';
import type { ServiceState } from './events.js';

/**
 * An actor slot that accepts any logic (machine or promise) taking `TInput`.
 * `any` for snapshot/event/system: provide() checks logic types invariantly, and these slots must
 * accept both the real machines and test fakes; input stays checked.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SlotLogic<TInput> = ActorLogic<any, any, TInput, any, any>;

/** Input of the service machine. */
export interface ServiceInput {
  service: ServiceSpec;
  mode: 'deploy' | 'rollback';
  /** policy.retries: automatic retries of a failed activation. */
  retries: number;
  rollback?: { wasRunning: boolean; previousEnv?: Record<string, string> };
}

/** Output of the service machine (when final). */
export interface ServiceOutput {
  service: string;
  state: ServiceState;
  reason?: string;
}

// The rollback and verification machines own their types; they are re-exported here so the
// slots, compose and tests find every child interface in one place (one definition each).
export type { RollbackInput, RollbackOutput, RollbackStep } from './rollback-types.js';
export type { ReadinessFinding } from './readiness-verdict.js';
export type { VerificationInput, VerificationOutput } from './verification.machine.js';
