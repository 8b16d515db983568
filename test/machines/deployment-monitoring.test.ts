import { toPromise, waitFor, type AnyActorRef } from 'xstate';
import { describe, expect, it, vi } from 'vitest';
import type { ResolvedPlan, StageSpec } from '../../src/config/plan-types.js';
import { deploy, type DeployRun } from './deployment-harness.js';
import { plan, probe, service, stage } from './deployment-fixtures.js';
import { fakeTimeFor } from './fake-time.js';

const track = fakeTimeFor((r: DeployRun) => r.actor.stop());

/**
 * db (probe `db-probe`, 1 s interval, 3 retries) in stage data; api → db without a probe; slow
 * without dependencies. One integration check, `gate`, that the test lets pass.
 */
function monitoredPlan(stages: StageSpec[]): ResolvedPlan {
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
    integration: [{ name: 'gate', probe: probe('gate') }],
  });
}

const GATE = 'probe:integration.gate';
const start = (p: ResolvedPlan, holds: string[] = [], monitor = true): DeployRun =>
  track(
    deploy({
      plan: p,
      monitor,
      script: {
        commands: Object.fromEntries(holds.map((label) => [label, ['hold' as const]])),
        probes: { 'integration.gate': ['hold'] },
      },
    }),
  );
const row = (r: DeployRun, name: string) => r.rec.run.services[name];
const state = (r: DeployRun, name: string) => row(r, name)?.state;

