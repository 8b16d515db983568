/**
 * The stage statechart: activates one stage's services (parallel: each as soon as its own
 * dependencies are healthy; sequential: one at a time), runs the stage's `verify` checks, and on
 * a failure asks its parent (stage.failure) and waits for a forwarded decision.
 */
import { assign, enqueueActions, fromPromise, setup } from 'xstate';
import type { ServiceSpec, StageSpec } from '../config/plan-types.js';
import type { ProbeInput, ProbeOutcome } from './contracts.js';
import type { ServiceInput, SlotLogic } from './child-types.js';
import { nothingDependsOn } from './decisions.js';
import type { ServiceState, StageEvent, StageFailureEvent, StageUpdateEvent } from './events.js';
import { serviceMachine } from './service.machine.js';
import { firstFailed, isSettled, planStarts } from './stage-logic.js';

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
  kind: 'service' | 'verify' | 'deadline';
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
  failure?: StageFailure;
  result?: StageOutput['result'];
}

const notBound = (name: string) => () =>
  Promise.reject(new Error(`bug: actor ${name} is not bound`));
/** The real service machine by default; tests bind fakes with provide(). */
const serviceSlot: SlotLogic<ServiceInput> = serviceMachine;

const withService = (
  ctx: StageContext,
  name: string,
  state: ServiceState,
): StageContext['states'] => ({
  ...ctx.states,
  [name]: state,
});

/** The stage statechart. */
export const stageMachine = setup({
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
      const canSkip = nothingDependsOn(name, context.services);
      return {
        failure: { kind: 'service' as const, service: name, reason, canRetry: true, canSkip },
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
    skipFailed: enqueueActions(({ context, enqueue }) => {
      const name = context.failure?.service;
      if (name === undefined) return;
      enqueue.sendTo(`service:${name}`, { type: 'service.skip' });
      enqueue.assign({ states: withService(context, name, 'skipped'), failure: undefined });
    }),
  },
}).createMachine({
  id: 'stage',
  context: ({ input }) => {
    const startedAt = input.startedAt ?? Date.now();
    return {
      stage: input.stage,
      services: input.services,
      retries: input.retries,
      healthy: [...input.healthy],
      states: Object.fromEntries(input.stage.services.map((n) => [n, 'pending'])),
      reasons: {},
      started: [],
      waiting: [],
      activated: [],
      degraded: [],
      startedAt,
      deadline: input.deadline ?? startedAt + input.stage.timeoutMs,
      verifyIndex: 0,
    };
  },
  entry: 'spawnServices',
  on: {
    'service.update': { actions: ['recordUpdate', 'forwardToParent'] },
    'health.attempt': { actions: 'forwardToParent' },
  },
  initial: 'active',
  states: {
    active: {
      after: { stageDeadline: { target: 'failed', actions: 'recordDeadlineFailure' } },
      initial: 'running',
      states: {
        running: {
          entry: ['dispatch', { type: 'tellStatus', params: 'running' }],
          on: { 'service.update': { actions: ['recordUpdate', 'forwardToParent', 'dispatch'] } },
          always: [
            { guard: 'anyFailed', target: '#stage.failed', actions: 'recordServiceFailure' },
            { guard: 'allSettled', target: 'verifying' },
          ],
        },
        verifying: {
          entry: { type: 'tellStatus', params: 'verifying' },
          initial: 'next',
          states: {
            next: {
              always: [{ guard: 'verifyDone', target: '#stage.succeeded' }, { target: 'checking' }],
            },
            checking: {
              invoke: {
                id: 'verify',
                src: 'runProbe',
                input: ({ context }) => {
                  const check = context.stage.verify[context.verifyIndex];
                  if (check === undefined) throw new Error('bug: no verify check at index');
                  return {
                    label: `stage.${context.stage.name}.verify.${check.name}`,
                    probe: check.probe,
                  };
                },
                onDone: [
                  {
                    guard: { type: 'probePassed', params: ({ event }) => event.output },
                    target: 'next',
                    actions: 'advanceVerify',
                  },
                  {
                    target: '#stage.failed',
                    actions: {
                      type: 'recordVerifyFailure',
                      params: ({ event }) => event.output.detail,
                    },
                  },
                ],
                onError: {
                  target: '#stage.failed',
                  actions: {
                    type: 'recordVerifyFailure',
                    params: ({ event }) => String(event.error),
                  },
                },
              },
            },
          },
        },
      },
    },
    failed: {
      entry: [{ type: 'tellStatus', params: 'failed' }, 'tellFailure'],
      on: {
        'decision.retry': [
          { guard: 'retriesVerify', target: 'active.verifying', actions: 'retryFailure' },
          { guard: 'canRetry', target: 'active', actions: 'retryFailure' },
        ],
        'decision.skip': { guard: 'canSkip', target: 'active', actions: 'skipFailed' },
        'decision.rollback': { target: 'rollback' },
        'decision.abort': { target: 'abort' },
      },
    },
    succeeded: { type: 'final', entry: assign({ result: 'succeeded' as const }) },
    rollback: { type: 'final', entry: assign({ result: 'rollback' as const }) },
    abort: { type: 'final', entry: assign({ result: 'abort' as const }) },
  },
  output: ({ context }) => ({
    result: context.result ?? 'abort',
    activated: context.activated,
    degraded: context.degraded,
  }),
});
