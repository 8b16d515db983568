/**
 * The named effects, guards and actions of the service statechart (machine.ts holds the
 * diagram). Effect actors are placeholders until src/runtime/compose.ts binds real adapters;
 * `record` and `tell` are no-ops until then too.
 */
import { assign, setup } from 'xstate';
import type { ServiceSpec } from '../../config/plan-types.js';
import type { Fact, ServiceState, Verdict } from '../../record/facts.js';
import { commandSucceeded, stubActors, type CommandOutcome, type ProcessInfo } from '../effects.js';
import type { ServiceCommandEvent, ServiceUpdateEvent } from '../events.js';
import { errorText, healthMachine, type HealthVerdict } from '../health/index.js';
import { compositeFor } from '../composite.js';
import { wordFailure, type Failure } from '../../record/failures.js';
import { commandFailed, effectFailed } from '../reasons.js';

/** Input of the service machine. */
export interface ServiceInput {
  service: ServiceSpec;
  mode: 'deploy' | 'rollback';
  /** policy.retries: automatic retries of a failed activation. */
  retries: number;
  rollback?: {
    wasRunning: boolean;
    previousEnv?: Record<string, string>;
    /** The release returned to recorded the service as skipped: it is not re-checked. */
    skipped?: boolean;
  };
  /**
   * `resume`: what the journal says this service already achieved in the interrupted run. An
   * activation journaled as succeeded, or a process instance of that run found running, goes
   * straight to checking health: it is re-checked by probing, never run again.
   */
  resume?: { activated?: boolean; process?: ProcessInfo };
}

/** Output of the service machine (when final). */
export interface ServiceOutput {
  service: string;
  state: ServiceState;
  reason?: string;
  /** When it failed: what failed, as data (`reason` is its wording). */
  failure?: Failure;
}

/** Plain, serialisable context. */
export interface ServiceContext {
  spec: ServiceSpec;
  mode: ServiceInput['mode'];
  retries: number;
  rollback?: ServiceInput['rollback'];
  resume?: ServiceInput['resume'];
  state: ServiceState;
  /** Activation attempts made so far (automatic and operator retries), 1-based. */
  attempt: number;
  /** The cap of the current round of automatic retries (an operator retry starts a new round). */
  maxAttempts: number;
  verdict?: Verdict;
  reason?: string;
  /** What failed last, as data (`reason` is its wording); cleared by a new round. */
  failure?: Failure;
  process?: ProcessInfo;
}

/** States whose facts carry the failure that led to them. */
const failing: ReadonlySet<ServiceState> = new Set([
  'failed',
  'unhealthy',
  'degraded',
  'rollback-failed',
]);

const attemptOf = (c: ServiceContext) => ({ n: c.attempt, cap: c.maxAttempts });

/** States a service does not tell its stage about (they change nothing the stage decides on). */
const untold: ReadonlySet<ServiceState> = new Set(['checking']);
/**
 * A state a service does not record: `rolling-back` is the rollback's own `rollback.step started`
 * fact (recorded by the rollback before its step starts).
 */
const unrecorded: ReadonlySet<ServiceState> = new Set(['rolling-back']);
const hasProbe = (spec: ServiceSpec): boolean =>
  spec.health !== undefined || spec.readiness.length > 0;
/** Whether activation is followed by checks: a probe, or a performance baseline to measure. */
const hasChecks = (spec: ServiceSpec): boolean => hasProbe(spec) || spec.performance !== undefined;

/** The named actions the service's composite actions enqueue. */
type Named = { type: 'record'; params: Fact } | { type: 'tell'; params: ServiceUpdateEvent };
const composite = compositeFor<ServiceContext, ServiceCommandEvent, Named>();

