/**
 * The types, named effects, guards and actions of the stage statechart (stage.machine.ts holds the
 * diagram). The service slot is the real service machine until compose or a test provides another.
 */
import { assign, enqueueActions, fromPromise, setup } from 'xstate';
import type { ServiceSpec, StageSpec } from '../config/plan-types.js';
import type { ProbeInput, ProbeOutcome } from './contracts.js';
import type { ServiceInput, SlotLogic } from './child-types.js';
import { nothingDependsOn } from './decisions.js';
import type {
  ServiceState,
  ServiceUpdateEvent,
  StageEvent,
  StageFailureEvent,
  StageUpdateEvent,
} from './events.js';
import { errorText } from './health-policy.js';
import { serviceMachine } from './service.machine.js';
import { firstFailed, isSettled, missingDependency, planStarts } from './stage-logic.js';

/** Input of the stage machine. */
export interface StageInput {
  stage: StageSpec;
  /** The whole plan's services (to know who depends on whom). */
  services: Record<string, ServiceSpec>;
  /** Services already healthy from earlier stages. */
  healthy: string[];
  retries: number;
  startedAt?: number;
  /** Absolute deadline (epoch ms); default startedAt + stage.timeoutMs. */
  deadline?: number;
}

/** Output of the stage machine. */
export interface StageOutput {
  result: 'succeeded' | 'rollback' | 'abort';
  /** Services that became healthy or degraded, in activation order. */
  activated: string[];
  degraded: string[];
}

/** Why the stage stopped. */
export interface StageFailure {
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
  healthy: string[];
  states: Record<string, ServiceState>;
  reasons: Record<string, string>;
  started: string[];
  waiting: string[];
  activated: string[];
  degraded: string[];
  startedAt: number;
  deadline: number;
  verifyIndex: number;
  /** Services whose actor threw: they can be neither retried nor skipped. */
  crashed: string[];
  failure?: StageFailure;
  result?: StageOutput['result'];
}

const notBound = (name: string) => () =>
  Promise.reject(new Error(`bug: actor ${name} is not bound`));
/** The real service machine by default; tests bind fakes with provide(). */
const serviceSlot: SlotLogic<ServiceInput> = serviceMachine;

/** The error event of a crashed service actor: `xstate.error.actor.service:<name>`. */
const crashPrefix = 'xstate.error.actor.service:';

const withService = (
  ctx: StageContext,
  name: string,
  state: ServiceState,
): StageContext['states'] => ({
  ...ctx.states,
  [name]: state,
});

