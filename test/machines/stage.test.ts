import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServiceSpec } from '../../src/config/plan-types.js';
import type { StageInput } from '../../src/machines/stage/index.js';
import { exited, measured, probed } from './fake-effects.js';
import { plan, probe, stage } from './deployment-fixtures.js';
import { runStage, type StageRun } from './stage-harness.js';

const NOW = 1_700_000_000_000;
const p = plan();
const appInput = (
  extra: Partial<StageInput['stage']> = {},
  services: Record<string, ServiceSpec> = p.services,
): StageInput => ({
  stage: stage('app', ['api', 'web', 'worker'], extra),
  services,
  healthy: ['db'],
  retries: 0,
});
/** The plan's services with one of them changed. */
const withService = (name: string, change: Partial<ServiceSpec>): Record<string, ServiceSpec> => {
  const spec = p.services[name];
  if (spec === undefined) throw new Error(`no service ${name}`);
  return { ...p.services, [name]: { ...spec, ...change } };
};
/** Lets every settled effect and the transitions it causes run (no timer fires). */
const settle = () => vi.advanceTimersByTimeAsync(0);

let run: StageRun | undefined;
beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
});
afterEach(() => {
  run?.parent.stop();
  run = undefined;
  vi.useRealTimers();
});

const activations = (r: StageRun) => r.fx.log(/^run:/);
const updates = (r: StageRun) =>
  r.events.filter((e) => e.type === 'service.update').map((e) => `${e.service}:${e.state}`);

describe('stage machine: service actors live only while the stage needs them', () => {
  const serviceChildren = (r: StageRun): string[] =>
    Object.keys((r.stage().getSnapshot() as { children: Record<string, unknown> }).children)
      .filter((id) => id.startsWith('service:'))
      .sort();

  it('creates a service when it starts, records that the others wait, and releases each once healthy', async () => {
    run = runStage(appInput(), {
      commands: {
        'api.activate': ['hold'],
        'worker.activate': ['hold'],
        'web.activate': ['hold'],
      },
    });
    await settle();
    // web waits for api: it has no actor yet, the stage recorded that it waits.
    expect(serviceChildren(run)).toEqual(['service:api', 'service:worker']);
    expect(run.rec.of('service.state').filter((f) => f.state === 'waiting')).toEqual([
      { type: 'service.state', service: 'web', state: 'waiting', attempt: 1, maxAttempts: 1 },
    ]);
    // The stage's `running` is recorded before anything its services record.
    expect(run.rec.facts[0]).toMatchObject({ type: 'stage.status', status: 'running' });
    run.fx.release('run:api.activate');
    await settle();
    // api is healthy: released; web started.
    expect(serviceChildren(run)).toEqual(['service:web', 'service:worker']);
    run.fx.release('run:worker.activate');
    run.fx.release('run:web.activate');
    await settle();
    expect(run.outputs).toEqual([
      { result: 'succeeded', activated: ['api', 'worker', 'web'], degraded: [] },
    ]);
  });

  it('keeps a failed service until the decision: a retry goes to the same actor', async () => {
    run = runStage(appInput(), { commands: { 'worker.activate': [exited(1, 'no'), exited(0)] } });
    await settle();
    expect(run.failures()).toHaveLength(1);
    expect(serviceChildren(run)).toEqual(['service:worker']);
    run.stage().send({ type: 'decision.retry', by: 'tester' });
    await settle();
    expect(activations(run).filter((a) => a === 'run:worker.activate')).toHaveLength(2);
    expect(run.outputs[0]?.result).toBe('succeeded');
  });
});

