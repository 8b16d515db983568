/**
 * Test kit for the rollback screen: the real rollback statechart as the root (as `stagecraft
 * rollback` runs it), composed with fake effects whose `<service>.rollback` commands the test
 * settles, driven by the runtime's driver; and fake sources holding a rollback's facts.
 */
import type { RollbackInput, RollbackOutput } from '../../src/machines/rollback/index.js';
import type { Fact, PendingDecision } from '../../src/record/facts.js';
import type { ViewSource } from '../../src/record/source.js';
import { composeRollback } from '../../src/runtime/compose.js';
import { startedFact } from '../../src/runtime/deploy.js';
import { rollbackRunOutcome } from '../../src/runtime/rollback.js';
import { renderRollback, type RollbackUiOptions } from '../../src/ui/rollback/render.js';
import type { MountedUi } from '../../src/ui/shared/mount.js';
import { FakeSource, exitCodeOf, fakeStreams, outline, started, type Mounted } from './helpers.js';
import { fakeWorld, plan, service, startRun } from './run-kit.js';

/** The rollback of `names` (in that order): a plan of activate services with rollback commands. */
function rollbackPlan(names: string[]) {
  return plan({
    services: Object.fromEntries(names.map((n) => [n, service(n, 'app')])),
    stages: [
      {
        name: 'app',
        services: [...names],
        parallel: true,
        confirm: false,
        timeoutMs: 600_000,
        verify: [],
        implicit: false,
      },
    ],
    groups: [{ name: 'app', services: [...names] }],
    activationOrder: [...names].reverse(),
    rollbackOrder: [...names],
    prepare: [],
  });
}

/**
 * Starts `stagecraft rollback`'s root over `names` with every `<name>.rollback` command gated,
 * and the rollback screen on its view source.
 */
export function startGatedRollback(
  names: string[],
  extra: Partial<RollbackInput> = {},
  screen: Partial<RollbackUiOptions> & { rows?: number } = {},
) {
  const world = fakeWorld({ gated: (label) => label.endsWith('.rollback') });
  const p = rollbackPlan(names);
  const input: RollbackInput = {
    steps: names.map((n) => ({ service: p.services[n]!, wasRunning: true })),
    cleanups: [],
    retries: 0,
    interactive: true,
    decisionTimeoutMs: 60_000,
    ...extra,
  };
  const run = startRun({
    compose: (record) => composeRollback(world.effects, record),
    input,
    opening: [
      startedFact('rollback', p, 'dep-rb', 'rollback', {
        target: { release: '2026.11.25', from: 'dep-1' },
      }),
    ],
    outcome: (out: RollbackOutput) => rollbackRunOutcome(out),
    mount: (source) => mountRollback(source, screen),
  });
  /** The latest gate of the rollback of `name`. */
  const gate = (name: string) => world.gate(`${name}.rollback`);
  return { run, world, gate };
}

/**
 * The facts of a rollback of web, api, db as `stagecraft rollback` records them: web restored,
 * api failed and asking (retry, mark resolved, abort; default abort).
 */
export function awaitingFacts(deadline = Date.now() + 60_000): Fact[] {
  const decision: PendingDecision = {
    id: 'rollback-1-1',
    kind: 'rollback-step',
    subject: 'api',
    message: 'api: /healthz answered 503 three times',
    choices: ['retry', 'mark-resolved', 'abort'],
    defaultChoice: 'abort',
    deadline,
  };
  return [
    { type: 'rollback.started', steps: ['web', 'api', 'db'], cleanups: [], scope: 'all' },
    { type: 'rollback.step', service: 'web', status: 'started', attempt: 1 },
    { type: 'rollback.step', service: 'web', status: 'restored', attempt: 1 },
    { type: 'rollback.step', service: 'api', status: 'started', attempt: 1 },
    {
      type: 'rollback.step',
      service: 'api',
      status: 'failed',
      attempt: 1,
      reason: decision.message,
    },
    { type: 'decision.requested', decision },
  ];
}

/** A fake source of a `stagecraft rollback` run holding `facts`. */
export function rollbackSource(facts: readonly Fact[]): FakeSource {
  const source = new FakeSource(
    started(outline([{ name: 'app', services: ['db', 'api', 'web'] }]), {
      kind: 'rollback',
      deploymentId: 'dep-rb',
      command: 'rollback',
      target: { release: '2026.11.25', from: 'dep-1' },
    }),
  );
  source.pushAll(facts);
  return source;
}

const mounted: MountedUi[] = [];

/** Mount the rollback screen on fake TTY streams (Ink debug mode). */
export function mountRollback(
  source: ViewSource,
  o: Partial<RollbackUiOptions> & { rows?: number } = {},
): Mounted {
  const { rows, ...options } = o;
  const { stdout, stdin, streams } = fakeStreams(100, rows ?? 30);
  const ui = renderRollback(
    source,
    { target: '2026.11.25 (deployment dep-1)', exitCodeOf, ...options },
    { colors: false, ...streams },
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
