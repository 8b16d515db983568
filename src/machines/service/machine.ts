/**
 * The lifecycle of one service. Deploy mode (its stage creates it once its dependencies are
 * healthy; the stage says that it waits until then): activating (one-shot `activate` command, or a
 * detached `process`; automatic retries up to policy.retries) → checking health (the health machine) → healthy | degraded |
 * unhealthy | failed, where the stage's decision retries or skips it. Rollback mode, with the
 * previous release's variables and checks: a process is stopped, its `rollback` command run, and
 * the previous instance restarted (or the process only restarted or stopped when it has no
 * command); a one-shot service runs its `rollback` command; then health is re-checked unless the
 * release returned to did not have the service running and healthy → rolled back | rollback failed. Every state change is recorded as a `service.state` fact and told
 * to the parent as `service.update`. On `resume`, an activation journaled as succeeded (or this
 * run's process found running) goes straight to checking health.
 */
import type { HealthInput } from '../health/index.js';
import { activateInput, healthInput, rollbackInput, startInput } from './inputs.js';
import { serviceSetup } from './setup.js';

/** The service statechart; compose binds runCommand, startProcess, stopProcess and health. */
export const serviceMachine = serviceSetup.createMachine({
  id: 'service',
  context: ({ input }) => ({
    spec: input.service,
    mode: input.mode,
    retries: Math.max(0, input.retries),
    ...(input.rollback ? { rollback: input.rollback } : {}),
    ...(input.resume ? { resume: input.resume } : {}),
    state: input.mode === 'rollback' ? 'rolling-back' : 'activating',
    attempt: 1,
    maxAttempts: Math.max(0, input.retries) + 1,
  }),
  initial: 'choosingMode',
  states: {
    /**
     * Where the service enters: rollback; on `resume`, an activation journaled as succeeded (or
     * this run's process found running) enters at `activated` (its health is checked, it is not
     * run again); otherwise it activates.
     */
    choosingMode: {
      always: [
        { guard: 'isRollback', target: 'rollingBack' },
        { guard: 'activationJournaled', target: 'activated', actions: 'recordActivationResumed' },
        {
          guard: 'processJournaled',
          target: 'activated',
          actions: {
            type: 'recordProcess',
            params: ({ context }) => ({ info: context.resume!.process!, resumed: true }),
          },
        },
        { target: 'activating' },
      ],
    },
    activating: {
      entry: { type: 'enter', params: { state: 'activating' } },
      initial: 'choosingKind',
      states: {
        choosingKind: {
          always: [{ guard: 'isProcess', target: 'starting' }, { target: 'running' }],
        },
        running: {
          invoke: {
            id: 'activate',
            src: 'runCommand',
            input: ({ context }) => activateInput(context.spec),
            onDone: [
              {
                guard: { type: 'commandOk', params: ({ event }) => event.output },
                target: '#service.activated',
                actions: { type: 'recordActivated', params: ({ event }) => event.output },
              },
              {
                target: 'attemptFailed',
                actions: {
                  type: 'failedCommand',
                  params: ({ event }) => ({ step: 'activate', out: event.output }),
                },
              },
            ],
            onError: {
              target: 'attemptFailed',
              actions: {
                type: 'failedEffect',
                params: ({ event }) => ({ step: 'activate', error: event.error }),
              },
            },
          },
        },
        starting: {
          invoke: {
            id: 'start',
            src: 'startProcess',
            input: ({ context }) => startInput(context.spec),
            onDone: {
              target: '#service.activated',
              actions: {
                type: 'recordProcess',
                params: ({ event }) => ({ info: event.output, resumed: false }),
              },
            },
            onError: {
              target: 'attemptFailed',
              actions: {
                type: 'failedEffect',
                params: ({ event }) => ({ step: 'process', error: event.error }),
              },
            },
          },
        },
        attemptFailed: {
          always: [{ guard: 'canAutoRetry', target: 'retrying' }, { target: '#service.failed' }],
        },
        retrying: {
          after: {
            activationRetry: {
              target: 'choosingKind',
              actions: ['nextAttempt', { type: 'enter', params: { state: 'activating' } }],
            },
          },
        },
      },
    },
    /**
     * Activated (or started): a service with a probe or a performance baseline is checked; one
     * without is healthy.
     */
    activated: {
      always: [
        { guard: 'hasChecks', target: 'checkingHealth' },
        { target: 'healthy', actions: 'noteNoChecks' },
      ],
    },
    checkingHealth: {
      entry: { type: 'enter', params: { state: 'checking' } },
      invoke: {
        id: 'health',
        src: 'health',
        input: ({ context }): HealthInput => healthInput(context.spec),
        onDone: [
          {
            guard: {
              type: 'verdictIs',
              params: ({ event }) => ({ verdict: event.output.verdict, is: 'healthy' }),
            },
            target: 'healthy',
            actions: { type: 'recordVerdict', params: ({ event }) => event.output },
          },
          {
            guard: {
              type: 'verdictIs',
              params: ({ event }) => ({ verdict: event.output.verdict, is: 'degraded' }),
            },
            target: 'degraded',
            actions: { type: 'recordVerdict', params: ({ event }) => event.output },
          },
          {
            target: 'unhealthy',
            actions: { type: 'recordVerdict', params: ({ event }) => event.output },
          },
        ],
        onError: {
          target: 'unhealthy',
          actions: {
            type: 'failedEffect',
            params: ({ event }) => ({ step: 'health', error: event.error }),
          },
        },
      },
    },
    healthy: {
      entry: { type: 'enter', params: { state: 'healthy' } },
      on: {
        'dependency.unhealthy': {
          target: 'degraded',
          actions: { type: 'dependencyUnhealthy', params: ({ event }) => event.dependency },
        },
      },
    },
    degraded: {
      entry: { type: 'enter', params: { state: 'degraded' } },
      on: {
        'dependency.unhealthy': {
          actions: [
            { type: 'dependencyUnhealthy', params: ({ event }) => event.dependency },
            { type: 'enter', params: { state: 'degraded' } },
          ],
        },
      },
    },
    unhealthy: {
      entry: { type: 'enter', params: { state: 'unhealthy' } },
      on: {
        'service.retry': { target: 'activating', actions: 'newRound' },
        'service.skip': 'skipped',
      },
    },
    failed: {
      entry: { type: 'enter', params: { state: 'failed' } },
      on: {
        'service.retry': { target: 'activating', actions: 'newRound' },
        'service.skip': 'skipped',
      },
    },
    skipped: {
      type: 'final',
      entry: { type: 'enter', params: { state: 'skipped' } },
    },
    rollingBack: {
      entry: { type: 'enter', params: { state: 'rolling-back' } },
      initial: 'choosingStep',
      states: {
        choosingStep: {
          always: [
            { guard: 'isProcess', target: 'restoringProcess' },
            { guard: 'hasRollbackCommand', target: 'compensating' },
            { target: 'compensated' },
          ],
        },
        /**
         * A process: with a `rollback` command, stop this deployment's instance first, run the
         * command, then restart the previous instance (if it ran); without one, restart or stop.
         */
        restoringProcess: {
          always: [
            { guard: 'hasRollbackCommand', target: 'stopping' },
            { guard: 'wasRunning', target: 'restarting' },
            { target: 'stopping' },
          ],
        },
        compensating: {
          invoke: {
            id: 'rollback',
            src: 'runCommand',
            input: ({ context }) => rollbackInput(context.spec, context.rollback?.previousEnv),
            onDone: [
              {
                guard: {
                  type: 'restartAfterCommand',
                  params: ({ event }) => event.output,
                },
                target: 'restarting',
              },
              {
                guard: { type: 'commandOk', params: ({ event }) => event.output },
                target: 'compensated',
              },
              {
                target: '#service.rollbackFailed',
                actions: {
                  type: 'failedCommand',
                  params: ({ event }) => ({ step: 'rollback', out: event.output }),
                },
              },
            ],
            onError: {
              target: '#service.rollbackFailed',
              actions: {
                type: 'failedEffect',
                params: ({ event }) => ({ step: 'rollback', error: event.error }),
              },
            },
          },
        },
        restarting: {
          invoke: {
            id: 'start',
            src: 'startProcess',
            input: ({ context }) => startInput(context.spec, context.rollback?.previousEnv),
            onDone: {
              target: 'compensated',
              actions: {
                type: 'recordProcess',
                params: ({ event }) => ({ info: event.output, resumed: false }),
              },
            },
            onError: {
              target: '#service.rollbackFailed',
              actions: {
                type: 'failedEffect',
                params: ({ event }) => ({ step: 'process restart', error: event.error }),
              },
            },
          },
        },
        stopping: {
          invoke: {
            id: 'stop',
            src: 'stopProcess',
            input: ({ context }) => ({ service: context.spec.name }),
            onDone: [
              { guard: 'hasRollbackCommand', target: 'compensating' },
              { target: '#service.rolledBack' },
            ],
            onError: {
              target: '#service.rollbackFailed',
              actions: {
                type: 'failedEffect',
                params: ({ event }) => ({ step: 'process stop', error: event.error }),
              },
            },
          },
        },
        /** Probed again only when the release returned to has it running and healthy. */
        compensated: {
          always: [
            { guard: 'expectsHealthy', target: 'rechecking' },
            { target: '#service.rolledBack' },
          ],
        },
        rechecking: {
          invoke: {
            id: 'health',
            src: 'health',
            input: ({ context }): HealthInput => healthInput(context.spec),
            onDone: [
              {
                guard: { type: 'notUnhealthy', params: ({ event }) => event.output.verdict },
                target: '#service.rolledBack',
                actions: { type: 'recordVerdict', params: ({ event }) => event.output },
              },
              {
                target: '#service.rollbackFailed',
                actions: { type: 'recordVerdict', params: ({ event }) => event.output },
              },
            ],
            onError: {
              target: '#service.rollbackFailed',
              actions: {
                type: 'failedEffect',
                params: ({ event }) => ({ step: 'health', error: event.error }),
              },
            },
          },
        },
      },
    },
    rolledBack: {
      type: 'final',
      entry: { type: 'enter', params: { state: 'rolled-back' } },
    },
    rollbackFailed: {
      type: 'final',
      entry: { type: 'enter', params: { state: 'rollback-failed' } },
    },
  },
  output: ({ context }) => ({
    service: context.spec.name,
    state: context.state,
    ...(context.reason !== undefined ? { reason: context.reason } : {}),
    ...(context.failure !== undefined && context.state === 'rollback-failed'
      ? { failure: context.failure }
      : {}),
  }),
});
