/**
 * The control events the statecharts send each other and receive from the operator. What
 * happened is recorded as facts (src/record/facts.ts); these only steer: a service tells its stage
 * it changed state, a stage asks for a decision, the operator answers or interrupts. One
 * discriminated union per concern, dot-namespaced.
 */
import type { ServiceState, Verdict } from '../record/facts.js';
import type { Failure } from '../record/failures.js';

/** A service tells its stage (and the stage the deployment) that its state changed. */
export interface ServiceUpdateEvent {
  type: 'service.update';
  service: string;
  state: ServiceState;
  attempt: number;
  maxAttempts: number;
  verdict?: Verdict;
  reason?: string;
  /** When failed, unhealthy or degraded: what failed, as data. */
  failure?: Failure;
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
  /** What failed, as data, when it is more than a probe's verdict (a process that exited). */
  failure?: Failure;
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

// What an operator sends a running root actor is part of the view source's contract (the UI and
// the runtime send it): defined in src/record/source.ts, the layer below.
export type { DecisionEvent, InterruptEvent, OperatorEvent } from '../record/source.js';

/** Events a service actor accepts from its stage. */
export type ServiceCommandEvent =
  { type: 'service.retry' } | { type: 'service.skip' } | DependencyUnhealthyEvent;
