/**
 * The control events the statecharts send each other and receive from the operator. What
 * happened is recorded as facts (src/record/facts.ts); these only steer: a service tells its stage
 * it changed state, a stage asks for a decision, the operator answers or interrupts. One
 * discriminated union per concern, dot-namespaced (STYLE.md).
 */
import type { ServiceState, Verdict } from '../record/facts.js';

/** A service tells its stage (and the stage the deployment) that its state changed. */
export interface ServiceUpdateEvent {
  type: 'service.update';
  service: string;
  state: ServiceState;
  attempt: number;
  maxAttempts: number;
  verdict?: Verdict;
  reason?: string;
}

/** A stage tells the deployment that something failed and it waits for a decision. */
export interface StageFailureEvent {
  type: 'stage.failure';
  stage: string;
  /** The failed service; absent when a `verify` check or the stage deadline failed. */
  service?: string;
  reason: string;
  canRetry: boolean;
  canSkip: boolean;
}

/** A service monitor saw a service that was healthy fail its probe `retries` times. */
export interface MonitorUnhealthyEvent {
  type: 'monitor.unhealthy';
  service: string;
  /** The health verdict's reason: which probe, the last results, thresholds, elapsed time. */
  reason: string;
}

/** A service monitor could not go on (a bug or a missing binding). */
export interface MonitorErrorEvent {
  type: 'monitor.error';
  service: string;
  reason: string;
}

/** Sent by the deployment to the running stage (and by the stage to its services). */
export interface DependencyUnhealthyEvent {
  type: 'dependency.unhealthy';
  dependency: string;
}

/** An operator's (or policy's, or timeout's) decision. Always sent to the root actor. */
export type DecisionEvent =
  | { type: 'decision.proceed'; by: string }
  | { type: 'decision.skipStage'; by: string }
  | { type: 'decision.abort'; by: string }
  | { type: 'decision.retry'; by: string }
  | { type: 'decision.skip'; by: string }
  | { type: 'decision.rollback'; by: string }
  | { type: 'decision.continue'; by: string }
  | { type: 'decision.accept'; by: string }
  | { type: 'decision.markResolved'; by: string };

/**
 * SIGINT/SIGTERM (or Ctrl-C in the UI). The first stops starting anything new and applies the
 * failure policy; the second leaves things as they are. Every root statechart accepts it.
 */
export interface InterruptEvent {
  type: 'run.interrupt';
}

/** What the operator (or the runtime on the operator's behalf) sends a running root actor. */
export type OperatorEvent = DecisionEvent | InterruptEvent;

/** Events a service actor accepts from its stage. */
export type ServiceCommandEvent =
  { type: 'service.retry' } | { type: 'service.skip' } | DependencyUnhealthyEvent;
