/**
 * The types, named effects, guards and actions of the stage statechart (machine.ts holds the
 * diagram). A stage starts each of its services the moment that service's own dependencies are
 * healthy; an implicit stage (a plan without `stages:`) holds every service and has no deadline
 * of its own, so the dependency graph alone schedules the deployment.
 *
 * A service's actor exists only while the stage may need it: it is created when the service
 * starts (until then the stage records that it waits) and stopped once it is healthy, degraded or
 * skipped (a dependency lost later is the deployment's to record; the stage only notes it). A
 * failed one lives on until the decision: retry and skip are sent to it.
 */
import { assign, sendTo, setup } from 'xstate';
import { compositeFor } from '../composite.js';
import { own } from '../../core/own.js';
import type { RolloutSpec, ServiceSpec, StageSpec } from '../../config/plan-types.js';
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
import { rolloutMachine, type RolloutTellEvent } from '../rollout/index.js';
import { serviceMachine, type ServiceInput } from '../service/index.js';
import { until } from '../timers.js';
import {
  firstFailed,
  isSettled,
  leftOutWith,
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
  /** The plan's placed services: those whose instances are in this stage roll out in batches. */
  rollouts?: Record<string, RolloutSpec>;
  /**
   * Instances left out in earlier stages (failed within their rollout's budget, or a dependency
   * on their host did): this stage's instances that need them on the same host are left out too.
   */
  tolerated?: string[];
}

/** Output of the stage machine. */
export interface StageOutput {
  result: 'succeeded' | 'rollback' | 'abort';
  /** Services that became healthy or degraded, in activation order. */
  activated: string[];
  degraded: string[];
  /** Instances that failed within their rollout's failure budget (skipped, named in warnings). */
  tolerated?: string[];
  /** The warnings the stage recorded (tolerated instances, what was left out with them). */
  warnings?: string[];
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
  /** The rollouts of this stage's placed services (never changes). */
  rollouts: RolloutSpec[];
  /** Whether their actors were started (once: a retried stage keeps them). */
  rolloutsStarted: boolean;
  /** Rollouts not yet done. */
  rolling: string[];
  /** Instances their rollout has not released yet: they must not start. */
  gated: string[];
  /** Instances that failed within their rollout's failure budget. */
  tolerated: string[];
  /** Instances left out before this stage (see StageInput.tolerated). */
  toleratedBefore: string[];
  /** Warnings recorded by the stage, for the deployment's result. */
  warnings: string[];
  failure?: StageFailure;
  result?: StageOutput['result'];
}

/** A service actor of the stage threw (a bug, or an input the plan should not allow). */
interface ServiceErrorEvent {
  type: `xstate.error.actor.service:${string}`;
  error: unknown;
}

/** Sent by the stage to itself to look for services to start (see machine.ts, `running`). */
interface StageDispatchEvent {
  type: 'stage.dispatch';
}

/** Everything a stage actor accepts. */
export type StageEvent =
  | RolloutTellEvent
  | ServiceUpdateEvent
  | DecisionEvent
  | DependencyUnhealthyEvent
  | ServiceErrorEvent
  | StageDispatchEvent;

/** The error event of a crashed service actor: `xstate.error.actor.service:<name>`. */
const crashPrefix = 'xstate.error.actor.service:';

const has = (list: readonly string[], name: string): boolean => list.includes(name);

/** Service states the deployment does not need to hear of. */
const quietStates: ReadonlySet<ServiceState> = new Set(['checking']);
/** States after which the stage no longer needs a service's actor. */
const doneStates: ReadonlySet<ServiceState> = new Set(['healthy', 'degraded', 'skipped']);

/** Whether the stage runs an actor for `name`: started, not released, not crashed. */
function hasActor(context: StageContext, name: string): boolean {
  const state = stateOf(context, name);
  return (
    state !== undefined &&
    state !== 'pending' &&
    !doneStates.has(state) &&
    !has(context.crashed, name)
  );
}

/** The placed service whose rollout `name` is an instance of (undefined: not an instance). */
function rolloutOf(context: StageContext, name: string): string | undefined {
  return own(context.services, name)?.placement?.service;
}

