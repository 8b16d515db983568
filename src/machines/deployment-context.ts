/**
 * The deployment machine's context (plain, journaled data) and the pure functions that build and
 * update it: view rows from forwarded events, resumed deadlines, verification verdicts (rollback
 * input and result: deployment-rollback.ts; decision requests: deployment-requests.ts).
 */
import type { ResolvedPlan } from '../config/plan-types.js';
import type { VerificationOutput } from './child-types.js';
import type { HealthAttemptEvent, ServiceUpdateEvent, StageUpdateEvent } from './events.js';
import type {
  DecisionKind,
  DecisionRecord,
  DeploymentOutput,
  PendingDecision,
  ServiceView,
  StageView,
} from './view-types.js';

/** The release that was live before this deployment (for rollback). */
export interface PreviousRelease {
  release: string;
  /** Variables per service. */
  env: Record<string, Record<string, string>>;
  /** Services that were running. */
  running: string[];
}

/**
 * Absolute deadlines (epoch ms) of an interrupted deployment, read from its journal by `resume`:
 * they are re-armed as they were, not restarted.
 */
export interface ResumeDeadlines {
  /** The stage that was running (default: the plan's first stage). */
  stage?: string;
  /** That stage's absolute deadline. */
  stageDeadline?: number;
  /** The absolute deadline of the decision that was pending. */
  decisionDeadline?: number;
  /** Which decision it was: the first one asked again with this kind and subject keeps it. */
  decision?: { kind: DecisionKind; subject: string };
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
  /** `resume`: the interrupted deployment's absolute deadlines. */
  resume?: ResumeDeadlines;
}

/** Why the deployment is failing. */
export interface DeploymentFailure {
  source: 'stage' | 'verify' | 'degraded' | 'interrupt' | 'error';
  stage?: string;
  service?: string;
  reason: string;
  canRetry: boolean;
  canSkip: boolean;
}

/** Deployment context: plain data, everything a UI needs. */
export interface DeploymentContext {
  plan: ResolvedPlan;
  deploymentId: string;
  interactive: boolean;
  step: boolean;
  previous?: PreviousRelease;
  /** `resume`: deadlines still to re-arm (the decision's is dropped once used). */
  resume?: ResumeDeadlines;
  /** Whether services are monitored once healthy (input.monitor). */
  monitor: boolean;
  /** Services a monitor was started for (one each, never restarted). */
  monitored: string[];
  /** Services that turned unhealthy after they were healthy, in order. */
  lost: string[];
  startedAt: number;
  services: Record<string, ServiceView>;
  stages: StageView[];
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
  decisions: DecisionRecord[];
  warnings: string[];
  interrupts: number;
  interrupted: boolean;
  release?: string;
  result?: DeploymentOutput;
}

// The decision requests live in deployment-requests.ts; re-exported for the state configs.
export {
  canSkipStage,
  confirmRequest,
  degradedRequest,
  failureRequest,
  readinessRequest,
  rollbackStepRequest,
} from './deployment-requests.js';
// So do the rollback's input and result (deployment-rollback.ts).
export {
  preparedCleanups,
  rollbackInput,
  rollbackResult,
  rollbackSteps,
  rollbackTargets,
} from './deployment-rollback.js';

/** The initial context. */
export function initialContext(input: DeploymentInput, now: number): DeploymentContext {
  const { plan } = input;
  const services: Record<string, ServiceView> = {};
  for (const name of plan.activationOrder) {
    const s = plan.services[name];
    if (s === undefined) continue;
    services[name] = {
      name,
      stage: s.stage,
      kind: s.kind,
      state: 'pending',
      attempt: 0,
      maxAttempts: plan.policy.retries + 1,
    };
  }
  return {
    plan,
    deploymentId: input.deploymentId,
    interactive: input.interactive,
    step: input.step,
    ...(input.previous === undefined ? {} : { previous: input.previous }),
    ...(input.resume === undefined ? {} : { resume: input.resume }),
    monitor: input.monitor ?? true,
    monitored: [],
    lost: [],
    startedAt: now,
    services,
    stages: plan.stages.map((s) => ({
      name: s.name,
      status: 'pending',
      services: [...s.services],
    })),
    stageIndex: 0,
    prepareIndex: 0,
    prepared: [],
    cleanupIndex: 0,
    started: [],
    activated: [],
    degraded: [],
    rollbackScope: 'all',
    decisionSeq: 0,
    decisions: [],
    warnings: [],
    interrupts: 0,
    interrupted: false,
  };
}

