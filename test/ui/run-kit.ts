/**
 * Test kit for the screens on real statecharts: fake effects whose commands the test scripts or
 * settles, a small plan, and a run driven by the runtime's own `drive()` (no session: nothing is
 * written) with a screen mounted on its view source, as `stagecraft deploy` and `rollback` do.
 */
import type { AnyStateMachine, InputFrom, OutputFrom } from 'xstate';
import type { ResolvedPlan, ServiceSpec, StageSpec } from '../../src/config/plan-types.js';
import { Masker } from '../../src/core/mask.js';
import type { CommandOutcome, Effects, RunCommandInput } from '../../src/machines/effects.js';
import type { OperatorEvent } from '../../src/machines/events.js';
import type { Fact, Outcome } from '../../src/record/facts.js';
import type { ViewSource } from '../../src/record/source.js';
import type { Recorder } from '../../src/runtime/compose.js';
import { drive, type Driven } from '../../src/runtime/driver.js';
import type { Mounted } from './helpers.js';

/** A command the test settles. */
interface Gate {
  label: string;
  ok(): void;
  /** Exits 1 with `output` as its last line. */
  fail(output: string): void;
}

/** What the fake commands do, per label (`api.activate`, `web.rollback`, `prepare.dir`, ...). */
export interface WorldScript {
  /** Labels that exit 1. */
  fail?: string[];
  /** Labels that wait for the test (see {@link FakeWorld.gate}); settle when aborted. */
  gated?: (label: string) => boolean;
}

/** Fake effects and what was asked of them. */
export interface FakeWorld {
  effects: Effects;
  /** Every command label run, in order. */
  commands: string[];
  gates: Gate[];
  /** The latest gate of `label`. */
  gate(label: string): Gate | undefined;
}

const exited = (exitCode: number, outputTail = '', extra: Partial<CommandOutcome> = {}) => ({
  exitCode,
  durationMs: 1,
  timedOut: false,
  canceled: false,
  outputTail,
  ...extra,
});

/** Effects that succeed at once, except the commands `script` fails or gates. */
export function fakeWorld(script: WorldScript = {}): FakeWorld {
  const commands: string[] = [];
  const gates: Gate[] = [];
  const runCommand = (input: RunCommandInput, signal: AbortSignal): Promise<CommandOutcome> => {
    commands.push(input.label);
    if (script.fail?.includes(input.label) === true)
      return Promise.resolve(exited(1, `${input.label}: boom\n`));
    if (script.gated?.(input.label) !== true) return Promise.resolve(exited(0));
    return new Promise((resolve) => {
      signal.addEventListener('abort', () => resolve(exited(1, '', { canceled: true })), {
        once: true,
      });
      gates.push({
        label: input.label,
        ok: () => resolve(exited(0)),
        fail: (output) => resolve(exited(1, `${output}\n`)),
      });
    });
  };
  const effects: Effects = {
    runCommand,
    runProbe: () => Promise.resolve({ ok: true, detail: '200 OK', durationMs: 1 }),
    measurePerformance: (input) =>
      Promise.resolve({
        ok: true,
        p95Ms: 1,
        samples: input.performance.samples,
        failures: 0,
        detail: 'p95 1 ms',
      }),
    startProcess: (input) =>
      Promise.resolve({ pid: 4242, logFile: `/tmp/${input.service}.log`, startedAt: Date.now() }),
    stopProcess: () => Promise.resolve({ stopped: true, pid: 4242 }),
    watchProcess: () => new Promise(() => undefined),
    checkPort: () => Promise.resolve({ taken: false }),
    observeProcess: (input) =>
      Promise.resolve({ observed: { pid: input.process.pid, alive: true } }),
    checkFile: () => Promise.resolve({ exists: true }),
    checkPrerequisites: () => Promise.resolve({ ok: true, checks: [] }),
    recordRelease: () => Promise.resolve({ release: '2026.11.26' }),
    watchProbe: () => new Promise<void>(() => undefined),
  };
  return {
    effects,
    commands,
    gates,
    gate: (label) => gates.findLast((g) => g.label === label),
  };
}

/** An `activate` service with a `rollback` command and no health check. */
export function service(
  name: string,
  stage: string,
  dependsOn: string[] = [],
  group = stage,
): ServiceSpec {
  return {
    name,
    kind: 'activate',
    dependsOn,
    stage,
    group,
    activate: { run: `./deploy-${name}.sh`, cwd: '/tmp', env: {} },
    rollback: { run: `./rollback-${name}.sh`, cwd: '/tmp', env: {} },
    timeoutMs: 60_000,
    readiness: [],
  };
}

function stage(name: string, services: string[], extra: Partial<StageSpec> = {}): StageSpec {
  return {
    name,
    services,
    parallel: true,
    confirm: false,
    timeoutMs: 600_000,
    verify: [],
    implicit: false,
    ...extra,
  };
}

