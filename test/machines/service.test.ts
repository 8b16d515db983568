import { describe, expect, it, vi } from 'vitest';
import { fromPromise } from 'xstate';
import type {
  CommandOutcome,
  ProcessInfo,
  RunCommandInput,
  StartProcessInput,
  StopProcessInput,
} from '../../src/machines/contracts.js';
import type { HealthAttemptEvent, ServiceUpdateEvent } from '../../src/machines/events.js';
import { healthMachine } from '../../src/machines/health.machine.js';
import { serviceMachine, type ServiceInput } from '../../src/machines/service.machine.js';
import {
  cmd,
  eventsOf,
  exited,
  probe,
  scriptedProbe,
  service,
  underParent,
  type Harness,
} from './service-test-kit.js';
import { fakeTimeFor } from './fake-time.js';

const track = fakeTimeFor((h: Harness<typeof serviceMachine>) => h.parent.stop(), {
  now: 1_000_000,
});

interface Fakes {
  commands: RunCommandInput[];
  starts: StartProcessInput[];
  stops: StopProcessInput[];
}

/** The service machine with fake effects: `outcomes` answers runCommand in order (last repeats). */
function start(input: ServiceInput, outcomes: CommandOutcome[] = [exited(0)], probes = [true]) {
  const fakes: Fakes = { commands: [], starts: [], stops: [] };
  let i = 0;
  const machine = serviceMachine.provide({
    actors: {
      runCommand: fromPromise<CommandOutcome, RunCommandInput>(({ input: cmdInput }) => {
        fakes.commands.push(cmdInput);
        const out = outcomes[Math.min(i++, outcomes.length - 1)] ?? exited(0);
        return Promise.resolve(out);
      }),
      startProcess: fromPromise<ProcessInfo, StartProcessInput>(({ input: s }) => {
        fakes.starts.push(s);
        return Promise.resolve({ pid: 4242, logFile: '/tmp/api.log', startedAt: Date.now() });
      }),
      stopProcess: fromPromise<{ stopped: boolean }, StopProcessInput>(({ input: s }) => {
        fakes.stops.push(s);
        return Promise.resolve({ stopped: true });
      }),
      health: healthMachine.provide({ actors: { runProbe: scriptedProbe(probes) } }),
    },
  });
  return { h: track(underParent(machine, input)), fakes };
}

const states = (h: Harness<typeof serviceMachine>) =>
  eventsOf<ServiceUpdateEvent>(h.received, 'service.update').map((e) => e.state);
const lastUpdate = (h: Harness<typeof serviceMachine>) =>
  eventsOf<ServiceUpdateEvent>(h.received, 'service.update').at(-1);
const deploy = (overrides: Partial<ServiceInput> = {}): ServiceInput => ({
  service: service({ health: probe() }),
  mode: 'deploy',
  retries: 0,
  ...overrides,
});

