/**
 * Phase 3 of the deployment statechart: the stages in order, each after its confirmation when one
 * is needed; a stage failure asks the operator or follows the failure policy.
 */
import { assign } from 'xstate';
import * as dc from './deployment-context.js';
import { deploymentSetup, interruptTo } from './deployment-setup.js';
import { aborted, degradedFailure, done, stageDone, stageFailure } from './deployment-results.js';

/** The `activating` state. */
export const activatingState = deploymentSetup.createStateConfig({
  initial: 'next',
  on: {
    'deployment.interrupt': interruptTo('#deployment.failing'),
  },
  states: {
    next: {
      always: [
        { guard: 'serviceLost', target: '#deployment.failing', actions: 'failLost' },
        { guard: 'stagesDone', target: '#deployment.verifying' },
        { guard: 'needsConfirmation', target: 'confirming' },
        { target: 'running' },
      ],
    },
    confirming: {
      entry: [
        { type: 'setStage', params: 'confirming' },
        { type: 'ask', params: ({ context }) => dc.confirmRequest(context) },
      ],
      exit: 'clearDecision',
      after: { decisionTimeout: { actions: 'takeDefault' } },
      on: {
        'decision.proceed': { target: 'running', actions: 'recordDecision' },
        'decision.skipStage': {
          guard: 'canSkipStage',
          target: 'next',
          actions: ['recordDecision', { type: 'setStage', params: 'skipped' }, 'nextStage'],
        },
        'decision.abort': {
          target: '#deployment.done',
          actions: [
            'recordDecision',
            assign(({ context }) =>
              done(
                aborted(
                  context,
                  `aborted by the operator before stage ${context.plan.stages[context.stageIndex]?.name ?? '?'}`,
                ),
              ),
            ),
          ],
        },
      },
    },
    running: {
      entry: { type: 'setStage', params: 'running' },
      // The stage's actors are alive here: monitoring news reaches them through the stage.
      on: {
        'monitor.unhealthy': { actions: { type: 'markLost', params: { liveStage: true } } },
      },
      invoke: {
        id: 'stage',
        src: 'stage',
        input: ({ context }) => {
          const stage = context.plan.stages[context.stageIndex];
          if (stage === undefined) throw new Error('bug: no stage at index');
          const deadline = dc.resumedStageDeadline(context);
          return {
            stage,
            services: context.plan.services,
            healthy: context.activated,
            retries: context.plan.policy.retries,
            ...(deadline === undefined ? {} : { deadline }),
          };
        },
        onDone: [
          {
            guard: {
              type: 'stageResult',
              params: ({ event }) => ({ output: event.output, result: 'abort' }),
            },
            target: '#deployment.done',
            actions: assign(({ context }) =>
              done(aborted(context, context.failure?.reason ?? 'aborted by the operator')),
            ),
          },
          {
            guard: {
              type: 'stageResult',
              params: ({ event }) => ({ output: event.output, result: 'rollback' }),
            },
            target: '#deployment.rollingBack',
            actions: { type: 'scope', params: 'all' },
          },
          {
            guard: { type: 'degradedFail', params: ({ event }) => event.output },
            target: '#deployment.failing',
            actions: [
              assign(({ context, event }) => stageDone(context, event.output)),
              assign(({ context, event }) => ({
                failure: degradedFailure(context, event.output),
              })),
            ],
          },
          {
            guard: { type: 'degradedAsk', params: ({ event }) => event.output },
            target: 'degraded',
            actions: assign(({ context, event }) => stageDone(context, event.output)),
          },
          {
            target: 'next',
            actions: [
              assign(({ context, event }) => stageDone(context, event.output)),
              {
                type: 'warn',
                params: ({ context, event }) =>
                  event.output.degraded.map(
                    (n) => `${n} is degraded: ${context.services[n]?.reason ?? 'no reason given'}`,
                  ),
              },
              'nextStage',
            ],
          },
        ],
        onError: {
          target: '#deployment.failing',
          actions: [
            { type: 'setStage', params: 'failed' },
            assign(({ event }) => ({
              failure: {
                source: 'error' as const,
                reason: `stage failed: ${String(event.error)}`,
                canRetry: false,
                canSkip: false,
              },
            })),
          ],
        },
      },
      initial: 'working',
      states: {
        working: {
          on: {
            'stage.failure': [
              {
                guard: 'askOperator',
                target: 'deciding',
                actions: assign(({ event }) => ({ failure: stageFailure(event) })),
              },
              {
                target: '#deployment.failing',
                actions: assign(({ event }) => ({ failure: stageFailure(event) })),
              },
            ],
          },
        },
        deciding: {
          entry: { type: 'ask', params: ({ context }) => dc.failureRequest(context) },
          exit: 'clearDecision',
          after: { decisionTimeout: { actions: 'takeDefault' } },
          on: {
            'decision.retry': {
              guard: 'canRetry',
              target: 'working',
              actions: ['recordDecision', 'forwardToStage'],
            },
            'decision.skip': {
              guard: 'canSkip',
              target: 'working',
              actions: ['recordDecision', 'forwardToStage', 'markSkipped'],
            },
            'decision.rollback': {
              target: '#deployment.rollingBack',
              actions: ['recordDecision', { type: 'scope', params: 'all' }],
            },
            'decision.abort': {
              target: '#deployment.done',
              actions: [
                'recordDecision',
                assign(({ context }) =>
                  done(
                    aborted(context, `aborted by the operator: ${context.failure?.reason ?? ''}`),
                  ),
                ),
              ],
            },
          },
        },
      },
    },
    degraded: {
      entry: { type: 'ask', params: ({ context }) => dc.degradedRequest(context) },
      exit: 'clearDecision',
      always: {
        guard: ({ context }) => !context.interactive,
        target: '#deployment.rollingBack',
        actions: { type: 'scope', params: 'all' },
      },
      after: { decisionTimeout: { actions: 'takeDefault' } },
      on: {
        'decision.continue': {
          target: 'next',
          actions: [
            'recordDecision',
            {
              type: 'warn',
              params: ({ context }) => context.degraded.map((n) => `${n} is degraded (accepted)`),
            },
            'nextStage',
          ],
        },
        'decision.rollback': {
          target: '#deployment.rollingBack',
          actions: ['recordDecision', { type: 'scope', params: 'all' }],
        },
      },
    },
  },
});
