/**
 * Phases 4 and 5 of the deployment statechart: verifying (integration, production readiness) and
 * finalizing (record the release).
 */
import { deploymentSetup, interruptTo } from './actions.js';
import { readinessRequest } from './requests.js';
import { skippedServices, watchFailure, watchInput, watchWarnings } from './results.js';
import { sendTo } from 'xstate';

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

/**
 * The `finalizing` state: the watch window (`monitoring.watch`), then the release is recorded. A
 * release the watch rolls back is never recorded as live.
 */
export const finalizingState = deploymentSetup.createStateConfig({
  entry: { type: 'recordPhase', params: 'finalizing' },
  initial: 'watching',
  states: {
    /**
     * Every service is probed for the window; one that fails rolls the release back (or asks, or
     * is only alerted) as `monitoring.onWatchFailure` says.
     */
    watching: {
      always: { guard: 'noWatch', target: 'recording' },
      on: {
        'decision.rollback': { actions: sendTo('watch', ({ event }) => event) },
        'decision.keep': { actions: sendTo('watch', ({ event }) => event) },
        // A monitor saw a service fail (its process exited): the watch judges it at once.
        'monitor.unhealthy': {
          actions: [
            { type: 'markLost', params: { liveStage: false } },
            sendTo('watch', ({ event }) => ({
              type: 'watch.lost' as const,
              service: event.service,
              reason: event.reason,
            })),
          ],
        },
        // Leaving the state stops the watch; the interruption is decided as any other.
        'run.interrupt': interruptTo('#deployment.failing'),
      },
      invoke: {
        id: 'watch',
        src: 'watch',
        input: ({ context }) => watchInput(context),
        onDone: [
          {
            guard: ({ event }) => event.output.verdict === 'failed',
            target: '#deployment.rollingBack',
            actions: [
              { type: 'failWith', params: ({ event }) => watchFailure(event.output) },
              { type: 'scope', params: 'all' },
            ],
          },
          {
            guard: ({ event }) => event.output.verdict === 'interrupted',
            target: '#deployment.failing',
            actions: {
              type: 'failWith',
              params: {
                source: 'interrupt' as const,
                reason: 'the watch was stopped',
                canRetry: false,
                canSkip: false,
              },
            },
          },
          {
            target: 'recording',
            actions: { type: 'warn', params: ({ event }) => watchWarnings(event.output) },
          },
        ],
        onError: {
          target: 'recording',
          actions: {
            type: 'warn',
            params: ({ event }) => [`the watch could not run: ${String(event.error)}`],
          },
        },
      },
    },
    recording: {
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
          target: '#deployment.done',
          actions: [
            { type: 'noteRelease', params: ({ event }) => event.output.release },
            'finishSuccess',
          ],
        },
        onError: {
          target: '#deployment.done',
          actions: [
            {
              type: 'warn',
              params: ({ event }) => [`release not recorded: ${String(event.error)}`],
            },
            'finishSuccess',
          ],
        },
      },
    },
  },
});