describe('service machine, deploy mode', () => {
  it('waits for its stage, activates, checks health and becomes healthy', async () => {
    const { h, fakes } = start(deploy());
    h.send({ type: 'service.wait' });
    h.send({ type: 'service.start' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(states(h)).toEqual(['pending', 'waiting', 'activating', 'checking', 'healthy']);
    expect(fakes.commands).toEqual([
      { label: 'api.activate', command: cmd('./deploy-api.sh'), timeoutMs: 10_000 },
    ]);
    expect(lastUpdate(h)).toMatchObject({
      service: 'api',
      verdict: 'healthy',
      attempt: 1,
      maxAttempts: 1,
    });
  });

  it('retries a failing activation automatically, then fails with the exit code and output', async () => {
    const { h, fakes } = start(deploy({ retries: 2 }), [exited(1, 'step 1\nmigration failed\n')]);
    h.send({ type: 'service.start' });
    await vi.advanceTimersByTimeAsync(5000);
    expect(fakes.commands).toHaveLength(3);
    const last = lastUpdate(h);
    expect(last).toMatchObject({ state: 'failed', attempt: 3, maxAttempts: 3 });
    expect(last?.reason).toBe(
      'api.activate exited with code 1 (attempt 3/3; last output: "migration failed")',
    );
    const activating = eventsOf<ServiceUpdateEvent>(h.received, 'service.update').filter(
      (e) => e.state === 'activating',
    );
    expect(activating.map((e) => e.attempt)).toEqual([1, 2, 3]);
  });

  it('activates again with the next attempt number when the operator retries', async () => {
    const { h, fakes } = start(deploy(), [exited(1), exited(0)]);
    h.send({ type: 'service.start' });
    await vi.advanceTimersByTimeAsync(100);
    expect(lastUpdate(h)?.state).toBe('failed');
    h.send({ type: 'service.retry' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(fakes.commands).toHaveLength(2);
    expect(states(h).slice(-3)).toEqual(['activating', 'checking', 'healthy']);
    expect(lastUpdate(h)).toMatchObject({ attempt: 2, maxAttempts: 2 });
  });

  it('ends skipped when the operator skips a failed service', async () => {
    const { h } = start(deploy(), [{ ...exited(0), exitCode: null, timedOut: true }]);
    h.send({ type: 'service.start' });
    await vi.advanceTimersByTimeAsync(100);
    expect(lastUpdate(h)?.reason).toBe('api.activate timed out after 10.0 s (attempt 1/1)');
    h.send({ type: 'service.skip' });
    expect(h.output()).toEqual({
      service: 'api',
      state: 'skipped',
      reason: 'api.activate timed out after 10.0 s (attempt 1/1)',
    });
  });

  it('starts a process service with startProcess instead of a command', async () => {
    const spec = service({ kind: 'process', process: cmd('node db.js'), health: probe() });
    delete spec.activate;
    const { h, fakes } = start(deploy({ service: spec }));
    h.send({ type: 'service.start' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(fakes.commands).toEqual([]);
    expect(fakes.starts).toEqual([{ service: 'api', command: cmd('node db.js') }]);
    expect(states(h).at(-1)).toBe('healthy');
  });

  it('becomes unhealthy with the health verdict reason and forwards every probe attempt', async () => {
    const { h } = start(
      deploy({ service: service({ health: probe({ retries: 2 }) }) }),
      [exited(0)],
      [false],
    );
    h.send({ type: 'service.start' });
    await vi.advanceTimersByTimeAsync(5000);
    expect(lastUpdate(h)).toMatchObject({ state: 'unhealthy', verdict: 'unhealthy' });
    expect(lastUpdate(h)?.reason).toContain('http GET http://127.0.0.1:1/healthz failed 2/2');
    const attempts = eventsOf<HealthAttemptEvent>(h.received, 'health.attempt');
    expect(attempts.map((a) => [a.attempt, a.of, a.ok])).toEqual([
      ...Array.from({ length: 6 }, () => [0, 2, false]),
      [1, 2, false],
      [2, 2, false],
    ]);
  });

  it('turns degraded when a dependency turns unhealthy, naming the dependency', async () => {
    const { h } = start(deploy());
    h.send({ type: 'service.start' });
    await vi.advanceTimersByTimeAsync(1000);
    h.send({ type: 'dependency.unhealthy', dependency: 'db' });
    expect(lastUpdate(h)).toMatchObject({
      state: 'degraded',
      verdict: 'degraded',
      reason: 'dependency db is unhealthy',
    });
  });

  it('aborts the running activation when the actor is stopped', async () => {
    let signal: AbortSignal | undefined;
    const machine = serviceMachine.provide({
      actors: {
        runCommand: fromPromise<CommandOutcome, RunCommandInput>(({ signal: s }) => {
          signal = s;
          return new Promise(() => undefined);
        }),
      },
    });
    const harness = track(underParent(machine, deploy()));
    harness.send({ type: 'service.start' });
    await vi.advanceTimersByTimeAsync(10);
    expect(signal?.aborted).toBe(false);
    harness.parent.stop();
    expect(signal?.aborted).toBe(true);
  });
});

describe('service machine, rollback mode', () => {
  const previousEnv = { RELEASE: '2026.11.25' };

  it('runs the rollback command with the previous variables, re-checks health and is rolled back', async () => {
    const spec = service({ rollback: cmd('./deploy-api.sh'), health: probe() });
    const { h, fakes } = start({
      service: spec,
      mode: 'rollback',
      retries: 0,
      rollback: { wasRunning: true, previousEnv },
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(fakes.commands).toEqual([
      {
        label: 'api.rollback',
        command: cmd('./deploy-api.sh'),
        timeoutMs: 10_000,
        env: previousEnv,
      },
    ]);
    expect(states(h)).toEqual(['rolling-back', 'rolled-back']);
    expect(h.output()?.state).toBe('rolled-back');
  });

  it('restarts a process that was running before with the previous variables', async () => {
    const spec = service({ kind: 'process', process: cmd('node db.js') });
    const { h, fakes } = start({
      service: spec,
      mode: 'rollback',
      retries: 0,
      rollback: { wasRunning: true, previousEnv },
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(fakes.starts).toEqual([
      { service: 'api', command: cmd('node db.js'), env: previousEnv },
    ]);
    expect(fakes.stops).toEqual([]);
    expect(h.output()).toEqual({ service: 'api', state: 'rolled-back' });
  });

  it('stops a process that was not running before', async () => {
    const spec = service({ kind: 'process', process: cmd('node db.js') });
    const { h, fakes } = start({
      service: spec,
      mode: 'rollback',
      retries: 0,
      rollback: { wasRunning: false },
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(fakes.stops).toEqual([{ service: 'api' }]);
    expect(fakes.starts).toEqual([]);
    expect(h.output()?.state).toBe('rolled-back');
  });

  it('ends rollback-failed with the reason when the rollback command fails', async () => {
    const spec = service({ rollback: cmd('./deploy-api.sh') });
    const { h } = start(
      { service: spec, mode: 'rollback', retries: 0, rollback: { wasRunning: true } },
      [exited(2, 'no previous release')],
    );
    await vi.advanceTimersByTimeAsync(100);
    expect(h.output()).toEqual({
      service: 'api',
      state: 'rollback-failed',
      reason: 'api.rollback exited with code 2 (last output: "no previous release")',
    });
    expect(lastUpdate(h)?.state).toBe('rollback-failed');
  });

  it('ends rollback-failed when the restored service is unhealthy', async () => {
    const spec = service({ rollback: cmd('./deploy-api.sh'), health: probe({ retries: 1 }) });
    const { h } = start({ service: spec, mode: 'rollback', retries: 0 }, [exited(0)], [false]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(h.output()?.state).toBe('rollback-failed');
    expect(h.output()?.reason).toContain('failed 1/1');
  });
});
