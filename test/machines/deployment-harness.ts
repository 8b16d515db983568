/** Runs the deployment machine with fake effects and records what they were asked to do. */
import { createActor, fromPromise } from 'xstate';
import type { Actor, AnyStateMachine } from 'xstate';
import type { ResolvedPlan } from '../../src/config/plan-types.js';
import type {
  RollbackInput,
  RollbackOutput,
  VerificationInput,
  VerificationOutput,
} from '../../src/machines/child-types.js';
import type {
  CommandOutcome,
  PrerequisiteReport,
  ProbeInput,
  ProbeOutcome,
  RunCommandInput,
} from '../../src/machines/contracts.js';
import { deploymentMachine } from '../../src/machines/deployment.machine.js';
import type { PreviousRelease, ResumeDeadlines } from '../../src/machines/deployment-context.js';
import { stageMachine } from '../../src/machines/stage.machine.js';
import { fakeService } from './deployment-fakes.js';
import type { FakeOutcome } from './deployment-fakes.js';
import { plan as defaultPlan } from './deployment-fixtures.js';

/** What a test can script. */
export interface DeployOptions {
  plan?: ResolvedPlan;
  interactive?: boolean;
  step?: boolean;
  previous?: PreviousRelease;
  prerequisites?: PrerequisiteReport;
  /** Exit code per command label (default 0). */
  exitCodes?: Record<string, number>;
  services?: Record<string, FakeOutcome[]>;
  verification?: VerificationOutput;
  rollback?: RollbackOutput;
  /** Replace the rollback logic (e.g. a fake machine that asks). */
  rollbackLogic?: AnyStateMachine;
  /** Watch healthy services after their stage (the machine's default when absent). */
  monitor?: boolean;
  /** Start as `resume` does, with the interrupted deployment's deadlines. */
  resume?: ResumeDeadlines;
}

/** A running deployment and its recordings. */
export interface DeployRun {
  actor: Actor<typeof deploymentMachine>;
  log: string[];
  rollbackInputs: RollbackInput[];
}

const okVerification: VerificationOutput = {
  integration: { ok: true, failures: [] },
  readiness: 'ready',
  findings: [],
};

/** Start a deployment with fake effects. */
export function deploy(o: DeployOptions = {}): DeployRun {
  const log: string[] = [];
  const rollbackInputs: RollbackInput[] = [];
  const stage = stageMachine.provide({
    actors: {
      service: fakeService(o.services ?? {}, log),
      runProbe: fromPromise<ProbeOutcome, ProbeInput>(() =>
        Promise.resolve({ ok: true, detail: 'ok', durationMs: 1 }),
      ),
    },
  });
  const machine = deploymentMachine.provide({
    actors: {
      checkPrerequisites: fromPromise<PrerequisiteReport, { plan: ResolvedPlan }>(() => {
        log.push('prerequisites');
        return Promise.resolve(o.prerequisites ?? { ok: true, checks: [] });
      }),
      runCommand: fromPromise<CommandOutcome, RunCommandInput>(({ input }) => {
        log.push(`run:${input.label}`);
        const exitCode = o.exitCodes?.[input.label] ?? 0;
        return Promise.resolve({
          exitCode,
          durationMs: 1,
          timedOut: false,
          canceled: false,
          outputTail: exitCode === 0 ? '' : 'boom\n',
        });
      }),
      stage,
      verification: fromPromise<VerificationOutput, VerificationInput>(() => {
        log.push('verification');
        return Promise.resolve(o.verification ?? okVerification);
      }),
      rollback:
        o.rollbackLogic ??
        fromPromise<RollbackOutput, RollbackInput>(({ input }) => {
          rollbackInputs.push(input);
          log.push('rollback');
          const names = input.steps.map((s) => s.service.name);
          return Promise.resolve(
            o.rollback ?? { complete: true, restored: names, notRestored: [], aborted: false },
          );
        }),
      recordRelease: fromPromise<{ release: string }, { plan: ResolvedPlan; deploymentId: string }>(
        ({ input }) => {
          log.push(`release:${input.deploymentId}`);
          return Promise.resolve({ release: 'r2' });
        },
      ),
    },
  });
  const actor = createActor(machine, {
    input: {
      plan: o.plan ?? defaultPlan(),
      deploymentId: 'dep-1',
      interactive: o.interactive ?? false,
      step: o.step ?? false,
      ...(o.previous === undefined ? {} : { previous: o.previous }),
      ...(o.monitor === undefined ? {} : { monitor: o.monitor }),
      ...(o.resume === undefined ? {} : { resume: o.resume }),
    },
  });
  actor.subscribe({ error: () => undefined });
  actor.start();
  return { actor, log, rollbackInputs };
}
