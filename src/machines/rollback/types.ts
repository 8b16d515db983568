/**
 * Types of the rollback machine: its input, output, events and context (plain, serialisable).
 */
import type { Failure } from '../../record/failures.js';
import type { CommandSpec, PrepareStepSpec, ServiceSpec } from '../../config/plan-types.js';
import type { PendingDecision } from '../../record/facts.js';
import type { DecisionEvent, InterruptEvent } from '../events.js';

/**
 * One service to roll back. `service` is the spec as the release returned to had it: its checks
 * (probe addresses) are that release's, so the restored instance is probed where it serves.
 */
export interface RollbackStep {
  service: ServiceSpec;
  /** Was a `process` service running before this deployment? (restart it vs stop it) */
  wasRunning: boolean;
  /** The previous release's variables for this service (the current ones when there was none). */
  previousEnv?: Record<string, string>;
  /** The release returned to recorded the service as skipped: undone, but not re-checked. */
  skipped?: boolean;
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
  /** What the deployment was rolling back (for its record): `all` or only the `failed` service. */
  scope?: 'all' | 'failed';
  /** Why (for its record). */
  reason?: string;
}

/** What the rollback achieved; `name` is a service or `prepare.<step>` for a cleanup. */
export interface RollbackOutput {
  complete: boolean;
  restored: string[];
  notRestored: Array<{ name: string; reason: string }>;
  aborted: boolean;
  /** Stopped by a second SIGINT/SIGTERM (as the root). */
  interrupted: boolean;
}

/** Decisions the rollback owns (forwarded by the deployment, or sent to it as the root). */
type RollbackDecisionEvent = Extract<
  DecisionEvent,
  { type: 'decision.retry' | 'decision.markResolved' | 'decision.abort' }
>;

/** Events this machine accepts. */
export type RollbackEvent = RollbackDecisionEvent | InterruptEvent;

/** A prepare step's cleanup to run. */
interface Cleanup {
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
  /** The same, as data (for the facts). */
  lastFailureData?: Failure;
  /** The step decision waiting for an answer (its deadline is when the default is taken). */
  pendingDecision?: PendingDecision;
  /** SIGINT/SIGTERM received while running as the root (`stagecraft rollback`). */
  interrupts: number;
  restored: string[];
  /** Steps the operator marked resolved (also in `restored`). */
  resolvedByHand: string[];
  notRestored: Array<{ name: string; reason: string }>;
  aborted: boolean;
  interrupted: boolean;
  scope: 'all' | 'failed';
  reason?: string;
}

/** Default decision timeout (policy.decisionTimeout's default). */
export const DEFAULT_DECISION_TIMEOUT_MS = 15 * 60_000;
/** Deadline of a cleanup command without its own `timeout`. */
export const DEFAULT_CLEANUP_TIMEOUT_MS = 10 * 60_000;
