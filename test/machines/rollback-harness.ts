/**
 * Test harness for the rollback machine: the rollback exactly as a deployment (or `stagecraft
 * rollback`) runs it — composed by src/runtime/compose.ts, each step the real service machine in
 * rollback mode — on fake effects, as the root actor.
 */
import { createActor, toPromise, waitFor, type InspectionEvent } from 'xstate';
import type { PrepareStepSpec, ServiceSpec } from '../../src/config/plan-types.js';
import type { RollbackInput, RollbackOutput } from '../../src/machines/rollback/index.js';
import { composeRollback } from '../../src/runtime/compose.js';
import { FakeEffects, inertEffects, type FakeScript } from './fake-effects.js';
import { recording } from './recording.js';

const cmd = (run: string) => ({ run, cwd: '/tmp', env: {} });

/** A minimal resolved service: an `activate` one with a rollback command, or a `process` one. */
export function service(name: string, kind: 'activate' | 'process' = 'activate'): ServiceSpec {
  return {
    name,
    kind,
    dependsOn: [],
    stage: 'app',
    group: 'app',
    ...(kind === 'activate'
      ? { activate: cmd(`./deploy-${name}.sh`), rollback: cmd(`./rollback-${name}.sh`) }
      : { process: cmd(`node ${name}.js`) }),
    timeoutMs: 1000,
    readiness: [],
  };
}

/** A prepare step with a cleanup command. */
export function prepare(name: string, withCleanup = true): PrepareStepSpec {
  return withCleanup
    ? { name, run: cmd(`make ${name}`), cleanup: cmd(`undo ${name}`) }
    : { name, run: cmd(`make ${name}`) };
}

/** Harness options: `manual` effects never settle (the test sends `xstate.done.actor.*` itself). */
export interface HarnessOptions {
  manual?: boolean;
  inspect?: (event: InspectionEvent) => void;
}

/** Starts the composed rollback machine as the root actor. */
export function startRollback(
  input: RollbackInput,
  script: FakeScript = {},
  options: HarnessOptions = {},
) {
  const fx = new FakeEffects(script);
  const rec = recording();
  const machine = composeRollback(options.manual ? inertEffects : fx.effects, rec.record);
  const actor = createActor(machine, {
    input,
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  actor.subscribe({ error: () => undefined });
  actor.start();
  return {
    actor,
    fx,
    rec,
    /** The state value, or 'finished'. */
    state: () =>
      actor.getSnapshot().status === 'done' ? 'finished' : (actor.getSnapshot().value as string),
    output: () => actor.getSnapshot().output,
    /** Resolves with the output once the machine finished. */
    finished: (): Promise<RollbackOutput> => toPromise(actor),
    /** Resolves when the rollback waits for a decision. */
    awaitingDecision: async () => {
      await waitFor(actor, (s) => s.matches('awaitingDecision'));
    },
    /** The steps' services, in the order their rollback ran (`api.rollback`, `start:db`...). */
    effects: () => fx.log(/^(run|start|stop):/),
  };
}
