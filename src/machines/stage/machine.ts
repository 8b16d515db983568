/**
 * The stage statechart: activates one stage's services (parallel: each as soon as its own
 * dependencies are healthy; sequential: one at a time), runs the stage's `verify` checks, and on
 * a failure tells its parent (stage.failure) and waits for the decision it forwards.
 */
import { blockedServices, dependentsIn, rolloutsIn } from './logic.js';
import { stageSetup } from './setup.js';

/** The stage statechart. */
export const stageMachine = stageSetup.createMachine({
  id: 'stage',
  context: ({ input }) => {
    const startedAt = input.startedAt ?? Date.now();
    return {
      stage: input.stage,
      services: input.services,
      retries: input.retries,
      ...(input.resume === undefined ? {} : { resume: input.resume }),
      healthy: [...input.healthy],
      index: Object.fromEntries(input.stage.services.map((n, i) => [n, i])),
      states: input.stage.services.map(() => 'pending' as const),
      reasons: {},
      started: [],
      waiting: [],
      activated: [],
      degraded: [],
      startedAt,
      deadline:
        input.deadline ?? (input.stage.implicit ? undefined : startedAt + input.stage.timeoutMs),
      verifyIndex: 0,
      crashed: [],
      blocked: blockedServices(input),
      dependents: dependentsIn(input.stage, input.services),
      ...rolloutsIn(input),
      rolloutsStarted: false,
      tolerated: [],
      toleratedBefore: input.tolerated ?? [],
      warnings: [],
    };
  },
  on: {
    'rollout.done': { actions: 'rolloutDone' },
    'service.update': {
      guard: 'fromLiveService',
      actions: ['trackUpdate', 'forwardUpdate', 'forwardToRollout', 'release'],
    },
    'rollout.tolerate': { actions: 'tolerate' },
    'xstate.error.actor.*': { guard: 'fromLiveService', actions: 'noteCrash' },
    'dependency.unhealthy': { actions: 'noteLostDependency' },
  },
  initial: 'active',
  states: {
    active: {
      after: {
        stageDeadline: {
          guard: 'deadlinePassed',
          target: 'failed',
          actions: 'noteDeadlineFailure',
        },
      },
      initial: 'running',
      states: {
        /**
         * Starts services as their dependencies become healthy. The first look is an event the
         * stage sends itself: XState starts the children created in an actor's first step before
         * that step's own actions run, and the stage's `running` must be recorded first.
         */
        running: {
          entry: [{ type: 'recordStatus', params: 'running' }, 'lookForStarts'],
          on: {
            'stage.dispatch': { actions: 'dispatch' },
            'service.update': {
              guard: 'fromLiveService',
              actions: ['trackUpdate', 'forwardUpdate', 'forwardToRollout', 'release', 'dispatch'],
            },
            'rollout.release': { actions: ['releaseBatch', 'dispatch'] },
            'rollout.tolerate': { actions: ['tolerate', 'dispatch'] },
            'rollout.failed': { target: '#stage.failed', actions: 'noteRolloutFailure' },
          },
          always: [
            { guard: 'anyFailed', target: '#stage.failed', actions: 'noteServiceFailure' },
            {
              guard: 'dependencyMissing',
              target: '#stage.failed',
              actions: 'noteMissingDependency',
            },
            { guard: 'allSettled', target: 'verifying' },
          ],
        },
        verifying: {
          entry: { type: 'recordStatus', params: 'verifying' },
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
                    actions: { type: 'noteVerify', params: ({ event }) => event.output },
                  },
                  {
                    target: '#stage.failed',
                    actions: { type: 'noteVerify', params: ({ event }) => event.output },
                  },
                ],
                onError: {
                  target: '#stage.failed',
                  actions: {
                    type: 'noteVerify',
                    params: ({ event }) => ({ ok: false, detail: String(event.error) }),
                  },
                },
              },
            },
          },
        },
      },
    },
    failed: {
      entry: [{ type: 'recordStatus', params: 'failed' }, 'tellFailure'],
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
    succeeded: {
      type: 'final',
      entry: [
        { type: 'recordStatus', params: 'succeeded' },
        { type: 'setResult', params: 'succeeded' },
      ],
    },
    rollback: { type: 'final', entry: { type: 'setResult', params: 'rollback' } },
    abort: { type: 'final', entry: { type: 'setResult', params: 'abort' } },
  },
  output: ({ context }) => ({
    result: context.result ?? 'abort',
    activated: context.activated,
    degraded: context.degraded,
    ...(context.tolerated.length === 0 ? {} : { tolerated: context.tolerated }),
    ...(context.warnings.length === 0 ? {} : { warnings: context.warnings }),
  }),
});
