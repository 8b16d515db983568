/**
 * Phase 3 of the deployment statechart: the stages in order, each after its confirmation when one
 * is needed; a stage failure asks the operator or follows the failure policy. A plan without
 * `stages:` has one implicit stage: its services are scheduled by their dependencies alone.
 */
import * as dc from './context.js';
import { deploymentSetup, interruptTo } from './actions.js';
import { confirmRequest, degradedRequest, failureRequest } from './requests.js';

/** The `activating` state. */
export const activatingState = deploymentSetup.createStateConfig({
  entry: { type: 'recordPhase', params: 'activating' },
  initial: 'next',
  on: {
    'run.interrupt': interruptTo('#deployment.failing'),
  },
  states: {
    next: {
      always: [
        { guard: 'serviceLost', target: '#deployment.failing', actions: 'failLost' },
        { guard: 'stagesDone', target: '#deployment.verifying' },
        { guard: 'stageJournaled', target: 'next', reenter: true, actions: 'skipJournaledStage' },
        { guard: 'needsConfirmation', target: 'confirming' },
        { target: 'running' },
      ],
    },
    confirming: {
      entry: [
        { type: 'setStage', params: 'confirming' },
        { type: 'ask', params: ({ context }) => confirmRequest(context) },
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
          actions: ['recordDecision', 'abortBeforeStage'],
        },
      },
    },
    running: {
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
          const resume = context.resume?.services;
          return {
            stage,
            services: context.plan.services,
            // Instances that failed within their rollout's budget are out of their dependents' way.
            healthy: [...context.activated, ...dc.toleratedInstances(context)],
            tolerated: dc.toleratedInstances(context),
            ...(context.plan.rollouts === undefined ? {} : { rollouts: context.plan.rollouts }),
            retries: context.plan.policy.retries,
            ...(deadline === undefined ? {} : { deadline }),
            ...(resume === undefined ? {} : { resume }),
          };
        },
        onDone: [
          {
            guard: {
              type: 'stageResult',
              params: ({ event }) => ({ output: event.output, result: 'abort' }),
            },
            target: '#deployment.done',
            actions: 'abortAfterStage',
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
              { type: 'noteStageDone', params: ({ event }) => event.output },
              { type: 'failDegraded', params: ({ event }) => event.output },
            ],
          },
          {
            guard: { type: 'degradedAsk', params: ({ event }) => event.output },
            target: 'degraded',
            actions: { type: 'noteStageDone', params: ({ event }) => event.output },
          },
          {
            target: 'next',
            actions: [
              { type: 'noteStageDone', params: ({ event }) => event.output },
              { type: 'warnDegraded', params: ({ event }) => event.output },
              'nextStage',
            ],
          },
        ],
        onError: {
          target: '#deployment.failing',
          actions: [
            { type: 'setStage', params: 'failed' },
            {
              type: 'failStageError',
              params: ({ event }: { event: { error: unknown } }) => event.error,
            },
          ],
        },
      },
      initial: 'working',
      states: {
        working: {
          on: {
            'stage.failure': [
              { guard: 'askOperator', target: 'deciding', actions: 'noteStageFailure' },
              { target: '#deployment.failing', actions: 'noteStageFailure' },
            ],
          },
        },
        deciding: {
          entry: { type: 'ask', params: ({ context }) => failureRequest(context) },
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
              actions: ['recordDecision', 'abortByOperator'],
            },
          },
        },
      },
    },
    degraded: {
      entry: { type: 'ask', params: ({ context }) => degradedRequest(context) },
      exit: 'clearDecision',
      always: {
        guard: 'notInteractive',
        target: '#deployment.rollingBack',
        actions: { type: 'scope', params: 'all' },
      },
      after: { decisionTimeout: { actions: 'takeDefault' } },
      on: {
        'decision.continue': {
          target: 'next',
          actions: ['recordDecision', 'acceptDegraded', 'nextStage'],
        },
        'decision.rollback': {
          target: '#deployment.rollingBack',
          actions: ['recordDecision', { type: 'scope', params: 'all' }],
        },
      },
    },
  },
});
