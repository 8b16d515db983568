/**
 * Phases 4 and 5 of the deployment statechart: verifying (integration, production readiness) and
 * finalizing (record the release).
 */
import { deploymentSetup, interruptTo } from './actions.js';
import { readinessRequest } from './requests.js';
import { skippedServices } from './results.js';

/** The `verifying` state. */
export const verifyingState = deploymentSetup.createStateConfig({
  entry: { type: 'recordPhase', params: 'verifying' },
  on: {
    'run.interrupt': interruptTo('#deployment.failing'),
  },
  initial: 'checking',
  states: {
    checking: {
      invoke: {
        id: 'verification',
        src: 'verification',
        input: ({ context }) => ({
          integration: context.plan.integration,
          readiness: context.plan.readiness,
        }),
        onDone: [
          { guard: 'serviceLost', target: '#deployment.failing', actions: 'failLost' },
          {
            guard: { type: 'verificationFailed', params: ({ event }) => event.output },
            target: '#deployment.failing',
            actions: { type: 'failVerification', params: ({ event }) => event.output },
          },
          {
            guard: { type: 'readinessWarnings', params: ({ event }) => event.output },
            target: 'warnings',
            actions: { type: 'warnReadiness', params: ({ event }) => event.output },
          },
          { target: '#deployment.finalizing' },
        ],
        onError: {
          target: '#deployment.failing',
          actions: {
            type: 'failVerificationError',
            params: ({ event }: { event: { error: unknown } }) => event.error,
          },
        },
      },
    },
    warnings: {
      always: { guard: 'notInteractive', target: '#deployment.finalizing' },
      entry: { type: 'ask', params: ({ context }) => readinessRequest(context) },
      exit: 'clearDecision',
      after: { decisionTimeout: { actions: 'takeDefault' } },
      on: {
        'decision.accept': { target: '#deployment.finalizing', actions: 'recordDecision' },
        'decision.rollback': {
          target: '#deployment.rollingBack',
          actions: ['recordDecision', { type: 'scope', params: 'all' }],
        },
      },
    },
  },
});

/** The `finalizing` state. */
export const finalizingState = deploymentSetup.createStateConfig({
  entry: { type: 'recordPhase', params: 'finalizing' },
  on: {
    'run.interrupt': interruptTo('#deployment.failing'),
  },
  invoke: {
    id: 'recordRelease',
    src: 'recordRelease',
    input: ({ context }) => ({
      plan: context.plan,
      deploymentId: context.deploymentId,
      skipped: skippedServices(context),
    }),
    onDone: {
      target: 'done',
      actions: [
        { type: 'noteRelease', params: ({ event }) => event.output.release },
        'finishSuccess',
      ],
    },
    onError: {
      target: 'done',
      actions: [
        { type: 'warn', params: ({ event }) => [`release not recorded: ${String(event.error)}`] },
        'finishSuccess',
      ],
    },
  },
});
