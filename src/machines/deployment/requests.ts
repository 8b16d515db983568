/**
 * The prompts the deployment asks, built from its context: after a failure or an
 * interruption, before a stage, after degraded services or readiness warnings, after a failed
 * rollback step. Only valid choices are offered; each has its default.
 */
import { own } from '../../core/own.js';
import { confirmStageRequest, failureChoices, type DecisionRequest } from '../decisions.js';
import type { DeploymentContext } from './context.js';
import { statusOf } from './context.js';

/** The decision to ask after a failure (or an interruption). */
export function failureRequest(ctx: DeploymentContext): DecisionRequest {
  const f = ctx.failure ?? {
    source: 'error',
    reason: 'unknown failure',
    canRetry: false,
    canSkip: false,
  };
  if (f.source === 'interrupt') {
    return {
      kind: 'interrupted',
      subject: ctx.deploymentId,
      message: 'Interrupted: roll back what this deployment changed, or leave things as they are?',
      choices: ['rollback', 'abort'],
      defaultChoice: 'rollback',
    };
  }
  const row = f.service === undefined ? undefined : statusOf(ctx, f.service);
  return {
    kind: 'failure',
    subject: f.service ?? f.stage ?? 'verification',
    message: f.reason,
    choices: failureChoices(f),
    defaultChoice: 'rollback',
    ...(row === undefined || !f.canRetry
      ? {}
      : // n: attempts made so far; cap: the attempts the policy makes by itself (fixed: an
        // operator's retry is one more attempt, beyond it and not counted against it).
        { retry: { n: row.attempt, cap: ctx.plan.policy.retries + 1 } }),
  };
}

/** The confirmation before the current stage. */
export function confirmRequest(ctx: DeploymentContext): DecisionRequest {
  const stage = ctx.plan.stages[ctx.stageIndex];
  return confirmStageRequest(stage?.name ?? '?', stage?.services ?? [], canSkipStage(ctx));
}

/** Whether the current stage may be skipped: no service of a later stage depends on it. */
export function canSkipStage(ctx: DeploymentContext): boolean {
  const inStage = new Set(ctx.plan.stages[ctx.stageIndex]?.services ?? []);
  return ctx.plan.stages
    .slice(ctx.stageIndex + 1)
    .flatMap((s) => s.services)
    .every((n) => !(own(ctx.plan.services, n)?.dependsOn ?? []).some((d) => inStage.has(d)));
}

/** The decision after a stage left services degraded. */
export function degradedRequest(ctx: DeploymentContext): DecisionRequest {
  const list = ctx.degraded.map(
    (n) => `${n}${statusOf(ctx, n)?.reason === undefined ? '' : ` (${statusOf(ctx, n)?.reason})`}`,
  );
  return {
    kind: 'degraded',
    subject: ctx.degraded.join(', '),
    message: `Degraded: ${list.join(', ')}. Continue, or roll back?`,
    choices: ['continue', 'rollback'],
    defaultChoice: 'rollback',
  };
}

/**
 * The decision after readiness passed with warnings only. Its default is accept, as in a run
 * without a terminal: only `warning` checks failed, the services are healthy, and an unanswered
 * prompt should not roll back a working release.
 */
export function readinessRequest(ctx: DeploymentContext): DecisionRequest {
  return {
    kind: 'readiness-warnings',
    subject: 'readiness',
    message: `Production readiness has warnings: ${ctx.warnings.join('; ')}. Accept, or roll back?`,
    choices: ['accept', 'rollback'],
    defaultChoice: 'accept',
  };
}
