import { describe, expect, it, vi } from 'vitest';
import { sendParent } from 'xstate';
import { canMonitor, monitorMachine } from '../../src/machines/monitor/index.js';
import { boundHealth } from './bound.js';
import { FakeEffects } from './fake-effects.js';
import { fakeTimeFor } from './fake-time.js';
import { recording } from './recording.js';
import { probe, service, underParent, type Harness } from './service-test-kit.js';

const track = fakeTimeFor((h: Harness<typeof monitorMachine>) => h.parent.stop(), {
  now: 1_000_000,
});
const LABEL = 'http GET http://127.0.0.1:1/healthz';

/** The monitor as compose binds it: the real health machine, `tell` to the parent. */
function watch(fx: FakeEffects) {
  const rec = recording();
  const machine = monitorMachine.provide({
    actors: { health: boundHealth(fx.effects, rec.record) },
    actions: { tell: sendParent((_, event) => event) },
  });
  return { h: track(underParent(machine, { service: service({ health: probe() }) })), rec };
}

describe('monitor machine', () => {
  it('probes the healthy service every interval and tells nothing while it passes', async () => {
    const fx = new FakeEffects();
    const { h } = watch(fx);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fx.calls.map((c) => c.at - 1_000_000)).toEqual([
      1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10_000,
    ]);
    expect(h.received).toEqual([]);
  });

  it('tells its parent the service turned unhealthy after `retries` failures, with the reason', async () => {
    const fx = new FakeEffects({ probes: { [LABEL]: [true, false] } });
    const { h } = watch(fx);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(h.received).toEqual([
      {
        type: 'monitor.unhealthy',
        service: 'api',
        reason: expect.stringMatching(
          /^http GET http:\/\/127\.0\.0\.1:1\/healthz failed 3\/3/,
        ) as string,
      },
    ]);
    expect(h.child().getSnapshot().value).toBe('lost');
    expect(fx.count(`probe:${LABEL}`)).toBe(4);
  });

  it('watches only services that have a probe', () => {
    expect(canMonitor(service({ health: probe() }))).toBe(true);
    expect(canMonitor(service({ readiness: [probe()] }))).toBe(true);
    expect(canMonitor(service())).toBe(false);
  });
});
