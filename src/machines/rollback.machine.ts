/**
 * The rollback statechart (PRODUCT.md §4.5): undo each activated service in the given order
 * (already reverse activation order) through the `serviceRollback` actor, retry a failing step
 * automatically, then ask the operator (interactive) or record it as not restored; finally run
 * the `prepare` cleanups. Pure: every effect is a named actor bound in src/cli/compose.ts.
 */
import { assign, enqueueActions, fromPromise, setup, type ActorLogic } from 'xstate';
import type { CommandOutcome, RunCommandInput } from './contracts.js';
import {
  cleanupLabel,
  cleanupName,
  failureOf,
  progress,
  remaining,
  stepName,
  type ProgressKind,
} from './rollback-progress.js';
import { commandSucceeded } from './rollback-reasons.js';
import {
  DEFAULT_CLEANUP_TIMEOUT_MS,
  DEFAULT_DECISION_TIMEOUT_MS,
  type RollbackContext,
  type RollbackEvent,
  type RollbackInput,
  type RollbackOutput,
  type ServiceRollbackInput,
  type ServiceRollbackOutput,
} from './rollback-types.js';

export * from './rollback-types.js';

/**
 * The `serviceRollback` slot: any logic (the real service machine, or a test fake) taking
 * {@link ServiceRollbackInput}; provide() checks logic types invariantly, so snapshot and events
 * stay open. Its output must be a {@link ServiceRollbackOutput} (guards read `state`/`reason`).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ServiceRollbackLogic = ActorLogic<any, any, ServiceRollbackInput, any, any>;
const serviceRollbackSlot: ServiceRollbackLogic = fromPromise<
  ServiceRollbackOutput,
  ServiceRollbackInput
>(() => Promise.reject(new Error('serviceRollback is not bound (src/cli/compose.ts binds it)')));

/** The rollback machine; `serviceRollback` and `runCommand` are placeholders bound by compose. */
/**
 * A restore step that failed, by exit code or by a crash alike: retry it while the policy allows,
 * else ask the operator (interactive), else record it as not restored and go on.
 */
const stepFailed = [
  {
    guard: 'canAutoRetry',
    target: 'restoring',
    reenter: true,
    actions: ['recordStepFailure', 'countAttempt'],
  },
  { guard: 'isInteractive', target: 'awaitingDecision', actions: 'recordStepFailure' },
  {
    target: 'next',
    actions: [
      'recordStepFailure',
      { type: 'notify', params: { kind: 'step.failed' } },
      'giveUpStep',
      'advanceStep',
    ],
  },
] as const;

/** A prepare cleanup that failed: retry it while the policy allows, else record it and go on. */
const cleanupFailed = [
  {
    guard: 'canAutoRetry',
    target: 'cleaningUp',
    reenter: true,
    actions: ['recordCleanupFailure', 'countAttempt'],
  },
  {
    target: 'next',
    actions: [
      'recordCleanupFailure',
      'giveUpCleanup',
      { type: 'notify', params: { kind: 'cleanup.failed' } },
      'advanceCleanup',
    ],
  },
] as const;

