/**
 * Dependency monitoring at the deployment level, as pure functions the
 * deployment's actions call: which service to start watching, and what a service that turned
 * unhealthy means for the services that depend on it.
 *
 * Why here and not in the stage: a stage's service actors stop when the stage finishes, so a
 * dependency from an earlier stage could not be watched from there. The deployment keeps one
 * monitor per healthy service until it finishes (or starts rolling back).
 */
import type { ServiceSpec } from '../../config/plan-types.js';
import { own } from '../../core/own.js';
import type { Fact } from '../../record/facts.js';
import type { Failure } from '../../record/failures.js';
import type { MonitorUnhealthyEvent, ServiceUpdateEvent } from '../events.js';
import { canMonitor } from '../monitor/index.js';
import type { DeploymentContext, DeploymentFailure } from './context.js';
import { statusOf } from './context.js';

type Ctx = DeploymentContext;

/** The id of a service's monitor (a child of the deployment actor). */
export const monitorId = (service: string): string => `monitor:${service}`;

/** The spec of a service to start watching after `e`, or undefined. */
export function monitorTarget(ctx: Ctx, e: ServiceUpdateEvent): ServiceSpec | undefined {
  if (!ctx.monitor || (e.state !== 'healthy' && e.state !== 'degraded')) return undefined;
  if (ctx.monitored.includes(e.service) || ctx.lost.includes(e.service)) return undefined;
  const spec = own(ctx.plan.services, e.service);
  return spec !== undefined && canMonitor(spec) ? spec : undefined;
}

/** The dependencies of `service` that turned unhealthy. */
function lostDependencies(ctx: Ctx, service: string): string[] {
  const deps = own(ctx.plan.services, service)?.dependsOn ?? [];
  return deps.filter((d) => ctx.lost.includes(d));
}

/** What the deployment does when a dependency is lost. */
export interface LostPlan {
  patch: Pick<Ctx, 'lost' | 'warnings' | 'degraded' | 'statuses'>;
  /** Facts to record: the lost service and its dependents' new states, the warnings. */
  facts: Fact[];
  /** Whether to tell the running stage too, so its own service actors turn degraded. */
  tellStage: boolean;
}

const up = new Set(['healthy', 'degraded']);

/** The reason a dependent is degraded (the service machine words it the same way). */
const dependencyReason = (dependency: string): string => `dependency ${dependency} is unhealthy`;

function stateFact(
  ctx: Ctx,
  service: string,
  state: 'unhealthy' | 'degraded',
  reason: string,
  failure?: Failure,
): Fact {
  const row = statusOf(ctx, service);
  return {
    type: 'service.state',
    service,
    state,
    verdict: state,
    reason,
    attempt: row?.attempt ?? 1,
    maxAttempts: row?.maxAttempts ?? 1,
    ...(failure === undefined ? {} : { failure }),
  };
}

function withStates(ctx: Ctx, changes: Array<[string, 'unhealthy' | 'degraded', string]>) {
  const statuses = [...ctx.statuses];
  for (const [name, state, reason] of changes) {
    const i = own(ctx.serviceIndex, name);
    const row = i === undefined ? undefined : statuses[i];
    if (i !== undefined && row !== undefined) statuses[i] = { ...row, state, reason };
  }
  return statuses;
}

/**
 * Plans the reaction to `e`: the service becomes `unhealthy`; every activated service that
 * depends on it becomes `degraded`. When dependents run in the live stage, the stage is told as
 * well, so their own actors turn degraded and the stage's output lists them.
 */
export function planLost(ctx: Ctx, e: MonitorUnhealthyEvent, liveStage: boolean): LostPlan {
  const current = liveStage ? (ctx.plan.stages[ctx.stageIndex]?.services ?? []) : [];
  const dependents = ctx.plan.activationOrder.filter(
    (n) =>
      (own(ctx.plan.services, n)?.dependsOn ?? []).includes(e.service) &&
      up.has(statusOf(ctx, n)?.state ?? 'pending'),
  );
  const lostReason = `${e.service} turned unhealthy while monitored: ${e.reason}`;
  const degradedReason = dependencyReason(e.service);
  const warnings = [lostReason, ...dependents.map((n) => `${n} is degraded: ${degradedReason}`)];
  const facts: Fact[] = [
    { type: 'monitor.lost', service: e.service, reason: e.reason },
    stateFact(ctx, e.service, 'unhealthy', lostReason, e.failure),
    ...dependents.map((n) => stateFact(ctx, n, 'degraded', degradedReason)),
    ...warnings.map((message): Fact => ({ type: 'warning', message })),
  ];
  return {
    patch: {
      lost: [...ctx.lost, e.service],
      warnings: [...ctx.warnings, ...warnings],
      degraded: [...ctx.degraded, ...dependents.filter((n) => !ctx.degraded.includes(n))],
      statuses: withStates(ctx, [
        [e.service, 'unhealthy', lostReason],
        ...dependents.map((n): [string, 'degraded', string] => [n, 'degraded', degradedReason]),
      ]),
    },
    facts,
    tellStage: dependents.some((n) => current.includes(n)),
  };
}

/** A service that just became healthy while one of its dependencies is lost: degrade it. */
export function planLateDependent(
  ctx: Ctx,
  e: ServiceUpdateEvent,
): Omit<LostPlan, 'tellStage'> | undefined {
  const dependency = e.state === 'healthy' ? lostDependencies(ctx, e.service)[0] : undefined;
  if (dependency === undefined) return undefined;
  const reason = dependencyReason(dependency);
  const warning = `${e.service} is degraded: ${reason}`;
  return {
    patch: {
      lost: ctx.lost,
      warnings: [...ctx.warnings, warning],
      degraded: ctx.degraded.includes(e.service) ? ctx.degraded : [...ctx.degraded, e.service],
      statuses: withStates(ctx, [[e.service, 'degraded', reason]]),
    },
    facts: [stateFact(ctx, e.service, 'degraded', reason), { type: 'warning', message: warning }],
  };
}

/** The failure a lost service causes at the next checkpoint (before a stage, after verifying). */
export function lostFailure(ctx: Ctx): DeploymentFailure {
  const reasons = ctx.lost.map((n) => statusOf(ctx, n)?.reason ?? `${n} turned unhealthy`);
  const first = ctx.lost[0];
  return {
    source: 'stage',
    ...(first === undefined ? {} : { service: first }),
    reason: reasons.join('; '),
    canRetry: false,
    canSkip: false,
  };
}
