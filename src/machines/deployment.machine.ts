/**
 * The deployment statechart, the root: validating → preparing → activating (stages) → verifying →
 * finalizing, with the failure policy, operator decisions (each with a deadline and a default),
 * interruption, and rollback. Every effect is a named actor bound by src/cli/compose.ts.
 */
import { assign, fromPromise, raise, sendTo, setup } from 'xstate';
import type { ResolvedPlan } from '../config/plan-types.js';
import type { CommandOutcome, PrerequisiteReport, RunCommandInput } from './contracts.js';
import type {
  RollbackInput,
  RollbackOutput,
  SlotLogic,
  VerificationInput,
  VerificationOutput,
} from './child-types.js';
import { buildDecision, choiceToEvent, eventToChoice } from './decisions.js';
import type { DecisionRequest } from './decisions.js';
import * as dc from './deployment-context.js';
import type {
  DeploymentContext,
  DeploymentFailure,
  DeploymentInput,
} from './deployment-context.js';
import type { DecisionEvent, DeploymentEvent } from './events.js';
import { rollbackMachine } from './rollback.machine.js';
import { stageMachine } from './stage.machine.js';
import { verificationMachine } from './verification.machine.js';
import type { StageOutput } from './stage.machine.js';
import type { DeploymentOutput } from './view-types.js';

/** Deadline of a prepare or cleanup command without its own timeout. */
const defaultCommandTimeoutMs = 10 * 60_000;
const notBound = (name: string) => () =>
  Promise.reject(new Error(`bug: actor ${name} is not bound`));
/** The real rollback machine by default; tests bind fakes with provide(). */
const rollbackSlot: SlotLogic<RollbackInput> = rollbackMachine;
const verificationSlot: SlotLogic<VerificationInput> = verificationMachine;

type Ctx = DeploymentContext;
const done = (result: DeploymentOutput) => ({ result });
const failed = (ctx: Ctx, reason: string): DeploymentOutput => ({
  result: 'failed',
  exitCode: ctx.interrupted ? 130 : 1,
  reason,
});
const aborted = (ctx: Ctx, reason: string): DeploymentOutput => ({
  result: 'aborted',
  exitCode: ctx.interrupted ? 130 : 3,
  reason,
});
const commandDetail = (o: CommandOutcome): string =>
  o.error ??
  (o.timedOut ? 'timed out' : o.canceled ? 'canceled' : `exit ${o.exitCode ?? o.signal ?? '?'}`) +
    (o.outputTail.trim() === '' ? '' : `: ${o.outputTail.trim().split('\n').at(-1) ?? ''}`);

