/**
 * Phases 1 and 2 of the deployment statechart: validating prerequisites (nothing changed on
 * failure) and preparing (prepare commands in order; on failure their cleanups in reverse).
 */
import { assign } from 'xstate';
import * as dc from './deployment-context.js';
import { deploymentSetup, interruptTo } from './deployment-setup.js';
import {
  aborted,
  cleanupFailed,
  commandDetail,
  defaultCommandTimeoutMs,
  done,
  failed,
  prepareResult,
} from './deployment-results.js';

/** The `validating` state. */
export const validatingState = deploymentSetup.createStateConfig({
  invoke: {
    id: 'prerequisites',
    src: 'checkPrerequisites',
    input: ({ context }) => ({ plan: context.plan }),
    onDone: [
      {
        guard: { type: 'prerequisitesOk', params: ({ event }) => event.output },
        target: 'preparing',
      },
      {
        target: 'done',
        actions: assign(({ context, event }) => {
          const bad = event.output.checks
            .filter((c) => !c.ok)
            .map((c) => `${c.category} ${c.name}: ${c.detail}`);
          return done(failed(context, `prerequisites not met: ${bad.join('; ')}`));
        }),
      },
    ],
    onError: {
      target: 'done',
      actions: assign(({ context, event }) =>
        done(failed(context, `prerequisite checks failed: ${String(event.error)}`)),
      ),
    },
  },
  on: {
    'deployment.interrupt': {
      guard: 'firstInterrupt',
      target: 'done',
      actions: [
        'recordInterrupt',
        assign(({ context }) => done(aborted(context, 'interrupted before anything changed'))),
      ],
    },
  },
});

/** The `preparing` state. */
export const preparingState = deploymentSetup.createStateConfig({
  initial: 'next',
  states: {
    next: {
      always: [{ guard: 'prepareDone', target: '#deployment.activating' }, { target: 'running' }],
    },
    running: {
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
            actions: assign(({ context }) => ({
              prepared: [
                ...context.prepared,
                context.plan.prepare[context.prepareIndex]?.name ?? '?',
              ],
              prepareIndex: context.prepareIndex + 1,
            })),
          },
          {
            target: 'cleaningUp',
            actions: assign(({ context, event }) => ({
              failure: {
                source: 'error' as const,
                reason: `prepare step ${context.plan.prepare[context.prepareIndex]?.name ?? '?'} failed: ${commandDetail(event.output)}`,
                canRetry: false,
                canSkip: false,
              },
            })),
          },
        ],
        onError: {
          target: 'cleaningUp',
          actions: assign(({ context, event }) => ({
            failure: {
              source: 'error' as const,
              reason: `prepare step ${context.plan.prepare[context.prepareIndex]?.name ?? '?'} failed: ${String(event.error)}`,
              canRetry: false,
              canSkip: false,
            },
          })),
        },
      },
      on: {
        'deployment.interrupt': interruptTo(
          '#deployment.preparing.cleaningUp',
          'interrupted while preparing',
        ),
      },
    },
    cleaningUp: {
      initial: 'next',
      on: { 'deployment.interrupt': { guard: 'firstInterrupt', actions: 'recordInterrupt' } },
      states: {
        next: {
          always: [
            {
              guard: 'cleanupDone',
              target: '#deployment.done',
              actions: assign(({ context }) => ({ result: prepareResult(context) })),
            },
            { target: 'running' },
          ],
        },
        running: {
          invoke: {
            id: 'cleanup',
            src: 'runCommand',
            input: ({ context }) => {
              const step = dc.preparedCleanups(context)[context.cleanupIndex];
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
                actions: assign({ cleanupIndex: ({ context }) => context.cleanupIndex + 1 }),
              },
              {
                target: 'next',
                actions: assign(({ context, event }) =>
                  cleanupFailed(context, commandDetail(event.output)),
                ),
              },
            ],
            onError: {
              target: 'next',
              actions: assign(({ context, event }) => cleanupFailed(context, String(event.error))),
            },
          },
        },
      },
    },
  },
});
