/**
 * The deployment machine's input and context (plain data) and the pure functions that build and
 * read it. The context holds only what the statechart decides on; what the operator sees is
 * recorded as facts and folded outside (src/record).
 */
import { own } from '../../core/own.js';
import type { ResolvedPlan } from '../../config/plan-types.js';
import type {
  Outcome,
  PendingDecision,
  PreviousRelease,
  ServiceState,
} from '../../record/facts.js';
import type { ServiceInput } from '../service/index.js';
import type { VerificationOutput } from '../verification/index.js';

export type { PreviousRelease };

/**
 * What `resume` found in the journal of an interrupted deployment, handed to the statechart as
 * input: where each part re-enters. The plan is computed by the runtime (src/runtime/recovery.ts)
 * from the journal and from probing the world; the statechart only follows it.
 */
export interface ResumePlan {
  /** `prepare` steps journaled as done: not run again. */
  prepared: string[];
  /** Stages journaled as succeeded: not run again (their services count as activated). */
  stagesDone: string[];
  /** Services that began activating in the interrupted run, in order (rollback undoes them). */
  started: string[];
  /** Services that became healthy or degraded in finished stages, in order. */
  activated: string[];
  /** Per service: an activation journaled as succeeded, or this run's process found running. */
  services: Record<string, NonNullable<ServiceInput['resume']>>;
  /** The stage that was running and its absolute deadline: re-armed as it was. */
  stageDeadline?: { stage: string; at: number };
  /** The decision that was pending: asked again (same kind and subject) with its deadline. */
  decision?: { kind: PendingDecision['kind']; subject: string; deadline: number };
}

/** Input of the deployment machine. */
export interface DeploymentInput {
  plan: ResolvedPlan;
  deploymentId: string;
  /** TTY and not --yes. */
  interactive: boolean;
  /** --step: confirm before every stage. */
  step: boolean;
  previous?: PreviousRelease;
  /**
   * Watch every service that became healthy until the deployment ends (default true); a
   * dependency turning unhealthy degrades its dependents. Machine tests may turn it off.
   */
  monitor?: boolean;
  /** `resume`: where each part of the interrupted deployment re-enters. */
  resume?: ResumePlan;
}

/** Why the deployment is failing. */
export interface DeploymentFailure {
  source: 'stage' | 'verify' | 'degraded' | 'interrupt' | 'error' | 'watch';
  stage?: string;
  service?: string;
  reason: string;
  canRetry: boolean;
  canSkip: boolean;
}

/** What the deployment knows of one service (from the `service.update`s its stages forward). */
export interface ServiceStatus {
  state: ServiceState;
  attempt: number;
  maxAttempts: number;
  reason?: string;
}

/** Deployment context: plain data. */
export interface DeploymentContext {
  plan: ResolvedPlan;
  deploymentId: string;
  interactive: boolean;
  step: boolean;
  previous?: PreviousRelease;
  resume?: ResumePlan;
  /** Whether services are monitored once healthy (input.monitor). */
  monitor: boolean;
  /** Services a monitor was started for (one each, never restarted). */
  monitored: string[];
  /** Services that turned unhealthy after they were healthy, in order. */
  lost: string[];
  /** Position of each service in `statuses` (the plan's activation order); never changes. */
  serviceIndex: Record<string, number>;
  /** Each service's status, in activation order (an array: cheap to copy on every update). */
  statuses: ServiceStatus[];
  stageIndex: number;
  prepareIndex: number;
  /** Prepare steps that completed, in order. */
  prepared: string[];
  cleanupIndex: number;
  /** Services that began activating, in order (rollback runs in reverse). */
  started: string[];
  /** Services that became healthy or degraded, in activation order. */
  activated: string[];
  degraded: string[];
  failure?: DeploymentFailure;
  rollbackScope: 'all' | 'failed';
  pendingDecision?: PendingDecision;
  /** The prompt just answered (exit actions clear pendingDecision before the answer is recorded). */
  closedDecision?: PendingDecision;
  decisionSeq: number;
  warnings: string[];
  interrupts: number;
  interrupted: boolean;
  release?: string;
  result?: Outcome;
  /** Cleanups that failed after a prepare failure: listed as not restored. */
  notRestored: Array<{ name: string; reason: string }>;
}

