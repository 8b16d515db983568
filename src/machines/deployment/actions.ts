/**
 * The deployment statechart's named actions: every change of its context and every fact it
 * records has a name here, so the state configs read like the diagram they export.
 */
import { assign, raise, sendTo } from 'xstate';
import type { Fact, Outcome, Phase, StageStatus } from '../../record/facts.js';
import { interruptAdvice } from '../../record/advice.js';
import { compositeFor } from '../composite.js';
import { buildDecision, choiceToEvent, eventToChoice, type DecisionRequest } from '../decisions.js';
import type { PrerequisiteReport, RunNotice } from '../effects.js';
import type { DecisionEvent } from '../events.js';
import type { monitorMachine } from '../monitor/index.js';
import type { RollbackOutput } from '../rollback/index.js';
import type { StageOutput } from '../stage/index.js';
import type { VerificationOutput } from '../verification/index.js';
import * as dc from './context.js';
import type { DeploymentContext, DeploymentFailure } from './context.js';
import * as dm from './monitoring.js';
import {
  aborted,
  degradedFailure,
  failed,
  prepareOutcome,
  stageDone,
  stageFailure,
  skippedWarning,
  success,
} from './results.js';
import { preparedCleanups, rollbackOutcome, rollbackTargets } from './rollback.js';
import { deploymentBase, type DeploymentEvent } from './setup.js';

type Ctx = DeploymentContext;

/** The named actions the composite actions enqueue. */
type Named =
  | { type: 'record'; params: Fact }
  | { type: 'warn'; params: string[] }
  | { type: 'notify'; params: RunNotice };
/** The children the deployment spawns (one monitor per healthy service). */
type Children = { src: 'monitor'; logic: typeof monitorMachine; id: string | undefined };
const composite = compositeFor<Ctx, DeploymentEvent, Named, Children>();

const stageName = (c: Ctx): string => c.plan.stages[c.stageIndex]?.name ?? '?';
const prepareName = (c: Ctx): string => c.plan.prepare[c.prepareIndex]?.name ?? '?';
const cleanupName = (c: Ctx): string => preparedCleanups(c)[c.cleanupIndex]?.name ?? '?';