/** The deployment statechart. */
export const deploymentMachine = setup({
  types: {
    context: {} as DeploymentContext,
    events: {} as DeploymentEvent,
    input: {} as DeploymentInput,
    output: {} as DeploymentOutput,
  },
  actors: {
    checkPrerequisites: fromPromise<PrerequisiteReport, { plan: ResolvedPlan }>(
      notBound('checkPrerequisites'),
    ),
    runCommand: fromPromise<CommandOutcome, RunCommandInput>(notBound('runCommand')),
    stage: stageMachine,
    verification: verificationSlot,
    rollback: rollbackSlot,
    recordRelease: fromPromise<{ release: string }, { plan: ResolvedPlan; deploymentId: string }>(
      notBound('recordRelease'),
    ),
  },
  delays: {
    decisionTimeout: ({ context }) =>
      Math.max(0, (context.pendingDecision?.deadline ?? Date.now()) - Date.now()),
  },
  guards: {
    prerequisitesOk: (_, report: PrerequisiteReport) => report.ok,
    commandOk: (_, o: CommandOutcome) => o.exitCode === 0 && !o.timedOut && !o.canceled,
    prepareDone: ({ context }) => context.prepareIndex >= context.plan.prepare.length,
    cleanupDone: ({ context }) => context.cleanupIndex >= dc.preparedCleanups(context).length,
    stagesDone: ({ context }) => context.stageIndex >= context.plan.stages.length,
    needsConfirmation: ({ context }) => dc.needsConfirmation(context),
    askOperator: ({ context }) => context.plan.policy.onFailure === 'ask' && context.interactive,
    policyAbort: ({ context }) => context.plan.policy.onFailure === 'abort',
    policyRollbackFailed: ({ context }) => context.plan.policy.onFailure === 'rollback-failed',
    canRetry: ({ context }) => context.failure?.canRetry === true,
    canSkip: ({ context }) => context.failure?.canSkip === true,
    stageResult: (_, p: { output: StageOutput; result: StageOutput['result'] }) =>
      p.output.result === p.result,
    degradedAsk: ({ context }, out: StageOutput) =>
      out.degraded.length > 0 && context.plan.policy.degraded === 'ask',
    degradedFail: ({ context }, out: StageOutput) =>
      out.degraded.length > 0 && context.plan.policy.degraded === 'fail',
    verificationFailed: (_, v: VerificationOutput) => dc.verificationFailure(v) !== undefined,
    readinessWarnings: (_, v: VerificationOutput) => v.readiness === 'ready-with-warnings',
    firstInterrupt: ({ context }) => context.interrupts === 0,
  },
  actions: {
    viewService: assign(({ context, event }) =>
      event.type === 'service.update' ? dc.applyServiceUpdate(context, event) : {},
    ),
    viewProbe: assign(({ context, event }) =>
      event.type === 'health.attempt' ? dc.applyHealthAttempt(context, event) : {},
    ),
    viewStage: assign(({ context, event }) =>
      event.type === 'stage.update' ? { stages: dc.applyStageUpdate(context, event) } : {},
    ),
    setStage: assign(
      ({ context }, status: 'confirming' | 'running' | 'succeeded' | 'skipped' | 'failed') => {
        const stage = context.plan.stages[context.stageIndex];
        return stage === undefined
          ? {}
          : { stages: dc.setStageStatus(context, stage.name, status, Date.now()) };
      },
    ),
    nextStage: assign({ stageIndex: ({ context }) => context.stageIndex + 1 }),
    setResult: assign((_, result: DeploymentOutput) => done(result)),
    fail: assign(({ context }, f: DeploymentFailure) => ({
      failure: f,
      warnings: context.warnings,
    })),
    ask: assign(({ context }, request: DecisionRequest) => ({
      pendingDecision: buildDecision(
        request,
        context.decisionSeq + 1,
        Date.now(),
        context.plan.policy.decisionTimeoutMs,
      ),
      decisionSeq: context.decisionSeq + 1,
    })),
    // Exit actions run before transition actions: keep the closed prompt for recordDecision.
    clearDecision: assign(({ context }) => ({
      pendingDecision: undefined,
      closedDecision: context.pendingDecision,
    })),
    markSkipped: assign(({ context }) => {
      const name = context.failure?.service;
      const row = name === undefined ? undefined : context.services[name];
      if (name === undefined || row === undefined) return {};
      return {
        services: {
          ...context.services,
          [name]: { ...row, state: 'skipped' as const, finishedAt: Date.now() },
        },
      };
    }),
    takeDefault: raise(({ context }): DecisionEvent =>
      choiceToEvent(context.pendingDecision?.defaultChoice ?? 'abort', 'timeout'),
    ),
    recordDecision: assign(({ context, event }) => {
      const d = context.pendingDecision ?? context.closedDecision;
      if (d === undefined || !event.type.startsWith('decision.')) return {};
      const e = event as DecisionEvent;
      const record = {
        id: d.id,
        kind: d.kind,
        subject: d.subject,
        choice: eventToChoice(e.type),
        by: e.by,
        at: Date.now(),
      };
      return { decisions: [...context.decisions, record] };
    }),
    forwardToStage: sendTo('stage', ({ event }) => event),
    forwardToRollback: sendTo('rollback', ({ event }) => event),
    recordInterrupt: assign(({ context }) => ({
      interrupts: context.interrupts + 1,
      interrupted: true,
      warnings:
        context.interrupts === 0
          ? [...context.warnings, 'interrupted: press Ctrl-C again to leave things as they are']
          : context.warnings,
    })),
    scope: assign((_, scope: 'all' | 'failed') => ({ rollbackScope: scope })),
    warn: assign(({ context }, lines: string[]) => ({ warnings: [...context.warnings, ...lines] })),
  },
}).createMachine({
  id: 'deployment',
  context: ({ input }) => dc.initialContext(input, Date.now()),
  on: {
    'service.update': { actions: 'viewService' },
    'health.attempt': { actions: 'viewProbe' },
    'stage.update': { actions: 'viewStage' },
    // Reached only when no state handles it as a first interruption: leave things as they are.
    'deployment.interrupt': {
      target: '.done',
      actions: [
        'recordInterrupt',
        {
          type: 'setResult',
          params: { result: 'aborted', exitCode: 130, reason: 'interrupted again: left as it is' },
        },
      ],
    },
  },
  initial: 'validating',
  states: {
    validating: {
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
    },
    preparing: {
      initial: 'next',
      states: {
        next: {
          always: [
            { guard: 'prepareDone', target: '#deployment.activating' },
            { target: 'running' },
          ],
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
            'deployment.interrupt': {
              guard: 'firstInterrupt',
              target: 'cleaningUp',
              actions: [
                'recordInterrupt',
                {
                  type: 'fail',
                  params: {
                    source: 'interrupt',
                    reason: 'interrupted while preparing',
                    canRetry: false,
                    canSkip: false,
                  },
                },
              ],
            },
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
                  actions: assign(({ context, event }) =>
                    cleanupFailed(context, String(event.error)),
                  ),
                },
              },
            },
          },
        },
      },
    },
    activating: {
      initial: 'next',
      on: {
        'deployment.interrupt': {
          guard: 'firstInterrupt',
          target: 'failing',
          actions: [
            'recordInterrupt',
            {
              type: 'fail',
              params: {
                source: 'interrupt',
                reason: 'interrupted',
                canRetry: false,
                canSkip: false,
              },
            },
          ],
        },
      },
      states: {
        next: {
          always: [
            { guard: 'stagesDone', target: '#deployment.verifying' },
            { guard: 'needsConfirmation', target: 'confirming' },
            { target: 'running' },
          ],
        },
        confirming: {
          entry: [
            { type: 'setStage', params: 'confirming' },
            { type: 'ask', params: ({ context }) => dc.confirmRequest(context) },
          ],
          exit: 'clearDecision',
          after: { decisionTimeout: { actions: 'takeDefault' } },
          on: {
            'decision.proceed': { target: 'running', actions: 'recordDecision' },
            'decision.skipStage': {
              target: 'next',
              actions: ['recordDecision', { type: 'setStage', params: 'skipped' }, 'nextStage'],
            },
            'decision.abort': {
              target: '#deployment.done',
              actions: [
                'recordDecision',
                assign(({ context }) =>
                  done(
                    aborted(
                      context,
                      `aborted by the operator before stage ${context.plan.stages[context.stageIndex]?.name ?? '?'}`,
                    ),
                  ),
                ),
              ],
            },
          },
        },
        running: {
          entry: { type: 'setStage', params: 'running' },
          invoke: {
            id: 'stage',
            src: 'stage',
            input: ({ context }) => {
              const stage = context.plan.stages[context.stageIndex];
              if (stage === undefined) throw new Error('bug: no stage at index');
              return {
                stage,
                services: context.plan.services,
                healthy: context.activated,
                retries: context.plan.policy.retries,
              };
            },
            onDone: [
              {
                guard: {
                  type: 'stageResult',
                  params: ({ event }) => ({ output: event.output, result: 'abort' }),
                },
                target: '#deployment.done',
                actions: assign(({ context }) =>
                  done(aborted(context, context.failure?.reason ?? 'aborted by the operator')),
                ),
              },
              {
                guard: {
                  type: 'stageResult',
                  params: ({ event }) => ({ output: event.output, result: 'rollback' }),
                },
                target: '#deployment.rollingBack',
                actions: { type: 'scope', params: 'all' },
              },
              {
                guard: { type: 'degradedFail', params: ({ event }) => event.output },
                target: '#deployment.failing',
                actions: [
                  assign(({ context, event }) => stageDone(context, event.output)),
                  assign(({ context, event }) => ({
                    failure: degradedFailure(context, event.output),
                  })),
                ],
              },
              {
                guard: { type: 'degradedAsk', params: ({ event }) => event.output },
                target: 'degraded',
                actions: assign(({ context, event }) => stageDone(context, event.output)),
              },
              {
                target: 'next',
                actions: [
                  assign(({ context, event }) => stageDone(context, event.output)),
                  {
                    type: 'warn',
                    params: ({ context, event }) =>
                      event.output.degraded.map(
                        (n) =>
                          `${n} is degraded: ${context.services[n]?.reason ?? 'no reason given'}`,
                      ),
                  },
                  'nextStage',
                ],
              },
            ],
            onError: {
              target: '#deployment.failing',
              actions: [
                { type: 'setStage', params: 'failed' },
                assign(({ event }) => ({
                  failure: {
                    source: 'error' as const,
                    reason: `stage failed: ${String(event.error)}`,
                    canRetry: false,
                    canSkip: false,
                  },
                })),
              ],
            },
          },
          initial: 'working',
          states: {
            working: {
              on: {
                'stage.failure': [
                  {
                    guard: 'askOperator',
                    target: 'deciding',
                    actions: assign(({ event }) => ({ failure: stageFailure(event) })),
                  },
                  {
                    target: '#deployment.failing',
                    actions: assign(({ event }) => ({ failure: stageFailure(event) })),
                  },
                ],
              },
            },
            deciding: {
              entry: { type: 'ask', params: ({ context }) => dc.failureRequest(context) },
              exit: 'clearDecision',
              after: { decisionTimeout: { actions: 'takeDefault' } },
              on: {
                'decision.retry': {
                  guard: 'canRetry',
                  target: 'working',
                  actions: ['recordDecision', 'forwardToStage'],
                },
                'decision.skip': {
                  guard: 'canSkip',
                  target: 'working',
                  actions: ['recordDecision', 'forwardToStage', 'markSkipped'],
                },
                'decision.rollback': {
                  target: '#deployment.rollingBack',
                  actions: ['recordDecision', { type: 'scope', params: 'all' }],
                },
                'decision.abort': {
                  target: '#deployment.done',
                  actions: [
                    'recordDecision',
                    assign(({ context }) =>
                      done(
                        aborted(
                          context,
                          `aborted by the operator: ${context.failure?.reason ?? ''}`,
                        ),
                      ),
                    ),
                  ],
                },
              },
            },
          },
        },
        degraded: {
          entry: { type: 'ask', params: ({ context }) => dc.degradedRequest(context) },
          exit: 'clearDecision',
          always: {
            guard: ({ context }) => !context.interactive,
            target: '#deployment.rollingBack',
            actions: { type: 'scope', params: 'all' },
          },
          after: { decisionTimeout: { actions: 'takeDefault' } },
          on: {
            'decision.continue': {
              target: 'next',
              actions: [
                'recordDecision',
                {
                  type: 'warn',
                  params: ({ context }) =>
                    context.degraded.map((n) => `${n} is degraded (accepted)`),
                },
                'nextStage',
              ],
            },
            'decision.rollback': {
              target: '#deployment.rollingBack',
              actions: ['recordDecision', { type: 'scope', params: 'all' }],
            },
          },
        },
      },
    },
    verifying: {
      on: {
        'deployment.interrupt': {
          guard: 'firstInterrupt',
          target: 'failing',
          actions: [
            'recordInterrupt',
            {
              type: 'fail',
              params: {
                source: 'interrupt',
                reason: 'interrupted',
                canRetry: false,
                canSkip: false,
              },
            },
          ],
        },
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
    },
    failing: {
      always: [
        { guard: 'askOperator', target: 'deciding' },
        {
          guard: 'policyAbort',
          target: 'done',
          actions: assign(({ context }) =>
            done(
              aborted(
                context,
                `${context.failure?.reason ?? 'failed'} (policy: abort, left as it is)`,
              ),
            ),
          ),
        },
        {
          guard: 'policyRollbackFailed',
          target: 'rollingBack',
          actions: { type: 'scope', params: 'failed' },
        },
        { target: 'rollingBack', actions: { type: 'scope', params: 'all' } },
      ],
    },
    deciding: {
      entry: { type: 'ask', params: ({ context }) => dc.failureRequest(context) },
      exit: 'clearDecision',
      after: { decisionTimeout: { actions: 'takeDefault' } },
      on: {
        'deployment.interrupt': {
          guard: 'firstInterrupt',
          target: 'failing',
          actions: [
            'recordInterrupt',
            {
              type: 'fail',
              params: {
                source: 'interrupt',
                reason: 'interrupted',
                canRetry: false,
                canSkip: false,
              },
            },
          ],
        },
        'decision.retry': { guard: 'canRetry', target: 'verifying', actions: 'recordDecision' },
        'decision.rollback': {
          target: 'rollingBack',
          actions: ['recordDecision', { type: 'scope', params: 'all' }],
        },
        'decision.abort': {
          target: 'done',
          actions: [
            'recordDecision',
            assign(({ context }) =>
              done(aborted(context, `aborted by the operator: ${context.failure?.reason ?? ''}`)),
            ),
          ],
        },
      },
    },
    finalizing: {
      on: {
        'deployment.interrupt': {
          guard: 'firstInterrupt',
          target: 'failing',
          actions: [
            'recordInterrupt',
            {
              type: 'fail',
              params: {
                source: 'interrupt',
                reason: 'interrupted',
                canRetry: false,
                canSkip: false,
              },
            },
          ],
        },
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
    },
    rollingBack: {
      on: { 'deployment.interrupt': { guard: 'firstInterrupt', actions: 'recordInterrupt' } },
      invoke: {
        id: 'rollback',
        src: 'rollback',
        input: ({ context }) => dc.rollbackInput(context),
        onDone: {
          target: 'done',
          actions: assign(({ context, event }) =>
            done(dc.rollbackResult(context, event.output as RollbackOutput)),
          ),
        },
        onError: {
          target: 'done',
          actions: assign(({ context, event }) =>
            done({
              result: 'rollback-incomplete',
              exitCode: 3,
              reason: `rollback failed: ${String(event.error)}`,
              notRestored: dc
                .rollbackTargets(context)
                .map((name) => ({ name, reason: 'rollback did not finish' })),
            }),
          ),
        },
      },
      initial: 'working',
      states: {
        working: {
          on: {
            'rollback.stepFailed': {
              target: 'deciding',
              actions: {
                type: 'ask',
                params: ({ event }) => dc.rollbackStepRequest(event.service, event.reason),
              },
            },
          },
        },
        deciding: {
          exit: 'clearDecision',
          after: { decisionTimeout: { actions: 'takeDefault' } },
          on: {
            'decision.retry': {
              target: 'working',
              actions: ['recordDecision', 'forwardToRollback'],
            },
            'decision.markResolved': {
              target: 'working',
              actions: ['recordDecision', 'forwardToRollback'],
            },
            'decision.abort': {
              target: 'working',
              actions: ['recordDecision', 'forwardToRollback'],
            },
          },
        },
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) =>
    context.result ?? { result: 'failed', exitCode: 1, reason: 'bug: finished without a result' },
});

function stageFailure(e: {
  stage: string;
  service?: string;
  reason: string;
  canRetry: boolean;
  canSkip: boolean;
}): DeploymentFailure {
  return {
    source: 'stage',
    stage: e.stage,
    ...(e.service === undefined ? {} : { service: e.service }),
    reason: e.reason,
    canRetry: e.canRetry,
    canSkip: e.canSkip,
  };
}

function stageDone(ctx: Ctx, out: StageOutput): Partial<Ctx> {
  const stage = ctx.plan.stages[ctx.stageIndex];
  return {
    activated: [...ctx.activated, ...out.activated.filter((n) => !ctx.activated.includes(n))],
    degraded: [...ctx.degraded, ...out.degraded.filter((n) => !ctx.degraded.includes(n))],
    ...(stage === undefined
      ? {}
      : { stages: dc.setStageStatus(ctx, stage.name, 'succeeded', Date.now()) }),
  };
}

function degradedFailure(ctx: Ctx, out: StageOutput): DeploymentFailure {
  const reason = `degraded (policy: fail): ${out.degraded.map((n) => `${n}: ${ctx.services[n]?.reason ?? 'no reason given'}`).join('; ')}`;
  return { source: 'degraded', reason, canRetry: false, canSkip: false };
}

function success(ctx: Ctx): DeploymentOutput {
  return ctx.warnings.length > 0
    ? { result: 'succeeded-with-warnings', exitCode: 0, reason: ctx.warnings.join('; ') }
    : { result: 'succeeded', exitCode: 0 };
}

function cleanupFailed(ctx: Ctx, detail: string): Partial<Ctx> {
  const step = dc.preparedCleanups(ctx)[ctx.cleanupIndex];
  const name = step?.name ?? '?';
  const prior = ctx.result?.notRestored ?? [];
  return {
    cleanupIndex: ctx.cleanupIndex + 1,
    result: {
      result: 'rollback-incomplete',
      exitCode: 3,
      notRestored: [...prior, { name, reason: `cleanup failed: ${detail}` }],
    },
  };
}

function prepareResult(ctx: Ctx): DeploymentOutput {
  const reason = ctx.failure?.reason ?? 'prepare failed';
  const restored = dc
    .preparedCleanups(ctx)
    .map((p) => p.name)
    .filter((n) => !(ctx.result?.notRestored ?? []).some((r) => r.name === n));
  if (ctx.result?.result === 'rollback-incomplete')
    return { ...ctx.result, reason: `${reason}; cleanup incomplete`, restored };
  return { ...failed(ctx, reason), restored, notRestored: [] };
}
