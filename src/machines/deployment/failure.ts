/**
 * The failure side of the deployment statechart: the failure policy, the operator's decision after
 * a failure outside a stage, and the rollback (which owns the decisions about its own steps).
 */
import { deploymentSetup, interruptTo } from './actions.js';
import { rollbackInput } from './rollback.js';
import { failureRequest } from './requests.js';

/** The `failing` state. */
export const failingState = deploymentSetup.createStateConfig({
  always: [
    { guard: 'askOperator', target: 'deciding' },
    { guard: 'policyAbort', target: 'done', actions: 'abortByPolicy' },
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
  entry: { type: 'ask', params: ({ context }) => failureRequest(context) },
  exit: 'clearDecision',
  after: { decisionTimeout: { actions: 'takeDefault' } },
  on: {
    'run.interrupt': interruptTo('#deployment.failing'),
    'decision.retry': { guard: 'canRetry', target: 'verifying', actions: 'recordDecision' },
    'decision.rollback': {
      target: 'rollingBack',
      actions: ['recordDecision', { type: 'scope', params: 'all' }],
    },
    'decision.abort': { target: 'done', actions: ['recordDecision', 'abortByOperator'] },
  },
});

/** The `rollingBack` state: the rollback machine runs; decisions about its steps go to it. */
export const rollingBackState = deploymentSetup.createStateConfig({
  entry: ['stopMonitors', { type: 'recordPhase', params: 'rolling-back' }],
  on: {
    'run.interrupt': { guard: 'firstInterrupt', actions: 'recordInterrupt' },
    'decision.retry': { actions: 'forwardToRollback' },
    'decision.markResolved': { actions: 'forwardToRollback' },
    'decision.abort': { actions: 'forwardToRollback' },
  },
  invoke: {
    id: 'rollback',
    src: 'rollback',
    input: ({ context }) => rollbackInput(context),
    onDone: {
      target: 'done',
      actions: { type: 'finishRollback', params: ({ event }) => event.output },
    },
    onError: {
      target: 'done',
      actions: {
        type: 'failRollbackError',
        params: ({ event }: { event: { error: unknown } }) => event.error,
      },
    },
  },
});