/** The typed setup of the stage statechart. */
export const stageSetup = setup({
  types: {
    context: {} as StageContext,
    events: {} as StageEvent,
    input: {} as StageInput,
    output: {} as StageOutput,
  },
  actors: {
    service: serviceSlot,
    runProbe: fromPromise<ProbeOutcome, ProbeInput>(notBound('runProbe')),
  },
  delays: {
    stageDeadline: ({ context }) => Math.max(0, context.deadline - Date.now()),
  },
  guards: {
    anyFailed: ({ context }) => firstFailed(context.stage, context.states) !== undefined,
    dependencyMissing: ({ context }) => missingDependency(context) !== undefined,
    allSettled: ({ context }) => context.stage.services.every((n) => isSettled(context.states[n])),
    verifyDone: ({ context }) => context.verifyIndex >= context.stage.verify.length,
    probePassed: (_, outcome: ProbeOutcome) => outcome.ok,
    canRetry: ({ context }) => context.failure?.canRetry === true,
    canSkip: ({ context }) =>
      context.failure?.canSkip === true && context.failure.service !== undefined,
    retriesVerify: ({ context }) => context.failure?.kind === 'verify',
  },
  actions: {
    spawnServices: enqueueActions(({ context, enqueue }) => {
      for (const name of context.stage.services) {
        const spec = context.services[name];
        if (spec === undefined) continue;
        const input: ServiceInput = { service: spec, mode: 'deploy', retries: context.retries };
        enqueue.spawnChild('service', { id: `service:${name}`, input });
      }
    }),
    dispatch: enqueueActions(({ context, enqueue }) => {
      const { start, wait } = planStarts(context);
      for (const name of wait) enqueue.sendTo(`service:${name}`, { type: 'service.wait' });
      for (const name of start) enqueue.sendTo(`service:${name}`, { type: 'service.start' });
      if (start.length + wait.length > 0) {
        enqueue.assign({
          started: [...context.started, ...start],
          waiting: [...context.waiting, ...wait],
        });
      }
    }),
    recordUpdate: assign(({ context, event }) => {
      if (event.type !== 'service.update') return {};
      const name = event.service;
      const up = event.state === 'healthy' || event.state === 'degraded';
      const isNew = up && !context.activated.includes(name);
      const reasons = { ...context.reasons };
      if (event.reason !== undefined) reasons[name] = event.reason;
      return {
        states: withService(context, name, event.state),
        reasons,
        activated: isNew ? [...context.activated, name] : context.activated,
        healthy: isNew ? [...context.healthy, name] : context.healthy,
        degraded:
          event.state === 'degraded' && !context.degraded.includes(name)
            ? [...context.degraded, name]
            : context.degraded,
      };
    }),
    forwardToParent: enqueueActions(({ enqueue, event, self }) => {
      // A stage run on its own (tests, graph traversal) has no parent to tell.
      if (self._parent) enqueue.sendParent(event);
    }),
    tellStatus: enqueueActions(({ enqueue, context, self }, status: StageUpdateEvent['status']) => {
      if (self._parent)
        enqueue.sendParent({
          type: 'stage.update',
          stage: context.stage.name,
          status,
          at: Date.now(),
        });
    }),
    tellFailure: enqueueActions(({ enqueue, context, self }) => {
      const f = context.failure;
      if (!self._parent || f === undefined) return;
      const event: StageFailureEvent = {
        type: 'stage.failure',
        stage: context.stage.name,
        reason: f.reason,
        canRetry: f.canRetry,
        canSkip: f.canSkip,
        ...(f.service === undefined ? {} : { service: f.service }),
      };
      enqueue.sendParent(event);
    }),
    recordServiceFailure: assign(({ context }) => {
      const name = firstFailed(context.stage, context.states) ?? '';
      const reason = context.reasons[name] ?? `${name} is ${context.states[name] ?? 'failed'}`;
      // A crashed actor is gone: nothing can retry or skip it; roll back or abort.
      const alive = !context.crashed.includes(name);
      const canSkip = alive && nothingDependsOn(name, context.services);
      return {
        failure: { kind: 'service' as const, service: name, reason, canRetry: alive, canSkip },
      };
    }),
    /** A service actor threw: it failed, with the error as its reason (the view hears it too). */
    recordCrash: enqueueActions(({ context, enqueue, event, self }) => {
      if (!event.type.startsWith(crashPrefix) || !('error' in event)) return;
      const name = event.type.slice(crashPrefix.length);
      const reason = `${name} failed: ${errorText(event.error)}`;
      enqueue.assign({
        states: withService(context, name, 'failed'),
        reasons: { ...context.reasons, [name]: reason },
        crashed: [...context.crashed, name],
      });
      if (!self._parent) return;
      const update: ServiceUpdateEvent = {
        type: 'service.update',
        service: name,
        state: 'failed',
        attempt: 1,
        maxAttempts: context.retries + 1,
        reason,
        at: Date.now(),
      };
      enqueue.sendParent(update);
    }),
    recordMissingDependency: assign(({ context }) => {
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
    recordDeadlineFailure: assign(({ context }) => {
      const open = context.stage.services.filter((n) => !isSettled(context.states[n]));
      const reason =
        `stage ${context.stage.name} missed its deadline of ${(context.stage.timeoutMs / 1000).toFixed(1)} s` +
        (open.length > 0 ? ` (not done: ${open.join(', ')})` : '');
      return { failure: { kind: 'deadline' as const, reason, canRetry: true, canSkip: false } };
    }),
    recordVerifyFailure: assign(({ context }, detail: string) => {
      const check = context.stage.verify[context.verifyIndex];
      const reason = `stage ${context.stage.name}: verify ${check?.name ?? '?'} (${check?.probe.label ?? ''}) failed: ${detail}`;
      return { failure: { kind: 'verify' as const, reason, canRetry: true, canSkip: false } };
    }),
    advanceVerify: assign({ verifyIndex: ({ context }) => context.verifyIndex + 1 }),
    retryFailure: enqueueActions(({ context, enqueue }) => {
      const f = context.failure;
      if (f?.kind === 'service' && f.service !== undefined) {
        enqueue.sendTo(`service:${f.service}`, { type: 'service.retry' });
        // Optimistic: the service confirms with service.update; until then it must not look failed.
        enqueue.assign({ states: withService(context, f.service, 'activating') });
      }
      if (f?.kind === 'deadline')
        enqueue.assign({ deadline: Date.now() + context.stage.timeoutMs });
      enqueue.assign({ failure: undefined });
    }),
    /** A dependency turned unhealthy: every running service of this stage that depends on it hears it. */
    tellDependents: enqueueActions(({ context, enqueue, event }) => {
      if (event.type !== 'dependency.unhealthy') return;
      for (const name of context.stage.services) {
        const deps = context.services[name]?.dependsOn ?? [];
        const state = context.states[name];
        if (deps.includes(event.dependency) && (state === 'healthy' || state === 'degraded'))
          enqueue.sendTo(`service:${name}`, event);
      }
    }),
    skipFailed: enqueueActions(({ context, enqueue }) => {
      const name = context.failure?.service;
      if (name === undefined) return;
      enqueue.sendTo(`service:${name}`, { type: 'service.skip' });
      enqueue.assign({ states: withService(context, name, 'skipped'), failure: undefined });
    }),
  },
});
