/**
 * Pure helpers of the stage machine: which services to start now, which are settled or failed.
 */
import type { RolloutSpec, ServiceSpec, StageSpec } from '../../config/plan-types.js';
import type { ServiceState } from '../../record/facts.js';
import { dataRecord, own } from '../../core/own.js';

/** States after which a service no longer blocks its stage (and, except skipped, its dependents). */
const settledStates: ReadonlySet<ServiceState> = new Set(['healthy', 'degraded', 'skipped']);

/** States that stop a stage and ask for a decision. */
const failedStates: ReadonlySet<ServiceState> = new Set(['failed', 'unhealthy']);

/**
 * The stage's services' states, as an array in the stage's order: copying an array on every
 * update is cheap, copying a 500-key object is not (a 500-service stage updates it thousands of
 * times). `index` maps a name to its position; it never changes.
 */
export interface ServiceStates {
  index: Readonly<Record<string, number>>;
  states: readonly ServiceState[];
}

/** The state of service `name` (undefined for a service not in the stage). */
export function stateOf(view: ServiceStates, name: string): ServiceState | undefined {
  const i = own(view.index, name);
  return i === undefined ? undefined : view.states[i];
}

/** The states with `name` set to `state`. */
export function withState(
  view: ServiceStates,
  name: string,
  state: ServiceState,
): readonly ServiceState[] {
  const i = own(view.index, name);
  if (i === undefined || view.states[i] === state) return view.states;
  const next = [...view.states];
  next[i] = state;
  return next;
}

/** What the start planner needs from the stage context. */
export interface StartView extends ServiceStates {
  stage: StageSpec;
  services: Record<string, ServiceSpec>;
  /** Healthy or degraded services, earlier stages included. */
  healthy: string[];
  started: string[];
  waiting: string[];
}

/**
 * Services to start now and services to tell to wait. Parallel: every service whose own
 * dependencies are healthy starts now. Sequential: the next listed service, once the one before
 * it settled.
 */
export function planStarts(
  view: StartView,
  /** Only these may have become startable (the dependents of a service that just settled). */
  candidates?: readonly string[],
): { start: string[]; wait: string[] } {
  if (candidates !== undefined && view.stage.parallel) return startReady(view, candidates);
  const healthy = new Set(view.healthy);
  const started = new Set(view.started);
  const waiting = new Set(view.waiting);
  const start: string[] = [];
  const wait: string[] = [];
  const busy = view.started.some((n) => !isSettled(stateOf(view, n)));
  let blocked = !view.stage.parallel && busy;
  for (const name of view.stage.services) {
    if (started.has(name)) continue;
    const deps = own(view.services, name)?.dependsOn ?? [];
    const ready = deps.every((d) => healthy.has(d));
    if (ready && !blocked) start.push(name);
    else if (!ready && !waiting.has(name)) wait.push(name);
    if (!view.stage.parallel) blocked = true;
  }
  return { start, wait };
}

/** Of `candidates` (in a parallel stage), those not started whose dependencies are all healthy. */
function startReady(
  view: StartView,
  candidates: readonly string[],
): { start: string[]; wait: string[] } {
  const healthy = new Set(view.healthy);
  const started = new Set(view.started);
  const start = candidates.filter(
    (name) =>
      own(view.index, name) !== undefined &&
      !started.has(name) &&
      (own(view.services, name)?.dependsOn ?? []).every((d) => healthy.has(d)),
  );
  return { start, wait: [] };
}

/** Whether a service state no longer blocks the stage. */
export function isSettled(state: ServiceState | undefined): boolean {
  return state !== undefined && settledStates.has(state);
}

/** Whether a service state is a failure that needs a decision. */
function isFailed(state: ServiceState | undefined): boolean {
  return state !== undefined && failedStates.has(state);
}

/** The first failed service of the stage, in listed order. */
export function firstFailed(view: ServiceStates & { stage: StageSpec }): string | undefined {
  const i = view.states.findIndex((s) => isFailed(s));
  return i < 0 ? undefined : view.stage.services[i];
}

/**
 * The services of the stage that can never start: a dependency of theirs is outside this stage
 * and not healthy (its stage was skipped, or it is not running). Computed once, when the stage
 * starts: what is healthy outside the stage does not change while it runs.
 */
export function blockedServices(
  view: Pick<StartView, 'stage' | 'services' | 'healthy'>,
): Array<{ service: string; dependency: string }> {
  const inStage = new Set(view.stage.services);
  const healthy = new Set(view.healthy);
  return view.stage.services.flatMap((service) => {
    const dependency = (own(view.services, service)?.dependsOn ?? []).find(
      (d) => !inStage.has(d) && !healthy.has(d),
    );
    return dependency === undefined ? [] : [{ service, dependency }];
  });
}

/** The first blocked service that has not settled (a skipped one no longer blocks the stage). */
export function missingDependency(
  view: StartView & { blocked: ReadonlyArray<{ service: string; dependency: string }> },
): { service: string; dependency: string } | undefined {
  return view.blocked.find((b) => !isSettled(stateOf(view, b.service)));
}

/** For each service, the services of `stage` that depend on it. */
export function dependentsIn(
  stage: StageSpec,
  services: Record<string, ServiceSpec>,
): Record<string, string[]> {
  const out = dataRecord<string[]>();
  for (const name of stage.services)
    for (const dep of own(services, name)?.dependsOn ?? []) {
      const list = own(out, dep);
      if (list === undefined) out[dep] = [name];
      else list.push(name);
    }
  return out;
}

/** The rollouts whose instances are in the stage: still rolling, every instance gated. */
export function rolloutsIn(view: { stage: StageSpec; rollouts?: Record<string, RolloutSpec> }): {
  rollouts: RolloutSpec[];
  rolling: string[];
  gated: string[];
} {
  const inStage = new Set(view.stage.services);
  const rollouts = Object.values(view.rollouts ?? {}).filter((r) =>
    r.instances.some((n) => inStage.has(n)),
  );
  return {
    rollouts,
    rolling: rollouts.map((r) => r.service),
    gated: rollouts.flatMap((r) => r.instances.filter((n) => inStage.has(n))),
  };
}

/**
 * The services of the stage that cannot run because an instance they depend on on their own
 * host was left out (failed within its rollout's budget, or itself left out): `from` and what
 * depends on them, transitively, in the stage's order. Each is named with the instance in its way.
 */
export function leftOutWith(
  view: { stage: StageSpec; services: Record<string, ServiceSpec> },
  from: readonly string[],
  exclude: ReadonlySet<string>,
): Array<{ service: string; dependency: string }> {
  const out = new Set(from);
  const found: Array<{ service: string; dependency: string }> = [];
  // A pass finds what depends on what earlier passes found; a chain is at most the stage long.
  for (let pass = 0, grew = true; grew && pass <= view.stage.services.length; pass++) {
    grew = false;
    for (const name of view.stage.services) {
      if (exclude.has(name) || out.has(name)) continue;
      const spec = own(view.services, name);
      const host = spec?.placement?.host;
      if (spec === undefined || host === undefined) continue;
      const dependency = spec.dependsOn.find(
        (d) => out.has(d) && own(view.services, d)?.placement?.host === host,
      );
      if (dependency === undefined) continue;
      out.add(name);
      found.push({ service: name, dependency });
      grew = true;
    }
  }
  return found;
}
