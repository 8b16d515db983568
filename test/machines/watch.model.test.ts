/**
 * Model-based tests of the watch machine: shortest paths from `xstate/graph` over every policy
 * reach every state of its definition, the real machine (bound as the runtime binds it, with
 * effects that never settle) follows each path, and every way it ends says what it ended with.
 */
import { describe, expect, it } from 'vitest';
import type { AnyEventObject, AnyMachineSnapshot } from 'xstate';
import type { PerformanceOutcome } from '../../src/machines/effects.js';
import { watchMachine, type WatchInput, type WatchOutput } from '../../src/machines/watch/index.js';
import { composeWatch } from '../../src/runtime/compose.js';
import { inertEffects, probed } from './fake-effects.js';
import { probe, service } from './deployment-fixtures.js';
import { allStateIds, possibleEvents, replay, shortestPaths } from './service-model-kit.js';

const inert = composeWatch(inertEffects, () => undefined);

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
  { type: 'xstate.done.actor.performance', output: perf(true) },
  { type: 'xstate.done.actor.performance', output: perf(false) },
  { type: 'xstate.error.actor.performance', error: new Error('no route') },
  { type: 'xstate.after.watchInterval.watch.watching.resting' },
  { type: 'xstate.after.watchWindow.watch.watching' },
  { type: 'xstate.after.decisionTimeout.watch.deciding' },
  { type: 'decision.rollback', by: 'alice' },
  { type: 'decision.keep', by: 'bob' },
  { type: 'watch.stop' },
];

const api = {
  ...service('api', 'app'),
  health: probe('api health'),
  performance: { url: 'http://127.0.0.1:1/', samples: 5, p95Ms: 100, timeoutMs: 1000 },
};
const base = { services: [api], windowMs: 10_000, intervalMs: 2_000 };
const inputs: Record<string, WatchInput> = {
  rollback: { ...base, onFailure: 'rollback' },
  ask: { ...base, onFailure: 'ask' },
  alert: { ...base, onFailure: 'alert' },
  'nothing to watch': { ...base, services: [service('web', 'app')], onFailure: 'rollback' },
};

/** Value plus what guards read, bounded (streaks capped at the trip count), no timestamps. */
const serializeState = (s: AnyMachineSnapshot): string => {
  const c = s.context as {
    index: number;
    streaks: number[];
    alerts: Array<{ recoveredAtMs?: number }>;
  };
  return JSON.stringify([
    s.status,
    s.value,
    c.index,
    c.streaks.map((n) => Math.min(n, 2)),
    c.alerts.length > 0,
    c.alerts.some((a) => a.recoveredAtMs === undefined),
  ]);
};

const pathsFor = (input: WatchInput) =>
  shortestPaths(watchMachine, {
    input,
    // A finished watch receives nothing more.
    events: (s: AnyMachineSnapshot) => (s.status === 'done' ? [] : possibleEvents(events)(s)),
    serializeState,
    limit: 2000,
  });

describe('watch machine model', () => {
  it('reaches every state of the watch machine, and the real machine follows every path', () => {
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
    expect(replayed).toBeGreaterThan(10);
    expect(allStateIds(watchMachine).filter((id) => !visited.has(id))).toEqual([]);
  });

  it('ends each way its policy allows, with an output that matches how it ended', () => {
    const endings: Record<string, Set<string>> = {};
    for (const [name, input] of Object.entries(inputs)) {
      const seen = (endings[name] = new Set());
      for (const path of pathsFor(input)) {
        if (path.state.status !== 'done') continue;
        const out = path.state.output as WatchOutput;
        seen.add(`${String(path.state.value)}:${out.verdict}`);
        if (out.verdict === 'failed') expect(out.failure?.service).toBe('api');
        else expect(out.failure).toBeUndefined();
        if (out.verdict === 'alerted') expect(out.alerts.length).toBeGreaterThan(0);
        if (out.verdict === 'healthy') expect(out.alerts).toEqual([]);
      }
    }
    expect([...(endings.rollback ?? [])].sort()).toEqual([
      'done:healthy',
      'failed:failed',
      'stopped:interrupted',
    ]);
    expect([...(endings.ask ?? [])].sort()).toEqual([
      'done:healthy',
      'failed:failed',
      'kept:alerted',
      'stopped:interrupted',
    ]);
    expect([...(endings.alert ?? [])].sort()).toEqual([
      'done:alerted',
      'done:healthy',
      'stopped:interrupted',
    ]);
    expect([...(endings['nothing to watch'] ?? [])]).toEqual(['done:healthy']);
  });
});
