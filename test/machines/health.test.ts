import { describe, expect, it, vi } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import type { PerformanceInput, PerformanceOutcome } from '../../src/machines/contracts.js';
import type { HealthAttemptEvent } from '../../src/machines/events.js';
import { healthMachine, type HealthInput } from '../../src/machines/health.machine.js';
import {
  eventsOf,
  probe,
  probed,
  scriptedProbe,
  underParent,
  type Harness,
  type ProbeCall,
} from './service-test-kit.js';
import { fakeTimeFor } from './fake-time.js';

const track = fakeTimeFor((h: Harness<typeof healthMachine>) => h.parent.stop(), {
  now: 1_000_000,
});

const run = async (
  input: Partial<HealthInput>,
  script: Parameters<typeof scriptedProbe>[0],
  opts: { calls?: ProbeCall[]; performance?: PerformanceOutcome; advanceMs?: number } = {},
) => {
  const machine = healthMachine.provide({
    actors: {
      runProbe: scriptedProbe(script, opts.calls),
      measurePerformance: fromPromise<PerformanceOutcome, PerformanceInput>(() =>
        Promise.resolve(
          opts.performance ?? { ok: true, p95Ms: 10, samples: 20, failures: 0, detail: 'ok' },
        ),
      ),
    },
  });
  const harness = track(underParent(machine, { service: 'api', readiness: [], ...input }));
  await vi.advanceTimersByTimeAsync(opts.advanceMs ?? 60_000);
  return harness;
};

const deltas = (calls: ProbeCall[]) => calls.slice(1).map((c, i) => c.at - (calls[i]?.at ?? 0));

describe('health machine', () => {
  it('is healthy at once when the first probe passes', async () => {
    const calls: ProbeCall[] = [];
    const h = await run({ health: probe() }, [true], { calls });
    expect(h.output()).toMatchObject({ verdict: 'healthy', attempts: 1, lastDetail: '200 OK' });
    expect(h.output()?.reason).toContain('http GET http://127.0.0.1:1/healthz passed 1/1');
    expect(calls).toHaveLength(1);
  });

  it('polls at 50, 100, 200 ms and then the interval until the probe passes', async () => {
    const calls: ProbeCall[] = [];
    const h = await run(
      { health: probe({ intervalMs: 300, retries: 10 }) },
      [false, false, false, false, false, true],
      { calls },
    );
    expect(h.output()?.verdict).toBe('healthy');
    expect(deltas(calls)).toEqual([50, 100, 200, 300, 300]);
  });

  it('turns unhealthy after `retries` consecutive failures, naming the probe and the last result', async () => {
    const h = await run({ health: probe({ retries: 3 }) }, [false]);
    const out = h.output();
    expect(out?.verdict).toBe('unhealthy');
    // 6 fast startup polls (50 ms doubling up to the 1 s interval) do not count; 3 at the interval do.
    expect(out?.attempts).toBe(9);
    expect(out?.reason).toMatch(
      /^http GET http:\/\/127\.0\.0\.1:1\/healthz failed 3\/3 after 4\.[56] s \(deadline ~4\.5 s; retries 3/,
    );
    expect(out?.reason).toContain('last: 503 (expected 200) ×3)');
  });

  it('reports every attempt to its parent', async () => {
    const h = await run({ health: probe({ retries: 2 }) }, [false]);
    const attempts = eventsOf<HealthAttemptEvent>(h.received, 'health.attempt');
    const fast: unknown = expect.objectContaining({ service: 'api', attempt: 0, of: 2, ok: false });
    expect(attempts).toEqual([
      expect.objectContaining({
        service: 'api',
        attempt: 0,
        of: 2,
        ok: false,
        detail: '503 (expected 200)',
        durationMs: 3,
      }),
      fast,
      fast,
      fast,
      fast,
      fast,
      expect.objectContaining({ service: 'api', attempt: 1, of: 2, ok: false }),
      expect.objectContaining({ service: 'api', attempt: 2, of: 2, ok: false }),
    ]);
    expect(attempts[0]?.probe).toBe('http GET http://127.0.0.1:1/healthz');
  });

  it('does not count failures inside the start period', async () => {
    const calls: ProbeCall[] = [];
    const h = await run(
      { health: probe({ startPeriodMs: 1000, intervalMs: 200, retries: 2 }) },
      [false],
      { calls },
    );
    expect(h.output()?.verdict).toBe('unhealthy');
    const start = calls[0]?.at ?? 0;
    // 0, 50, 150, 350, 550, 750, 950 fall inside the start period; 1150 and 1350 count.
    expect(calls.map((c) => c.at - start)).toEqual([0, 50, 150, 350, 550, 750, 950, 1150, 1350]);
    expect(h.output()?.reason).toContain('failed 2/2 after 1.4 s');
  });

  it('needs `successThreshold` consecutive passes, a failure resets the count', async () => {
    const calls: ProbeCall[] = [];
    const h = await run(
      { health: probe({ successThreshold: 3, retries: 5, intervalMs: 400 }) },
      [true, false, true, true, true],
      { calls },
    );
    expect(h.output()).toMatchObject({ verdict: 'healthy', attempts: 5 });
    expect(h.output()?.reason).toContain('passed 3/3');
    // After the first pass the probe runs every interval.
    expect(deltas(calls)).toEqual([400, 400, 400, 400]);
  });

  it('checks readiness probes after the primary check and turns unhealthy when one fails', async () => {
    const ready = probe({ label: 'http GET http://127.0.0.1:1/ready', retries: 2 });
    const machine = healthMachine.provide({
      actors: {
        runProbe: fromPromise(({ input }) =>
          Promise.resolve(
            input.label.endsWith('/ready')
              ? probed(false, 'body did not match /ok/')
              : probed(true),
          ),
        ),
      },
    });
    const harness = track(
      underParent(machine, { service: 'api', health: probe(), readiness: [ready] }),
    );
    await vi.advanceTimersByTimeAsync(10_000);
    expect(harness.output()?.verdict).toBe('unhealthy');
    expect(harness.output()?.reason).toMatch(
      /^readiness http GET http:\/\/127\.0\.0\.1:1\/ready failed 2\/2/,
    );
    expect(harness.output()?.reason).toContain('last: body did not match /ok/');
  });

  it('is degraded when the performance baseline is missed', async () => {
    const h = await run(
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
    const h = await run({ health: probe({ retries: 1 }) }, [new Error('probe adapter crashed')]);
    expect(h.output()?.verdict).toBe('unhealthy');
    expect(h.output()?.lastDetail).toBe('probe adapter crashed');
  });

  it('in monitor mode probes every interval and turns unhealthy only after `retries` consecutive failures', async () => {
    const calls: ProbeCall[] = [];
    const h = await run(
      { health: probe({ retries: 3, intervalMs: 1000 }), mode: 'monitor' },
      [true, true, false, true, false, false, false],
      { calls },
    );
    expect(h.output()).toMatchObject({ verdict: 'unhealthy', attempts: 7 });
    expect(h.output()?.reason).toContain('failed 3/3 after 7.0 s');
    expect(calls.map((c) => c.at - 1_000_000)).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 7000]);
  });
});
