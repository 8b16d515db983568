/**
 * The rollout statechart inside a real stage (real service and health machines, fake effects):
 * batches start one after another, each only once the one before is healthy and has held for
 * minHealthy (and passed its confirming probe); a failure within the budget is tolerated (the
 * instance is skipped, a warning names its host) and one over it fails the stage naming the hosts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RolloutSpec, ServiceSpec } from '../../src/config/plan-types.js';
import type { StageInput } from '../../src/machines/stage/index.js';
import { exited } from './fake-effects.js';
import { probe, service, stage } from './deployment-fixtures.js';
import { runStage, type StageRun } from './stage-harness.js';

const NOW = 1_700_000_000_000;
const HOSTS = ['web-1', 'web-2', 'web-3'];

function fleet(extra: Partial<RolloutSpec> = {}): StageInput {
  const services: Record<string, ServiceSpec> = {};
  const instances = HOSTS.map((h) => `api@${h}`);
  for (const [i, name] of instances.entries())
    services[name] = {
      ...service(name, 'app'),
      health: probe(`${name}.health`),
      placement: { service: 'api', host: HOSTS[i] ?? '' },
    };
  services.web = service('web', 'app', instances);
  const rollout: RolloutSpec = {
    service: 'api',
    instances,
    hosts: HOSTS,
    batches: [1, 1, 1],
    failureBudget: 0,
    minHealthyMs: 0,
    ...extra,
  };
  return {
    stage: stage('app', [...instances, 'web']),
    services,
    healthy: [],
    retries: 0,
    rollouts: { api: rollout },
  };
}

const settle = () => vi.advanceTimersByTimeAsync(0);
const activations = (r: StageRun) => r.fx.log(/^run:.*activate/).map((k) => k.slice(4));

let run: StageRun | undefined;
beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
});
afterEach(() => {
  run?.parent.stop();
  run = undefined;
  vi.useRealTimers();
});

describe('rollout: batches, minHealthy and the failure budget', () => {
  it('starts batch 2 only once batch 1 is healthy, and the dependents of the service after the last', async () => {
    run = runStage(fleet(), { commands: { 'api@web-1.activate': ['hold'] } });
    await settle();
    expect(activations(run)).toEqual(['api@web-1.activate']);
    run.fx.release('run:api@web-1.activate', exited(0));
    await settle();
    await vi.advanceTimersByTimeAsync(10);
    expect(activations(run)).toEqual([
      'api@web-1.activate',
      'api@web-2.activate',
      'api@web-3.activate',
      'web.activate',
    ]);
    expect(run.outputs[0]?.result).toBe('succeeded');
    const batches = run.rec.facts.filter((f) => f.type === 'rollout.batch');
    expect(batches.map((f) => (f.type === 'rollout.batch' ? `${f.batch}/${f.of}` : ''))).toEqual([
      '1/3',
      '2/3',
      '3/3',
    ]);
  });

  it('holds each batch for minHealthy and confirms it with a probe before the next', async () => {
    run = runStage(fleet({ minHealthyMs: 5000 }));
    await settle();
    expect(activations(run)).toEqual(['api@web-1.activate']);
    await vi.advanceTimersByTimeAsync(4900);
    expect(activations(run)).toEqual(['api@web-1.activate']);
    await vi.advanceTimersByTimeAsync(200);
    expect(activations(run)).toEqual(['api@web-1.activate', 'api@web-2.activate']);
    expect(run.fx.log(/^probe:api@web-1.minHealthy/)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(11_000);
    expect(run.outputs[0]?.result).toBe('succeeded');
  });

  it('tolerates a failed host within the budget: skipped, a warning names it, the rest goes on', async () => {
    run = runStage(fleet({ failureBudget: 1 }), {
      commands: { 'api@web-2.activate': [exited(1, 'boom')] },
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(activations(run)).toEqual([
      'api@web-1.activate',
      'api@web-2.activate',
      'api@web-3.activate',
      'web.activate',
    ]);
    expect(run.outputs[0]).toMatchObject({ result: 'succeeded', tolerated: ['api@web-2'] });
    const warnings = run.rec.facts.flatMap((f) => (f.type === 'warning' ? [f.message] : []));
    expect(warnings.join('\n')).toMatch(/web-2 \(failed: .*\): within the failure budget of 1/);
    expect(run.failures()).toEqual([]);
  });

  it('fails the stage once the budget is exceeded, naming the hosts, and starts no further batch', async () => {
    run = runStage(fleet({ failureBudget: 0, batches: [1, 2] }), {
      commands: { 'api@web-1.activate': [exited(1, 'boom')] },
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(activations(run)).toEqual(['api@web-1.activate']);
    const [failure] = run.failures();
    expect(failure?.reason).toMatch(
      /^api: 1 of 3 hosts failed or unknown, over the failure budget of 0: web-1 \(failed/,
    );
    expect(failure).toMatchObject({ canRetry: false, canSkip: false, service: 'api@web-1' });
    run.stage().send({ type: 'decision.rollback', by: 'test' });
    await settle();
    expect(run.outputs[0]?.result).toBe('rollback');
  });

  it('counts an instance whose connection was lost as unknown, against the budget', async () => {
    run = runStage(fleet({ failureBudget: 0 }), {
      commands: {
        'api@web-1.activate': [
          { ...exited(0), exitCode: null, lost: true, error: 'connection to web-1 lost' },
        ],
      },
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(run.failures()[0]?.reason).toMatch(/web-1 \(unknown: /);
  });
});