describe('deployment machine: dependency monitoring', () => {
  it('degrades a dependent of an earlier stage when its dependency turns unhealthy, then fails', async () => {
    const r = start(monitoredPlan([stage('data', ['db']), stage('app', ['api'])]));
    await waitFor(r.actor, (s) => s.matches('verifying'));
    expect(r.actor.getSnapshot().children['monitor:db']).toBeDefined();
    r.fx.failing.add('db-probe');
    await vi.advanceTimersByTimeAsync(3_500);

    expect(row(r, 'db')).toMatchObject({ state: 'unhealthy', verdict: 'unhealthy' });
    expect(state(r, 'db')).toBe('unhealthy');
    expect(row(r, 'db')?.reason).toMatch(
      /^db turned unhealthy while monitored: db-probe failed 3\/3/,
    );
    expect(row(r, 'api')).toMatchObject({
      state: 'degraded',
      verdict: 'degraded',
      reason: 'dependency db is unhealthy',
    });
    expect(r.rec.run.lost).toEqual(['db']);
    expect(r.rec.of('monitor.lost')).toEqual([
      expect.objectContaining({
        service: 'db',
        reason: expect.stringMatching(/^db-probe failed 3\/3/) as string,
      }),
    ]);
    expect(r.actor.getSnapshot().context.warnings).toContain(
      'api is degraded: dependency db is unhealthy',
    );

    // Rolling db back brings it back: its probe passes again when the rollback re-checks it.
    r.fx.failing.clear();
    r.fx.release(GATE);
    const out = await toPromise(r.actor);
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/db turned unhealthy while monitored/);
    expect(r.rec.of('rollback.started').map((f) => f.steps)).toEqual([['api', 'db']]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('tells the running stage, which notes its dependent degraded (the actor was released once healthy)', async () => {
    const r = start(monitoredPlan([stage('data', ['db']), stage('app', ['api', 'slow'])]), [
      'slow.activate',
    ]);
    await r.reached('api', 'healthy');
    r.fx.failing.add('db-probe');
    await vi.advanceTimersByTimeAsync(3_500);

    // The stage released api's actor once it was healthy; it notes the loss in its own states
    // (its output lists api as degraded); the deployment recorded it, once.
    const stageActor = r.actor.getSnapshot().children.stage as AnyActorRef | undefined;
    const stageSnap = stageActor?.getSnapshot() as {
      children: Record<string, AnyActorRef | undefined>;
      context: { degraded: string[] };
    };
    expect(stageSnap.children['service:api']).toBeUndefined();
    expect(stageSnap.context.degraded).toEqual(['api']);
    expect(
      r.rec.of('service.state').filter((f) => f.service === 'api' && f.state === 'degraded'),
    ).toHaveLength(1);
    expect(row(r, 'api')).toMatchObject({
      state: 'degraded',
      reason: 'dependency db is unhealthy',
    });

    r.fx.failing.clear();
    r.fx.release('run:slow.activate');
    const out = await toPromise(r.actor);
    expect(out.result).toBe('failed');
    const warnings = r.actor.getSnapshot().context.warnings;
    expect(
      warnings.filter((w) => w === 'api is degraded: dependency db is unhealthy'),
    ).toHaveLength(1);
    expect(r.rec.run.warnings).toEqual(warnings);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('degrades a service that becomes healthy after its dependency was lost', async () => {
    const r = start(monitoredPlan([stage('data', ['db']), stage('app', ['api'])]), [
      'api.activate',
    ]);
    await r.reached('api', 'activating');
    r.fx.failing.add('db-probe');
    await vi.advanceTimersByTimeAsync(3_500);
    expect(state(r, 'db')).toBe('unhealthy');
    expect(state(r, 'api')).toBe('activating');

    r.fx.failing.clear();
    r.fx.release('run:api.activate');
    await r.reached('api', 'degraded');
    expect(r.rec.of('service.state')).toContainEqual({
      type: 'service.state',
      service: 'api',
      state: 'degraded',
      verdict: 'degraded',
      reason: 'dependency db is unhealthy',
      attempt: 1,
      maxAttempts: 1,
    });
    expect(r.rec.run.warnings).toContain('api is degraded: dependency db is unhealthy');
    expect((await toPromise(r.actor)).result).toBe('failed');
  });

  it('keeps probing a healthy dependency every interval and stops when the deployment ends', async () => {
    const r = start(monitoredPlan([stage('data', ['db']), stage('app', ['api'])]));
    await waitFor(r.actor, (s) => s.matches('verifying'));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(row(r, 'db')).toMatchObject({ state: 'healthy', lastProbe: { ok: true } });
    // The startup probe, then one every second while it is watched.
    expect(r.fx.count('probe:db-probe')).toBe(6);
    expect(state(r, 'api')).toBe('healthy');

    r.fx.release(GATE);
    expect(await toPromise(r.actor)).toEqual({ result: 'succeeded', interrupted: false });
    const monitor = r.actor.getSnapshot().children['monitor:db'] as AnyActorRef | undefined;
    expect((monitor?.getSnapshot() as { status: string } | undefined)?.status).toBe('stopped');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not monitor when the input turns monitoring off', async () => {
    const r = start(monitoredPlan([stage('data', ['db']), stage('app', ['api'])]), [], false);
    await waitFor(r.actor, (s) => s.matches('verifying'));
    expect(r.actor.getSnapshot().children['monitor:db']).toBeUndefined();
    r.fx.failing.add('db-probe');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(state(r, 'api')).toBe('healthy');
    expect(r.fx.count('probe:db-probe')).toBe(1);
    r.fx.release(GATE);
    expect((await toPromise(r.actor)).result).toBe('succeeded');
  });

  it('fails at the next stage boundary when a dependency was lost between stages', async () => {
    const r = start(monitoredPlan([stage('data', ['db']), stage('app', ['slow'])]), [
      'slow.activate',
    ]);
    await r.reached('slow', 'activating');
    r.fx.failing.add('db-probe');
    await vi.advanceTimersByTimeAsync(3_500);
    // Nothing in the running stage depends on db: the stage goes on, the deployment fails after it.
    expect(state(r, 'db')).toBe('unhealthy');
    r.fx.failing.clear();
    r.fx.release('run:slow.activate');
    const out = await toPromise(r.actor);
    expect(out).toMatchObject({ result: 'failed' });
    expect(out.reason).toMatch(/^db turned unhealthy while monitored/);
    expect(r.rec.of('phase').map((p) => p.phase)).not.toContain('verifying');
  });
});
