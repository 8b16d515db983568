/**
 * The deployment's side of a rollback, as pure functions of its context: which services to roll
 * back and with which variables, the cleanups of what was prepared, and the result once the
 * rollback ended. `rollbackSteps` also serves `stagecraft rollback` and a resumed rollback.
 */
import type {
  PrepareStepSpec,
  ProbeSpec,
  ResolvedPlan,
  ServiceChecks,
  ServiceSpec,
} from '../../config/plan-types.js';
import type { Outcome } from '../../record/facts.js';
import { own } from '../../core/own.js';
import type { RollbackInput, RollbackOutput, RollbackStep } from '../rollback/index.js';
import type { DeploymentContext, PreviousRelease } from './context.js';
import { statusOf } from './context.js';

/** Services to roll back under the current scope, in reverse activation order. */
export function rollbackTargets(ctx: DeploymentContext): string[] {
  const all = [...ctx.started].reverse();
  if (ctx.rollbackScope === 'all') return all;
  const inFlight = new Set(['activating', 'checking', 'failed', 'unhealthy']);
  return all.filter(
    (n) => n === ctx.failure?.service || inFlight.has(statusOf(ctx, n)?.state ?? 'pending'),
  );
}

/**
 * Rollback steps for `names` (already in rollback order): each with the variables and the checks
 * of the release that was live before (`previous`), whether that release ran it, and whether it
 * recorded it as skipped (then it is not restarted, nor re-checked: that release never had it
 * healthy). Names not in the plan are skipped. Shared by deployments, `stagecraft rollback` and a
 * resumed rollback.
 */
export function rollbackSteps(
  plan: ResolvedPlan,
  names: readonly string[],
  previous: Pick<PreviousRelease, 'env' | 'running' | 'checks' | 'skipped'> | undefined,
): RollbackStep[] {
  return names.flatMap((name) => {
    const current = own(plan.services, name);
    if (current === undefined) return [];
    const previousEnv = own(previous?.env, name);
    const skipped = previous?.skipped?.includes(name) ?? false;
    return [
      {
        service: asReleased(current, own(previous?.checks, name), previousEnv),
        wasRunning: !skipped && (previous?.running.includes(name) ?? false),
        ...(previousEnv === undefined ? {} : { previousEnv }),
        ...(skipped ? { skipped: true } : {}),
      },
    ];
  });
}

/**
 * The service as the release returned to had it: that release's checks (when it recorded them),
 * and command probes run with its variables, so the rollback probes what it restored.
 */
function asReleased(
  spec: ServiceSpec,
  checks: ServiceChecks | undefined,
  env: Record<string, string> | undefined,
): ServiceSpec {
  const { health, readiness, performance } = checks ?? spec;
  const withEnv = (p: ProbeSpec): ProbeSpec =>
    env === undefined || p.kind !== 'command' || p.command === undefined
      ? p
      : { ...p, command: { ...p.command, env: { ...env, ...p.command.env } } };
  const { health: _h, performance: _p, ...rest } = spec;
  return {
    ...rest,
    readiness: readiness.map(withEnv),
    ...(health === undefined ? {} : { health: withEnv(health) }),
    ...(performance === undefined ? {} : { performance }),
  };
}

/** The rollback machine's input. */
export function rollbackInput(ctx: DeploymentContext): RollbackInput {
  const steps = rollbackSteps(ctx.plan, rollbackTargets(ctx), ctx.previous);
  const cleanups: PrepareStepSpec[] =
    ctx.rollbackScope === 'all'
      ? ctx.plan.prepare.filter((p) => p.cleanup !== undefined).reverse()
      : [];
  return {
    steps,
    cleanups,
    retries: ctx.plan.policy.retries,
    interactive: ctx.interactive,
    decisionTimeoutMs: ctx.plan.policy.decisionTimeoutMs,
    scope: ctx.rollbackScope,
    ...(ctx.failure === undefined ? {} : { reason: ctx.failure.reason }),
  };
}

/** Prepare steps whose cleanup must run after a prepare failure, in reverse order. */
export function preparedCleanups(ctx: DeploymentContext): PrepareStepSpec[] {
  return ctx.plan.prepare
    .filter((p) => ctx.prepared.includes(p.name) && p.cleanup !== undefined)
    .reverse();
}

/** The outcome after a rollback finished. */
export function rollbackOutcome(ctx: DeploymentContext, out: RollbackOutput): Outcome {
  const reason = ctx.failure?.reason ?? 'rolled back';
  if (out.complete && !out.aborted)
    return {
      result: 'failed',
      interrupted: ctx.interrupted,
      reason,
      restored: out.restored,
      notRestored: [],
    };
  return {
    result: 'rollback-incomplete',
    interrupted: ctx.interrupted,
    reason: `${reason}; rollback incomplete`,
    restored: out.restored,
    notRestored: out.notRestored,
  };
}
