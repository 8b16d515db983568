import { describe, expect, it } from 'vitest';
import type { AnyEventObject, AnyMachineSnapshot } from 'xstate';
import type { PerformanceOutcome } from '../../src/machines/effects.js';
import { healthMachine, type HealthInput } from '../../src/machines/health/index.js';
import { boundHealth } from './bound.js';
import { inertEffects, probed } from './fake-effects.js';
import { allStateIds, possibleEvents, replay, shortestPaths } from './service-model-kit.js';
import { probe } from './service-test-kit.js';

/** The real machine with effects that never settle: the model's events drive it. */
const inert = boundHealth(inertEffects, () => undefined);

const perf = (ok: boolean): PerformanceOutcome => ({
  ok,
  p95Ms: ok ? 50 : 500,
  samples: 5,
  failures: 0,
  detail: ok ? 'ok' : 'slow',
});
const events: AnyEventObject[] = [
  { type: 'xstate.done.actor.probe', output: probed(true) },
  { type: 'xstate.done.actor.probe', output: probed(false) },
  { type: 'xstate.error.actor.probe', error: new Error('adapter crashed') },
  { type: 'xstate.after.probeBackoff.health.waiting' },
  // The port watcher fired (probe at once) or failed (the backoff timer stays in charge).
  { type: 'xstate.done.actor.watch', output: undefined },
  { type: 'xstate.error.actor.watch', error: new Error('no socket table') },
  { type: 'xstate.after.probeBackoff.health.monitoring.resting' },
  { type: 'xstate.done.actor.performance', output: perf(true) },
  { type: 'xstate.done.actor.performance', output: perf(false) },
  { type: 'xstate.error.actor.performance', error: new Error('no route') },
];

const inputs: Record<string, HealthInput> = {
  'primary, readiness and performance': {
    service: 'api',
    health: probe({ retries: 2 }),
    readiness: [probe({ label: 'tcp 127.0.0.1:1', kind: 'tcp', retries: 1 })],
    performance: { url: 'http://127.0.0.1:1/', samples: 5, p95Ms: 100, timeoutMs: 1000 },
  },
  'monitoring a healthy service': {
    service: 'api',
    health: probe({ retries: 2 }),
    readiness: [],
    mode: 'monitor',
  },
  'no probe at all': { service: 'api', readiness: [] },
  'performance only': {
    service: 'api',
    readiness: [],
    performance: { url: 'http://127.0.0.1:1/', samples: 5, p95Ms: 100, timeoutMs: 1000 },
  },
};

// createTestModel() refuses machines with invoke/after, so the path generators are used directly.
/** Value plus the counters guards read: bounded, and no timestamps. */
const serializeState = (s: AnyMachineSnapshot): string => {
  const c = s.context as { index: number; progress: { failures: number; passes: number } };
  return JSON.stringify([
    s.status,
    s.value,
    c.index,
    c.progress.failures,
    Math.min(c.progress.passes, 2),
  ]);
};

const pathsFor = (input: HealthInput) =>
  shortestPaths(healthMachine, {
    input,
    events: possibleEvents(events),
    serializeState,
    limit: 500,
  });

describe('health machine model', () => {
  it('reaches every state of the health machine, and the real machine follows every path', () => {
    const visited = new Set<string>();
    const mismatches: string[] = [];
    let replayed = 0;
    for (const input of Object.values(inputs)) {
      for (const path of pathsFor(input)) {
        const result = replay(inert, input, path);
        result.visited.forEach((id) => visited.add(id));
        mismatches.push(...result.mismatches);
        replayed += 1;
      }
    }
    expect(mismatches).toEqual([]);
    expect(replayed).toBeGreaterThan(5);
    expect(allStateIds(healthMachine).filter((id) => !visited.has(id))).toEqual([]);
  });

  it('ends in each verdict on some path of the model', () => {
    const finals = new Set<string>();
    for (const input of Object.values(inputs)) {
      for (const path of pathsFor(input)) {
        if (path.state.status === 'done') finals.add(String(path.state.value));
      }
    }
    expect([...finals].sort()).toEqual(['degraded', 'healthy', 'unhealthy']);
  });
});