/** The initial context. */
export function initialContext(input: DeploymentInput): DeploymentContext {
  const { plan } = input;
  const serviceIndex = Object.fromEntries(plan.activationOrder.map((n, i) => [n, i]));
  const statuses: ServiceStatus[] = plan.activationOrder.map(() => ({
    state: 'pending',
    attempt: 0,
    maxAttempts: plan.policy.retries + 1,
  }));
  const resume = input.resume;
  return {
    plan,
    deploymentId: input.deploymentId,
    interactive: input.interactive,
    step: input.step,
    ...(input.previous === undefined ? {} : { previous: input.previous }),
    ...(resume === undefined ? {} : { resume }),
    monitor: input.monitor ?? true,
    monitored: [],
    lost: [],
    serviceIndex,
    statuses,
    stageIndex: 0,
    prepareIndex: 0,
    prepared: [],
    cleanupIndex: 0,
    started: resume === undefined ? [] : [...resume.started],
    activated: resume === undefined ? [] : [...resume.activated],
    degraded: [],
    rollbackScope: 'all',
    decisionSeq: 0,
    warnings: [],
    interrupts: 0,
    interrupted: false,
    notRestored: [],
  };
}

/** What the deployment knows of service `name`. */
export function statusOf(ctx: DeploymentContext, name: string): ServiceStatus | undefined {
  const i = own(ctx.serviceIndex, name);
  return i === undefined ? undefined : ctx.statuses[i];
}

/** The statuses with `name`'s replaced by `status`. */
export function withStatus(
  ctx: DeploymentContext,
  name: string,
  status: ServiceStatus,
): ServiceStatus[] {
  const i = own(ctx.serviceIndex, name);
  if (i === undefined) return ctx.statuses;
  const next = [...ctx.statuses];
  next[i] = status;
  return next;
}

/** Whether the current stage needs a confirmation first. */
export function needsConfirmation(ctx: DeploymentContext): boolean {
  const stage = ctx.plan.stages[ctx.stageIndex];
  return (
    ctx.interactive && stage !== undefined && (stage.confirm || ctx.plan.confirmStages || ctx.step)
  );
}

/** The resumed absolute deadline of the stage at `stageIndex`, if it is the one that was running. */
export function resumedStageDeadline(ctx: DeploymentContext): number | undefined {
  const d = ctx.resume?.stageDeadline;
  const stage = ctx.plan.stages[ctx.stageIndex];
  return d !== undefined && stage !== undefined && d.stage === stage.name ? d.at : undefined;
}

/** Whether the current stage was journaled as succeeded by the interrupted run. */
export function stageJournaled(ctx: DeploymentContext): boolean {
  const stage = ctx.plan.stages[ctx.stageIndex];
  return stage !== undefined && (ctx.resume?.stagesDone.includes(stage.name) ?? false);
}

/** Whether the current prepare step was journaled as done by the interrupted run. */
export function prepareJournaled(ctx: DeploymentContext): boolean {
  const step = ctx.plan.prepare[ctx.prepareIndex];
  return step !== undefined && (ctx.resume?.prepared.includes(step.name) ?? false);
}

/** Warnings from the readiness findings that failed. */
export function readinessWarnings(v: VerificationOutput): string[] {
  return v.findings
    .filter((f) => !f.ok)
    .map((f) => `readiness ${f.name} (${f.category}, ${f.severity}): ${f.detail}`);
}

/** Why verification failed, or undefined when it passed (possibly with warnings). */
export function verificationFailure(v: VerificationOutput): string | undefined {
  if (!v.integration.ok) {
    return `integration failed: ${v.integration.failures.map((f) => `${f.name}: ${f.detail}`).join('; ')}`;
  }
  if (v.readiness === 'not-ready') {
    const critical = v.findings.filter((f) => !f.ok && f.severity === 'critical');
    return `not ready for production: ${critical.map((f) => `${f.name}: ${f.detail}`).join('; ')}`;
  }
  return undefined;
}

/** Instances of placed services skipped so far (failed within their rollout's budget). */
export function toleratedInstances(ctx: DeploymentContext): string[] {
  return ctx.plan.activationOrder.filter(
    (n) =>
      own(ctx.plan.services, n)?.placement !== undefined && statusOf(ctx, n)?.state === 'skipped',
  );
}

/** The run's result so far (a run that ended without one is a bug, said as a failure). */
export function resultOf(ctx: DeploymentContext): Outcome {
  return (
    ctx.result ?? {
      result: 'failed',
      interrupted: ctx.interrupted,
      reason: 'bug: finished without a result',
    }
  );
}
