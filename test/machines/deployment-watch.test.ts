/**
 * The watch window inside the deployment (the real watch machine, fake effects): after
 * verification every service is probed for `monitoring.watch`; a service that fails then rolls
 * the release back before it is recorded (rollback), asks (ask), or only warns (alert).
 */
import { toPromise } from 'xstate';
import { describe, expect, it, vi } from 'vitest';
import type { MonitoringSpec } from '../../src/config/plan-monitoring.js';
import { exitCodeOf } from '../../src/cli/exit-codes.js';
import { deploy, type DeployRun } from './deployment-harness.js';
import { plan, probe } from './deployment-fixtures.js';
import { fakeTimeFor } from './fake-time.js';

const track = fakeTimeFor((r: DeployRun) => r.actor.stop(), { now: 1_700_000_000_000 });

function watched(onWatchFailure: MonitoringSpec['onWatchFailure']) {
  const p = plan({
    monitoring: { watchMs: 10_000, watchIntervalMs: 1000, onWatchFailure },
    policy: { onFailure: 'rollback', degraded: 'continue', retries: 0, decisionTimeoutMs: 5000 },
  });
  const api = p.services.api!;
  p.services.api = { ...api, health: probe('api-probe', { retries: 1, intervalMs: 50 }) };
  return p;
}

/**
 * Runs until the watch began, then makes api fail what the watch probes (labelled `api.watch`;
 * the release rolled back to passes its own health check).
 */
async function failDuringWatch(r: DeployRun): Promise<void> {
  await vi.waitFor(() => expect(r.rec.of('watch.started')).toHaveLength(1), { timeout: 5000 });
  r.fx.failing.add('api.watch');
}

const settle = async (r: DeployRun) => {
  const out = await toPromise(r.actor);
  return { ...out, exitCode: exitCodeOf(out) };
};

describe('deployment: the watch window', () => {
  it('every service healthy through the window: the release is recorded after it', async () => {
    const r = track(deploy({ plan: watched('rollback') }));
    const done = settle(r);
    await vi.advanceTimersByTimeAsync(15_000);
    expect((await done).result).toBe('succeeded');
    expect(r.rec.of('watch.verdict').map((f) => f.verdict)).toEqual(['healthy']);
    const order = r.rec.facts.map((f) => f.type);
    expect(order.indexOf('watch.verdict')).toBeLessThan(order.indexOf('release.recorded'));
  });

  it('rollback: a service that fails during the watch rolls everything back; no release is recorded', async () => {
    const r = track(deploy({ plan: watched('rollback') }));
    const done = settle(r);
    await vi.advanceTimersByTimeAsync(0);
    await failDuringWatch(r);
    await vi.advanceTimersByTimeAsync(30_000);
    const out = await done;
    expect(out.result).toBe('failed');
    expect(out.exitCode).toBe(1);
    expect(out.reason).toMatch(/^watch: api failed \d+\.\d s into the watch window: /);
    expect(r.rec.of('release.recorded')).toEqual([]);
    expect(r.rec.of('rollback.started')[0]?.scope).toBe('all');
  });

  it('alert: the failure is a warning and the release stands (succeeded-with-warnings)', async () => {
    const r = track(deploy({ plan: watched('alert') }));
    const done = settle(r);
    await vi.advanceTimersByTimeAsync(0);
    await failDuringWatch(r);
    await vi.advanceTimersByTimeAsync(30_000);
    const out = await done;
    expect(out.result).toBe('succeeded-with-warnings');
    expect(out.reason).toMatch(/watch: api failed .* into the watch window/);
    expect(r.rec.of('release.recorded')).toHaveLength(1);
    expect(r.fx.notices.map((n) => n.event)).toContain('watch-alert');
  });

  it('ask: the operator keeps the release, or rolls it back', async () => {
    for (const answer of ['decision.keep', 'decision.rollback'] as const) {
      const r = track(deploy({ plan: watched('ask'), interactive: true }));
      const done = settle(r);
      await vi.advanceTimersByTimeAsync(0);
      await failDuringWatch(r);
      await vi.advanceTimersByTimeAsync(3000);
      const asked = await r.pending();
      expect(asked.choices).toEqual(expect.arrayContaining(['rollback', 'keep']));
      r.actor.send({ type: answer, by: 'test' });
      await vi.advanceTimersByTimeAsync(30_000);
      const out = await done;
      expect(out.result).toBe(answer === 'decision.keep' ? 'succeeded-with-warnings' : 'failed');
      expect(r.rec.of('release.recorded')).toHaveLength(answer === 'decision.keep' ? 1 : 0);
    }
  });

  it("a service its monitor sees fail (its process exited) fails the watch at once, whatever the probes' interval", async () => {
    const r = track(deploy({ plan: watched('rollback') }));
    const done = settle(r);
    await vi.advanceTimersByTimeAsync(0);
    await vi.waitFor(() => expect(r.rec.of('watch.started')).toHaveLength(1), { timeout: 5000 });
    r.actor.send({ type: 'monitor.unhealthy', service: 'api', reason: 'api exited with code 1' });
    await vi.advanceTimersByTimeAsync(30_000);
    const out = await done;
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(
      /^watch: api failed 0\.\d s into the watch window: api exited with code 1/,
    );
    expect(r.rec.of('release.recorded')).toEqual([]);
  });
});