/** The deployment statechart's setup, with every action named. */
export const deploymentSetup = deploymentBase.extend({
  actions: {
    recordPhase: composite<Phase>(({ enqueue }, phase) => {
      enqueue({ type: 'record', params: { type: 'phase', phase } });
    }),
    /** Ends the run: the outcome is recorded (and is the machine's output). */
    recordFinished: composite(({ context, enqueue }) => {
      enqueue({ type: 'record', params: { type: 'deployment.finished', ...dc.resultOf(context) } });
    }),
    /** What could not be reported: warnings, and a success becomes a success with warnings. */
    noteReport: composite<string[]>(({ context, enqueue }, lines) => {
      const fresh = lines.filter((l, i) => !context.warnings.includes(l) && lines.indexOf(l) === i);
      if (fresh.length === 0) return;
      enqueue({ type: 'warn', params: fresh });
      const result = dc.resultOf(context);
      const reason = [result.reason, ...fresh].filter((r) => r !== undefined).join('; ');
      enqueue.assign({
        result: {
          ...result,
          ...(result.result === 'succeeded' ? { result: 'succeeded-with-warnings' as const } : {}),
          reason,
        },
      });
    }),
    finish: assign((_, outcome: Outcome) => ({ result: outcome })),

    // Phase 1: prerequisites.
    recordPrerequisites: composite<PrerequisiteReport>(({ enqueue }, report) => {
      enqueue({
        type: 'record',
        params: { type: 'prerequisites.checked', ok: report.ok, checks: report.checks },
      });
    }),
    failPrerequisites: assign(({ context }, report: PrerequisiteReport) => {
      const bad = report.checks
        .filter((c) => !c.ok)
        .map((c) => `${c.category} ${c.name}: ${c.detail}`);
      return { result: failed(context, `prerequisites not met: ${bad.join('; ')}`) };
    }),
    failPrerequisiteError: assign(({ context }, error: unknown) => ({
      result: failed(context, `prerequisite checks failed: ${String(error)}`),
    })),
    abortBeforeChange: assign(({ context }) => ({
      result: aborted(context, 'interrupted before anything changed'),
    })),

    // Phase 2: prepare steps and, after a failure, their cleanups.
    recordPrepare: composite<{
      status: 'running' | 'succeeded' | 'failed' | 'skipped';
      detail?: string;
    }>(({ context, enqueue }, p) => {
      enqueue({
        type: 'record',
        params: { type: 'prepare.step', name: prepareName(context), ...p },
      });
    }),
    notePrepared: assign(({ context }) => ({
      prepared: [...context.prepared, prepareName(context)],
      prepareIndex: context.prepareIndex + 1,
    })),
    failPrepare: assign(({ context }, detail: string) => ({
      failure: {
        source: 'error' as const,
        reason: `prepare step ${prepareName(context)} failed: ${detail}`,
        canRetry: false,
        canSkip: false,
      },
    })),
    recordCleanup: composite<{ status: 'running' | 'succeeded' | 'failed'; detail?: string }>(
      ({ context, enqueue }, p) => {
        enqueue({
          type: 'record',
          params: { type: 'prepare.cleanup', name: cleanupName(context), ...p },
        });
      },
    ),
    advanceCleanup: assign({ cleanupIndex: ({ context }) => context.cleanupIndex + 1 }),
    noteCleanupFailed: assign(({ context }, detail: string) => ({
      notRestored: [
        ...context.notRestored,
        { name: cleanupName(context), reason: `cleanup failed: ${detail}` },
      ],
      cleanupIndex: context.cleanupIndex + 1,
    })),
    finishPrepareFailure: assign(({ context }) => ({ result: prepareOutcome(context) })),

    // Phase 3: stages.
    setStage: composite<StageStatus>(({ context, enqueue }, status) => {
      enqueue({
        type: 'record',
        params: { type: 'stage.status', stage: stageName(context), status },
      });
    }),
    nextStage: assign({ stageIndex: ({ context }) => context.stageIndex + 1 }),
    /** `resume`: the stage was journaled as succeeded; it is not run again. */
    skipJournaledStage: composite(({ context, enqueue }) => {
      enqueue({
        type: 'record',
        params: {
          type: 'stage.status',
          stage: stageName(context),
          status: 'succeeded',
          detail: 'journaled as succeeded before the interruption',
        },
      });
      enqueue.assign({ stageIndex: context.stageIndex + 1 });
    }),
    noteStageDone: assign(({ context }, out: StageOutput) => stageDone(context, out)),
    warnDegraded: composite<StageOutput>(({ context, enqueue }, out) => {
      const lines = out.degraded.map(
        (n) => `${n} is degraded: ${dc.statusOf(context, n)?.reason ?? 'no reason given'}`,
      );
      enqueue({ type: 'warn', params: lines });
    }),
    failDegraded: assign(({ context }, out: StageOutput) => ({
      failure: degradedFailure(context, out),
    })),
    acceptDegraded: composite(({ context, enqueue }) => {
      enqueue({ type: 'warn', params: context.degraded.map((n) => `${n} is degraded (accepted)`) });
    }),
    noteStageFailure: assign(({ event }) =>
      event.type === 'stage.failure' ? { failure: stageFailure(event) } : {},
    ),
    failStageError: assign((_, error: unknown) => ({
      failure: {
        source: 'error' as const,
        reason: `stage failed: ${String(error)}`,
        canRetry: false,
        canSkip: false,
      },
    })),
    abortByOperator: assign(({ context }) => ({
      result: aborted(context, `aborted by the operator: ${context.failure?.reason ?? ''}`),
    })),
    abortBeforeStage: assign(({ context }) => ({
      result: aborted(context, `aborted by the operator before stage ${stageName(context)}`),
    })),
    abortAfterStage: assign(({ context }) => ({
      result: aborted(context, context.failure?.reason ?? 'aborted by the operator'),
    })),
    abortByPolicy: assign(({ context }) => ({
      result: aborted(
        context,
        `${context.failure?.reason ?? 'failed'} (policy: abort, left as it is)`,
      ),
    })),
    /** Tracks a service's state from the stage's forwarded update. */
    trackService: assign(({ context, event }) => {
      if (event.type !== 'service.update') return {};
      const old = dc.statusOf(context, event.service);
      if (old === undefined) return {};
      const first = event.state === 'activating' && !context.started.includes(event.service);
      return {
        statuses: dc.withStatus(context, event.service, {
          state: event.state,
          attempt: event.attempt,
          maxAttempts: event.maxAttempts,
          ...(event.reason === undefined ? {} : { reason: event.reason }),
        }),
        ...(first ? { started: [...context.started, event.service] } : {}),
      };
    }),
    markSkipped: composite(({ context, enqueue }) => {
      const name = context.failure?.service;
      const row = name === undefined ? undefined : dc.statusOf(context, name);
      if (name === undefined || row === undefined) return;
      enqueue.assign({ statuses: dc.withStatus(context, name, { ...row, state: 'skipped' }) });
      enqueue({ type: 'warn', params: [skippedWarning(name, row.state)] });
    }),
    forwardToStage: sendTo('stage', ({ event }) => event),
    forwardToRollback: sendTo('rollback', ({ event }) => event),

    // Phase 4 and 5: verification and the release.
    failVerification: assign((_, v: VerificationOutput) => ({
      failure: {
        source: 'verify' as const,
        reason: dc.verificationFailure(v) ?? '',
        canRetry: true,
        canSkip: false,
      },
    })),
    failVerificationError: assign((_, error: unknown) => ({
      failure: {
        source: 'verify' as const,
        reason: `verification failed: ${String(error)}`,
        canRetry: true,
        canSkip: false,
      },
    })),
    warnReadiness: composite<VerificationOutput>(({ enqueue }, v) => {
      enqueue({ type: 'warn', params: dc.readinessWarnings(v) });
    }),
    noteRelease: composite<string>(({ enqueue }, release) => {
      enqueue.assign({ release });
      enqueue({ type: 'record', params: { type: 'release.recorded', release } });
    }),
    finishSuccess: assign(({ context }) => ({ result: success(context) })),

    // Failure, decisions, rollback.
    failWith: assign(({ context }, f: DeploymentFailure) => ({
      failure: f,
      warnings: context.warnings,
    })),
    failLost: assign(({ context }) => ({ failure: dm.lostFailure(context) })),
    scope: assign((_, scope: 'all' | 'failed') => ({ rollbackScope: scope })),
    finishRollback: assign(({ context }, out: RollbackOutput) => ({
      result: rollbackOutcome(context, out),
    })),
    failRollbackError: assign(({ context }, error: unknown) => ({
      result: {
        result: 'rollback-incomplete' as const,
        interrupted: context.interrupted,
        reason: `rollback failed: ${String(error)}`,
        notRestored: rollbackTargets(context).map((name) => ({
          name,
          reason: 'rollback did not finish',
        })),
      },
    })),
    /** Asks the operator: the prompt (with its deadline and default) is recorded. */
    ask: composite<DecisionRequest>(({ context, enqueue }, request) => {
      const built = buildDecision(
        request,
        context.decisionSeq + 1,
        Date.now(),
        context.plan.policy.decisionTimeoutMs,
      );
      // A decision asked again after `resume` keeps its journaled deadline (once).
      const carried = context.resume?.decision;
      const same =
        carried !== undefined &&
        carried.kind === request.kind &&
        carried.subject === request.subject;
      const decision = same ? { ...built, deadline: carried.deadline } : built;
      enqueue.assign({ pendingDecision: decision, decisionSeq: context.decisionSeq + 1 });
      if (same && context.resume !== undefined) {
        const { decision: _used, ...rest } = context.resume;
        enqueue.assign({ resume: rest });
      }
      enqueue({ type: 'record', params: { type: 'decision.requested', decision } });
      enqueue({ type: 'notify', params: { event: 'decision-needed', decision } });
    }),
    // Exit actions run before transition actions: keep the closed prompt for recordDecision.
    clearDecision: assign(({ context }) => ({
      pendingDecision: undefined,
      closedDecision: context.pendingDecision,
    })),
    takeDefault: raise(({ context }): DecisionEvent =>
      choiceToEvent(context.pendingDecision?.defaultChoice ?? 'abort', 'timeout'),
    ),
    recordDecision: composite(({ context, event, enqueue }) => {
      const d = context.pendingDecision ?? context.closedDecision;
      if (d === undefined || !event.type.startsWith('decision.')) return;
      const e = event as DecisionEvent;
      enqueue({
        type: 'record',
        params: {
          type: 'decision.taken',
          id: d.id,
          kind: d.kind,
          subject: d.subject,
          choice: eventToChoice(e.type),
          by: e.by,
          at: Date.now(),
        },
      });
      enqueue.assign({ closedDecision: undefined });
    }),
    recordInterrupt: composite(({ context, enqueue }) => {
      const count = context.interrupts + 1;
      enqueue.assign({ interrupts: count, interrupted: true });
      enqueue({ type: 'record', params: { type: 'interrupted', count } });
      if (count === 1)
        enqueue({
          type: 'warn',
          params: [interruptAdvice.deployment],
        });
    }),
    leaveAsIs: assign(({ context }) => ({
      result: aborted(context, 'interrupted again: left as it is'),
    })),
    /** Adds warnings (each once) and records the new ones. */
    warn: composite<string[]>(({ context, enqueue }, lines) => {
      const fresh = lines.filter((l, i) => !context.warnings.includes(l) && lines.indexOf(l) === i);
      if (fresh.length === 0) return;
      enqueue.assign({ warnings: [...context.warnings, ...fresh] });
      for (const message of fresh)
        enqueue({ type: 'record', params: { type: 'warning', message } });
    }),

    // Monitoring of healthy services.
    /** Starts a monitor for a service that just became healthy; degrades it if a dependency is lost. */
    watchService: composite(({ context, event, enqueue }) => {
      if (event.type !== 'service.update') return;
      const spec = dm.monitorTarget(context, event);
      if (spec !== undefined) {
        enqueue.spawnChild('monitor', { id: dm.monitorId(spec.name), input: { service: spec } });
        enqueue.assign({ monitored: [...context.monitored, spec.name] });
      }
      const late = dm.planLateDependent(context, event);
      if (late === undefined) return;
      enqueue.assign(late.patch);
      for (const fact of late.facts) enqueue({ type: 'record', params: fact });
    }),
    /** A monitor saw a service turn unhealthy: record it, degrade its dependents. */
    markLost: composite<{ liveStage: boolean }>(({ context, event, enqueue }, p) => {
      if (event.type !== 'monitor.unhealthy' || context.lost.includes(event.service)) return;
      const plan = dm.planLost(context, event, p.liveStage);
      enqueue.assign(plan.patch);
      for (const fact of plan.facts) enqueue({ type: 'record', params: fact });
      if (plan.tellStage)
        enqueue.sendTo('stage', { type: 'dependency.unhealthy', dependency: event.service });
    }),
    monitorFailed: composite(({ event, enqueue }) => {
      if (event.type === 'monitor.error')
        enqueue({
          type: 'warn',
          params: [`monitoring of ${event.service} stopped: ${event.reason}`],
        });
    }),
    stopMonitors: composite(({ context, enqueue }) => {
      for (const name of context.monitored) enqueue.stopChild(dm.monitorId(name));
    }),
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
    actions: [
      'recordInterrupt',
      {
        type: 'failWith',
        params: { source: 'interrupt' as const, reason, canRetry: false, canSkip: false },
      },
    ],
  } as const;
}