describe('stage machine', () => {
  it('in a parallel stage starts a service the moment its own dependency is healthy', async () => {
    run = runStage(appInput(), {
      commands: { 'api.activate': ['hold'], 'worker.activate': ['hold'] },
    });
    await settle();
    expect(activations(run)).toEqual(['run:api.activate', 'run:worker.activate']);
    run.fx.release('run:api.activate');
    await settle();
    // web (depends on api) starts while worker is still activating
    expect(activations(run)).toEqual([
      'run:api.activate',
      'run:worker.activate',
      'run:web.activate',
    ]);
    expect(run.outputs).toEqual([]);
    run.fx.release('run:worker.activate');
    await settle();
    expect(run.outputs).toEqual([
      { result: 'succeeded', activated: ['api', 'web', 'worker'], degraded: [] },
    ]);
  });

  it('in a sequential stage starts one service at a time in listed order', async () => {
    const services = withService('worker', {
      health: probe('worker-probe'),
      performance: { url: 'http://127.0.0.1:1/', samples: 5, p95Ms: 100, timeoutMs: 1000 },
    });
    run = runStage(appInput({ parallel: false, services: ['worker', 'api', 'web'] }, services), {
      commands: { 'worker.activate': ['hold'] },
      performance: { 'worker.performance': [measured(false)] },
    });
    await settle();
    expect(activations(run)).toEqual(['run:worker.activate']);
    run.fx.release('run:worker.activate');
    await settle();
    expect(activations(run)).toEqual([
      'run:worker.activate',
      'run:api.activate',
      'run:web.activate',
    ]);
    expect(run.outputs[0]).toEqual({
      result: 'succeeded',
      activated: ['worker', 'api', 'web'],
      degraded: ['worker'],
    });
  });

  it('records its status as it goes and tells its parent the service updates it decides on', async () => {
    run = runStage(appInput());
    await settle();
    expect(run.rec.of('stage.status')).toEqual([
      { type: 'stage.status', stage: 'app', status: 'running', deadline: NOW + 600_000 },
      { type: 'stage.status', stage: 'app', status: 'verifying' },
      { type: 'stage.status', stage: 'app', status: 'succeeded' },
    ]);
    expect(updates(run)).toContain('api:healthy');
    // web waited for api: recorded by web itself, not told (nothing to decide on).
    expect(run.rec.of('service.state').map((f) => `${f.service}:${f.state}`)).toContain(
      'web:waiting',
    );
    const decisive = run.rec
      .of('service.state')
      .filter((f) => !['pending', 'waiting', 'checking'].includes(f.state))
      .map((f) => `${f.service}:${f.state}`);
    expect(updates(run)).toEqual(decisive);
  });

  it('fails the stage when its deadline passes and asks its parent', async () => {
    run = runStage(appInput({ timeoutMs: 1000 }), { commands: { 'worker.activate': ['hold'] } });
    await vi.advanceTimersByTimeAsync(999);
    expect(run.failures()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(run.failures()).toEqual([
      {
        type: 'stage.failure',
        stage: 'app',
        reason: 'stage app missed its deadline of 1.0 s (not done: worker)',
        canRetry: true,
        canSkip: false,
      },
    ]);
    expect(run.rec.of('stage.status').at(-1)).toEqual({
      type: 'stage.status',
      stage: 'app',
      status: 'failed',
    });
    run.stage().send({ type: 'decision.abort', by: 'operator' });
    expect(run.outputs[0]?.result).toBe('abort');
  });

  it('gives the stage its whole timeout again when a missed deadline is retried', async () => {
    run = runStage(appInput({ timeoutMs: 1000 }), { commands: { 'worker.activate': ['hold'] } });
    await vi.advanceTimersByTimeAsync(1000);
    expect(run.failures()).toHaveLength(1);
    run.stage().send({ type: 'decision.retry', by: 'operator' });
    await vi.advanceTimersByTimeAsync(999);
    expect(run.failures()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(run.failures()).toHaveLength(2);
    // Still the one activation: a deadline retry does not restart the services.
    expect(run.fx.count('run:worker.activate')).toBe(1);
  });

  it('has no deadline of its own when it is the implicit stage of a plan without stages', async () => {
    run = runStage(
      {
        ...appInput({ name: 'all', implicit: true, timeoutMs: 0 }),
        stage: stage('all', ['api', 'web', 'worker'], { implicit: true, timeoutMs: 0 }),
      },
      { commands: { 'worker.activate': ['hold'] } },
    );
    await vi.advanceTimersByTimeAsync(24 * 3600_000);
    expect(run.failures()).toEqual([]);
    expect(run.rec.of('stage.status')).toEqual([
      { type: 'stage.status', stage: 'all', status: 'running' },
    ]);
    run.fx.release('run:worker.activate');
    await settle();
    expect(run.outputs[0]?.result).toBe('succeeded');
  });

  it('offers skip for a failed service nothing depends on, and skipping finishes the stage', async () => {
    run = runStage(appInput(), { commands: { 'web.activate': [exited(1)] } });
    await settle();
    expect(run.failures()).toEqual([
      {
        type: 'stage.failure',
        stage: 'app',
        service: 'web',
        reason: 'web.activate exited with code 1 (attempt 1/1)',
        canRetry: true,
        canSkip: true,
      },
    ]);
    run.stage().send({ type: 'decision.skip', by: 'operator' });
    await settle();
    // The stage finishes in the same step (it counts web as skipped at once); web records it.
    expect(run.rec.of('service.state').at(-1)).toMatchObject({ service: 'web', state: 'skipped' });
    expect(run.outputs[0]).toEqual({
      result: 'succeeded',
      activated: ['api', 'worker'],
      degraded: [],
    });
  });

  it('does not skip a failed service another service depends on', async () => {
    const services = withService('api', {
      health: probe('api-probe', { retries: 1, intervalMs: 50 }),
    });
    run = runStage(appInput({}, services), {
      probes: { 'api-probe': [probed(false, 'exit 1')] },
    });
    await settle();
    expect(run.failures()[0]).toMatchObject({ service: 'api', canSkip: false, canRetry: true });
    expect(run.failures()[0]?.reason).toMatch(/^api-probe failed 1\/1 after 0\.0 s/);
    run.stage().send({ type: 'decision.skip', by: 'operator' });
    expect((run.stage().getSnapshot() as { value: unknown }).value).toBe('failed');
  });

  it('retries a failed service on decision.retry and succeeds when it turns healthy', async () => {
    run = runStage(appInput(), { commands: { 'api.activate': [exited(1), exited(0)] } });
    await settle();
    expect(activations(run)).toEqual(['run:api.activate', 'run:worker.activate']);
    run.stage().send({ type: 'decision.retry', by: 'operator' });
    await settle();
    expect(activations(run)).toEqual([
      'run:api.activate',
      'run:worker.activate',
      'run:api.activate',
      'run:web.activate',
    ]);
    expect(run.outputs[0]?.result).toBe('succeeded');
  });

  it('finishes with result rollback on decision.rollback', async () => {
    run = runStage(appInput(), { commands: { 'worker.activate': ['hold'] } });
    await settle();
    run.fx.release('run:worker.activate', exited(1));
    await settle();
    expect(run.failures()).toHaveLength(1);
    run.stage().send({ type: 'decision.rollback', by: 'operator' });
    expect(run.outputs[0]).toEqual({ result: 'rollback', activated: ['api', 'web'], degraded: [] });
  });

  it('runs verify checks once all services are up, and a failed check asks and can be retried', async () => {
    const verify = [
      { name: 'smoke', probe: probe('command ./smoke.sh') },
      { name: 'e2e', probe: probe('command ./e2e.sh') },
    ];
    run = runStage(appInput({ verify }), {
      probes: { 'stage.app.verify.e2e': [probed(false, 'exit 1'), probed(true, 'exit 0')] },
    });
    await settle();
    expect(run.failures()).toHaveLength(1);
    expect(run.failures()[0]?.reason).toBe(
      'stage app: verify e2e (command ./e2e.sh) failed: exit 1',
    );
    run.stage().send({ type: 'decision.retry', by: 'operator' });
    await settle();
    expect(run.outputs).toHaveLength(1);
    expect(run.fx.log(/^probe:/)).toEqual([
      'probe:stage.app.verify.smoke',
      'probe:stage.app.verify.e2e',
      'probe:stage.app.verify.e2e',
    ]);
    expect(run.rec.of('check').map((c) => [c.phase, c.stage, c.name, c.ok, c.detail])).toEqual([
      ['verify', 'app', 'smoke', true, '200 OK'],
      ['verify', 'app', 'e2e', false, 'exit 1'],
      ['verify', 'app', 'e2e', true, 'exit 0'],
    ]);
    expect(run.outputs[0]?.result).toBe('succeeded');
  });

  it('fails at once, with the error as the reason, when a service actor throws', async () => {
    const services = withService('worker', { activate: undefined });
    run = runStage(appInput({}, services));
    await settle();
    const reason = 'worker failed: bug: services.worker.activate is missing from the resolved plan';
    expect(run.failures()).toEqual([
      {
        type: 'stage.failure',
        stage: 'app',
        service: 'worker',
        reason,
        canRetry: false,
        canSkip: false,
      },
    ]);
    expect(run.events).toContainEqual(
      expect.objectContaining({
        type: 'service.update',
        service: 'worker',
        state: 'failed',
        reason,
      }),
    );
    expect(run.rec.of('service.state')).toContainEqual(
      expect.objectContaining({ service: 'worker', state: 'failed', reason }),
    );
    run.stage().send({ type: 'decision.rollback', by: 'alice' });
    expect(run.outputs[0]?.result).toBe('rollback');
  });

  it('fails at once when a dependency from another stage is not healthy (its stage was skipped)', async () => {
    run = runStage({ ...appInput(), healthy: [] });
    await settle();
    expect(run.fx.calls).toEqual([]);
    expect(run.failures()).toEqual([
      {
        type: 'stage.failure',
        stage: 'app',
        service: 'api',
        reason:
          'api depends on db (stage data), which is not healthy: its stage was skipped or it did not start; api cannot start',
        canRetry: false,
        canSkip: false,
      },
    ]);
  });

  it('notes its healthy services that depend on an unhealthy dependency as degraded (the deployment records it)', async () => {
    run = runStage(appInput(), { commands: { 'web.activate': ['hold'] } });
    await settle();
    run.stage().send({ type: 'dependency.unhealthy', dependency: 'db' });
    await settle();
    // The deployment records the loss and its dependents; the stage adds nothing to the journal.
    expect(run.events.filter((e) => e.type === 'service.update' && e.state === 'degraded')).toEqual(
      [],
    );
    expect(run.rec.of('service.state').filter((f) => f.state === 'degraded')).toEqual([]);
    run.fx.release('run:web.activate');
    await settle();
    expect(run.outputs[0]).toEqual({
      result: 'succeeded',
      activated: ['api', 'worker', 'web'],
      degraded: ['api', 'worker'],
    });
  });

  it('hands each service what the interrupted run achieved: a journaled activation is not run again', async () => {
    run = runStage({ ...appInput(), resume: { api: { activated: true } } });
    await settle();
    expect(activations(run)).toEqual(['run:worker.activate', 'run:web.activate']);
    expect(run.rec.of('service.activated')).toContainEqual(
      expect.objectContaining({ service: 'api', resumed: true }),
    );
    expect(run.outputs[0]?.result).toBe('succeeded');
  });
});
