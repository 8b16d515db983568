/**
 * Resume reconciles an instance whose outcome is unknown (its SSH connection was lost
 * mid-command, so the command may have finished on the host): the recovery
 * (src/runtime/recovery.ts) probes it through the probe it is given — the run's effects, which run
 * an instance's command probe on its host — and, found healthy, re-enters it at checking health
 * with a warning saying it was reconciled; found unhealthy, it is activated again. The end-to-end
 * counterpart, with a real cut link, is test/fleet/host-loss.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { HostSpec, ProbeSpec, ServiceSpec } from '../../src/config/plan-types.js';
import type { StampedFact } from '../../src/record/facts.js';
import { foldFacts } from '../../src/record/fold.js';
import { planRecovery } from '../../src/runtime/recovery.js';
import { plan, probe, service, stage } from '../machines/deployment-fixtures.js';
import { runStarted } from '../machines/recording.js';

const T0 = Date.UTC(2026, 11, 2, 8, 0, 0);
const at = (ms: number) => ({ ts: T0 + ms });
const HOSTS = ['web-1', 'web-2'];

const host = (name: string): HostSpec =>
  ({ name, address: `10.200.0.2${name.slice(-1)}`, port: 22, user: 'deploy' }) as HostSpec;

/** `app` placed on web-1 and web-2: instances whose activation and health probe run there. */
function fleetPlan() {
  const services: Record<string, ServiceSpec> = {};
  for (const h of HOSTS) {
    const name = `app@${h}`;
    const base = service(name, 'all');
    services[name] = {
      ...base,
      activate: { ...base.activate!, host: host(h) },
      health: probe(`${name}.health`, {
        command: { run: 'test -f done', cwd: '~', env: {}, host: host(h) },
      }),
      placement: { service: 'app', host: h },
    };
  }
  return plan({
    services,
    stages: [stage('all', Object.keys(services))],
    activationOrder: Object.keys(services),
    rollbackOrder: Object.keys(services).reverse(),
    prepare: [],
  });
}

const state = (service: string, s: string, extra: object = {}): StampedFact =>
  ({
    type: 'service.state',
    service,
    state: s,
    attempt: 1,
    maxAttempts: 1,
    ...extra,
    ...at(100),
  }) as StampedFact;

/** web-1 lost mid-activation (unknown, tolerated: skipped); web-2 in flight at the interruption. */
function interrupted(): StampedFact[] {
  const p = fleetPlan();
  const lost = 'app@web-1.activate is unknown: connection to web-1 (deploy@10.200.0.21:22) lost';
  return [
    { ...runStarted(p), ...at(0) },
    { type: 'phase', phase: 'activating', ...at(10) },
    { type: 'stage.status', stage: 'all', status: 'running', ...at(20) },
    state('app@web-1', 'activating'),
    state('app@web-2', 'activating'),
    state('app@web-1', 'failed', {
      reason: lost,
      failure: {
        kind: 'command',
        label: 'app@web-1.activate',
        exitCode: null,
        timedOut: false,
        canceled: false,
        error: 'connection to web-1 (deploy@10.200.0.21:22) lost: Keepalive timeout',
        lost: true,
        durationMs: 4000,
        timeoutMs: 60_000,
      },
    }),
    state('app@web-1', 'skipped', { reason: lost }),
  ];
}

/** A probe that answers per label, remembering which probes (and hosts) it was asked to run. */
function prober(ok: Record<string, boolean>) {
  const asked: Array<{ label: string; host: string | undefined }> = [];
  const run = (p: ProbeSpec) => {
    asked.push({ label: p.label, host: p.command?.host?.name });
    return Promise.resolve({ ok: ok[p.label] ?? false, detail: 'probed', durationMs: 1 });
  };
  return { asked, run };
}

describe('resume: an instance of unknown outcome is probed before it runs again', () => {
  it('found healthy on its host: re-entered at checking health, not activated again, with a warning saying it was reconciled', async () => {
    const probes = prober({ 'app@web-1.health': true, 'app@web-2.health': true });
    const r = await planRecovery(fleetPlan(), foldFacts(interrupted()), {}, false, probes.run);
    expect(r.kind).toBe('deploy');
    if (r.kind !== 'deploy') return;
    expect(probes.asked.sort((a, b) => a.label.localeCompare(b.label))).toEqual([
      { label: 'app@web-1.health', host: 'web-1' },
      { label: 'app@web-2.health', host: 'web-2' },
    ]);
    expect(r.plan.services['app@web-1']).toEqual({ activated: true });
    expect(r.summary.services.find((s) => s.service === 'app@web-1')).toEqual({
      service: 'app@web-1',
      entry: 'health',
      why: 'its outcome was unknown (connection lost), found healthy by probing',
    });
    expect(r.summary.services.find((s) => s.service === 'app@web-2')?.why).toBe(
      'in flight at the interruption, found healthy by probing',
    );
    expect(r.warnings).toEqual([
      'app@web-1: its outcome was unknown (connection lost); reconciled by probe: found healthy, not run again',
    ]);
  });

  it('not healthy on its host: activated again, and nothing is reconciled', async () => {
    const probes = prober({ 'app@web-2.health': true });
    const r = await planRecovery(fleetPlan(), foldFacts(interrupted()), {}, false, probes.run);
    if (r.kind !== 'deploy') throw new Error(r.kind);
    expect(r.plan.services['app@web-1']).toBeUndefined();
    expect(r.summary.services.find((s) => s.service === 'app@web-1')).toEqual({
      service: 'app@web-1',
      entry: 'activate',
      why: 'its outcome was unknown (connection lost), not healthy now (app@web-1.health: probed)',
    });
    expect(r.warnings).toEqual([]);
  });
});
