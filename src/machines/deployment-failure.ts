/**
 * The failure side of the deployment statechart: the failure policy, the operator's decision after
 * a failure outside a stage, and the rollback (with its step decisions).
 */
import { assign } from 'xstate';
import * as dc from './deployment-context.js';
import { deploymentSetup, interruptTo } from './deployment-setup.js';
import { aborted, done } from './deployment-results.js';
import type { RollbackOutput } from './child-types.js';

/** The `failing` state. */
export const failingState = deploymentSetup.createStateConfig({
  always: [
    { guard: 'askOperator', target: 'deciding' },
    {
      guard: 'policyAbort',
      target: 'done',
      actions: assign(({ context }) =>
        done(
          aborted(context, `${context.failure?.reason ?? 'failed'} (policy: abort, left as it is)`),
        ),
      ),
    },
    {
      guard: 'policyRollbackFailed',
      target: 'rollingBack',
      actions: { type: 'scope', params: 'failed' },
    },
    { target: 'rollingBack', actions: { type: 'scope', params: 'all' } },
  ],
});

/** The `deciding` state. */
export const decidingState = deploymentSetup.createStateConfig({
  entry: { type: 'ask', params: ({ context }) => dc.failureRequest(context) },
  exit: 'clearDecision',
  after: { decisionTimeout: { actions: 'takeDefault' } },
  on: {
    'deployment.interrupt': interruptTo('#deployment.failing'),
    'decision.retry': { guard: 'canRetry', target: 'verifying', actions: 'recordDecision' },
    'decision.rollback': {
      target: 'rollingBack',
      actions: ['recordDecision', { type: 'scope', params: 'all' }],
    },
    'decision.abort': {
      target: 'done',
      actions: [
        'recordDecision',
        assign(({ context }) =>
          done(aborted(context, `aborted by the operator: ${context.failure?.reason ?? ''}`)),
        ),
      ],
    },
  },
});

/** The `rollingBack` state. */
export const rollingBackState = deploymentSetup.createStateConfig({
  // Monitoring ends here: services are being taken back on purpose.
  entry: 'stopMonitors',
  on: {
    'deployment.interrupt': { guard: 'firstInterrupt', actions: 'recordInterrupt' },
    'service.update': { actions: 'viewService' },
  },
  invoke: {
    id: 'rollback',
    src: 'rollback',
    input: ({ context }) => dc.rollbackInput(context),
    onDone: {
      target: 'done',
      actions: assign(({ context, event }) =>
        done(dc.rollbackResult(context, event.output as RollbackOutput)),
      ),
    },
    onError: {
      target: 'done',
      actions: assign(({ context, event }) =>
        done({
          result: 'rollback-incomplete',
          exitCode: 3,
          reason: `rollback failed: ${String(event.error)}`,
          notRestored: dc
            .rollbackTargets(context)
            .map((name) => ({ name, reason: 'rollback did not finish' })),
        }),
      ),
    },
  },
  initial: 'working',
  states: {
    working: {
      on: {
        'rollback.stepFailed': {
          target: 'deciding',
          actions: {
            type: 'ask',
            params: ({ event }) => dc.rollbackStepRequest(event.service, event.reason),
          },
        },
      },
    },
    deciding: {
      exit: 'clearDecision',
      after: { decisionTimeout: { actions: 'takeDefault' } },
      on: {
        'decision.retry': {
          target: 'working',
          actions: ['recordDecision', 'forwardToRollback'],
        },
        'decision.markResolved': {
          target: 'working',
          actions: ['recordDecision', 'forwardToRollback'],
        },
        'decision.abort': {
          target: 'working',
          actions: ['recordDecision', 'forwardToRollback'],
        },
      },
    },
  },
});
