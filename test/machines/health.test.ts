import { describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import type { PerformanceOutcome, ProbeOutcome } from '../../src/machines/effects.js';
import { healthMachine, type HealthInput } from '../../src/machines/health/index.js';
import { boundHealth } from './bound.js';
import { FakeEffects, probed, type Answer } from './fake-effects.js';
import { fakeTimeFor } from './fake-time.js';
import { recording, type Recording } from './recording.js';
import { probe, underParent, type Harness } from './service-test-kit.js';

const track = fakeTimeFor((h: Harness<typeof healthMachine>) => h.parent.stop(), {
  now: 1_000_000,
});

const LABEL = 'http GET http://127.0.0.1:1/healthz';

interface Run {
  h: Harness<typeof healthMachine>;
  fx: FakeEffects;
  rec: Recording;
  /** When each probe ran (fake epoch ms). */
  calls: () => number[];
}

const run = async (
  input: Partial<HealthInput>,
  script: Array<Answer<ProbeOutcome | boolean>>,
  opts: { performance?: PerformanceOutcome; advanceMs?: number; fx?: FakeEffects } = {},
): Promise<Run> => {
  const fx =
    opts.fx ??
    new FakeEffects({
      probes: { [LABEL]: script },
      ...(opts.performance ? { performance: { 'api.performance': [opts.performance] } } : {}),
    });
  const rec = recording();
  const h = track(
    underParent(boundHealth(fx.effects, rec.record), { service: 'api', readiness: [], ...input }),
  );
  await vi.advanceTimersByTimeAsync(opts.advanceMs ?? 60_000);
  const calls = () => fx.calls.filter((c) => c.key.startsWith('probe:')).map((c) => c.at);
  return { h, fx, rec, calls };
};

const deltas = (at: number[]) => at.slice(1).map((t, i) => t - (at[i] ?? 0));

describe('health machine', () => {
  it('is healthy at once when the first probe passes', async () => {
    const { h, calls } = await run({ health: probe() }, [true]);
    expect(h.output()).toMatchObject({ verdict: 'healthy', attempts: 1, lastDetail: '200 OK' });
    expect(h.output()?.reason).toContain('http GET http://127.0.0.1:1/healthz passed 1/1');
    expect(calls()).toHaveLength(1);
  });

  it('polls at 50, 100, 200 ms and then the interval until the probe passes', async () => {
    const { h, calls } = await run({ health: probe({ intervalMs: 300, retries: 10 }) }, [
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
    expect(h.output()?.verdict).toBe('healthy');
    expect(deltas(calls())).toEqual([50, 100, 200, 300, 300]);
  });

  it('turns unhealthy after `retries` consecutive failures, naming the probe and the last result', async () => {
    const { h } = await run({ health: probe({ retries: 3 }) }, [false]);
    const out = h.output();
    expect(out?.verdict).toBe('unhealthy');
    // 6 fast startup polls (50 ms doubling up to the 1 s interval) do not count; 3 at the interval do.
    expect(out?.attempts).toBe(9);
    expect(out?.reason).toMatch(
      /^http GET http:\/\/127\.0\.0\.1:1\/healthz failed 3\/3 after 4\.[56] s \(deadline ~4\.5 s; retries 3/,
    );
    expect(out?.reason).toContain('last: 503 (expected 200) ×3)');
  });

  it('records an attempt only when what it shows changes (the fast polls that repeat are not recorded)', async () => {
    const { rec, calls } = await run({ health: probe({ retries: 2 }) }, [false]);
    expect(calls()).toHaveLength(8);
    const attempt = (n: number) => ({
      type: 'health.attempt',
      service: 'api',
      probe: LABEL,
      attempt: n,
      of: 2,
      ok: false,
      detail: '503 (expected 200)',
      durationMs: 3,
    });
    // 6 fast polls all show 0/2 (recorded once), then 1/2 and 2/2 at the interval.
    expect(rec.facts).toEqual([attempt(0), attempt(1), attempt(2)]);
  });

  it('records a repeated count again when the probe detail changes', async () => {
    const { rec, calls } = await run({ health: probe({ retries: 5 }) }, [
      probed(false, 'ECONNREFUSED'),
      probed(false, 'ECONNREFUSED'),
      probed(false, '503'),
      probed(false, '503'),
      true,
    ]);
    expect(calls()).toHaveLength(5);
    // The fast startup polls all show 0/5: only a new detail is worth recording.
    expect(rec.of('health.attempt').map((f) => [f.attempt, f.of, f.ok, f.detail])).toEqual([
      [0, 5, false, 'ECONNREFUSED'],
      [0, 5, false, '503'],
      [1, 1, true, '200 OK'],
    ]);
  });

  it('does not count failures inside the start period', async () => {
    const { h, calls } = await run(
      { health: probe({ startPeriodMs: 1000, intervalMs: 200, retries: 2 }) },
      [false],
    );
    expect(h.output()?.verdict).toBe('unhealthy');
    const start = calls()[0] ?? 0;
    // 0, 50, 150, 350, 550, 750, 950 fall inside the start period; 1150 and 1350 count.
    expect(calls().map((at) => at - start)).toEqual([0, 50, 150, 350, 550, 750, 950, 1150, 1350]);
    expect(h.output()?.reason).toContain('failed 2/2 after 1.4 s');
  });

  it('needs `successThreshold` consecutive passes, a failure resets the count', async () => {
    const { h, calls } = await run(
      { health: probe({ successThreshold: 3, retries: 5, intervalMs: 400 }) },
      [true, false, true, true, true],
    );
    expect(h.output()).toMatchObject({ verdict: 'healthy', attempts: 5 });
    expect(h.output()?.reason).toContain('passed 3/3');
    // After the first pass the probe runs every interval.
    expect(deltas(calls())).toEqual([400, 400, 400, 400]);
  });

  it('checks readiness probes after the primary check and turns unhealthy when one fails', async () => {
    const READY = 'http GET http://127.0.0.1:1/ready';
    const ready = probe({ label: READY, retries: 2 });
    const fx = new FakeEffects({
      probes: { [LABEL]: [true], [READY]: [probed(false, 'body did not match /ok/')] },
    });
    const { h, rec } = await run({ health: probe(), readiness: [ready] }, [], {
      fx,
      advanceMs: 10_000,
    });
    expect(h.output()?.verdict).toBe('unhealthy');
    expect(h.output()?.reason).toMatch(
      /^readiness http GET http:\/\/127\.0\.0\.1:1\/ready failed 2\/2/,
    );
    expect(h.output()?.reason).toContain('last: body did not match /ok/');
    expect(new Set(rec.of('health.attempt').map((f) => f.probe))).toEqual(
      new Set([LABEL, `readiness ${READY}`]),
    );
  });

  it('is degraded when the performance baseline is missed', async () => {
    const { h, fx } = await run(
      {
        health: probe(),
        performance: { url: 'http://127.0.0.1:1/', samples: 20, p95Ms: 200, timeoutMs: 1000 },
      },
      [true],
      { performance: { ok: false, p95Ms: 350, samples: 20, failures: 0, detail: 'p95 350 ms' } },
    );
    expect(h.output()?.verdict).toBe('degraded');
    expect(h.output()?.reason).toContain(
      'performance http://127.0.0.1:1/ missed: p95 350 ms (limit 200 ms)',
    );
    expect(fx.log()).toEqual([`probe:${LABEL}`, 'performance:api.performance']);
  });

  it('is healthy with the reason "no probe" when the service has no probe', () => {
    const actor = createActor(healthMachine, { input: { service: 'api', readiness: [] } }).start();
    expect(actor.getSnapshot().status).toBe('done');
    expect(actor.getSnapshot().output).toEqual({
      verdict: 'healthy',
      reason: 'no probe',
      attempts: 0,
    });
  });

  it('counts a probe actor that rejects as a failed attempt with its message', async () => {
    const { h } = await run({ health: probe({ retries: 1 }) }, [
      new Error('probe adapter crashed'),
    ]);
    expect(h.output()?.verdict).toBe('unhealthy');
    expect(h.output()?.lastDetail).toBe('probe adapter crashed');
  });

  it('probes at once when the port watcher sees the probe could pass, without waiting for the backoff', async () => {
    const fx = new FakeEffects({
      probes: { [LABEL]: [false, true] },
      watches: { [LABEL]: ['hold'] },
    });
    const rec = recording();
    const h = track(
      underParent(boundHealth(fx.effects, rec.record), {
        service: 'api',
        health: probe({ intervalMs: 1000 }),
        readiness: [],
      }),
    );
    await vi.advanceTimersByTimeAsync(10);
    // First probe failed; waiting 50 ms for the next one while the watcher runs.
    expect(fx.count(`probe:${LABEL}`)).toBe(1);
    expect(fx.holding(`watch:${LABEL}`)).toBe(true);
    fx.release(`watch:${LABEL}`, true);
    await vi.advanceTimersByTimeAsync(0);
    expect(fx.count(`probe:${LABEL}`)).toBe(2);
    expect(h.output()?.verdict).toBe('healthy');
    expect(fx.calls.map((c) => c.at - 1_000_000)).toEqual([0, 0, 10]);
  });

  it('keeps to the backoff when the port watcher fails', async () => {
    const fx = new FakeEffects({
      probes: { [LABEL]: [false, true] },
      watches: { [LABEL]: [new Error('no /proc/net/tcp')] },
    });
    const { h, calls } = await run({ health: probe() }, [], { fx, advanceMs: 1000 });
    expect(h.output()?.verdict).toBe('healthy');
    expect(deltas(calls())).toEqual([50]);
  });

  it('in monitor mode probes every interval and turns unhealthy only after `retries` consecutive failures', async () => {
    const { h, calls } = await run(
      { health: probe({ retries: 3, intervalMs: 1000 }), mode: 'monitor' },
      [true, true, false, true, false, false, false],
    );
    expect(h.output()).toMatchObject({ verdict: 'unhealthy', attempts: 7 });
    expect(h.output()?.reason).toContain('failed 3/3 after 7.0 s');
    expect(calls().map((at) => at - 1_000_000)).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 7000]);
  });

  // In monitor mode the passes are capped: a probe that keeps passing is journaled once, 1/1.
  it('in monitor mode records a probe that keeps passing once, never counting past its threshold', async () => {
    const { rec, calls } = await run(
      { health: probe({ retries: 3, intervalMs: 1000 }), mode: 'monitor' },
      [true],
      { advanceMs: 5_500 },
    );
    expect(calls()).toHaveLength(5);
    for (const f of rec.of('health.attempt')) expect(f.attempt).toBeLessThanOrEqual(f.of);
    expect(rec.of('health.attempt')).toHaveLength(1);
  });
});
