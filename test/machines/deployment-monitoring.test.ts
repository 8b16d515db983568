import { toPromise, waitFor, type AnyActorRef } from 'xstate';
import { describe, expect, it, vi } from 'vitest';
import type { ResolvedPlan, StageSpec } from '../../src/config/plan-types.js';
import { plan, probe, service, stage } from './deployment-fixtures.js';
import { fakeTimeFor } from './fake-time.js';
import { deployMonitored, type MonitoredRun } from './monitoring-harness.js';

const track = fakeTimeFor((r: MonitoredRun) => r.actor.stop());

/** db (probe `db-probe`, 1 s interval, 3 retries) in stage data; api → db without a probe. */
function monitoredPlan(stages: StageSpec[], extra: Partial<ResolvedPlan> = {}): ResolvedPlan {
  const services = {
    db: { ...service('db', 'data'), health: probe('db-probe') },
    api: service('api', 'app', ['db']),
    slow: service('slow', 'app'),
  };
  const used = new Set(stages.flatMap((s) => s.services));
  return plan({
    services: Object.fromEntries(Object.entries(services).filter(([n]) => used.has(n))),
    stages,
    activationOrder: ['db', 'api', 'slow'].filter((n) => used.has(n)),
    rollbackOrder: ['slow', 'api', 'db'].filter((n) => used.has(n)),
    ...extra,
  });
}

const start = (p: ResolvedPlan, holds: string[] = [], monitor = true): MonitoredRun =>
  track(deployMonitored(p, holds, monitor));
const view = (r: MonitoredRun, name: string) => r.actor.getSnapshot().context.services[name];

describe('deployment machine: dependency monitoring', () => {
  it('degrades a dependent of an earlier stage when its dependency turns unhealthy, then fails', async () => {
    const r = start(monitoredPlan([stage('data', ['db']), stage('app', ['api'])]));
    await waitFor(r.actor, (s) => s.matches('verifying'));
    expect(r.actor.getSnapshot().children['monitor:db']).toBeDefined();
    r.failing.add('db-probe');
    await vi.advanceTimersByTimeAsync(3_500);

    expect(view(r, 'db')).toMatchObject({ state: 'unhealthy', verdict: 'unhealthy' });
    expect(view(r, 'db')?.reason).toMatch(
      /^db turned unhealthy while monitored: db-probe failed 3\/3/,
    );
    expect(view(r, 'api')).toMatchObject({
      state: 'degraded',
      verdict: 'degraded',
      reason: 'dependency db is unhealthy',
    });
    expect(r.actor.getSnapshot().context.warnings).toContain(
      'api is degraded: dependency db is unhealthy',
    );

    r.verification.open();
    const out = await toPromise(r.actor);
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/db turned unhealthy while monitored/);
    expect(r.rollbackInputs[0]?.steps.map((s) => s.service.name)).toEqual(['api', 'db']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('tells a dependent in the running stage through its own service actor', async () => {
    const r = start(monitoredPlan([stage('data', ['db']), stage('app', ['api', 'slow'])]), [
      'slow.activate',
    ]);
    await waitFor(r.actor, (s) => s.context.services.api?.state === 'healthy');
    r.failing.add('db-probe');
    await vi.advanceTimersByTimeAsync(3_500);

    const stageActor = r.actor.getSnapshot().children.stage;
    const stageContext = (stageActor?.getSnapshot() as { context: { states: object } }).context;
    expect(stageContext.states).toMatchObject({ api: 'degraded' });
    expect(view(r, 'api')).toMatchObject({
      state: 'degraded',
      reason: 'dependency db is unhealthy',
    });

    r.holds.get('slow.activate')?.open();
    const out = await toPromise(r.actor);
    expect(out.result).toBe('failed');
    const warnings = r.actor.getSnapshot().context.warnings;
    expect(
      warnings.filter((w) => w === 'api is degraded: dependency db is unhealthy'),
    ).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('degrades a service that becomes healthy after its dependency was lost', async () => {
    const r = start(monitoredPlan([stage('data', ['db']), stage('app', ['api'])]), [
      'api.activate',
    ]);
    await waitFor(r.actor, (s) => s.context.services.api?.state === 'activating');
    r.failing.add('db-probe');
    await vi.advanceTimersByTimeAsync(3_500);
    expect(view(r, 'db')?.state).toBe('unhealthy');
    expect(view(r, 'api')?.state).toBe('activating');

    r.holds.get('api.activate')?.open();
    await waitFor(r.actor, (s) => s.context.services.api?.state === 'degraded');
    expect(view(r, 'api')?.reason).toBe('dependency db is unhealthy');
    expect((await toPromise(r.actor)).result).toBe('failed');
  });

  it('keeps probing a healthy dependency every interval and stops when the deployment ends', async () => {
    const r = start(monitoredPlan([stage('data', ['db']), stage('app', ['api'])]));
    await waitFor(r.actor, (s) => s.matches('verifying'));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(view(r, 'db')).toMatchObject({ state: 'healthy', lastProbe: { ok: true } });
    expect(view(r, 'api')?.state).toBe('healthy');

    r.verification.open();
    expect(await toPromise(r.actor)).toEqual({ result: 'succeeded', exitCode: 0 });
    const monitor = r.actor.getSnapshot().children['monitor:db'] as AnyActorRef | undefined;
    expect((monitor?.getSnapshot() as { status: string } | undefined)?.status).toBe('stopped');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not monitor when the input turns monitoring off', async () => {
    const r = start(monitoredPlan([stage('data', ['db']), stage('app', ['api'])]), [], false);
    await waitFor(r.actor, (s) => s.matches('verifying'));
    expect(r.actor.getSnapshot().children['monitor:db']).toBeUndefined();
    r.failing.add('db-probe');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(view(r, 'api')?.state).toBe('healthy');
    r.verification.open();
    expect((await toPromise(r.actor)).result).toBe('succeeded');
  });
});
