/**
 * Events shared by the stage and deployment statecharts and the UIs: the service/health events the
 * children forward upwards, the stage's failure request, the operator's decisions, interruption.
 * One discriminated union per concern, dot-namespaced (STYLE.md).
 */

/** Lifecycle state of one service, as reported in `service.update` (same union as service.machine.ts). */
export type ServiceState =
  | 'pending'
  | 'waiting'
  | 'activating'
  | 'checking'
  | 'healthy'
  | 'degraded'
  | 'unhealthy'
  | 'failed'
  | 'skipped'
  | 'rolling-back'
  | 'rolled-back'
  | 'rollback-failed';

/** Health verdict of one service. */
export type Verdict = 'healthy' | 'degraded' | 'unhealthy';

/** Emitted by a service actor to its parent on every state change. */
export interface ServiceUpdateEvent {
  type: 'service.update';
  service: string;
  state: ServiceState;
  attempt: number;
  maxAttempts: number;
  verdict?: Verdict;
  reason?: string;
  /** epoch ms */
  at: number;
}

/** Emitted by a health actor (forwarded by service, stage) for every probe attempt. */
export interface HealthAttemptEvent {
  type: 'health.attempt';
  service: string;
  probe: string;
  attempt: number;
  of: number;
  ok: boolean;
  detail: string;
  durationMs: number;
}

/** Emitted by a stage actor to the deployment when its progress changes (view data). */
export interface StageUpdateEvent {
  type: 'stage.update';
  stage: string;
  status: 'running' | 'verifying' | 'failed';
  at: number;
}

/** Emitted by a stage actor when something failed and it waits for a decision. */
export interface StageFailureEvent {
  type: 'stage.failure';
  stage: string;
  /** The failed service; absent when a `verify` check or the stage deadline failed. */
  service?: string;
  reason: string;
  canRetry: boolean;
  canSkip: boolean;
}

/** Emitted by the rollback actor when a rollback step failed after its automatic retries. */
export interface RollbackStepFailedEvent {
  type: 'rollback.stepFailed';
  service: string;
  reason: string;
}

/** Emitted by a service monitor when a service that was healthy failed its probe `retries` times. */
export interface MonitorUnhealthyEvent {
  type: 'monitor.unhealthy';
  service: string;
  /** The health verdict's reason: which probe, the last results, thresholds, elapsed time. */
  reason: string;
  /** epoch ms */
  at: number;
}

/** Emitted by a service monitor when monitoring itself could not go on (a bug or a missing binding). */
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

/** An operator's (or policy's, or timeout's) decision. Always sent to the root deployment actor. */
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

/** The event types of every decision, for guards and forwarding. */
export const decisionEventTypes: ReadonlyArray<DecisionEvent['type']> = [
  'decision.proceed',
  'decision.skipStage',
  'decision.abort',
  'decision.retry',
  'decision.skip',
  'decision.rollback',
  'decision.continue',
  'decision.accept',
  'decision.markResolved',
];

/** First SIGINT/SIGTERM: cancel and apply the failure policy; second: leave things as they are. */
export interface InterruptEvent {
  type: 'deployment.interrupt';
}

/** Events a service actor accepts from its stage. */
export type ServiceCommandEvent =
  | { type: 'service.wait' }
  | { type: 'service.start' }
  | { type: 'service.retry' }
  | { type: 'service.skip' }
  | DependencyUnhealthyEvent;

/** A service actor of a stage threw (a bug, or an input the plan should not allow). */
export interface ServiceErrorEvent {
  type: `xstate.error.actor.service:${string}`;
  error: unknown;
}

/** Everything a stage actor accepts. */
export type StageEvent =
  ServiceUpdateEvent | HealthAttemptEvent | DecisionEvent | DependencyUnhealthyEvent;

/** Everything the deployment actor accepts. */
export type DeploymentEvent =
  | ServiceUpdateEvent
  | HealthAttemptEvent
  | StageUpdateEvent
  | StageFailureEvent
  | RollbackStepFailedEvent
  | DecisionEvent
  | InterruptEvent
  | MonitorUnhealthyEvent
  | MonitorErrorEvent;
