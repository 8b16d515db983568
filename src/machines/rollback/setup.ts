/**
 * The named effects, guards and actions of the rollback statechart (machine.ts holds the
 * diagram). The rollback owns the decision about a step that keeps failing, and its timer.
 */
import { assign, raise, setup } from 'xstate';
import { compositeFor } from '../composite.js';
import type { Fact } from '../../record/facts.js';
import { interruptAdvice } from '../../record/advice.js';
import { choiceToEvent } from '../decisions.js';
import { commandSucceeded, stubActors, type CommandOutcome } from '../effects.js';
import type { DecisionEvent } from '../events.js';
import { serviceMachine, type ServiceOutput } from '../service/index.js';
import { until } from '../timers.js';
import {
  cleanupFact,
  failureOf,
  remaining,
  stepFact,
  stepName,
  unfinishedFacts,
} from './progress.js';
import type { RollbackContext, RollbackEvent, RollbackInput, RollbackOutput } from './types.js';

const decisionId = (c: RollbackContext): string => `rollback-${c.stepIndex}-${c.attempt}`;

const composite = compositeFor<RollbackContext, RollbackEvent, { type: 'record'; params: Fact }>();

/** The typed setup of the rollback statechart. */
export const rollbackSetup = setup({
  types: {
    input: {} as RollbackInput,
    context: {} as RollbackContext,
    events: {} as RollbackEvent,
    output: {} as RollbackOutput,
  },
  actors: {
    serviceRollback: serviceMachine,
    runCommand: stubActors.runCommand,
  },
  guards: {
    hasStep: ({ context }) => context.stepIndex < context.steps.length,
    hasCleanup: ({ context }) => context.cleanupIndex < context.cleanups.length,
    stepRolledBack: ({ event }) =>
      event.type.startsWith('xstate.done.') &&
      (event as unknown as { output: ServiceOutput }).output.state === 'rolled-back',
    cleanupSucceeded: ({ event }) =>
      event.type.startsWith('xstate.done.') &&
      commandSucceeded((event as unknown as { output: CommandOutcome }).output),
    canAutoRetry: ({ context }) => context.attempt <= context.retries,
    isInteractive: ({ context }) => context.interactive,
    firstInterrupt: ({ context }) => context.interrupts === 0,
  },
  delays: {
    decisionTimeout: ({ context }) => until(context.pendingDecision?.deadline),
  },
  actions: {
    /** Recorded facts go to the runtime's journal (bound by compose). */
    record: (_, _fact: Fact) => undefined,
    recordStarted: composite(({ context, enqueue }) => {
      enqueue({
        type: 'record',
        params: {
          type: 'rollback.started',
          steps: context.steps.map((s) => s.service.name),
          cleanups: context.cleanups.map((k) => `prepare.${k.name}`),
          scope: context.scope,
          ...(context.reason === undefined ? {} : { reason: context.reason }),
        },
      });
    }),
    recordStep: composite<Extract<Fact, { type: 'rollback.step' }>['status']>(
      ({ context, enqueue }, status) => {
        enqueue({ type: 'record', params: stepFact(context, status) });
      },
    ),
    recordCleanup: composite<Extract<Fact, { type: 'rollback.cleanup' }>['status']>(
      ({ context, enqueue }, status) => {
        enqueue({ type: 'record', params: cleanupFact(context, status) });
      },
    ),
    noteStepFailure: assign(({ context, event }) => {
      const f = failureOf(context, event, false);
      return { lastFailure: f.reason, lastFailureData: f.failure };
    }),
    noteCleanupFailure: assign(({ context, event }) => {
      const f = failureOf(context, event, true);
      return { lastFailure: f.reason, lastFailureData: f.failure };
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
      lastFailureData: undefined,
    }),
    /** Asks the operator about the failing step: recorded, with its deadline. */
    askStep: composite(({ context, enqueue }) => {
      const service = stepName(context);
      const decision = {
        id: decisionId(context),
        kind: 'rollback-step' as const,
        subject: service,
        message: context.lastFailure ?? `rollback of ${service} failed`,
        choices: ['retry' as const, 'mark-resolved' as const, 'abort' as const],
        defaultChoice: 'abort' as const,
        deadline: Date.now() + context.decisionTimeoutMs,
      };
      enqueue.assign({ pendingDecision: decision });
      enqueue({ type: 'record', params: { type: 'decision.requested', decision } });
    }),
    /** Records the answer (the operator's, or the default at the deadline) and clears the prompt. */
    takeDecision: composite(({ context, enqueue, event }) => {
      const d = context.pendingDecision;
      if (d === undefined || !event.type.startsWith('decision.')) return;
      const choice =
        event.type === 'decision.retry'
          ? 'retry'
          : event.type === 'decision.markResolved'
            ? 'mark-resolved'
            : 'abort';
      enqueue({
        type: 'record',
        params: {
          type: 'decision.taken',
          id: d.id,
          kind: d.kind,
          subject: d.subject,
          choice,
          by: (event as DecisionEvent).by,
          at: Date.now(),
        },
      });
      enqueue.assign({ pendingDecision: undefined });
    }),
    takeDefault: raise(
      ({ context }) =>
        choiceToEvent(
          context.pendingDecision?.defaultChoice ?? 'abort',
          'timeout',
        ) as RollbackEvent,
    ),
    abort: composite<{ why: string }>(({ context, enqueue }, params) => {
      const reason = `${context.lastFailure ?? 'failed'}; ${params.why}`;
      const rest = remaining(context, context.stepIndex + 1, `not attempted: ${params.why}`);
      enqueue.assign({
        aborted: true,
        notRestored: [...context.notRestored, { name: stepName(context), reason }, ...rest],
      });
      for (const f of unfinishedFacts(rest, 'not-attempted'))
        enqueue({ type: 'record', params: f });
    }),
    cleanupDone: assign({
      restored: ({ context }) => [
        ...context.restored,
        `prepare.${context.cleanups[context.cleanupIndex]?.name ?? '?'}`,
      ],
    }),
    giveUpCleanup: assign({
      notRestored: ({ context }) => [
        ...context.notRestored,
        {
          name: `prepare.${context.cleanups[context.cleanupIndex]?.name ?? '?'}`,
          reason: context.lastFailure ?? 'failed',
        },
      ],
    }),
    advanceCleanup: assign({
      cleanupIndex: ({ context }) => context.cleanupIndex + 1,
      attempt: 1,
      lastFailure: undefined,
      lastFailureData: undefined,
    }),
    /** A first SIGINT/SIGTERM as the root: go on (a rollback half done is worse); say so. */
    noteInterrupt: composite(({ context, enqueue }) => {
      enqueue.assign({ interrupts: context.interrupts + 1 });
      enqueue({ type: 'record', params: { type: 'interrupted', count: context.interrupts + 1 } });
      enqueue({
        type: 'record',
        params: {
          type: 'warning',
          message: interruptAdvice.rollback,
        },
      });
    }),
    /**
     * A second one: stop where it is. The step or cleanup in progress is recorded as interrupted
     * (its command was stopped half way), everything after it as not attempted.
     */
    stopByInterrupt: composite(({ context, enqueue }) => {
      const why = 'interrupted again: rollback stopped';
      const [current, ...rest] = remaining(context, context.stepIndex, `not attempted: ${why}`);
      const stopped = current === undefined ? [] : [{ name: current.name, reason: why }];
      enqueue.assign({
        interrupts: context.interrupts + 1,
        interrupted: true,
        aborted: true,
        pendingDecision: undefined,
        notRestored: [...context.notRestored, ...stopped, ...rest],
      });
      enqueue({ type: 'record', params: { type: 'interrupted', count: context.interrupts + 1 } });
      for (const f of [
        ...unfinishedFacts(stopped, 'interrupted'),
        ...unfinishedFacts(rest, 'not-attempted'),
      ])
        enqueue({ type: 'record', params: f });
    }),
  },
});
