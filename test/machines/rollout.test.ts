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

/** db and api both on web-1..3 (api needs db on its own host), one stage or two. */
function pair(split: boolean): { first: StageInput; second?: StageInput } {
  const services: Record<string, ServiceSpec> = {};
  const of = (svc: string) => HOSTS.map((h) => `${svc}@${h}`);
  for (const svc of ['db', 'api'])
    for (const [i, name] of of(svc).entries())
      services[name] = {
        ...service(name, split ? svc : 'app', svc === 'api' ? [`db@${HOSTS[i]}`] : []),
        placement: { service: svc, host: HOSTS[i] ?? '' },
      };
  const rollout = (svc: string, failureBudget: number): RolloutSpec => ({
    service: svc,
    instances: of(svc),
    hosts: HOSTS,
    batches: [1, 1, 1],
    failureBudget,
    minHealthyMs: 0,
  });
  const rollouts = { db: rollout('db', 1), api: rollout('api', 0) };
  const base = { services, healthy: [], retries: 0, rollouts };
  if (!split) return { first: { ...base, stage: stage('app', [...of('db'), ...of('api')]) } };
  return {
    first: { ...base, stage: stage('db', of('db')) },
    second: { ...base, stage: stage('api', of('api')) },
  };
}

describe('rollout: what needs a tolerated instance on its host', () => {
  const broken = { commands: { 'db@web-2.activate': [exited(1, 'boom')] } };

  it('is left out (skipped, named in a warning) and not counted against its own budget', async () => {
    run = runStage(pair(false).first, broken);
    await vi.advanceTimersByTimeAsync(200);
    const api = activations(run).filter((a) => a.startsWith('api@'));
    expect(api.sort()).toEqual(['api@web-1.activate', 'api@web-3.activate']);
    expect(run.failures()).toEqual([]);
    const out = run.outputs[0];
    expect(out?.result).toBe('succeeded');
    expect(out?.warnings?.join('\n')).toMatch(
      /api@web-2 was not started: db@web-2, which it needs on web-2, failed within its failure budget/,
    );
    expect(out?.warnings?.join('\n')).toMatch(/web-2 \(failed: .*within the failure budget of 1/);
    const skipped = run.rec.facts.filter(
      (f) => f.type === 'service.state' && f.service === 'api@web-2' && f.state === 'skipped',
    );
    expect(skipped).toHaveLength(1);
  });

  it('is left out in a later stage too, from the instances the stage before tolerated', async () => {
    const { first, second } = pair(true);
    run = runStage(first, broken);
    await vi.advanceTimersByTimeAsync(200);
    expect(run.outputs[0]).toMatchObject({ result: 'succeeded', tolerated: ['db@web-2'] });
    run.parent.stop();
    const next = second!;
    run = runStage(
      { ...next, healthy: ['db@web-1', 'db@web-2', 'db@web-3'], tolerated: ['db@web-2'] },
      {},
    );
    await vi.advanceTimersByTimeAsync(200);
    expect(activations(run).sort()).toEqual(['api@web-1.activate', 'api@web-3.activate']);
    expect(run.outputs[0]?.result).toBe('succeeded');
    expect(run.outputs[0]?.warnings?.join('\n')).toMatch(/api@web-2 was not started: db@web-2/);
  });

  it('a failed minHealthy confirmation within the budget is a warning of the stage', async () => {
    const input = fleet({ failureBudget: 1, minHealthyMs: 1000, batches: [1, 2] });
    run = runStage(input, {
      probes: { 'api@web-1.minHealthy': [{ ok: false, detail: '503', durationMs: 1 }] },
    });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(run.outputs[0]?.result).toBe('succeeded');
    expect(run.outputs[0]?.warnings?.join('\n')).toMatch(
      /web-1 \(failed: unhealthy after 1000 ms of minHealthy: 503\): within the failure budget of 1/,
    );
  });
});
