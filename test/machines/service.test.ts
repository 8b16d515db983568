import { describe, expect, it, vi } from 'vitest';
import type { ServiceUpdateEvent } from '../../src/machines/events.js';
import type { serviceMachine, ServiceInput } from '../../src/machines/service/index.js';
import { boundService } from './bound.js';
import { exited, FakeEffects, measured, type FakeScript } from './fake-effects.js';
import { fakeTimeFor } from './fake-time.js';
import { recording, type Recording } from './recording.js';
import { wordFailure } from '../../src/record/failures.js';
import { cmd, eventsOf, probe, service, underParent, type Harness } from './service-test-kit.js';

const track = fakeTimeFor((h: Harness<typeof serviceMachine>) => h.parent.stop(), {
  now: 1_000_000,
});

const LABEL = 'http GET http://127.0.0.1:1/healthz';

interface Run {
  h: Harness<typeof serviceMachine>;
  fx: FakeEffects;
  rec: Recording;
}

/** The real service machine (and health machine) on fake effects, under a listening parent. */
function start(input: ServiceInput, script: FakeScript = {}): Run {
  const fx = new FakeEffects(script);
  const rec = recording();
  const h = track(underParent(boundService(fx.effects, rec.record), input));
  return { h, fx, rec };
}

const told = (h: Harness<typeof serviceMachine>) =>
  eventsOf<ServiceUpdateEvent>(h.received, 'service.update');
const lastUpdate = (h: Harness<typeof serviceMachine>) => told(h).at(-1);
/** Every state the service went through, as recorded. */
const recorded = (rec: Recording) => rec.of('service.state').map((f) => f.state);
const deploy = (overrides: Partial<ServiceInput> = {}): ServiceInput => ({
  service: service({ health: probe() }),
  mode: 'deploy',
  retries: 0,
  ...overrides,
});