/** shop → staging: stage `data` (db), then stage `app` (api → db, web → api, worker → db). */
export function plan(extra: Partial<ResolvedPlan> = {}): ResolvedPlan {
  const services = {
    db: service('db', 'data'),
    api: service('api', 'app', ['db']),
    web: service('web', 'app', ['api']),
    worker: service('worker', 'app', ['db']),
  };
  return {
    project: 'shop',
    environment: 'staging',
    configPath: '/tmp/stagecraft.config.yaml',
    configDir: '/tmp',
    configHash: 'abc',
    vars: {},
    secretNames: [],
    confirmStages: false,
    prerequisites: { software: [], network: [], security: { secrets: [], files: [] } },
    prepare: [
      {
        name: 'dir',
        run: { run: 'mkdir x', cwd: '/tmp', env: {} },
        cleanup: { run: 'rm -rf x', cwd: '/tmp', env: {} },
      },
    ],
    services,
    stages: [stage('data', ['db']), stage('app', ['api', 'web', 'worker'])],
    groups: [
      { name: 'data', services: ['db'] },
      { name: 'app', services: ['api', 'web', 'worker'] },
    ],
    activationOrder: ['db', 'api', 'worker', 'web'],
    rollbackOrder: ['web', 'worker', 'api', 'db'],
    integration: [],
    readiness: [],
    policy: { onFailure: 'ask', degraded: 'continue', retries: 0, decisionTimeoutMs: 60_000 },
    ...extra,
  };
}

/**
 * The same services without `stages:`: one implicit stage, scheduled by dependencies, shown as
 * the layers db (layer-1), api and worker (layer-2), web (layer-3).
 */
export function implicitPlan(extra: Partial<ResolvedPlan> = {}): ResolvedPlan {
  const layers = [
    { name: 'layer-1', services: ['db'] },
    { name: 'layer-2', services: ['api', 'worker'] },
    { name: 'layer-3', services: ['web'] },
  ];
  const all = ['db', 'api', 'worker', 'web'];
  return plan({
    services: {
      db: service('db', 'all', [], 'layer-1'),
      api: service('api', 'all', ['db'], 'layer-2'),
      worker: service('worker', 'all', ['db'], 'layer-2'),
      web: service('web', 'all', ['api'], 'layer-3'),
    },
    stages: [stage('all', all, { implicit: true, timeoutMs: 0 })],
    groups: layers,
    ...extra,
  });
}

/** A run driven to its end by `drive()`, with a screen on its view source. */
export interface Run<TOutput> {
  /** The mounted screen (once the driver presented the run). */
  screen: Promise<Mounted>;
  /** Every event the screen sent, in order. */
  sent: OperatorEvent[];
  /** How often the driver asked to leave at once (the third interrupt). */
  hardExits: number;
  /** Settles when the run ended and the screen finished. */
  result: Promise<Driven<TOutput>>;
  /** Ends the run if it is still going (afterEach): interrupts it, bounded. */
  end(): Promise<void>;
}

/** What {@link startRun} needs. */
export interface StartRunOptions<TLogic extends AnyStateMachine> {
  compose: (record: Recorder) => TLogic;
  input: InputFrom<TLogic>;
  opening: Fact[];
  outcome: (output: OutputFrom<TLogic>) => Outcome;
  /** Mounts the screen on the run's source (it sends through a recording wrapper). */
  mount: (source: ViewSource) => Mounted;
}

/** Starts `drive()` on the composed root with a screen mounted by `o.mount`. */
export function startRun<TLogic extends AnyStateMachine>(
  o: StartRunOptions<TLogic>,
): Run<OutputFrom<TLogic>> {
  const sent: OperatorEvent[] = [];
  let shown: (m: Mounted) => void = () => undefined;
  const screen = new Promise<Mounted>((r) => (shown = r));
  let driven: ViewSource | undefined;
  let settled = false;
  const run: Run<OutputFrom<TLogic>> = {
    screen,
    sent,
    hardExits: 0,
    result: drive({
      compose: o.compose,
      input: o.input,
      opening: o.opening,
      mask: Masker.none,
      outcome: o.outcome,
      hardExit: () => {
        run.hardExits += 1;
      },
      present: (source) => {
        driven = source;
        const recording: ViewSource = {
          record: () => source.record(),
          subscribe: (listener) => source.subscribe(listener),
          send: (event) => {
            sent.push(event);
            source.send(event);
          },
        };
        const m = o.mount(recording);
        shown(m);
        return {
          // As src/cli/present.ts: the screen exits itself after its final frame; bounded.
          finish: async () => {
            await Promise.race([m.waitUntilExit(), new Promise((r) => setTimeout(r, 2000))]);
            m.unmount();
            await m.waitUntilExit().catch(() => undefined);
          },
        };
      },
    }).finally(() => {
      settled = true;
    }),
    end: async () => {
      for (let i = 0; i < 2 && !settled && driven !== undefined; i += 1) {
        driven.send({ type: 'run.interrupt' });
        await Promise.race([run.result.catch(() => undefined), pause(500)]);
      }
      await Promise.race([run.result.catch(() => undefined), pause(3000)]);
    },
  };
  // A test that failed before awaiting the result must not add an unhandled rejection.
  run.result.catch(() => undefined);
  return run;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