/** The typed setup of the service statechart. */
export const serviceSetup = setup({
  types: {
    input: {} as ServiceInput,
    context: {} as ServiceContext,
    events: {} as ServiceCommandEvent,
    output: {} as ServiceOutput,
  },
  actors: {
    runCommand: stubActors.runCommand,
    startProcess: stubActors.startProcess,
    stopProcess: stubActors.stopProcess,
    health: healthMachine,
  },
  delays: {
    /** Pause between automatic activation retries. */
    activationRetry: 500,
  },
  guards: {
    isRollback: ({ context }) => context.mode === 'rollback',
    isProcess: ({ context }) => context.spec.kind === 'process',
    wasRunning: ({ context }) => context.rollback?.wasRunning === true,
    hasRollbackCommand: ({ context }) => context.spec.rollback !== undefined,
    /** A process whose previous instance ran, after its `rollback` command succeeded. */
    restartAfterCommand: ({ context }, out: CommandOutcome) =>
      commandSucceeded(out) &&
      context.spec.kind === 'process' &&
      context.rollback?.wasRunning === true,
    /**
     * After a rollback step: whether the release returned to has the service running and healthy
     * (so it is probed): not a process it did not run, not a service it recorded as skipped.
     */
    expectsHealthy: ({ context }) =>
      hasProbe(context.spec) &&
      context.rollback?.skipped !== true &&
      (context.spec.kind !== 'process' || context.rollback?.wasRunning === true),
    hasChecks: ({ context }) => hasChecks(context.spec),
    canAutoRetry: ({ context }) => context.attempt < context.maxAttempts,
    commandOk: (_, out: CommandOutcome) => commandSucceeded(out),
    verdictIs: (_, p: { verdict: Verdict; is: Verdict }) => p.verdict === p.is,
    notUnhealthy: (_, verdict: Verdict) => verdict !== 'unhealthy',
    /** `resume`: this run's activation of the service was journaled as succeeded. */
    activationJournaled: ({ context }) =>
      context.resume?.activated === true && context.attempt === 1,
    /** `resume`: this run's process instance of the service was found running, and ours. */
    processJournaled: ({ context }) =>
      context.resume?.process !== undefined && context.attempt === 1,
  },
  actions: {
    /** Recorded facts go to the runtime's journal (bound by compose). */
    record: (_, _fact: Fact) => undefined,
    /** Tells the parent stage (bound to sendParent by compose). */
    tell: (_, _event: ServiceUpdateEvent) => undefined,
    /** Enters a reported state: records it and tells the parent. */
    enter: composite<{ state: ServiceState }>(({ context, enqueue }, p) => {
      enqueue.assign({ state: p.state });
      const update = {
        service: context.spec.name,
        state: p.state,
        attempt: context.attempt,
        maxAttempts: context.maxAttempts,
        ...(context.verdict !== undefined ? { verdict: context.verdict } : {}),
        ...(context.reason !== undefined ? { reason: context.reason } : {}),
        ...(context.failure !== undefined && failing.has(p.state)
          ? { failure: context.failure }
          : {}),
      };
      if (!unrecorded.has(p.state))
        enqueue({ type: 'record', params: { type: 'service.state', ...update } });
      // The stage decides on these; checking changes nothing for it.
      if (!untold.has(p.state))
        enqueue({ type: 'tell', params: { type: 'service.update', ...update } });
    }),
    nextAttempt: assign({ attempt: ({ context }) => context.attempt + 1 }),
    newRound: assign(({ context }) => ({
      attempt: context.attempt + 1,
      maxAttempts: context.attempt + 1 + context.retries,
      reason: undefined,
      verdict: undefined,
      failure: undefined,
    })),
    /** The activation command exited 0: the observation resume relies on. */
    recordActivated: composite<CommandOutcome>(({ context, enqueue }, out) => {
      enqueue({
        type: 'record',
        params: {
          type: 'service.activated',
          service: context.spec.name,
          attempt: context.attempt,
          exitCode: 0,
          durationMs: out.durationMs,
        },
      });
    }),
    /** `resume`: the activation journaled as succeeded is not run again. */
    recordActivationResumed: composite(({ context, enqueue }) => {
      enqueue({
        type: 'record',
        params: {
          type: 'service.activated',
          service: context.spec.name,
          attempt: context.attempt,
          exitCode: 0,
          durationMs: 0,
          resumed: true,
        },
      });
    }),
    /** `<name>.<step> exited with code 1 (attempt 2/3; last output: "…")`; no attempt in rollback. */
    failedCommand: assign(({ context }, p: { step: string; out: CommandOutcome }) => {
      const failure = commandFailed(
        `${context.spec.name}.${p.step}`,
        p.out,
        context.spec.timeoutMs,
        context.mode === 'deploy' ? attemptOf(context) : undefined,
      );
      return { reason: wordFailure(failure), failure };
    }),
    /** An effect actor rejected (spawn failure, adapter bug): its message, with the attempt. */
    failedEffect: assign(({ context }, p: { step: string; error: unknown }) => {
      const failure = effectFailed(
        `${context.spec.name}.${p.step}`,
        errorText(p.error),
        context.mode === 'deploy' ? attemptOf(context) : undefined,
      );
      return { reason: wordFailure(failure), failure };
    }),
    /** A process instance was started (or, on resume, found running): remembered and recorded. */
    recordProcess: composite<{ info: ProcessInfo; resumed: boolean }>(({ context, enqueue }, p) => {
      enqueue.assign({ process: p.info });
      enqueue({
        type: 'record',
        params: {
          type: 'service.process',
          service: context.spec.name,
          ...p.info,
          ...(p.resumed ? { resumed: true } : {}),
        },
      });
    }),
    recordVerdict: assign((_, v: HealthVerdict) => ({
      verdict: v.verdict,
      reason: v.reason,
      failure: v.failure,
    })),
    /** No probe: healthy once its activation succeeded. */
    noteNoChecks: assign({ verdict: 'healthy' as const, reason: 'no probe' }),
    dependencyUnhealthy: assign({
      verdict: 'degraded' as const,
      reason: (_, dependency: string) => `dependency ${dependency} is unhealthy`,
    }),
  },
});
