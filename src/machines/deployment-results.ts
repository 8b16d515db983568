/**
 * Pure helpers of the deployment statechart that word its failures and build its results
 * (PRODUCT.md §2 exit codes): kept apart so the state configs read like the diagram.
 */
import type { CommandOutcome } from './contracts.js';
import * as dc from './deployment-context.js';
import type { DeploymentContext, DeploymentFailure } from './deployment-context.js';
import type { StageFailureEvent } from './events.js';
import type { StageOutput } from './stage.machine.js';
import type { DeploymentOutput } from './view-types.js';

type Ctx = DeploymentContext;

/** Deadline of a prepare or cleanup command without its own timeout. */
export const defaultCommandTimeoutMs = 10 * 60_000;

/** The context patch that ends the deployment with `result`. */
export const done = (result: DeploymentOutput) => ({ result });

/** A failure that changed nothing or was rolled back: exit 1 (130 when interrupted). */
export const failed = (ctx: Ctx, reason: string): DeploymentOutput => ({
  result: 'failed',
  exitCode: ctx.interrupted ? 130 : 1,
  reason,
});

/** Left as it is (operator or policy abort): exit 3 (130 when interrupted). */
export const aborted = (ctx: Ctx, reason: string): DeploymentOutput => ({
  result: 'aborted',
  exitCode: ctx.interrupted ? 130 : 3,
  reason,
});

/** The failure recorded by a first interruption. */
export const interruptFailure = (reason: string): DeploymentFailure => ({
  source: 'interrupt',
  reason,
  canRetry: false,
  canSkip: false,
});

/** How a prepare or cleanup command ended, with its last output line. */
export const commandDetail = (o: CommandOutcome): string =>
  o.error ??
  (o.timedOut ? 'timed out' : o.canceled ? 'canceled' : `exit ${o.exitCode ?? o.signal ?? '?'}`) +
    (o.outputTail.trim() === '' ? '' : `: ${o.outputTail.trim().split('\n').at(-1) ?? ''}`);

/** The deployment failure a stage reported. */
export function stageFailure(e: Omit<StageFailureEvent, 'type'>): DeploymentFailure {
  return {
    source: 'stage',
    stage: e.stage,
    ...(e.service === undefined ? {} : { service: e.service }),
    reason: e.reason,
    canRetry: e.canRetry,
    canSkip: e.canSkip,
  };
}

/** The context patch after a stage finished: activation order, degraded list, stage row. */
export function stageDone(ctx: Ctx, out: StageOutput): Partial<Ctx> {
  const stage = ctx.plan.stages[ctx.stageIndex];
  return {
    activated: [...ctx.activated, ...out.activated.filter((n) => !ctx.activated.includes(n))],
    degraded: [...ctx.degraded, ...out.degraded.filter((n) => !ctx.degraded.includes(n))],
    ...(stage === undefined
      ? {}
      : { stages: dc.setStageStatus(ctx, stage.name, 'succeeded', Date.now()) }),
  };
}

/** Why the deployment fails under `policy.degraded: fail`. */
export function degradedFailure(ctx: Ctx, out: StageOutput): DeploymentFailure {
  const reason = `degraded (policy: fail): ${out.degraded.map((n) => `${n}: ${ctx.services[n]?.reason ?? 'no reason given'}`).join('; ')}`;
  return { source: 'degraded', reason, canRetry: false, canSkip: false };
}

/** Success, with the warnings (if any) as its reason. */
export function success(ctx: Ctx): DeploymentOutput {
  return ctx.warnings.length > 0
    ? { result: 'succeeded-with-warnings', exitCode: 0, reason: ctx.warnings.join('; ') }
    : { result: 'succeeded', exitCode: 0 };
}

/** The context patch after a prepare cleanup failed: remembered as not restored, go on. */
export function cleanupFailed(ctx: Ctx, detail: string): Partial<Ctx> {
  const step = dc.preparedCleanups(ctx)[ctx.cleanupIndex];
  const name = step?.name ?? '?';
  const prior = ctx.result?.notRestored ?? [];
  return {
    cleanupIndex: ctx.cleanupIndex + 1,
    result: {
      result: 'rollback-incomplete',
      exitCode: 3,
      notRestored: [...prior, { name, reason: `cleanup failed: ${detail}` }],
    },
  };
}

/** The result after a prepare failure and its cleanups. */
export function prepareResult(ctx: Ctx): DeploymentOutput {
  const reason = ctx.failure?.reason ?? 'prepare failed';
  const restored = dc
    .preparedCleanups(ctx)
    .map((p) => p.name)
    .filter((n) => !(ctx.result?.notRestored ?? []).some((r) => r.name === n));
  if (ctx.result?.result === 'rollback-incomplete')
    return { ...ctx.result, reason: `${reason}; cleanup incomplete`, restored };
  return { ...failed(ctx, reason), restored, notRestored: [] };
}
