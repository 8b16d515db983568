/**
 * The rollback statechart: undo each activated service in the given order
 * (already reverse activation order) through the `serviceRollback` actor (the service machine in
 * rollback mode), retry a failing step automatically, then ask the operator (interactive) or
 * record it as not restored; finally run the `prepare` cleanups. It owns the decision about a
 * failing step and its timer. As the root (`stagecraft rollback`), a first SIGINT/SIGTERM is
 * noted and the rollback goes on; a second stops it where it is.
 */
import { DEFAULT_CLEANUP_TIMEOUT_MS, DEFAULT_DECISION_TIMEOUT_MS } from './types.js';
import { rollbackSetup } from './setup.js';
import { cleanupLabel } from './progress.js';

/** A restore step that failed: retry while the policy allows, else ask (interactive), else record it. */
const stepFailed = [
  {
    guard: 'canAutoRetry',
    target: 'restoring',
    reenter: true,
    actions: ['noteStepFailure', 'countAttempt'],
  },
  { guard: 'isInteractive', target: 'awaitingDecision', actions: 'noteStepFailure' },
  {
    target: 'next',
    actions: [
      'noteStepFailure',
      { type: 'recordStep', params: 'failed' },
      'giveUpStep',
      'advanceStep',
    ],
  },
] as const;

/** A prepare cleanup that failed: retry while the policy allows, else record it and go on. */
const cleanupFailed = [
  {
    guard: 'canAutoRetry',
    target: 'cleaningUp',
    reenter: true,
    actions: ['noteCleanupFailure', 'countAttempt'],
  },
  {
    target: 'next',
    actions: [
      'noteCleanupFailure',
      { type: 'recordCleanup', params: 'failed' },
      'giveUpCleanup',
      'advanceCleanup',
    ],
  },
] as const;

/** The rollback statechart. */
export const rollbackMachine = rollbackSetup.createMachine({
  id: 'rollback',
  context: ({ input }) => ({
    steps: input.steps,
    cleanups: input.cleanups.flatMap((p) =>
      p.cleanup ? [{ name: p.name, cleanup: p.cleanup }] : [],
    ),
    retries: Math.max(0, input.retries),
    interactive: input.interactive,
    decisionTimeoutMs: input.decisionTimeoutMs ?? DEFAULT_DECISION_TIMEOUT_MS,
    scope: input.scope ?? 'all',
    ...(input.reason === undefined ? {} : { reason: input.reason }),
    stepIndex: 0,
    cleanupIndex: 0,
    attempt: 1,
    restored: [],
    resolvedByHand: [],
    notRestored: [],
    aborted: false,
    interrupted: false,
    interrupts: 0,
  }),
  entry: 'recordStarted',
  on: {
    'run.interrupt': [
      { guard: 'firstInterrupt', actions: 'noteInterrupt' },
      { target: '.done', actions: 'stopByInterrupt' },
    ],
  },
  initial: 'next',
  states: {
    /** Routing: the next service step, else the next cleanup, else done. */
    next: {
      always: [
        { guard: 'hasStep', target: 'restoring' },
        { guard: 'hasCleanup', target: 'cleaningUp' },
        { target: 'done' },
      ],
    },
    restoring: {
      entry: { type: 'recordStep', params: 'started' },
      invoke: {
        id: 'step',
        src: 'serviceRollback',
        input: ({ context }) => {
          const step = context.steps[context.stepIndex];
          if (step === undefined) throw new Error('bug: no rollback step at index');
          return {
            service: step.service,
            mode: 'rollback' as const,
            retries: 0,
            rollback: {
              wasRunning: step.wasRunning,
              ...(step.previousEnv ? { previousEnv: step.previousEnv } : {}),
              ...(step.skipped === true ? { skipped: true } : {}),
            },
          };
        },
        onDone: [
          {
            guard: 'stepRolledBack',
            target: 'next',
            actions: ['restoreStep', { type: 'recordStep', params: 'restored' }, 'advanceStep'],
          },
          ...stepFailed,
        ],
        onError: stepFailed,
      },
    },
    awaitingDecision: {
      entry: [{ type: 'recordStep', params: 'failed' }, 'askStep'],
      after: { decisionTimeout: { actions: 'takeDefault' } },
      on: {
        'decision.retry': { target: 'restoring', actions: ['takeDecision', 'countAttempt'] },
        'decision.markResolved': {
          target: 'next',
          actions: [
            'takeDecision',
            'restoreStep',
            'resolveByHand',
            { type: 'recordStep', params: 'resolved-by-hand' },
            'advanceStep',
          ],
        },
        'decision.abort': {
          target: 'done',
          actions: [
            'takeDecision',
            {
              type: 'abort',
              params: ({ event }) => ({
                why:
                  event.by === 'timeout'
                    ? 'no decision before the deadline (default: abort)'
                    : 'rollback aborted',
              }),
            },
          ],
        },
      },
    },
    cleaningUp: {
      entry: { type: 'recordCleanup', params: 'started' },
      invoke: {
        id: 'cleanup',
        src: 'runCommand',
        input: ({ context }) => {
          const cleanup = context.cleanups[context.cleanupIndex];
          if (cleanup === undefined) throw new Error('bug: no cleanup at index');
          return {
            label: cleanupLabel(context),
            command: cleanup.cleanup,
            timeoutMs: cleanup.cleanup.timeoutMs ?? DEFAULT_CLEANUP_TIMEOUT_MS,
          };
        },
        onDone: [
          {
            guard: 'cleanupSucceeded',
            target: 'next',
            actions: ['cleanupDone', { type: 'recordCleanup', params: 'done' }, 'advanceCleanup'],
          },
          ...cleanupFailed,
        ],
        onError: cleanupFailed,
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => ({
    complete: !context.aborted && context.notRestored.length === 0,
    restored: context.restored,
    notRestored: context.notRestored,
    aborted: context.aborted,
    interrupted: context.interrupted,
  }),
});
