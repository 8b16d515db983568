/**
 * The types, named effects, guards and actions of the stage statechart (machine.ts holds the
 * diagram). A stage starts each of its services the moment that service's own dependencies are
 * healthy; an implicit stage (a plan without `stages:`) holds every service and has no deadline
 * of its own, so the dependency graph alone schedules the deployment.
 */
import { assign, setup } from 'xstate';
import { compositeFor } from '../composite.js';
import type { ServiceSpec, StageSpec } from '../../config/plan-types.js';
import type { Fact, ServiceState, StageStatus } from '../../record/facts.js';
import { nothingDependsOn } from '../decisions.js';
import { stubActors, type ProbeOutcome } from '../effects.js';
import type {
  DecisionEvent,
  DependencyUnhealthyEvent,
  ServiceUpdateEvent,
  StageFailureEvent,
} from '../events.js';
import { errorText } from '../health/index.js';
import { serviceMachine, type ServiceInput } from '../service/index.js';
import { until } from '../timers.js';
import {
  firstFailed,
  isSettled,
  missingDependency,
  planStarts,
  stateOf,
  withState,
} from './logic.js';

/** Input of the stage machine. */
export interface StageInput {
  stage: StageSpec;
  /** The whole plan's services (to know who depends on whom). */
  services: Record<string, ServiceSpec>;
  /** Services already healthy from earlier stages. */
  healthy: string[];
  retries: number;
  startedAt?: number;
  /** Absolute deadline (epoch ms); default startedAt + stage.timeoutMs (none for implicit). */
  deadline?: number;
  /** `resume`: per service, what the interrupted run already achieved. */
  resume?: Record<string, ServiceInput['resume']>;
}

/** Output of the stage machine. */
export interface StageOutput {
  result: 'succeeded' | 'rollback' | 'abort';
  /** Services that became healthy or degraded, in activation order. */
  activated: string[];
  degraded: string[];
}

/** Why the stage stopped. */
interface StageFailure {
  kind: 'service' | 'verify' | 'deadline' | 'dependency';
  service?: string;
  reason: string;
  canRetry: boolean;
  canSkip: boolean;
}

/** Stage context: plain data. */
export interface StageContext {
  stage: StageSpec;
  services: Record<string, ServiceSpec>;
  retries: number;
  resume?: StageInput['resume'];
  healthy: string[];
  /** Position of each of the stage's services (see ServiceStates). */
  index: Record<string, number>;
  /** Each service's state, in the stage's order. */
  states: readonly ServiceState[];
  /** The last reason each service gave (failures, verdicts). */
  reasons: Record<string, string>;
  started: string[];
  waiting: string[];
  activated: string[];
  degraded: string[];
  startedAt: number;
  /** Absolute deadline (epoch ms); undefined: none (an implicit stage). */
  deadline: number | undefined;
  verifyIndex: number;
  /** Services whose actor threw: they can be neither retried nor skipped. */
  crashed: string[];
  /** Services that can never start (a dependency outside the stage is not healthy). */
  blocked: Array<{ service: string; dependency: string }>;
  /** The services of the stage that depend on each service (never changes). */
  dependents: Record<string, string[]>;
  failure?: StageFailure;
  result?: StageOutput['result'];
}

/** A service actor of the stage threw (a bug, or an input the plan should not allow). */
interface ServiceErrorEvent {
  type: `xstate.error.actor.service:${string}`;
  error: unknown;
}

/** Everything a stage actor accepts. */
export type StageEvent =
  ServiceUpdateEvent | DecisionEvent | DependencyUnhealthyEvent | ServiceErrorEvent;

/** The error event of a crashed service actor: `xstate.error.actor.service:<name>`. */
const crashPrefix = 'xstate.error.actor.service:';

const has = (list: readonly string[], name: string): boolean => list.includes(name);

/** Service states the deployment does not need to hear of. */
const quietStates: ReadonlySet<ServiceState> = new Set(['pending', 'waiting', 'checking']);

/** The named actions the stage's composite actions enqueue. */
type Named =
  | { type: 'record'; params: Fact }
  | { type: 'tell'; params: ServiceUpdateEvent | StageFailureEvent };
/** The children the stage spawns and invokes. */
type Children =
  | { src: 'service'; logic: typeof serviceMachine; id: string | undefined }
  | { src: 'runProbe'; logic: typeof stubActors.runProbe; id: string | undefined };
const composite = compositeFor<StageContext, StageEvent, Named, Children>();