export const rollbackMachine = setup({
  types: {
    input: {} as RollbackInput,
    context: {} as RollbackContext,
    events: {} as RollbackEvent,
    output: {} as RollbackOutput,
  },
  actors: {
    serviceRollback: serviceRollbackSlot,
    runCommand: fromPromise<CommandOutcome, RunCommandInput>(() =>
      Promise.reject(new Error('runCommand is not bound (src/cli/compose.ts binds it)')),
    ),
  },
  guards: {
    hasStep: ({ context }) => context.stepIndex < context.steps.length,
    hasCleanup: ({ context }) => context.cleanupIndex < context.cleanups.length,
    stepRolledBack: ({ event }) =>
      event.type.startsWith('xstate.done.') &&
      (event as unknown as { output: ServiceRollbackOutput }).output.state === 'rolled-back',
    cleanupSucceeded: ({ event }) =>
      event.type.startsWith('xstate.done.') &&
      commandSucceeded((event as unknown as { output: CommandOutcome }).output),
    canAutoRetry: ({ context }) => context.attempt <= context.retries,
    isInteractive: ({ context }) => context.interactive,
    deadlinePassed: ({ context }) =>
      context.decisionDeadline !== undefined && Date.now() >= context.decisionDeadline,
  },
  delays: {
    decisionTimeout: ({ context }) =>
      Math.max(0, (context.decisionDeadline ?? Date.now()) - Date.now()),
  },
  actions: {
    // Parent-bound actions skip when there is no parent: the machine may also run as a root
    // actor (`stagecraft rollback`) or be traversed purely (xstate/graph), where sendParent throws.
    forwardToParent: enqueueActions(({ event, enqueue, self }) => {
      if (self._parent) enqueue.sendParent(event);
    }),
    notify: enqueueActions(({ context, enqueue, self }, params: { kind: ProgressKind }) => {
      if (self._parent) enqueue.sendParent(progress(context, params.kind));
    }),
    recordStepFailure: assign({
      lastFailure: ({ context, event }) => failureOf(context, event, false),
    }),
    recordCleanupFailure: assign({
      lastFailure: ({ context, event }) => failureOf(context, event, true),
    }),
    countAttempt: assign({ attempt: ({ context }) => context.attempt + 1 }),
    resolveByHand: assign({
      resolvedByHand: ({ context }) => [...context.resolvedByHand, stepName(context)],
    }),
    restoreStep: assign({ restored: ({ context }) => [...context.restored, stepName(context)] }),
    giveUpStep: assign({
      notRestored: ({ context }) => [
        ...context.notRestored,
        { name: stepName(context), reason: context.lastFailure ?? 'failed' },
      ],
    }),
    advanceStep: assign({
      stepIndex: ({ context }) => context.stepIndex + 1,
      attempt: 1,
      lastFailure: undefined,
    }),
    armDecision: assign({
      decisionDeadline: ({ context }) => Date.now() + context.decisionTimeoutMs,
    }),
    disarmDecision: assign({ decisionDeadline: undefined }),
    abort: assign(({ context }, params: { timedOut: boolean }) => {
      const suffix = params.timedOut
        ? '; no decision before the deadline (default: abort)'
        : '; rollback aborted';
      return {
        aborted: true,
        notRestored: [
          ...context.notRestored,
          { name: stepName(context), reason: `${context.lastFailure ?? 'failed'}${suffix}` },
          ...remaining(context, context.stepIndex + 1),
        ],
      };
    }),
    cleanupDone: assign({ restored: ({ context }) => [...context.restored, cleanupName(context)] }),
    giveUpCleanup: assign({
      notRestored: ({ context }) => [
        ...context.notRestored,
        { name: cleanupName(context), reason: context.lastFailure ?? 'failed' },
      ],
    }),
    advanceCleanup: assign({
      cleanupIndex: ({ context }) => context.cleanupIndex + 1,
      attempt: 1,
      lastFailure: undefined,
    }),
  },
}).createMachine({
  id: 'rollback',
  context: ({ input }) => ({
    steps: input.steps,
    cleanups: input.cleanups.flatMap((p) =>
      p.cleanup ? [{ name: p.name, cleanup: p.cleanup }] : [],
    ),
    retries: Math.max(0, input.retries),
    interactive: input.interactive,
    decisionTimeoutMs: input.decisionTimeoutMs ?? DEFAULT_DECISION_TIMEOUT_MS,
    stepIndex: 0,
    cleanupIndex: 0,
    attempt: 1,
    restored: [],
    resolvedByHand: [],
    notRestored: [],
    aborted: false,
  }),
  initial: 'next',
  on: {
    'service.update': { actions: 'forwardToParent' },
    'health.attempt': { actions: 'forwardToParent' },
  },
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
      entry: { type: 'notify', params: { kind: 'step.started' } },
      invoke: {
        id: 'step',
        src: 'serviceRollback',
        input: ({ context }) => {
          const step = context.steps[context.stepIndex]!;
          return {
            service: step.service,
            mode: 'rollback' as const,
            retries: 0,
            rollback: {
              wasRunning: step.wasRunning,
              ...(step.previousEnv ? { previousEnv: step.previousEnv } : {}),
            },
          };
        },
        onDone: [
          {
            guard: 'stepRolledBack',
            target: 'next',
            actions: [
              'restoreStep',
              { type: 'notify', params: { kind: 'step.restored' } },
              'advanceStep',
            ],
          },
          ...stepFailed,
        ],
        onError: stepFailed,
      },
    },
    awaitingDecision: {
      entry: [
        'armDecision',
        { type: 'notify', params: { kind: 'step.failed' } },
        { type: 'notify', params: { kind: 'decision' } },
      ],
      exit: 'disarmDecision',
      after: {
        decisionTimeout: { target: 'done', actions: { type: 'abort', params: { timedOut: true } } },
      },
      on: {
        'decision.retry': { target: 'restoring', actions: 'countAttempt' },
        'decision.markResolved': {
          target: 'next',
          actions: [
            'restoreStep',
            'resolveByHand',
            { type: 'notify', params: { kind: 'step.resolved' } },
            'advanceStep',
          ],
        },
        'decision.abort': {
          target: 'done',
          actions: { type: 'abort', params: { timedOut: false } },
        },
        'rollback.checkDeadline': {
          guard: 'deadlinePassed',
          target: 'done',
          actions: { type: 'abort', params: { timedOut: true } },
        },
      },
    },
    cleaningUp: {
      entry: { type: 'notify', params: { kind: 'cleanup.started' } },
      invoke: {
        id: 'cleanup',
        src: 'runCommand',
        input: ({ context }) => ({
          label: cleanupLabel(context),
          command: context.cleanups[context.cleanupIndex]!.cleanup,
          timeoutMs: DEFAULT_CLEANUP_TIMEOUT_MS,
        }),
        onDone: [
          {
            guard: 'cleanupSucceeded',
            target: 'next',
            actions: [
              'cleanupDone',
              { type: 'notify', params: { kind: 'cleanup.done' } },
              'advanceCleanup',
            ],
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
  }),
});
