/**
 * Phases 1 and 2 of the deployment statechart: validating prerequisites (nothing changed on
 * failure) and preparing (prepare commands in order; on failure their cleanups in reverse).
 */
import { deploymentSetup, interruptTo } from './actions.js';
import { preparedCleanups } from './rollback.js';
import { commandDetail, defaultCommandTimeoutMs } from './results.js';

/** The `validating` state. */
export const validatingState = deploymentSetup.createStateConfig({
  entry: [
    { type: 'recordPhase', params: 'validating' },
    { type: 'notify', params: { event: 'started' } },
  ],
  invoke: {
    id: 'prerequisites',
    src: 'checkPrerequisites',
    input: ({ context }) => ({ plan: context.plan }),
    onDone: [
      {
        guard: { type: 'prerequisitesOk', params: ({ event }) => event.output },
        target: 'preparing',
        actions: { type: 'recordPrerequisites', params: ({ event }) => event.output },
      },
      {
        target: 'done',
        actions: [
          { type: 'recordPrerequisites', params: ({ event }) => event.output },
          { type: 'failPrerequisites', params: ({ event }) => event.output },
        ],
      },
    ],
    onError: {
      target: 'done',
      actions: {
        type: 'failPrerequisiteError',
        params: ({ event }: { event: { error: unknown } }) => event.error,
      },
    },
  },
  on: {
    'run.interrupt': {
      guard: 'firstInterrupt',
      target: 'done',
      actions: ['recordInterrupt', 'abortBeforeChange'],
    },
  },
});

/** The `preparing` state. */
export const preparingState = deploymentSetup.createStateConfig({
  entry: { type: 'recordPhase', params: 'preparing' },
  initial: 'next',
  states: {
    next: {
      always: [
        { guard: 'prepareDone', target: '#deployment.activating' },
        {
          guard: 'prepareJournaled',
          target: 'next',
          reenter: true,
          actions: [
            {
              type: 'recordPrepare',
              params: { status: 'skipped', detail: 'journaled as done before the interruption' },
            },
            'notePrepared',
          ],
        },
        { target: 'running' },
      ],
    },
    running: {
      entry: { type: 'recordPrepare', params: { status: 'running' } },
      invoke: {
        id: 'prepare',
        src: 'runCommand',
        input: ({ context }) => {
          const step = context.plan.prepare[context.prepareIndex];
          if (step === undefined) throw new Error('bug: no prepare step at index');
          return {
            label: `prepare.${step.name}`,
            command: step.run,
            timeoutMs: step.run.timeoutMs ?? defaultCommandTimeoutMs,
          };
        },
        onDone: [
          {
            guard: { type: 'commandOk', params: ({ event }) => event.output },
            target: 'next',
            actions: [{ type: 'recordPrepare', params: { status: 'succeeded' } }, 'notePrepared'],
          },
          {
            target: 'cleaningUp',
            actions: [
              {
                type: 'recordPrepare',
                params: ({ event }) => ({ status: 'failed', detail: commandDetail(event.output) }),
              },
              { type: 'failPrepare', params: ({ event }) => commandDetail(event.output) },
            ],
          },
        ],
        onError: {
          target: 'cleaningUp',
          actions: [
            {
              type: 'recordPrepare',
              params: ({ event }) => ({ status: 'failed', detail: String(event.error) }),
            },
            { type: 'failPrepare', params: ({ event }) => String(event.error) },
          ],
        },
      },
      on: {
        'run.interrupt': interruptTo(
          '#deployment.preparing.cleaningUp',
          'interrupted while preparing',
        ),
      },
    },
    cleaningUp: {
      initial: 'next',
      on: { 'run.interrupt': { guard: 'firstInterrupt', actions: 'recordInterrupt' } },
      states: {
        next: {
          always: [
            { guard: 'cleanupDone', target: '#deployment.done', actions: 'finishPrepareFailure' },
            { target: 'running' },
          ],
        },
        running: {
          entry: { type: 'recordCleanup', params: { status: 'running' } },
          invoke: {
            id: 'cleanup',
            src: 'runCommand',
            input: ({ context }) => {
              const step = preparedCleanups(context)[context.cleanupIndex];
              if (step?.cleanup === undefined) throw new Error('bug: no cleanup at index');
              return {
                label: `prepare.${step.name}.cleanup`,
                command: step.cleanup,
                timeoutMs: step.cleanup.timeoutMs ?? defaultCommandTimeoutMs,
              };
            },
            onDone: [
              {
                guard: { type: 'commandOk', params: ({ event }) => event.output },
                target: 'next',
                actions: [
                  { type: 'recordCleanup', params: { status: 'succeeded' } },
                  'advanceCleanup',
                ],
              },
              {
                target: 'next',
                actions: [
                  {
                    type: 'recordCleanup',
                    params: ({ event }) => ({
                      status: 'failed',
                      detail: commandDetail(event.output),
                    }),
                  },
                  { type: 'noteCleanupFailed', params: ({ event }) => commandDetail(event.output) },
                ],
              },
            ],
            onError: {
              target: 'next',
              actions: [
                {
                  type: 'recordCleanup',
                  params: ({ event }) => ({ status: 'failed', detail: String(event.error) }),
                },
                { type: 'noteCleanupFailed', params: ({ event }) => String(event.error) },
              ],
            },
          },
        },
      },
    },
  },
});
