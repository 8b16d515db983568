import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { plan, probe, stage } from './deployment-fixtures.js';
import { runStage } from './stage-harness.js';
import type { StageRun } from './stage-harness.js';
import type { StageInput } from '../../src/machines/stage.machine.js';

const p = plan();
const appInput = (extra: Partial<StageInput['stage']> = {}): StageInput => ({
  stage: stage('app', ['api', 'web', 'worker'], extra),
  services: p.services,
  healthy: ['db'],
  retries: 0,
});

let run: StageRun | undefined;
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  run?.parent.stop();
  run = undefined;
  vi.useRealTimers();
});

const failures = (r: StageRun) => r.events.filter((e) => e.type === 'stage.failure');

describe('stage machine', () => {
  it('in a parallel stage starts a service the moment its own dependency is healthy', () => {
    run = runStage(appInput(), { api: ['hold'], worker: ['hold'] });
    expect(run.log).toEqual(['start:api', 'start:worker']);
    run.service('api').send({ type: 'fake.finish', state: 'healthy' });
    // web (depends on api) starts while worker is still activating
    expect(run.log).toEqual(['start:api', 'start:worker', 'start:web']);
    expect(run.outputs).toEqual([]);
    run.service('worker').send({ type: 'fake.finish', state: 'healthy' });
    expect(run.outputs).toEqual([
      { result: 'succeeded', activated: ['api', 'web', 'worker'], degraded: [] },
    ]);
  });

  it('in a sequential stage starts one service at a time in listed order', () => {
    run = runStage(appInput({ parallel: false, services: ['worker', 'api', 'web'] }), {
      worker: ['hold'],
    });
    expect(run.log).toEqual(['start:worker']);
    run.service('worker').send({ type: 'fake.finish', state: 'degraded' });
    expect(run.log).toEqual(['start:worker', 'start:api', 'start:web']);
    expect(run.outputs[0]).toEqual({
      result: 'succeeded',
      activated: ['worker', 'api', 'web'],
      degraded: ['worker'],
    });
  });

  it('forwards service updates to its parent and tells it when it runs', () => {
    run = runStage(appInput());
    const updates = run.events
      .filter((e) => e.type === 'service.update')
      .map((e) => `${e.service}:${e.state}`);
    expect(updates).toContain('web:waiting');
    expect(updates).toContain('api:healthy');
    expect(run.events.some((e) => e.type === 'stage.update' && e.status === 'running')).toBe(true);
  });

  it('fails the stage when its deadline passes and asks its parent', () => {
    run = runStage(appInput({ timeoutMs: 1000 }), { worker: ['hold'] });
    vi.advanceTimersByTime(999);
    expect(failures(run)).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(failures(run)).toEqual([
      {
        type: 'stage.failure',
        stage: 'app',
        reason: 'stage app missed its deadline of 1.0 s (not done: worker)',
        canRetry: true,
        canSkip: false,
      },
    ]);
    run.stage().send({ type: 'decision.abort', by: 'operator' });
    expect(run.outputs[0]?.result).toBe('abort');
  });

  it('offers skip for a failed service nothing depends on, and skipping finishes the stage', () => {
    run = runStage(appInput(), { web: ['failed'] });
    expect(failures(run)).toEqual([
      {
        type: 'stage.failure',
        stage: 'app',
        service: 'web',
        reason: 'web failed (fake)',
        canRetry: true,
        canSkip: true,
      },
    ]);
    run.stage().send({ type: 'decision.skip', by: 'operator' });
    expect(run.outputs[0]).toEqual({
      result: 'succeeded',
      activated: ['api', 'worker'],
      degraded: [],
    });
  });

  it('does not skip a failed service another service depends on', () => {
    run = runStage(appInput(), { api: ['unhealthy'] });
    expect(failures(run)[0]).toMatchObject({ service: 'api', canSkip: false });
    run.stage().send({ type: 'decision.skip', by: 'operator' });
    expect((run.stage().getSnapshot() as { value: unknown }).value).toBe('failed');
  });

  it('retries a failed service on decision.retry and succeeds when it turns healthy', () => {
    run = runStage(appInput(), { api: ['failed', 'healthy'] });
    expect(run.log).toEqual(['start:api', 'start:worker']);
    run.stage().send({ type: 'decision.retry', by: 'operator' });
    expect(run.log).toEqual(['start:api', 'start:worker', 'start:api', 'start:web']);
    expect(run.outputs[0]?.result).toBe('succeeded');
  });

  it('finishes with result rollback on decision.rollback', () => {
    run = runStage(appInput(), { worker: ['failed'] });
    run.stage().send({ type: 'decision.rollback', by: 'operator' });
    expect(run.outputs[0]).toEqual({ result: 'rollback', activated: ['api', 'web'], degraded: [] });
  });

  it('runs verify checks once all services are up, and a failed check asks and can be retried', async () => {
    const verify = [
      { name: 'smoke', probe: probe('command ./smoke.sh') },
      { name: 'e2e', probe: probe('command ./e2e.sh') },
    ];
    run = runStage(appInput({ verify }), {}, [true, false, true]);
    await vi.waitFor(() => expect(failures(run!)).toHaveLength(1));
    expect(failures(run)[0]?.reason).toBe(
      'stage app: verify e2e (command ./e2e.sh) failed: exit 1',
    );
    run.stage().send({ type: 'decision.retry', by: 'operator' });
    await vi.waitFor(() => expect(run!.outputs).toHaveLength(1));
    expect(run.log.filter((l) => l.startsWith('probe:'))).toEqual([
      'probe:stage.app.verify.smoke',
      'probe:stage.app.verify.e2e',
      'probe:stage.app.verify.e2e',
    ]);
    expect(run.outputs[0]?.result).toBe('succeeded');
  });

  it('fails at once, with the error as the reason, when a service actor throws', () => {
    run = runStage(appInput(), { worker: ['crash'] });
    expect(failures(run)).toEqual([
      {
        type: 'stage.failure',
        stage: 'app',
        service: 'worker',
        reason: 'worker failed: worker crashed (fake)',
        canRetry: false,
        canSkip: false,
      },
    ]);
    expect(run.events).toContainEqual(
      expect.objectContaining({ type: 'service.update', service: 'worker', state: 'failed' }),
    );
    run.stage().send({ type: 'decision.rollback', by: 'alice' });
    expect(run.outputs[0]?.result).toBe('rollback');
  });

  it('fails at once when a dependency from another stage is not healthy (its stage was skipped)', () => {
    run = runStage({ ...appInput(), healthy: [] });
    expect(run.log).toEqual([]);
    expect(failures(run)).toEqual([
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
});
