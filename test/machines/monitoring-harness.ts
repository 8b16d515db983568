/**
 * Runs the deployment machine bound like compose does (real stage, service, health and monitor
 * machines) over fake effects: activations a test can hold, probes a test can flip, and a
 * verification the test releases. No I/O; time is fake.
 */
import { createActor, fromPromise } from 'xstate';
import type { Actor } from 'xstate';
import type { ResolvedPlan } from '../../src/config/plan-types.js';
import type {
  RollbackInput,
  RollbackOutput,
  VerificationInput,
  VerificationOutput,
} from '../../src/machines/child-types.js';
import type {
  CommandOutcome,
  PerformanceInput,
  PerformanceOutcome,
  PrerequisiteReport,
  ProbeInput,
  ProbeOutcome,
  RunCommandInput,
} from '../../src/machines/contracts.js';
import { deploymentMachine } from '../../src/machines/deployment.machine.js';
import { healthMachine } from '../../src/machines/health.machine.js';
import { monitorMachine } from '../../src/machines/monitor.machine.js';
import { serviceMachine } from '../../src/machines/service.machine.js';
import { stageMachine } from '../../src/machines/stage.machine.js';

/** A gate a test opens. */
export interface Gate {
  promise: Promise<void>;
  open(): void;
}

/** A closed gate. */
export function gate(): Gate {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** What a monitoring test controls. */
export interface MonitoredRun {
  actor: Actor<typeof deploymentMachine>;
  /** Probe labels that currently fail. */
  failing: Set<string>;
  /** Activations (`<service>.activate`) held until their gate opens. */
  holds: Map<string, Gate>;
  /** Opens to let verification finish. */
  verification: Gate;
  rollbackInputs: RollbackInput[];
}

const ok: CommandOutcome = {
  exitCode: 0,
  durationMs: 1,
  timedOut: false,
  canceled: false,
  outputTail: '',
};

/** Starts a deployment of `plan`; `holds` names activations to hold. */
export function deployMonitored(plan: ResolvedPlan, holds: string[] = [], monitor = true) {
  const failing = new Set<string>();
  const held = new Map(holds.map((label) => [label, gate()]));
  const verification = gate();
  const rollbackInputs: RollbackInput[] = [];
  const runProbe = fromPromise<ProbeOutcome, ProbeInput>(({ input }) =>
    Promise.resolve(
      failing.has(input.label)
        ? { ok: false, detail: 'ECONNREFUSED', durationMs: 2 }
        : { ok: true, detail: 'connected', durationMs: 2 },
    ),
  );
  const health = healthMachine.provide({
    actors: {
      runProbe,
      measurePerformance: fromPromise<PerformanceOutcome, PerformanceInput>(() =>
        Promise.reject(new Error('no performance in this test')),
      ),
    },
  });
  const runCommand = fromPromise<CommandOutcome, RunCommandInput>(async ({ input }) => {
    await held.get(input.label)?.promise;
    return ok;
  });
  const service = serviceMachine.provide({ actors: { runCommand, health } });
  const machine = deploymentMachine.provide({
    actors: {
      checkPrerequisites: fromPromise<PrerequisiteReport, { plan: ResolvedPlan }>(() =>
        Promise.resolve({ ok: true, checks: [] }),
      ),
      runCommand,
      stage: stageMachine.provide({ actors: { service, runProbe } }),
      monitor: monitorMachine.provide({ actors: { health } }),
      verification: fromPromise<VerificationOutput, VerificationInput>(async () => {
        await verification.promise;
        return { integration: { ok: true, failures: [] }, readiness: 'ready', findings: [] };
      }),
      rollback: fromPromise<RollbackOutput, RollbackInput>(({ input }) => {
        rollbackInputs.push(input);
        const restored = input.steps.map((s) => s.service.name);
        return Promise.resolve({ complete: true, restored, notRestored: [], aborted: false });
      }),
      recordRelease: fromPromise<{ release: string }, { plan: ResolvedPlan; deploymentId: string }>(
        () => Promise.resolve({ release: 'r2' }),
      ),
    },
  });
  const actor = createActor(machine, {
    input: { plan, deploymentId: 'dep-m', interactive: false, step: false, monitor },
  });
  actor.subscribe({ error: () => undefined });
  actor.start();
  const run: MonitoredRun = { actor, failing, holds: held, verification, rollbackInputs };
  return run;
}
