/**
 * The named effects, guards and actions of the service statechart (service.machine.ts holds the
 * diagram). Actors are placeholders that reject until src/cli/compose.ts binds real adapters.
 */
import { assign, enqueueActions, fromPromise, setup } from 'xstate';
import type { ServiceInput, ServiceOutput } from './child-types.js';
import type {
  CommandOutcome,
  ProcessInfo,
  RunCommandInput,
  StartProcessInput,
  StopProcessInput,
} from './contracts.js';
import type {
  HealthAttemptEvent,
  ServiceCommandEvent,
  ServiceState,
  ServiceUpdateEvent,
  Verdict,
} from './events.js';
import { errorText } from './health-policy.js';
import { healthMachine, type HealthVerdict } from './health.machine.js';
import { commandFailure, commandSucceeded, effectFailure } from './service-reasons.js';

/** Everything a service actor accepts: commands from its stage, and its health child's attempts. */
export type ServiceEvent = ServiceCommandEvent | HealthAttemptEvent;

/** Plain, serialisable context. */
export interface ServiceContext {
  spec: ServiceInput['service'];
  mode: ServiceInput['mode'];
  retries: number;
  rollback?: ServiceInput['rollback'];
  state: ServiceState;
  /** Activation attempts made so far (automatic and operator retries), 1-based. */
  attempt: number;
  /** The cap of the current round of automatic retries (an operator retry starts a new round). */
  maxAttempts: number;
  verdict?: Verdict;
  reason?: string;
  process?: ProcessInfo;
}

const attemptOf = (c: ServiceContext) => ({ n: c.attempt, cap: c.maxAttempts });
const hasProbe = (spec: ServiceContext['spec']): boolean =>
  spec.health !== undefined || spec.readiness.length > 0;

/** The typed setup of the service statechart. */
export const serviceSetup = setup({
  types: {
    input: {} as ServiceInput,
    context: {} as ServiceContext,
    events: {} as ServiceEvent,
    output: {} as ServiceOutput,
  },
  actors: {
    runCommand: fromPromise<CommandOutcome, RunCommandInput>(() =>
      Promise.reject(new Error('runCommand is not bound')),
    ),
    startProcess: fromPromise<ProcessInfo, StartProcessInput>(() =>
      Promise.reject(new Error('startProcess is not bound')),
    ),
    stopProcess: fromPromise<{ stopped: boolean }, StopProcessInput>(() =>
      Promise.reject(new Error('stopProcess is not bound')),
    ),
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
    hasProbe: ({ context }) => hasProbe(context.spec),
    canAutoRetry: ({ context }) => context.attempt < context.maxAttempts,
    commandOk: (_, out: CommandOutcome) => commandSucceeded(out),
    verdictIs: (_, p: { verdict: Verdict; is: Verdict }) => p.verdict === p.is,
    notUnhealthy: (_, verdict: Verdict) => verdict !== 'unhealthy',
  },
  actions: {
    /** Enters a reported state: records it and tells the parent (if any: tests may run it alone). */
    enter: enqueueActions(({ context, enqueue, self }, p: { state: ServiceState }) => {
      enqueue.assign({ state: p.state });
      if (!self._parent) return;
      const event: ServiceUpdateEvent = {
        type: 'service.update',
        service: context.spec.name,
        state: p.state,
        attempt: context.attempt,
        maxAttempts: context.maxAttempts,
        ...(context.verdict !== undefined ? { verdict: context.verdict } : {}),
        ...(context.reason !== undefined ? { reason: context.reason } : {}),
        at: Date.now(),
      };
      enqueue.sendParent(event);
    }),
    forwardAttempt: enqueueActions(({ event, enqueue, self }) => {
      if (self._parent && event.type === 'health.attempt') enqueue.sendParent(event);
    }),
    nextAttempt: assign({ attempt: ({ context }) => context.attempt + 1 }),
    newRound: assign(({ context }) => ({
      attempt: context.attempt + 1,
      maxAttempts: context.attempt + 1 + context.retries,
      reason: undefined,
      verdict: undefined,
    })),
    /** `<name>.<step> exited with code 1 (attempt 2/3; last output: "…")`; no attempt in rollback. */
    failedCommand: assign({
      reason: ({ context }, p: { step: string; out: CommandOutcome }) =>
        commandFailure(
          `${context.spec.name}.${p.step}`,
          p.out,
          context.spec.timeoutMs,
          context.mode === 'deploy' ? attemptOf(context) : undefined,
        ),
    }),
    /** An effect actor rejected (spawn failure, adapter bug): its message, with the attempt. */
    failedEffect: assign({
      reason: ({ context }, p: { step: string; error: unknown }) =>
        effectFailure(
          `${context.spec.name}.${p.step}`,
          errorText(p.error),
          context.mode === 'deploy' ? attemptOf(context) : undefined,
        ),
    }),
    recordProcess: assign({ process: (_, info: ProcessInfo) => info }),
    recordVerdict: assign((_, v: HealthVerdict) => ({ verdict: v.verdict, reason: v.reason })),
    dependencyUnhealthy: assign({
      verdict: 'degraded' as const,
      reason: (_, dependency: string) => `dependency ${dependency} is unhealthy`,
    }),
  },
});
