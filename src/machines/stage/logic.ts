/**
 * Pure helpers of the stage machine: which services to start now, which are settled or failed.
 */
import type { ServiceSpec, StageSpec } from '../../config/plan-types.js';
import type { ServiceState } from '../../record/facts.js';

/** States after which a service no longer blocks its stage (and, except skipped, its dependents). */
const settledStates: ReadonlySet<ServiceState> = new Set(['healthy', 'degraded', 'skipped']);

/** States that stop a stage and ask for a decision. */
const failedStates: ReadonlySet<ServiceState> = new Set(['failed', 'unhealthy']);

/** What the start planner needs from the stage context. */
export interface StartView {
  stage: StageSpec;
  services: Record<string, ServiceSpec>;
  /** Healthy or degraded services, earlier stages included. */
  healthy: string[];
  states: Record<string, ServiceState>;
  started: string[];
  waiting: string[];
}

/**
 * Services to start now and services to tell to wait. Parallel: every service whose own
 * dependencies are healthy starts now. Sequential: the next listed service, once the one before
 * it settled.
 */
export function planStarts(view: StartView): { start: string[]; wait: string[] } {
  const healthy = new Set(view.healthy);
  const started = new Set(view.started);
  const waiting = new Set(view.waiting);
  const start: string[] = [];
  const wait: string[] = [];
  const busy = view.started.some((n) => !isSettled(view.states[n]));
  let blocked = !view.stage.parallel && busy;
  for (const name of view.stage.services) {
    if (started.has(name)) continue;
    const deps = view.services[name]?.dependsOn ?? [];
    const ready = deps.every((d) => healthy.has(d));
    if (ready && !blocked) start.push(name);
    else if (!ready && !waiting.has(name)) wait.push(name);
    if (!view.stage.parallel) blocked = true;
  }
  return { start, wait };
}

/** Whether a service state no longer blocks the stage. */
export function isSettled(state: ServiceState | undefined): boolean {
  return state !== undefined && settledStates.has(state);
}

/** Whether a service state is a failure that needs a decision. */
export function isFailed(state: ServiceState | undefined): boolean {
  return state !== undefined && failedStates.has(state);
}

/** The first failed service of the stage, in listed order. */
export function firstFailed(
  stage: StageSpec,
  states: Record<string, ServiceState>,
): string | undefined {
  return stage.services.find((n) => isFailed(states[n]));
}

/**
 * A service of the stage that can never start: one of its dependencies is outside this stage and
 * not healthy (its stage was skipped, or it is not running). The stage fails at once instead of
 * waiting for its deadline.
 */
export function missingDependency(
  view: StartView,
): { service: string; dependency: string } | undefined {
  const own = new Set(view.stage.services);
  const healthy = new Set(view.healthy);
  const started = new Set(view.started);
  for (const service of view.stage.services) {
    if (started.has(service) || isSettled(view.states[service])) continue;
    const dependency = (view.services[service]?.dependsOn ?? []).find(
      (d) => !own.has(d) && !healthy.has(d),
    );
    if (dependency !== undefined) return { service, dependency };
  }
  return undefined;
}
