/**
 * The named effects, guards, actions and delays of the deployment statechart
 * (deployment.machine.ts holds the diagram). Actors are placeholders that reject until
 * src/cli/compose.ts binds real adapters; the child machines are the real ones by default.
 */
import { assign, enqueueActions, fromPromise, raise, sendTo, setup } from 'xstate';
import type { ResolvedPlan } from '../config/plan-types.js';
import type { CommandOutcome, PrerequisiteReport, RunCommandInput } from './contracts.js';
import type {
  RollbackInput,
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
import * as dm from './deployment-monitoring.js';
import { done, interruptFailure } from './deployment-results.js';
import type { DecisionEvent, DeploymentEvent } from './events.js';
import { monitorMachine, type MonitorInput } from './monitor.machine.js';
import { rollbackMachine } from './rollback.machine.js';
import { stageMachine } from './stage.machine.js';
import { verificationMachine } from './verification.machine.js';
import type { StageOutput } from './stage.machine.js';
import type { DeploymentOutput } from './view-types.js';

const notBound = (name: string) => () =>
  Promise.reject(new Error(`bug: actor ${name} is not bound`));
/** The real rollback machine by default; tests bind fakes with provide(). */
const rollbackSlot: SlotLogic<RollbackInput> = rollbackMachine;
const verificationSlot: SlotLogic<VerificationInput> = verificationMachine;
/** The real monitor machine by default; compose binds it with real probes. */
const monitorSlot: SlotLogic<MonitorInput> = monitorMachine;

/** The typed setup of the deployment statechart. */
export const deploymentSetup = setup({
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
    monitor: monitorSlot,
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
    canSkipStage: ({ context }) => dc.canSkipStage(context),
    stageResult: (_, p: { output: StageOutput; result: StageOutput['result'] }) =>
      p.output.result === p.result,
    degradedAsk: ({ context }, out: StageOutput) =>
      out.degraded.length > 0 && context.plan.policy.degraded === 'ask',
    degradedFail: ({ context }, out: StageOutput) =>
      out.degraded.length > 0 && context.plan.policy.degraded === 'fail',
    verificationFailed: (_, v: VerificationOutput) => dc.verificationFailure(v) !== undefined,
    readinessWarnings: (_, v: VerificationOutput) => v.readiness === 'ready-with-warnings',
    firstInterrupt: ({ context }) => context.interrupts === 0,
    serviceLost: ({ context }) => context.lost.length > 0,
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
    ask: assign(({ context }, request: DecisionRequest) => {
      const decision = buildDecision(
        request,
        context.decisionSeq + 1,
        Date.now(),
        context.plan.policy.decisionTimeoutMs,
      );
      // A decision asked again after `resume` keeps its journaled deadline (used once).
      const carried = dc.resumedDecisionDeadline(context, request);
      if (carried === undefined)
        return { pendingDecision: decision, decisionSeq: context.decisionSeq + 1 };
      const { decisionDeadline: _used, decision: _which, ...rest } = context.resume ?? {};
      return {
        pendingDecision: { ...decision, deadline: carried },
        decisionSeq: context.decisionSeq + 1,
        resume: rest,
      };
    }),
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
    warn: assign(({ context }, lines: string[]) => ({
      warnings: [...context.warnings, ...lines.filter((l) => !context.warnings.includes(l))],
    })),
    /** Starts a monitor for a service that just became healthy; degrades it if a dependency is lost. */
    watchService: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'service.update') return;
      const spec = dm.monitorTarget(context, event);
      if (spec !== undefined) {
        enqueue.spawnChild('monitor', { id: dm.monitorId(spec.name), input: { service: spec } });
        enqueue.assign({ monitored: [...context.monitored, spec.name] });
      }
      const late = dm.planLateDependent(context, event);
      if (late === undefined) return;
      enqueue.assign(late.patch);
      for (const update of late.updates) enqueue.raise(update);
    }),
    /** A monitor saw a service turn unhealthy: update the view, degrade its dependents. */
    markLost: enqueueActions(({ context, event, enqueue }, p: { liveStage: boolean }) => {
      if (event.type !== 'monitor.unhealthy' || context.lost.includes(event.service)) return;
      const plan = dm.planLost(context, event, p.liveStage);
      enqueue.assign(plan.patch);
      for (const update of plan.updates) enqueue.raise(update);
      if (plan.tellStage)
        enqueue.sendTo('stage', { type: 'dependency.unhealthy', dependency: event.service });
    }),
    monitorFailed: assign(({ context, event }) =>
      event.type === 'monitor.error'
        ? {
            warnings: [
              ...context.warnings,
              `monitoring of ${event.service} stopped: ${event.reason}`,
            ],
          }
        : {},
    ),
    stopMonitors: enqueueActions(({ context, enqueue }) => {
      for (const name of context.monitored) enqueue.stopChild(dm.monitorId(name));
    }),
    failLost: assign(({ context }) => ({ failure: dm.lostFailure(context) })),
  },
});

/** A first interruption: record it, fail with `reason` (interactive: asks), go to `target`. */
export function interruptTo(
  target: '#deployment.failing' | '#deployment.preparing.cleaningUp',
  reason = 'interrupted',
) {
  return {
    guard: 'firstInterrupt',
    target,
    actions: ['recordInterrupt', { type: 'fail', params: interruptFailure(reason) }],
  } as const;
}
