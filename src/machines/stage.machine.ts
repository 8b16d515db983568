/**
 * The stage statechart: activates one stage's services (parallel: each as soon as its own
 * dependencies are healthy; sequential: one at a time), runs the stage's `verify` checks, and on
 * a failure asks its parent (stage.failure) and waits for a forwarded decision.
 */
import { assign } from 'xstate';
import { stageSetup } from './stage-setup.js';

export type { StageContext, StageFailure, StageInput, StageOutput } from './stage-setup.js';

/** The stage statechart. */
export const stageMachine = stageSetup.createMachine({
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
      crashed: [],
    };
  },
  entry: 'spawnServices',
  on: {
    'service.update': { actions: ['recordUpdate', 'forwardToParent'] },
    'xstate.error.actor.*': { actions: 'recordCrash' },
    'health.attempt': { actions: 'forwardToParent' },
    'dependency.unhealthy': { actions: 'tellDependents' },
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
            {
              guard: 'dependencyMissing',
              target: '#stage.failed',
              actions: 'recordMissingDependency',
            },
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