/** Whether the service at position `i` is an instance whose rollout is still rolling. */
function judgedByRollout(context: StageContext, i: number): boolean {
  const name = context.stage.services[i];
  const rollout = name === undefined ? undefined : rolloutOf(context, name);
  return rollout !== undefined && has(context.rolling, rollout);
}

/** The named actions the stage's composite actions enqueue. */
type Named =
  | { type: 'record'; params: Fact }
  | { type: 'tell'; params: ServiceUpdateEvent | StageFailureEvent }
  | { type: 'leaveOut'; params: { from: string[] } };
/** The children the stage spawns and invokes. */
type Children =
  | { src: 'service'; logic: typeof serviceMachine; id: string | undefined }
  | { src: 'rollout'; logic: typeof rolloutMachine; id: string | undefined }
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
    rollout: rolloutMachine,
    runProbe: stubActors.runProbe,
  },
  delays: {
    stageDeadline: ({ context }) => until(context.deadline),
  },
  guards: {
    /**
     * The update (or crash) comes from a service actor the stage runs: one it started and has not
     * released (a released actor is stopped and sends nothing more).
     */
    fromLiveService: ({ context, event }) => {
      const name =
        event.type === 'service.update'
          ? event.service
          : event.type.startsWith(crashPrefix)
            ? event.type.slice(crashPrefix.length)
            : undefined;
      const state = name === undefined ? undefined : stateOf(context, name);
      return state !== undefined && state !== 'pending' && !doneStates.has(state);
    },
    /** A failed service (an instance's failure is its rollout's to judge, while it rolls). */
    anyFailed: ({ context }) =>
      context.states.some(
        (s, i) => (s === 'failed' || s === 'unhealthy') && !judgedByRollout(context, i),
      ),
    dependencyMissing: ({ context }) => missingDependency(context) !== undefined,
    allSettled: ({ context }) =>
      context.rolling.length === 0 && context.states.every((s) => isSettled(s)),
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
    /** Looks for services to start (sent to itself: see machine.ts, `running`). */
    lookForStarts: sendTo(({ self }) => self, { type: 'stage.dispatch' }),
    /**
     * Starts what can start now (creates the service's actor; it begins activating) and records
     * that the others wait: when the stage begins, and each time a service settles (nothing else
     * frees one).
     */
    dispatch: composite(({ context, enqueue, event }) => {
      if (event.type === 'service.update' && !isSettled(event.state)) return;
      if (!context.rolloutsStarted) {
        for (const rollout of context.rollouts)
          enqueue.spawnChild('rollout', {
            id: `rollout:${rollout.service}`,
            input: {
              rollout,
              probes: Object.fromEntries(
                rollout.instances.map((n) => [n, own(context.services, n)?.health]),
              ),
            },
          });
        enqueue.assign({ rolloutsStarted: true });
      }
      // After the first look, only the dependents of the service that settled can start (or the
      // instances a rollout released, or the dependents of one it tolerated).
      const candidates =
        event.type === 'service.update'
          ? (own(context.dependents, event.service) ?? [])
          : event.type === 'rollout.release'
            ? event.instances
            : event.type === 'rollout.tolerate'
              ? (own(context.dependents, event.instance) ?? [])
              : undefined;
      const planned = planStarts(context, candidates);
      // An instance its rollout has not released waits, whatever its dependencies.
      const start = planned.start.filter((n) => !has(context.gated, n));
      const wait = [
        ...planned.wait,
        ...planned.start.filter((n) => has(context.gated, n) && !has(context.waiting, n)),
      ];
      for (const name of wait)
        enqueue({
          type: 'record',
          params: {
            type: 'service.state',
            service: name,
            state: 'waiting',
            attempt: 1,
            maxAttempts: context.retries + 1,
          },
        });
      for (const name of start) {
        const spec = own(context.services, name);
        if (spec === undefined) continue;
        const resume = own(context.resume, name);
        const input: ServiceInput = {
          service: spec,
          mode: 'deploy',
          retries: context.retries,
          ...(resume === undefined ? {} : { resume }),
        };
        enqueue.spawnChild('service', { id: `service:${name}`, input });
      }
      if (start.length + wait.length > 0) {
        const states = [...context.states];
        for (const name of start) {
          const i = own(context.index, name);
          if (i !== undefined) states[i] = 'activating';
        }
        enqueue.assign({
          started: [...context.started, ...start],
          waiting: [...context.waiting, ...wait],
          states,
        });
      }
      // Last: it reads the context this action assigned (what waits, what started).
      if (!context.rolloutsStarted && context.toleratedBefore.length > 0)
        enqueue({ type: 'leaveOut', params: { from: context.toleratedBefore } });
    }),
    /** A service healthy, degraded or skipped: its actor is no longer needed. */
    release: composite(({ enqueue, event }) => {
      if (event.type === 'service.update' && doneStates.has(event.state))
        enqueue.stopChild(`service:${event.service}`);
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
    /** Tells an instance's rollout each change of the instance. */
    forwardToRollout: composite(({ context, enqueue, event }) => {
      if (event.type !== 'service.update' || quietStates.has(event.state)) return;
      const rollout = rolloutOf(context, event.service);
      if (rollout === undefined || !has(context.rolling, rollout)) return;
      enqueue.sendTo(`rollout:${rollout}`, {
        type: 'rollout.instance',
        instance: event.service,
        state: event.state,
        ...(event.reason === undefined ? {} : { reason: event.reason }),
        ...(event.failure?.kind === 'command' && event.failure.lost === true ? { lost: true } : {}),
      });
    }),
    /** A rollout released a batch: its instances may start. */
    releaseBatch: composite(({ context, enqueue, event }) => {
      if (event.type !== 'rollout.release') return;
      enqueue.assign({ gated: context.gated.filter((n) => !event.instances.includes(n)) });
      const of = context.rollouts.find((r) => r.service === event.service)?.batches.length ?? 0;
      enqueue({
        type: 'record',
        params: {
          type: 'rollout.batch',
          service: event.service,
          batch: event.batch,
          of,
          instances: event.instances,
        },
      });
    }),
    /**
     * A failed instance within its rollout's budget: skipped (its actor told), named in a warning,
     * and no longer in its dependents' way.
     */
    tolerate: composite(({ context, enqueue, event }) => {
      if (event.type !== 'rollout.tolerate') return;
      const name = event.instance;
      enqueue({ type: 'record', params: { type: 'warning', message: event.reason } });
      const warnings = [...context.warnings, event.reason];
      // Healthy once, then not after minHealthy: it runs, part of the release; only the warning.
      if (has(context.activated, name)) {
        enqueue.assign({ warnings });
        return;
      }
      if (hasActor(context, name)) enqueue.sendTo(`service:${name}`, { type: 'service.skip' });
      enqueue.assign({
        states: withState(context, name, 'skipped'),
        tolerated: [...context.tolerated, name],
        healthy: [...context.healthy, name],
        warnings,
      });
      enqueue({ type: 'leaveOut', params: { from: [name] } });
    }),
    /**
     * Leaves out the instances not yet started that need one of `from` on their own host (and
     * what needs them): skipped, each named in a warning, never started, and told to their
     * rollout as skipped (not against its failure budget: they did not fail).
     */
    leaveOut: composite<{ from: string[] }>(({ context, enqueue }, { from }) => {
      const found = leftOutWith(context, from, new Set(context.started));
      if (found.length === 0) return;
      let states = context.states;
      const warnings: string[] = [];
      for (const { service, dependency } of found) {
        const host = own(context.services, service)?.placement?.host ?? '?';
        const why =
          has(context.tolerated, dependency) || has(context.toleratedBefore, dependency)
            ? 'failed within its failure budget'
            : 'was left out';
        const reason = `${service} was not started: ${dependency}, which it needs on ${host}, ${why}`;
        states = withState({ ...context, states }, service, 'skipped');
        const update = {
          service,
          state: 'skipped' as const,
          attempt: 1,
          maxAttempts: context.retries + 1,
          reason,
        };
        enqueue({ type: 'record', params: { type: 'service.state', ...update } });
        enqueue({ type: 'tell', params: { type: 'service.update', ...update } });
        enqueue({ type: 'record', params: { type: 'warning', message: reason } });
        warnings.push(reason);
        const rollout = rolloutOf(context, service);
        if (rollout !== undefined && has(context.rolling, rollout))
          enqueue.sendTo(`rollout:${rollout}`, {
            type: 'rollout.instance',
            instance: service,
            state: 'skipped',
            reason,
          });
      }
      const names = found.map((f) => f.service);
      enqueue.assign({
        states,
        started: [...context.started, ...names],
        waiting: context.waiting.filter((n) => !names.includes(n)),
        gated: context.gated.filter((n) => !names.includes(n)),
        warnings: [...context.warnings, ...warnings],
      });
    }),
    rolloutDone: composite(({ context, enqueue, event }) => {
      if (event.type !== 'rollout.done') return;
      enqueue.stopChild(`rollout:${event.service}`);
      enqueue.assign({ rolling: context.rolling.filter((n) => n !== event.service) });
    }),
    /** A rollout went over its failure budget: the stage fails, naming the hosts. */
    noteRolloutFailure: composite(({ context, enqueue, event }) => {
      if (event.type !== 'rollout.failed') return;
      enqueue.stopChild(`rollout:${event.service}`);
      enqueue.assign({
        rolling: context.rolling.filter((n) => n !== event.service),
        failure: {
          kind: 'service' as const,
          service: event.instance,
          reason: event.reason,
          canRetry: false,
          canSkip: false,
        },
      });
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
      const reason =
        own(context.reasons, name) ?? `${name} is ${stateOf(context, name) ?? 'failed'}`;
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
      const where = own(context.services, dependency)?.stage;
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
      if (f?.kind === 'service' && f.service !== undefined && hasActor(context, f.service)) {
        enqueue.sendTo(`service:${f.service}`, { type: 'service.retry' });
        // Optimistic: the service confirms with service.update; until then it must not look failed.
        enqueue.assign({ states: withState(context, f.service, 'activating') });
      }
      if (f?.kind === 'deadline')
        enqueue.assign({ deadline: Date.now() + context.stage.timeoutMs });
      enqueue.assign({ failure: undefined });
    }),
    /**
     * A dependency turned unhealthy: the healthy services of this stage that depend on it are
     * degraded (the deployment recorded it; the stage's output lists them).
     */
    noteLostDependency: assign(({ context, event }) => {
      if (event.type !== 'dependency.unhealthy') return {};
      const hit = context.stage.services.filter((name) => {
        const state = stateOf(context, name);
        return (
          (own(context.services, name)?.dependsOn ?? []).includes(event.dependency) &&
          (state === 'healthy' || state === 'degraded')
        );
      });
      if (hit.length === 0) return {};
      let states = context.states;
      for (const name of hit) states = withState({ ...context, states }, name, 'degraded');
      return {
        states,
        degraded: [...context.degraded, ...hit.filter((n) => !has(context.degraded, n))],
      };
    }),
    /**
     * Skips the failed service: its actor if it has one; one that never started (a dependency
     * outside the stage is missing) is recorded as skipped here.
     */
    skipFailed: composite(({ context, enqueue }) => {
      const name = context.failure?.service;
      if (name === undefined) return;
      if (hasActor(context, name)) enqueue.sendTo(`service:${name}`, { type: 'service.skip' });
      else {
        const update = {
          service: name,
          state: 'skipped' as const,
          attempt: 1,
          maxAttempts: context.retries + 1,
        };
        enqueue({ type: 'record', params: { type: 'service.state', ...update } });
        enqueue({ type: 'tell', params: { type: 'service.update', ...update } });
      }
      enqueue.assign({ states: withState(context, name, 'skipped'), failure: undefined });
    }),
    setResult: assign((_, result: StageOutput['result']) => ({ result })),
  },
});
