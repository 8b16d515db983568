/**
 * Test kit for the rollback screen: the real rollback machine as a root actor (as `stagecraft
 * rollback` runs it) with a gated fake `serviceRollback` the test settles, and a recording wrapper
 * so a test sees every event the screen sends.
 */
import { createActor, fromPromise } from 'xstate';
import type { CommandOutcome, RunCommandInput } from '../../src/machines/contracts.js';
import {
  rollbackMachine,
  type RollbackDecisionEvent,
  type RollbackInput,
  type ServiceRollbackInput,
  type ServiceRollbackOutput,
} from '../../src/machines/rollback.machine.js';
import type { RollbackSnapshotLike } from '../../src/ui/rollback-view.js';
import {
  renderRollback,
  type RollbackUiActor,
  type RollbackUiOptions,
} from '../../src/ui/render-rollback.js';
import type { DeploymentUi } from '../../src/ui/render.js';
import { FakeStdin, FakeStdout, type Mounted } from './helpers.js';

/** A pending step the test settles. */
export interface Gate {
  name: string;
  ok(): void;
  fail(reason: string): void;
}

/** A minimal ServiceSpec-compatible service. */
export const svc = (name: string) => ({
  name,
  kind: 'process' as const,
  dependsOn: [],
  stage: 'app',
  timeoutMs: 1000,
  readiness: [],
});

/** Starts the real rollback machine over `names` with gated steps. */
export function startGatedRollback(names: string[], extra: Partial<RollbackInput> = {}) {
  const gates: Gate[] = [];
  const machine = rollbackMachine.provide({
    actors: {
      serviceRollback: fromPromise<ServiceRollbackOutput, ServiceRollbackInput>(
        ({ input }) =>
          new Promise((resolve) => {
            const name = input.service.name;
            gates.push({
              name,
              ok: () => resolve({ service: name, state: 'rolled-back' }),
              fail: (reason) => resolve({ service: name, state: 'rollback-failed', reason }),
            });
          }),
      ),
      runCommand: fromPromise<CommandOutcome, RunCommandInput>(() =>
        Promise.resolve({
          exitCode: 0,
          durationMs: 1,
          timedOut: false,
          canceled: false,
          outputTail: '',
        }),
      ),
    },
  });
  const input: RollbackInput = {
    steps: names.map((n) => ({ service: svc(n), wasRunning: true })),
    cleanups: [],
    retries: 0,
    interactive: true,
    decisionTimeoutMs: 60_000,
    ...extra,
  };
  const actor = createActor(machine, { input });
  const sent: RollbackDecisionEvent[] = [];
  const recording: RollbackUiActor = {
    getSnapshot: () => actor.getSnapshot(),
    subscribe: (o) => actor.subscribe(o),
    send: (e) => {
      sent.push(e);
      actor.send(e);
    },
  };
  /** The latest gate of `name` (waits for it with until()). */
  const gate = (name: string): Gate | undefined => gates.findLast((g) => g.name === name);
  return { actor, recording, sent, gates, gate };
}

/** A snapshot-only actor (for prompt-key tests): holds one snapshot, records what is sent. */
export function staticRollback(snapshot: RollbackSnapshotLike) {
  const sent: RollbackDecisionEvent[] = [];
  const actor: RollbackUiActor = {
    getSnapshot: () => snapshot,
    subscribe: () => ({ unsubscribe: () => undefined }),
    send: (e) => void sent.push(e),
  };
  return { actor, sent };
}

const mounted: DeploymentUi[] = [];

/** Mount the rollback screen on fake TTY streams (Ink debug mode). */
export function mountRollback(
  actor: RollbackUiActor,
  o: Partial<RollbackUiOptions> & { rows?: number } = {},
): Mounted {
  const stdout = new FakeStdout(100, o.rows ?? 30);
  const stdin = new FakeStdin();
  const ui = renderRollback(
    actor,
    {
      project: 'shop',
      environment: 'staging',
      target: '2026.11.25 (deployment dep-1)',
      exitCode: (out) => (out.complete ? 0 : 3),
      ...o,
    },
    {
      colors: false,
      debug: true,
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      stderr: new FakeStdout() as unknown as NodeJS.WriteStream,
    },
  );
  mounted.push(ui);
  return {
    stdout,
    stdin,
    unmount: () => ui.unmount(),
    waitUntilExit: () => ui.waitUntilExit(),
    frame: stdout.lastFrame,
  };
}

/** Unmount every rollback screen (afterEach). */
export function unmountRollbacks(): void {
  for (const m of mounted.splice(0)) m.unmount();
}
