/**
 * Types of the rollback machine: its input, output, events and context (plain, serialisable).
 */
import type { CommandSpec, PrepareStepSpec, ServiceSpec } from '../config/plan-types.js';
import type { ServiceInput } from './child-types.js';

/** One service to roll back. */
export interface RollbackStep {
  service: ServiceSpec;
  /** Was a `process` service running before this deployment? (restart it vs stop it) */
  wasRunning: boolean;
  /** The previous release's variables for this service (the current ones when there was none). */
  previousEnv?: Record<string, string>;
}

/** Input of the rollback machine. */
export interface RollbackInput {
  /** Already in reverse activation order. */
  steps: RollbackStep[];
  /** In reverse prepare order; steps without a `cleanup` are ignored. */
  cleanups: PrepareStepSpec[];
  /** Automatic retries of a failing step (policy.retries). */
  retries: number;
  /** Ask the operator when a step keeps failing; otherwise record it and go on. */
  interactive: boolean;
  /** How long a rollback-step decision waits before its default (abort). Default 15 min. */
  decisionTimeoutMs?: number;
}

/**
 * Input of the `serviceRollback` actor: the service machine's input (so compose can bind the real
 * service machine); this machine always sends `mode: 'rollback'`, `retries: 0` (it owns the
 * retries of a rollback step) and `rollback` set.
 */
export type ServiceRollbackInput = ServiceInput;

/** Output of the `serviceRollback` actor. */
export interface ServiceRollbackOutput {
  service: string;
  state: 'rolled-back' | 'rollback-failed';
  reason?: string;
}

/** What the rollback achieved; `name` is a service or `prepare.<step>` for a cleanup. */
export interface RollbackOutput {
  complete: boolean;
  restored: string[];
  notRestored: Array<{ name: string; reason: string }>;
  aborted: boolean;
}

/** Decisions the rollback owns (forwarded by the deployment). */
export type RollbackDecisionEvent =
  | { type: 'decision.retry'; by: string }
  | { type: 'decision.markResolved'; by: string }
  | { type: 'decision.abort'; by: string };

/** Events from the service actor, passed on to the parent unchanged. */
export interface ForwardedServiceEvent {
  type: 'service.update' | 'health.attempt';
  service: string;
  [key: string]: unknown;
}

/**
 * Events this machine accepts. `rollback.checkDeadline` re-checks the decision deadline (after a
 * restore from the journal, `after` timers are gone: NOTES.md).
 */
export type RollbackEvent =
  RollbackDecisionEvent | ForwardedServiceEvent | { type: 'rollback.checkDeadline' };

/** Progress the machine sends to its parent. */
export type RollbackProgressEvent =
  | {
      type: 'rollback.step';
      service: string;
      status: 'started' | 'restored' | 'failed' | 'resolved-by-hand';
      attempt: number;
      reason?: string;
    }
  | {
      type: 'rollback.stepFailed';
      service: string;
      reason: string;
      attempt: number;
      deadline: number;
    }
  | {
      type: 'rollback.cleanup';
      name: string;
      status: 'started' | 'done' | 'failed';
      attempt: number;
      reason?: string;
    };

/** A prepare step's cleanup to run. */
export interface Cleanup {
  name: string;
  cleanup: CommandSpec;
}

/** Plain, serialisable context (journaled). */
export interface RollbackContext {
  steps: RollbackStep[];
  cleanups: Cleanup[];
  retries: number;
  interactive: boolean;
  decisionTimeoutMs: number;
  stepIndex: number;
  cleanupIndex: number;
  /** Attempts of the current step or cleanup, 1-based. */
  attempt: number;
  lastFailure?: string;
  /** Epoch ms when the pending decision takes its default. */
  decisionDeadline?: number;
  restored: string[];
  /** Steps the operator marked resolved (also in `restored`). */
  resolvedByHand: string[];
  notRestored: Array<{ name: string; reason: string }>;
  aborted: boolean;
}

/** Default decision timeout (policy.decisionTimeout's default). */
export const DEFAULT_DECISION_TIMEOUT_MS = 15 * 60_000;
/** Deadline of a cleanup command without its own `timeout`. */
export const DEFAULT_CLEANUP_TIMEOUT_MS = 10 * 60_000;