/** The typed setup of the stage statechart. */
export const stageSetup = setup({
  types: {
    context: {} as StageContext,
    events: {} as StageEvent,
    input: {} as StageInput,
    output: {} as StageOutput,
  },
  actors: {
    service: serviceMachine,
    runProbe: stubActors.runProbe,
  },
  delays: {
    stageDeadline: ({ context }) => until(context.deadline),
  },
  guards: {
    anyFailed: ({ context }) =>
      context.states.includes('failed') || context.states.includes('unhealthy'),
    dependencyMissing: ({ context }) => missingDependency(context) !== undefined,
    allSettled: ({ context }) => context.states.every((s) => isSettled(s)),
    verifyDone: ({ context }) => context.verifyIndex >= context.stage.verify.length,
    probePassed: (_, outcome: ProbeOutcome) => outcome.ok,
    deadlinePassed: ({ context }) =>
      context.deadline !== undefined && Date.now() >= context.deadline,
    canRetry: ({ context }) => context.failure?.canRetry === true,
    canSkip: ({ context }) =>
      context.failure?.canSkip === true && context.failure.service !== undefined,
    retriesVerify: ({ context }) => context.failure?.kind === 'verify',
  },
  actions: {
    /** Recorded facts go to the runtime's journal (bound by compose). */
    record: (_, _fact: Fact) => undefined,
    /** Tells the parent deployment (bound to sendParent by compose). */
    tell: (_, _event: ServiceUpdateEvent | StageFailureEvent) => undefined,
    /** Records the stage's status (with its deadline when it starts running). */
    recordStatus: composite<StageStatus>(({ context, enqueue }, status) => {
      enqueue({
        type: 'record',
        params: {
          type: 'stage.status',
          stage: context.stage.name,
          status,
          ...(status === 'running' && context.deadline !== undefined
            ? { deadline: context.deadline }
            : {}),
        },
      });
    }),
    spawnServices: composite(({ context, enqueue }) => {
      for (const name of context.stage.services) {
        const spec = context.services[name];
        if (spec === undefined) continue;
        const resume = context.resume?.[name];
        const input: ServiceInput = {
          service: spec,
          mode: 'deploy',
          retries: context.retries,
          ...(resume === undefined ? {} : { resume }),
        };
        enqueue.spawnChild('service', { id: `service:${name}`, input });
      }
    }),
    /** Starts what can start now: at entry, and each time a service settles (nothing else frees one). */
    dispatch: composite(({ context, enqueue, event }) => {
      if (event.type === 'service.update' && !isSettled(event.state)) return;
      // After the first look at entry, only the dependents of the service that settled can start.
      const candidates =
        event.type === 'service.update' ? (context.dependents[event.service] ?? []) : undefined;
      const { start, wait } = planStarts(context, candidates);
      for (const name of wait) enqueue.sendTo(`service:${name}`, { type: 'service.wait' });
      for (const name of start) enqueue.sendTo(`service:${name}`, { type: 'service.start' });
      if (start.length + wait.length > 0) {
        enqueue.assign({
          started: [...context.started, ...start],
          waiting: [...context.waiting, ...wait],
        });
      }
    }),
    trackUpdate: assign(({ context, event }) => {
      if (event.type !== 'service.update') return {};
      const name = event.service;
      const up = event.state === 'healthy' || event.state === 'degraded';
      const isNew = up && !has(context.activated, name);
      const patch: Partial<StageContext> = {};
      // Waiting and checking mean pending and activating to the stage: no copy for them.
      if (!quietStates.has(event.state)) patch.states = withState(context, name, event.state);
      // A failure's reason is what the stage reports; other reasons are not its business.
      if (event.reason !== undefined && (event.state === 'failed' || event.state === 'unhealthy'))
        patch.reasons = { ...context.reasons, [name]: event.reason };
      if (isNew) {
        patch.activated = [...context.activated, name];
        patch.healthy = [...context.healthy, name];
      }
      if (event.state === 'degraded' && !has(context.degraded, name))
        patch.degraded = [...context.degraded, name];
      return patch;
    }),
    /** Tells the deployment the changes it decides on (not `waiting`/`checking`: it needs no more). */
    forwardUpdate: composite(({ enqueue, event }) => {
      if (event.type === 'service.update' && !quietStates.has(event.state))
        enqueue({ type: 'tell', params: event });
    }),
    tellFailure: composite(({ enqueue, context }) => {
      const f = context.failure;
      if (f === undefined) return;
      const event: StageFailureEvent = {
        type: 'stage.failure',
        stage: context.stage.name,
        reason: f.reason,
        canRetry: f.canRetry,
        canSkip: f.canSkip,
        ...(f.service === undefined ? {} : { service: f.service }),
      };
      enqueue({ type: 'tell', params: event });
    }),
    noteServiceFailure: assign(({ context }) => {
      const name = firstFailed(context) ?? '';
      const reason = context.reasons[name] ?? `${name} is ${stateOf(context, name) ?? 'failed'}`;
      // A crashed actor is gone: nothing can retry or skip it; roll back or abort.
      const alive = !has(context.crashed, name);
      const canSkip = alive && nothingDependsOn(name, context.services);
      return {
        failure: { kind: 'service' as const, service: name, reason, canRetry: alive, canSkip },
      };
    }),
    /** A service actor threw: it failed, with the error as its reason (recorded and told). */
    noteCrash: composite(({ context, enqueue, event }) => {
      if (!event.type.startsWith(crashPrefix) || !('error' in event)) return;
      const name = event.type.slice(crashPrefix.length);
      const reason = `${name} failed: ${errorText(event.error)}`;
      enqueue.assign({
        states: withState(context, name, 'failed'),
        reasons: { ...context.reasons, [name]: reason },
        crashed: [...context.crashed, name],
      });
      const update = {
        service: name,
        state: 'failed' as const,
        attempt: 1,
        maxAttempts: context.retries + 1,
        reason,
      };
      enqueue({ type: 'record', params: { type: 'service.state', ...update } });
      enqueue({ type: 'tell', params: { type: 'service.update', ...update } });
    }),
    noteMissingDependency: assign(({ context }) => {
      const m = missingDependency(context);
      const service = m?.service ?? '?';
      const dependency = m?.dependency ?? '?';
      const where = context.services[dependency]?.stage;
      const reason =
        `${service} depends on ${dependency}${where === undefined ? '' : ` (stage ${where})`}, ` +
        `which is not healthy: its stage was skipped or it did not start; ${service} cannot start`;
      const canSkip = nothingDependsOn(service, context.services);
      return {
        failure: { kind: 'dependency' as const, service, reason, canRetry: false, canSkip },
      };
    }),
    noteDeadlineFailure: assign(({ context }) => {
      const open = context.stage.services.filter((_, i) => !isSettled(context.states[i]));
      const reason =
        `stage ${context.stage.name} missed its deadline of ${(context.stage.timeoutMs / 1000).toFixed(1)} s` +
        (open.length > 0 ? ` (not done: ${open.join(', ')})` : '');
      return { failure: { kind: 'deadline' as const, reason, canRetry: true, canSkip: false } };
    }),
    /** Records a verify check's verdict; a failed one becomes the stage's failure. */
    noteVerify: composite<{ ok: boolean; detail: string }>(({ context, enqueue }, outcome) => {
      const check = context.stage.verify[context.verifyIndex];
      const name = check?.name ?? '?';
      enqueue({
        type: 'record',
        params: {
          type: 'check',
          phase: 'verify',
          stage: context.stage.name,
          name,
          ok: outcome.ok,
          detail: outcome.detail,
        },
      });
      if (outcome.ok) {
        enqueue.assign({ verifyIndex: context.verifyIndex + 1 });
        return;
      }
      const reason = `stage ${context.stage.name}: verify ${name} (${check?.probe.label ?? ''}) failed: ${outcome.detail}`;
      enqueue.assign({
        failure: { kind: 'verify' as const, reason, canRetry: true, canSkip: false },
      });
    }),
    retryFailure: composite(({ context, enqueue }) => {
      const f = context.failure;
      if (f?.kind === 'service' && f.service !== undefined) {
        enqueue.sendTo(`service:${f.service}`, { type: 'service.retry' });
        // Optimistic: the service confirms with service.update; until then it must not look failed.
        enqueue.assign({ states: withState(context, f.service, 'activating') });
      }
      if (f?.kind === 'deadline')
        enqueue.assign({ deadline: Date.now() + context.stage.timeoutMs });
      enqueue.assign({ failure: undefined });
    }),
    /** A dependency turned unhealthy: every running service of this stage that depends on it hears it. */
    tellDependents: composite(({ context, enqueue, event }) => {
      if (event.type !== 'dependency.unhealthy') return;
      for (const name of context.stage.services) {
        const deps = context.services[name]?.dependsOn ?? [];
        const state = stateOf(context, name);
        if (deps.includes(event.dependency) && (state === 'healthy' || state === 'degraded'))
          enqueue.sendTo(`service:${name}`, event);
      }
    }),
    skipFailed: composite(({ context, enqueue }) => {
      const name = context.failure?.service;
      if (name === undefined) return;
      enqueue.sendTo(`service:${name}`, { type: 'service.skip' });
      enqueue.assign({ states: withState(context, name, 'skipped'), failure: undefined });
    }),
    setResult: assign((_, result: StageOutput['result']) => ({ result })),
  },
});