/** Service states that end a row's activity (its `finishedAt` is set). */
export const finishedStates: ReadonlySet<string> = new Set([
  'healthy',
  'degraded',
  'unhealthy',
  'failed',
  'skipped',
  'rolled-back',
  'rollback-failed',
]);

/** States whose update replaces the row's reason and verdict instead of keeping older ones. */
const freshStates = new Set(['activating', 'checking', 'rolling-back', 'rolled-back']);

/** Apply a forwarded service.update to the view. */
export function applyServiceUpdate(
  ctx: DeploymentContext,
  e: ServiceUpdateEvent,
): Partial<DeploymentContext> {
  const old = ctx.services[e.service];
  if (old === undefined) return {};
  const row: ServiceView = {
    ...old,
    state: e.state,
    attempt: e.attempt,
    maxAttempts: e.maxAttempts,
  };
  // A new phase of a service's life carries its own reason and verdict (or none): a rollback must
  // not keep showing the failure that caused it.
  if (e.verdict !== undefined) row.verdict = e.verdict;
  else if (freshStates.has(e.state)) delete row.verdict;
  if (e.reason !== undefined) row.reason = e.reason;
  else if (freshStates.has(e.state)) delete row.reason;
  if (e.state === 'activating' || e.state === 'rolling-back') {
    row.startedAt = e.at;
    delete row.finishedAt;
  }
  if (finishedStates.has(e.state)) row.finishedAt = e.at;
  const first = e.state === 'activating' && !ctx.started.includes(e.service);
  return {
    services: { ...ctx.services, [e.service]: row },
    ...(first ? { started: [...ctx.started, e.service] } : {}),
  };
}

/** Apply a forwarded health.attempt to the view. */
export function applyHealthAttempt(
  ctx: DeploymentContext,
  e: HealthAttemptEvent,
): Partial<DeploymentContext> {
  const old = ctx.services[e.service];
  if (old === undefined) return {};
  const lastProbe = {
    probe: e.probe,
    attempt: e.attempt,
    of: e.of,
    ok: e.ok,
    detail: e.detail,
    durationMs: e.durationMs,
  };
  return { services: { ...ctx.services, [e.service]: { ...old, lastProbe } } };
}

/** Set one stage row's status (and its start/finish times). */
export function setStageStatus(
  ctx: DeploymentContext,
  name: string,
  status: StageView['status'],
  at: number,
): StageView[] {
  return ctx.stages.map((s) => {
    if (s.name !== name) return s;
    const row: StageView = { ...s, status };
    if (status === 'running' && row.startedAt === undefined) row.startedAt = at;
    if (status === 'succeeded' || status === 'skipped' || status === 'failed') row.finishedAt = at;
    if (status === 'running') delete row.finishedAt;
    return row;
  });
}

/** Apply a stage.update to the view. */
export function applyStageUpdate(ctx: DeploymentContext, e: StageUpdateEvent): StageView[] {
  return setStageStatus(ctx, e.stage, e.status, e.at);
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
  const r = ctx.resume;
  const stage = ctx.plan.stages[ctx.stageIndex];
  if (r?.stageDeadline === undefined || stage === undefined) return undefined;
  return (r.stage ?? ctx.plan.stages[0]?.name) === stage.name ? r.stageDeadline : undefined;
}

/**
 * The resumed deadline for a decision about to be asked: the pending decision's, when this is the
 * first decision asked again (of the same kind and subject, when those were journaled).
 */
export function resumedDecisionDeadline(
  ctx: DeploymentContext,
  request: { kind: DecisionKind; subject: string },
): number | undefined {
  const r = ctx.resume;
  if (r?.decisionDeadline === undefined) return undefined;
  const d = r.decision;
  if (d !== undefined && (d.kind !== request.kind || d.subject !== request.subject))
    return undefined;
  return r.decisionDeadline;
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
