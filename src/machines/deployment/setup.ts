/**
 * The named effects, guards and delays of the deployment statechart, with its two bound actions
 * (`record`, `tell`); actions.ts adds the rest, machine.ts and the phase files hold the diagram.
 * Child slots are the real machines; compose binds their effects bottom-up.
 */
import { setup } from 'xstate';
import type { Fact } from '../../record/facts.js';
import {
  stubActors,
  commandSucceeded,
  type CommandOutcome,
  type PrerequisiteReport,
  type RunNotice,
} from '../effects.js';
import type {
  OperatorEvent,
  MonitorErrorEvent,
  MonitorUnhealthyEvent,
  ServiceUpdateEvent,
  StageFailureEvent,
} from '../events.js';
import { monitorMachine } from '../monitor/index.js';
import { rollbackMachine } from '../rollback/index.js';
import { stageMachine, type StageOutput } from '../stage/index.js';
import { until } from '../timers.js';
import { verificationMachine, type VerificationOutput } from '../verification/index.js';
import { watchMachine } from '../watch/index.js';
import * as dc from './context.js';
import type { DeploymentContext, DeploymentInput } from './context.js';
import { canSkipStage } from './requests.js';
import { preparedCleanups } from './rollback.js';
import type { Outcome } from '../../record/facts.js';

/** Everything the deployment actor accepts. */
export type DeploymentEvent =
  | ServiceUpdateEvent
  | StageFailureEvent
  | MonitorUnhealthyEvent
  | MonitorErrorEvent
  | OperatorEvent;

/** The typed setup of the deployment statechart, before its composite actions (actions.ts). */
export const deploymentBase = setup({
  types: {
    context: {} as DeploymentContext,
    events: {} as DeploymentEvent,
    input: {} as DeploymentInput,
    output: {} as Outcome,
  },
  actors: {
    checkPrerequisites: stubActors.checkPrerequisites,
    runCommand: stubActors.runCommand,
    recordRelease: stubActors.recordRelease,
    report: stubActors.report,
    stage: stageMachine,
    verification: verificationMachine,
    rollback: rollbackMachine,
    monitor: monitorMachine,
    watch: watchMachine,
  },
  delays: {
    decisionTimeout: ({ context }) => until(context.pendingDecision?.deadline),
  },
  guards: {
    prerequisitesOk: (_, report: PrerequisiteReport) => report.ok,
    commandOk: (_, o: CommandOutcome) => commandSucceeded(o),
    prepareDone: ({ context }) => context.prepareIndex >= context.plan.prepare.length,
    prepareJournaled: ({ context }) => dc.prepareJournaled(context),
    cleanupDone: ({ context }) => context.cleanupIndex >= preparedCleanups(context).length,
    stagesDone: ({ context }) => context.stageIndex >= context.plan.stages.length,
    stageJournaled: ({ context }) => dc.stageJournaled(context),
    needsConfirmation: ({ context }) => dc.needsConfirmation(context),
    askOperator: ({ context }) => context.plan.policy.onFailure === 'ask' && context.interactive,
    policyAbort: ({ context }) => context.plan.policy.onFailure === 'abort',
    policyRollbackFailed: ({ context }) => context.plan.policy.onFailure === 'rollback-failed',
    canRetry: ({ context }) => context.failure?.canRetry === true,
    canSkip: ({ context }) => context.failure?.canSkip === true,
    canSkipStage: ({ context }) => canSkipStage(context),
    stageResult: (_, p: { output: StageOutput; result: StageOutput['result'] }) =>
      p.output.result === p.result,
    degradedAsk: ({ context }, out: StageOutput) =>
      out.degraded.length > 0 && context.plan.policy.degraded === 'ask',
    degradedFail: ({ context }, out: StageOutput) =>
      out.degraded.length > 0 && context.plan.policy.degraded === 'fail',
    verificationFailed: (_, v: VerificationOutput) => dc.verificationFailure(v) !== undefined,
    readinessWarnings: (_, v: VerificationOutput) => v.readiness === 'ready-with-warnings',
    notInteractive: ({ context }) => !context.interactive,
    firstInterrupt: ({ context }) => context.interrupts === 0,
    serviceLost: ({ context }) => context.lost.length > 0,
    /** `monitoring.watch` asks for a watch window after verification. */
    noWatch: ({ context }) => (context.plan.monitoring?.watchMs ?? 0) <= 0,
  },
  actions: {
    /** Recorded facts go to the runtime's journal (bound by compose). */
    record: (_, _fact: Fact) => undefined,
    /** Tells `notify:` targets and alerting that the run started or waits (bound by compose). */
    notify: (_, _notice: RunNotice) => undefined,
  },
});
