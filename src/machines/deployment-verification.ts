/**
 * Phases 4 and 5 of the deployment statechart: verifying (integration, production readiness) and
 * finalizing (record the release).
 */
import { assign } from 'xstate';
import * as dc from './deployment-context.js';
import { deploymentSetup, interruptTo } from './deployment-setup.js';
import { done, success } from './deployment-results.js';
import type { VerificationInput, VerificationOutput } from './child-types.js';

/** The `verifying` state. */
export const verifyingState = deploymentSetup.createStateConfig({
  on: {
    'deployment.interrupt': interruptTo('#deployment.failing'),
  },
  initial: 'checking',
  states: {
    checking: {
      invoke: {
        id: 'verification',
        src: 'verification',
        input: ({ context }): VerificationInput => ({
          integration: context.plan.integration,
          readiness: context.plan.readiness,
        }),
        onDone: [
          { guard: 'serviceLost', target: '#deployment.failing', actions: 'failLost' },
          {
            guard: {
              type: 'verificationFailed',
              params: ({ event }) => event.output as VerificationOutput,
            },
            target: '#deployment.failing',
            actions: assign(({ event }) => ({
              failure: {
                source: 'verify' as const,
                reason: dc.verificationFailure(event.output as VerificationOutput) ?? '',
                canRetry: true,
                canSkip: false,
              },
            })),
          },
          {
            guard: {
              type: 'readinessWarnings',
              params: ({ event }) => event.output as VerificationOutput,
            },
            target: 'warnings',
            actions: {
              type: 'warn',
              params: ({ event }) => dc.readinessWarnings(event.output as VerificationOutput),
            },
          },
          { target: '#deployment.finalizing' },
        ],
        onError: {
          target: '#deployment.failing',
          actions: assign(({ event }) => ({
            failure: {
              source: 'verify' as const,
              reason: `verification failed: ${String(event.error)}`,
              canRetry: true,
              canSkip: false,
            },
          })),
        },
      },
    },
    warnings: {
      always: {
        guard: ({ context }) => !context.interactive,
        target: '#deployment.finalizing',
      },
      entry: { type: 'ask', params: ({ context }) => dc.readinessRequest(context) },
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
  on: {
    'deployment.interrupt': interruptTo('#deployment.failing'),
  },
  invoke: {
    id: 'recordRelease',
    src: 'recordRelease',
    input: ({ context }) => ({ plan: context.plan, deploymentId: context.deploymentId }),
    onDone: {
      target: 'done',
      actions: assign(({ context, event }) => ({
        release: event.output.release,
        ...done(success(context)),
      })),
    },
    onError: {
      target: 'done',
      actions: [
        {
          type: 'warn',
          params: ({ event }) => [`release not recorded: ${String(event.error)}`],
        },
        assign(({ context }) => done(success(context))),
      ],
    },
  },
});