describe('service machine, deploy mode', () => {
  it('activates as soon as its stage creates it, checks health and becomes healthy', async () => {
    const { h, fx, rec } = start(deploy());
    await vi.advanceTimersByTimeAsync(1000);
    // Pending and waiting are the stage's to record (a service exists only once it starts).
    expect(recorded(rec)).toEqual(['activating', 'checking', 'healthy']);
    expect(fx.inputs('run:api.activate')).toEqual([
      { label: 'api.activate', command: cmd('./deploy-api.sh'), timeoutMs: 10_000 },
    ]);
    expect(lastUpdate(h)).toEqual({
      type: 'service.update',
      service: 'api',
      state: 'healthy',
      verdict: 'healthy',
      reason: 'http GET http://127.0.0.1:1/healthz passed 1/1 after 0.0 s (last: 200 OK)',
      attempt: 1,
      maxAttempts: 1,
    });
  });

  it('records every state, and tells its stage those the stage decides on', async () => {
    const { h, rec } = start(deploy());
    await vi.advanceTimersByTimeAsync(1000);
    // checking changes nothing the stage decides on: only recorded.
    const decisive = rec
      .of('service.state')
      .filter((f) => f.state !== 'checking')
      .map(({ type: _t, ...u }) => u);
    expect(told(h).map(({ type: _t, ...u }) => u)).toEqual(decisive);
    expect(told(h).map((e) => e.state)).toEqual(['activating', 'healthy']);
  });

  it('records the successful activation between its states and its probe attempts', async () => {
    const { rec } = start(deploy());
    await vi.advanceTimersByTimeAsync(1000);
    expect(rec.facts.map((f) => f.type)).toEqual([
      'service.state',
      'service.activated',
      'service.state',
      'health.attempt',
      'service.state',
    ]);
    expect(rec.of('service.activated')).toEqual([
      { type: 'service.activated', service: 'api', attempt: 1, exitCode: 0, durationMs: 5 },
    ]);
  });

  it('is healthy once activated when it has no probe, and says so', async () => {
    const { h, fx, rec } = start(deploy({ service: service() }));
    await vi.advanceTimersByTimeAsync(100);
    expect(fx.log()).toEqual(['run:api.activate']);
    expect(rec.of('service.state').at(-1)).toEqual({
      type: 'service.state',
      service: 'api',
      state: 'healthy',
      verdict: 'healthy',
      reason: 'no probe',
      attempt: 1,
      maxAttempts: 1,
    });
    expect(h.child().getSnapshot().value).toBe('healthy');
  });

  // A service whose only check is its performance baseline is measured, not called healthy.
  it('measures the performance baseline of a service without a probe, degraded when missed', async () => {
    const performance = { url: 'http://127.0.0.1:1/', samples: 5, p95Ms: 100, timeoutMs: 1000 };
    const { h, fx } = start(deploy({ service: service({ performance }) }), {
      performance: { 'api.performance': [measured(false)] },
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(fx.log()).toEqual(['run:api.activate', 'performance:api.performance']);
    expect(lastUpdate(h)).toMatchObject({ state: 'degraded', verdict: 'degraded' });
  });

  it('retries a failing activation automatically, then fails with the exit code and output', async () => {
    const { h, fx, rec } = start(deploy({ retries: 2 }), {
      commands: { 'api.activate': [exited(1, 'step 1\nmigration failed\n')] },
    });
    await vi.advanceTimersByTimeAsync(5000);
    expect(fx.count('run:api.activate')).toBe(3);
    const last = lastUpdate(h);
    expect(last).toMatchObject({ state: 'failed', attempt: 3, maxAttempts: 3 });
    expect(last?.reason).toBe(
      'api.activate exited with code 1 (attempt 3/3; last output: "migration failed")',
    );
    const activating = told(h).filter((e) => e.state === 'activating');
    expect(activating.map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(rec.of('service.activated')).toEqual([]);
  });

  it('records the failure as data beside its words: the exit code, the last line, the attempt', async () => {
    const { rec } = start(deploy({ retries: 0 }), {
      commands: { 'api.activate': [exited(1, 'step 1\nmigration failed\n')] },
    });
    await vi.advanceTimersByTimeAsync(1000);
    const failed = rec.of('service.state').find((f) => f.state === 'failed');
    expect(failed?.failure).toEqual({
      kind: 'command',
      label: 'api.activate',
      exitCode: 1,
      timedOut: false,
      canceled: false,
      durationMs: 5,
      timeoutMs: 10_000,
      lastLine: 'migration failed',
      attempt: { n: 1, cap: 1 },
    });
    expect(failed?.reason).toBe(wordFailure(failed!.failure!));
    // A new state of its life does not carry the old failure.
    expect(rec.of('service.state').filter((f) => f.state !== 'failed' && f.failure)).toEqual([]);
  });

  it('waits 500 ms between automatic retries', async () => {
    const { fx } = start(deploy({ retries: 1 }), {
      commands: { 'api.activate': [exited(1), exited(0)] },
    });
    await vi.advanceTimersByTimeAsync(499);
    expect(fx.count('run:api.activate')).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fx.count('run:api.activate')).toBe(2);
    expect(fx.calls.filter((c) => c.key === 'run:api.activate').map((c) => c.at)).toEqual([
      1_000_000, 1_000_500,
    ]);
  });

  it('activates again with the next attempt number when the operator retries', async () => {
    const { h, fx, rec } = start(deploy(), {
      commands: { 'api.activate': [exited(1), exited(0)] },
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(lastUpdate(h)?.state).toBe('failed');
    h.send({ type: 'service.retry' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(fx.count('run:api.activate')).toBe(2);
    expect(recorded(rec).slice(-3)).toEqual(['activating', 'checking', 'healthy']);
    expect(lastUpdate(h)).toMatchObject({ attempt: 2, maxAttempts: 2 });
    // A new round drops the old failure: `activating` brings no reason.
    expect(rec.of('service.state').at(-3)).not.toHaveProperty('reason');
  });

  it('ends skipped when the operator skips a failed service', async () => {
    const { h } = start(deploy(), {
      commands: { 'api.activate': [{ ...exited(0), exitCode: null, timedOut: true }] },
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(lastUpdate(h)?.reason).toBe('api.activate timed out after 10.0 s (attempt 1/1)');
    h.send({ type: 'service.skip' });
    expect(h.output()).toEqual({
      service: 'api',
      state: 'skipped',
      reason: 'api.activate timed out after 10.0 s (attempt 1/1)',
    });
  });

  it('starts a process service with startProcess instead of a command, and records the instance', async () => {
    const spec = service({ kind: 'process', process: cmd('node db.js'), health: probe() });
    delete spec.activate;
    const { fx, rec } = start(deploy({ service: spec }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(fx.log(/^run:/)).toEqual([]);
    expect(fx.inputs('start:api')).toEqual([{ service: 'api', command: cmd('node db.js') }]);
    expect(recorded(rec).at(-1)).toBe('healthy');
    expect(rec.of('service.process')).toEqual([
      {
        type: 'service.process',
        service: 'api',
        pid: 4001,
        logFile: '/tmp/logs/api.log',
        startedAt: 1_000_000,
      },
    ]);
    expect(rec.of('service.activated')).toEqual([]);
  });

  it('fails with the message when the process cannot be started', async () => {
    const spec = service({ kind: 'process', process: cmd('node db.js') });
    delete spec.activate;
    const { h } = start(deploy({ service: spec }), {
      starts: { api: [new Error('spawn ENOENT')] },
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(lastUpdate(h)).toMatchObject({
      state: 'failed',
      reason: 'api.process failed: spawn ENOENT (attempt 1/1)',
    });
  });

  it('becomes unhealthy with the health verdict reason, its probe attempts recorded', async () => {
    const { h, rec } = start(deploy({ service: service({ health: probe({ retries: 2 }) }) }), {
      probes: { [LABEL]: [false] },
    });
    await vi.advanceTimersByTimeAsync(5000);
    expect(lastUpdate(h)).toMatchObject({ state: 'unhealthy', verdict: 'unhealthy' });
    expect(lastUpdate(h)?.reason).toContain('http GET http://127.0.0.1:1/healthz failed 2/2');
    const unhealthy = rec.of('service.state').find((f) => f.state === 'unhealthy');
    expect(unhealthy?.failure).toMatchObject({
      kind: 'probe',
      probe: 'http GET http://127.0.0.1:1/healthz',
      failures: 2,
      of: 2,
    });
    expect(unhealthy?.reason).toBe(wordFailure(unhealthy!.failure!));
    // The health machine records into the same journal; the service does not relay attempts.
    expect(h.received.filter((e) => e.type !== 'service.update')).toEqual([]);
    expect(rec.of('health.attempt').map((a) => [a.service, a.attempt, a.of, a.ok])).toEqual([
      ['api', 0, 2, false],
      ['api', 1, 2, false],
      ['api', 2, 2, false],
    ]);
  });

  it('turns degraded when a dependency turns unhealthy, naming the dependency', async () => {
    const { h } = start(deploy());
    await vi.advanceTimersByTimeAsync(1000);
    h.send({ type: 'dependency.unhealthy', dependency: 'db' });
    expect(lastUpdate(h)).toMatchObject({
      state: 'degraded',
      verdict: 'degraded',
      reason: 'dependency db is unhealthy',
    });
  });

  it('aborts the running activation when the actor is stopped', async () => {
    const { h, fx } = start(deploy(), { commands: { 'api.activate': ['hold'] } });
    await vi.advanceTimersByTimeAsync(10);
    const signal = fx.heldSignal('run:api.activate');
    expect(signal?.aborted).toBe(false);
    h.parent.stop();
    expect(signal?.aborted).toBe(true);
  });
});

describe('service machine, resumed', () => {
  it('does not run an activation journaled as succeeded again: it checks health at once', async () => {
    const { fx, rec } = start(deploy({ resume: { activated: true } }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(fx.log(/^run:/)).toEqual([]);
    expect(fx.count(`probe:${LABEL}`)).toBe(1);
    // It enters at checking health: no `activating` is recorded for it.
    expect(recorded(rec)).toEqual(['checking', 'healthy']);
    expect(rec.of('service.activated')).toEqual([
      {
        type: 'service.activated',
        service: 'api',
        attempt: 1,
        exitCode: 0,
        durationMs: 0,
        resumed: true,
      },
    ]);
  });

  it('does not start a process found running again, and records the instance as resumed', async () => {
    const spec = service({ kind: 'process', process: cmd('node db.js'), health: probe() });
    delete spec.activate;
    const instance = { pid: 777, procStart: 12, logFile: '/tmp/logs/api.log', startedAt: 5 };
    const { fx, rec } = start(deploy({ service: spec, resume: { process: instance } }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(fx.log(/^start:/)).toEqual([]);
    expect(recorded(rec).at(-1)).toBe('healthy');
    expect(rec.of('service.process')).toEqual([
      { type: 'service.process', service: 'api', ...instance, resumed: true },
    ]);
  });

  it('runs the activation again when the operator retries after a resumed check failed', async () => {
    const { h, fx } = start(
      deploy({
        service: service({ health: probe({ retries: 1, intervalMs: 50 }) }),
        resume: { activated: true },
      }),
      { probes: { [LABEL]: [false, true] } },
    );
    await vi.advanceTimersByTimeAsync(3000);
    expect(lastUpdate(h)?.state).toBe('unhealthy');
    expect(fx.log(/^run:/)).toEqual([]);
    h.send({ type: 'service.retry' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(fx.log(/^run:/)).toEqual(['run:api.activate']);
    expect(lastUpdate(h)).toMatchObject({ state: 'healthy', attempt: 2 });
  });
});

describe('service machine, rollback mode', () => {
  const previousEnv = { RELEASE: '2026.11.25' };

  it('runs the rollback command with the previous variables, re-checks health and is rolled back', async () => {
    const spec = service({ rollback: cmd('./deploy-api.sh'), health: probe() });
    const { h, fx } = start({
      service: spec,
      mode: 'rollback',
      retries: 0,
      rollback: { wasRunning: true, previousEnv },
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(fx.log(/^run:/)).toEqual(['run:api.rollback']);
    expect(fx.inputs('run:api.rollback')).toEqual([
      {
        label: 'api.rollback',
        command: cmd('./deploy-api.sh'),
        timeoutMs: 10_000,
        env: previousEnv,
      },
    ]);
    expect(told(h).map((e) => e.state)).toEqual(['rolling-back', 'rolled-back']);
    expect(h.output()?.state).toBe('rolled-back');
  });

  it('restarts a process that was running before with the previous variables', async () => {
    const spec = service({ kind: 'process', process: cmd('node db.js') });
    const { h, fx, rec } = start({
      service: spec,
      mode: 'rollback',
      retries: 0,
      rollback: { wasRunning: true, previousEnv },
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(fx.inputs('start:api')).toEqual([
      { service: 'api', command: cmd('node db.js'), env: previousEnv },
    ]);
    expect(fx.log(/^stop:/)).toEqual([]);
    expect(h.output()).toEqual({ service: 'api', state: 'rolled-back' });
    expect(rec.of('service.process')).toHaveLength(1);
  });

  it('stops a process that was not running before', async () => {
    const spec = service({ kind: 'process', process: cmd('node db.js') });
    const { h, fx } = start({
      service: spec,
      mode: 'rollback',
      retries: 0,
      rollback: { wasRunning: false },
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(fx.inputs('stop:api')).toEqual([{ service: 'api' }]);
    expect(fx.log(/^start:/)).toEqual([]);
    expect(h.output()?.state).toBe('rolled-back');
  });

  it('ends rollback-failed with the reason when the rollback command fails', async () => {
    const spec = service({ rollback: cmd('./deploy-api.sh') });
    const { h } = start(
      { service: spec, mode: 'rollback', retries: 0, rollback: { wasRunning: true } },
      { commands: { 'api.rollback': [exited(2, 'no previous release')] } },
    );
    await vi.advanceTimersByTimeAsync(100);
    expect(h.output()).toEqual({
      service: 'api',
      state: 'rollback-failed',
      reason: 'api.rollback exited with code 2 (last output: "no previous release")',
      failure: {
        kind: 'command',
        label: 'api.rollback',
        exitCode: 2,
        timedOut: false,
        canceled: false,
        durationMs: 5,
        timeoutMs: 10_000,
        lastLine: 'no previous release',
      },
    });
    expect(lastUpdate(h)?.state).toBe('rollback-failed');
  });

  it('ends rollback-failed when the restored service is unhealthy', async () => {
    const spec = service({ rollback: cmd('./deploy-api.sh'), health: probe({ retries: 1 }) });
    const { h } = start(
      { service: spec, mode: 'rollback', retries: 0 },
      { probes: { [LABEL]: [false] } },
    );
    await vi.advanceTimersByTimeAsync(3000);
    expect(h.output()?.state).toBe('rollback-failed');
    expect(h.output()?.reason).toContain('failed 1/1');
  });

  it('is rolled back at once when there is nothing to run and no probe', () => {
    const spec = service();
    delete spec.rollback;
    const { h, fx } = start({ service: spec, mode: 'rollback', retries: 0 });
    expect(fx.calls).toEqual([]);
    expect(h.output()).toEqual({ service: 'api', state: 'rolled-back' });
  });
});
