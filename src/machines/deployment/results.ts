/**
 * Pure helpers of the deployment statechart that word its failures and build its outcomes:
 * kept apart so the state configs read like the diagram. Exit codes are not chosen here: the
 * outcome says what happened, src/cli maps it.
 */
import type { Outcome } from '../../record/facts.js';
import type { CommandOutcome } from '../effects.js';
import type { StageFailureEvent } from '../events.js';
import type { StageOutput } from '../stage/index.js';
import { seconds, type WatchInput, type WatchOutput } from '../watch/index.js';
import { own } from '../../core/own.js';
import type { DeploymentContext, DeploymentFailure } from './context.js';
import { statusOf } from './context.js';
import { preparedCleanups } from './rollback.js';

type Ctx = DeploymentContext;

/** Deadline of a prepare or cleanup command without its own timeout. */
export const defaultCommandTimeoutMs = 10 * 60_000;

/** A failure that changed nothing or was rolled back. */
export const failed = (ctx: Ctx, reason: string): Outcome => ({
  result: 'failed',
  interrupted: ctx.interrupted,
  reason,
});

/** Whether the deployment has changed nothing yet: no prepare step ran, no service began. */
const nothingChanged = (ctx: Ctx): boolean =>
  ctx.resume === undefined &&
  ctx.prepareIndex === 0 &&
  ctx.prepared.length === 0 &&
  ctx.started.length === 0;

/** Left as it is (operator or policy abort); `unchanged` when that is as it was before. */
export const aborted = (ctx: Ctx, reason: string): Outcome => ({
  result: 'aborted',
  interrupted: ctx.interrupted,
  reason,
  ...(nothingChanged(ctx) ? { unchanged: true } : {}),
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

/** The context patch after a stage finished: activation order and degraded list. */
export function stageDone(ctx: Ctx, out: StageOutput): Partial<Ctx> {
  return {
    activated: [...ctx.activated, ...out.activated.filter((n) => !ctx.activated.includes(n))],
    degraded: [...ctx.degraded, ...out.degraded.filter((n) => !ctx.degraded.includes(n))],
    // The stage recorded these; the result names them (succeeded-with-warnings).
    warnings: [...ctx.warnings, ...(out.warnings ?? []).filter((w) => !ctx.warnings.includes(w))],
  };
}

/** Why the deployment fails under `policy.degraded: fail`. */
export function degradedFailure(ctx: Ctx, out: StageOutput): DeploymentFailure {
  const reason = `degraded (policy: fail): ${out.degraded.map((n) => `${n}: ${statusOf(ctx, n)?.reason ?? 'no reason given'}`).join('; ')}`;
  return { source: 'degraded', reason, canRetry: false, canSkip: false };
}

/** Services skipped after they failed (an operator's decision), in activation order. */
export function skippedServices(ctx: Ctx): string[] {
  return ctx.plan.activationOrder.filter((n) => statusOf(ctx, n)?.state === 'skipped');
}

/**
 * The warning a skipped service leaves, so the deployment succeeds with warnings naming it (its
 * failure is on its own row and in the journal).
 */
export function skippedWarning(service: string, state: string): string {
  return `${service} was skipped while ${state}: left as it is, not recorded as part of the release`;
}

/** Success, with the warnings (if any) as its reason. */
export function success(ctx: Ctx): Outcome {
  return ctx.warnings.length > 0
    ? { result: 'succeeded-with-warnings', interrupted: false, reason: ctx.warnings.join('; ') }
    : { result: 'succeeded', interrupted: false };
}

/** The outcome after a prepare failure and its cleanups. */
export function prepareOutcome(ctx: Ctx): Outcome {
  const reason = ctx.failure?.reason ?? 'prepare failed';
  const restored = preparedCleanups(ctx)
    .map((p) => p.name)
    .filter((n) => !ctx.notRestored.some((r) => r.name === n));
  if (ctx.notRestored.length > 0)
    return {
      result: 'rollback-incomplete',
      interrupted: ctx.interrupted,
      reason: `${reason}; cleanup incomplete`,
      restored,
      notRestored: ctx.notRestored,
    };
  return { ...failed(ctx, reason), restored, notRestored: [] };
}

/** The watch's input: every service that is part of the release, with the plan's monitoring. */
export function watchInput(ctx: Ctx): WatchInput {
  const m = ctx.plan.monitoring;
  const skipped = new Set(skippedServices(ctx));
  const services = ctx.plan.activationOrder.flatMap((name) => {
    const s = own(ctx.plan.services, name);
    return s === undefined || skipped.has(name) ? [] : [s];
  });
  return {
    services,
    windowMs: m?.watchMs ?? 0,
    intervalMs: m?.watchIntervalMs ?? 5000,
    onFailure: m?.onWatchFailure ?? 'rollback',
    decisionTimeoutMs: ctx.plan.policy.decisionTimeoutMs,
  };
}

/** `watch: api failed 2.4 s into the watch window: <why>`: one wording of a watch's failure. */
function watchFailed(f: { service: string; atMs: number; reason: string }): string {
  return `watch: ${f.service} failed ${seconds(f.atMs)} into the watch window: ${f.reason}`;
}

/** The failure a watch that failed hands the rollback: which service, when, why. */
export function watchFailure(out: WatchOutput): DeploymentFailure {
  const f = out.failure;
  return {
    source: 'watch',
    ...(f === undefined ? {} : { service: f.service }),
    reason: f === undefined ? 'the watch failed' : watchFailed(f),
    canRetry: false,
    canSkip: false,
  };
}

/** The warnings a watch that went on past failures (`alert`, or a kept release) leaves. */
export function watchWarnings(out: WatchOutput): string[] {
  if (out.verdict !== 'alerted') return [];
  return out.alerts.map(
    (a) =>
      watchFailed(a) +
      (a.recoveredAtMs === undefined ? '' : ` (recovered at ${seconds(a.recoveredAtMs)})`),
  );
}
