/**
 * The interfaces of the child machines the stage and deployment invoke by name (machines-interfaces
 * brief). The slots are typed by input only, so compose and tests can bind the real machines or
 * small fakes with `.provide()`.
 */
import type { ActorLogic } from 'xstate';
import type {
  CheckSpec,
  PrepareStepSpec,
  ReadinessCheckSpec,
  ServiceSpec,
} from '../config/plan-types.js';
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

/** One rollback step: a service to restore. */
export interface RollbackStep {
  service: ServiceSpec;
  wasRunning: boolean;
  previousEnv?: Record<string, string>;
}

/** Input of the rollback machine. */
export interface RollbackInput {
  /** Already in reverse activation order. */
  steps: RollbackStep[];
  /** In reverse prepare order. */
  cleanups: PrepareStepSpec[];
  retries: number;
  interactive: boolean;
  /** How long a rollback-step decision waits before its default (abort). */
  decisionTimeoutMs?: number;
}

/** Output of the rollback machine. */
export interface RollbackOutput {
  complete: boolean;
  restored: string[];
  notRestored: Array<{ name: string; reason: string }>;
  aborted: boolean;
}

/** Input of the verification machine. */
export interface VerificationInput {
  integration: CheckSpec[];
  readiness: ReadinessCheckSpec[];
}

/** One production-readiness finding. */
export interface ReadinessFinding {
  name: string;
  category: string;
  severity: 'critical' | 'warning';
  ok: boolean;
  detail: string;
}

/** Output of the verification machine. */
export interface VerificationOutput {
  integration: { ok: boolean; failures: Array<{ name: string; detail: string }> };
  readiness: 'ready' | 'ready-with-warnings' | 'not-ready';
  findings: ReadinessFinding[];
}
