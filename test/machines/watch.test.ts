/**
 * The watch statechart with fake probes whose health each test switches, on fake time: a window
 * every service passes ends healthy; a service that dies fails the watch with when and why; `ask`
 * waits for the operator (or the deadline); `alert` goes on to the end, recording recoveries.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, fromPromise, type Actor } from 'xstate';
import type { ServiceSpec } from '../../src/config/plan-types.js';
import type { PerformanceInput, ProbeInput } from '../../src/machines/effects.js';
import {
  watchMachine,
  type WatchAlert,
  type WatchInput,
  type WatchNotice,
  type WatchOutput,
} from '../../src/machines/watch/index.js';
import type { Fact } from '../../src/record/facts.js';
import { probe, service } from './deployment-fixtures.js';
import { recording, type Recording } from './recording.js';

const NOW = 1_700_000_000_000;

/** A world of services the test switches up and down; every probe and measurement is counted. */
function world(names: string[]) {
  const up = new Map(names.map((n) => [n, true]));
  const calls: string[] = [];
  const aborted: string[] = [];
  let hang = false;
  const serviceOf = (label: string) => label.split('.')[0] ?? '';
  const answer = (label: string, signal: AbortSignal) => {
    calls.push(label);
    if (hang)
      return new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => {
          aborted.push(label);
          reject(new Error('aborted'));
        }),
      );
    return Promise.resolve(up.get(serviceOf(label)) ?? false);
  };
  const runProbe = fromPromise<{ ok: boolean; detail: string; durationMs: number }, ProbeInput>(
    async ({ input, signal }) => {
      const ok = await answer(input.label, signal);
      return { ok, detail: ok ? '200 OK' : '503', durationMs: 3 };
    },
  );
  const measurePerformance = fromPromise<
    { ok: boolean; p95Ms: number; samples: number; failures: number; detail: string },
    PerformanceInput
  >(async ({ input, signal }) => {
    const ok = await answer(input.label, signal);
    return { ok, p95Ms: ok ? 20 : 900, samples: 5, failures: 0, detail: '' };
  });
  return {
    up,
    calls,
    aborted,
    hang: () => {
      hang = true;
    },
    runProbe,
    measurePerformance,
  };
}

type World = ReturnType<typeof world>;

interface WatchRun {
  actor: Actor<typeof watchMachine>;
  rec: Recording;
  notices: WatchNotice[];
  alerts: WatchAlert[];
  output: () => WatchOutput | undefined;
}

let running: WatchRun | undefined;

function watch(w: World, input: Partial<WatchInput> & Pick<WatchInput, 'services'>): WatchRun {
  const rec = recording();
  const notices: WatchNotice[] = [];
  const alerts: WatchAlert[] = [];
  const machine = watchMachine.provide({
    actors: { runProbe: w.runProbe, measurePerformance: w.measurePerformance },
    actions: {
      record: (_, fact: Fact) => rec.record(fact),
      notify: (_, notice: WatchNotice) => notices.push(notice),
      alert: (_, alert: WatchAlert) => alerts.push(alert),
    },
  });
  const actor = createActor(machine, {
    input: { windowMs: 10_000, intervalMs: 2_000, onFailure: 'rollback', ...input },
  });
  actor.subscribe({ error: (e) => rec.record({ type: 'warning', message: String(e) }) });
  actor.start();
  running = { actor, rec, notices, alerts, output: () => actor.getSnapshot().output };
  return running;
}

const probed = (name: string): ServiceSpec => ({
  ...service(name, 'app'),
  health: probe(`${name} health`),
});

const at = (ms: number) => vi.advanceTimersByTimeAsync(ms);

beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
});
afterEach(() => {
  running?.actor.stop();
  running = undefined;
  vi.useRealTimers();
});

describe('watch: the window after a deployment', () => {
  it('ends healthy when every service passes through the whole window', async () => {
    const w = world(['api', 'web']);
    const run = watch(w, { services: [probed('api'), probed('web')] });
    await at(9_999);
    expect(run.output()).toBeUndefined();
    await at(1);
    expect(run.output()).toMatchObject({ verdict: 'healthy', alerts: [] });
    expect(run.rec.of('watch.started')).toEqual([
      { type: 'watch.started', services: ['api', 'web'], windowMs: 10_000, intervalMs: 2_000 },
    ]);
    // A probe is recorded when its result changes: here, once each.
    expect(run.rec.of('watch.probe').map((f) => `${f.service}:${f.probe}:${f.ok}`)).toEqual([
      'api:api health:true',
      'web:web health:true',
    ]);
    expect(run.rec.of('watch.verdict')).toEqual([
      { type: 'watch.verdict', verdict: 'healthy', atMs: 10_000 },
    ]);
    // Rounds at 0, 2, 4, 6, 8 s (and maybe the one at 10 s, cut by the window).
    expect(w.calls.filter((c) => c === 'api.watch').length).toBeGreaterThanOrEqual(5);
    expect(w.calls.filter((c) => c === 'api.watch').length).toBeLessThanOrEqual(6);
    expect(run.rec.run.watch).toMatchObject({ verdict: 'healthy', failing: [], events: [] });
  });

  it('fails when a service fails twice in a row, naming it, the probe, why and when', async () => {
    const w = world(['api', 'web']);
    const run = watch(w, { services: [probed('api'), probed('web')] });
    await at(5_000);
    w.up.set('api', false);
    await at(1_000); // the round at 6 s: first failure
    expect(run.output()).toBeUndefined();
    await at(2_000); // the round at 8 s: second failure
    const out = run.output();
    expect(out?.verdict).toBe('failed');
    expect(out?.failure).toEqual({
      service: 'api',
      check: 'api health',
      reason: 'api health failed 2 times in a row (last: 503)',
      atMs: 8_000,
    });
    expect(run.rec.of('watch.verdict')).toEqual([
      {
        type: 'watch.verdict',
        verdict: 'failed',
        service: 'api',
        reason: 'api health failed 2 times in a row (last: 503)',
        atMs: 8_000,
      },
    ]);
    expect(run.notices).toEqual([
      { event: 'watch-failed', service: 'api', reason: out?.failure?.reason },
    ]);
    expect(run.alerts.map((a) => `${a.service}:${a.resolved}`)).toEqual(['api:false']);
    expect(run.rec.run.watch).toMatchObject({ verdict: 'failed', service: 'api', atMs: 8_000 });
  });

  it('does not fail on one failed probe between passes', async () => {
    const w = world(['api']);
    const run = watch(w, { services: [probed('api')] });
    await at(1_000);
    w.up.set('api', false);
    await at(2_000); // 2 s: fails once
    w.up.set('api', true);
    await at(7_000);
    expect(run.output()?.verdict).toBe('healthy');
    expect(run.rec.of('watch.probe').map((f) => f.ok)).toEqual([true, false, true]);
  });

  it('counts a probe that cannot run, and a missed performance baseline, as failures', async () => {
    const w = world(['api']);
    const spec: ServiceSpec = {
      ...probed('api'),
      performance: { url: 'http://127.0.0.1:1/p', samples: 5, p95Ms: 100, timeoutMs: 500 },
    };
    const run = watch(w, { services: [spec], failuresToTrip: 1 });
    await at(1_000);
    expect(w.calls.slice(0, 2)).toEqual(['api.watch', 'api.watch.performance']);
    w.up.set('api', false);
    await at(2_000);
    expect(run.output()?.failure?.check).toBe('api health');
    expect(run.output()?.failure?.reason).toBe('api health failed 1 time (last: 503)');
  });

  it('keeps a context that survives a journal round trip (plain data only)', async () => {
    const w = world(['api']);
    const run = watch(w, { services: [probed('api')], onFailure: 'alert' });
    await at(1_000);
    w.up.set('api', false);
    await at(3_000);
    const context = run.actor.getSnapshot().context;
    expect(JSON.parse(JSON.stringify(context))).toEqual(context);
    expect(context.deadline).toBe(NOW + 10_000);
  });

  it('ends at once, healthy, when no service has a check to watch', async () => {
    const w = world(['api']);
    const run = watch(w, { services: [service('api', 'app')] });
    await at(0);
    expect(run.output()).toMatchObject({ verdict: 'healthy', rounds: 0 });
    expect(w.calls).toEqual([]);
  });
});

describe('watch: onWatchFailure ask', () => {
  async function failing(): Promise<WatchRun> {
    const w = world(['api']);
    const run = watch(w, {
      services: [probed('api')],
      onFailure: 'ask',
      decisionTimeoutMs: 60_000,
    });
    await at(1_000);
    w.up.set('api', false);
    await at(3_000); // fails at 2 s and 4 s
    return run;
  }

  it('asks to roll back or keep, and rolls back when told to', async () => {
    const run = await failing();
    expect(run.actor.getSnapshot().value).toBe('deciding');
    const [asked] = run.rec.of('decision.requested');
    expect(asked?.decision).toMatchObject({
      kind: 'watch-failed',
      subject: 'api',
      choices: ['rollback', 'keep'],
      defaultChoice: 'rollback',
      deadline: NOW + 4_000 + 60_000,
    });
    expect(run.notices.map((n) => n.event)).toEqual(['decision-needed']);
    expect(run.rec.run.pendingDecision?.kind).toBe('watch-failed');
    run.actor.send({ type: 'decision.rollback', by: 'alice' });
    expect(run.output()).toMatchObject({
      verdict: 'failed',
      failure: { service: 'api', atMs: 4_000 },
      decision: { choice: 'rollback', by: 'alice', kind: 'watch-failed' },
    });
    expect(run.rec.of('decision.taken')).toHaveLength(1);
    expect(run.notices.map((n) => n.event)).toEqual(['decision-needed', 'watch-failed']);
  });

  it('keeps the release when told to: the watch ends alerted, nothing to roll back', async () => {
    const run = await failing();
    run.actor.send({ type: 'decision.keep', by: 'bob' });
    const out = run.output();
    expect(out?.verdict).toBe('alerted');
    expect(out?.failure).toBeUndefined();
    expect(out?.alerts.map((a) => a.service)).toEqual(['api']);
    expect(run.rec.of('watch.verdict')[0]?.reason).toBe(
      'kept by bob: api health failed 2 times in a row (last: 503)',
    );
  });

  it('rolls back by default when nobody answers before the deadline', async () => {
    const run = await failing();
    await at(59_999);
    expect(run.output()).toBeUndefined();
    await at(1);
    expect(run.output()).toMatchObject({
      verdict: 'failed',
      decision: { choice: 'rollback', by: 'timeout' },
    });
  });
});

describe('watch: onWatchFailure alert', () => {
  it('records the failure, keeps watching, records the recovery and ends alerted', async () => {
    const w = world(['api', 'web']);
    const run = watch(w, { services: [probed('api'), probed('web')], onFailure: 'alert' });
    await at(1_000);
    w.up.set('api', false);
    await at(3_000); // fails at 2 s and 4 s: alerted at 4 s
    expect(run.output()).toBeUndefined();
    expect(run.rec.of('watch.alert')).toEqual([
      {
        type: 'watch.alert',
        service: 'api',
        reason: 'api health failed 2 times in a row (last: 503)',
        atMs: 4_000,
      },
    ]);
    await at(2_000); // 6 s: still failing, not alerted again
    expect(run.rec.of('watch.alert')).toHaveLength(1);
    w.up.set('api', true);
    await at(2_000); // 8 s: passes again
    expect(run.rec.of('watch.recovered')).toEqual([
      { type: 'watch.recovered', service: 'api', atMs: 8_000 },
    ]);
    expect(run.rec.run.watch?.failing).toEqual([]);
    await at(2_000);
    const out = run.output();
    expect(out?.verdict).toBe('alerted');
    expect(out?.alerts).toEqual([
      {
        service: 'api',
        check: 'api health',
        reason: 'api health failed 2 times in a row (last: 503)',
        atMs: 4_000,
        recoveredAtMs: 8_000,
      },
    ]);
    expect(run.alerts.map((a) => `${a.service}:${a.resolved}`)).toEqual(['api:false', 'api:true']);
    expect(run.rec.run.watch?.events.map((e) => `${e.service}:${e.failed}:${e.atMs}`)).toEqual([
      'api:true:4000',
      'api:false:8000',
    ]);
  });
});

describe('watch: bounded', () => {
  it('aborts a probe still running when the window ends, and ends there', async () => {
    const w = world(['api']);
    const run = watch(w, { services: [probed('api')], windowMs: 5_000 });
    await at(1_000);
    w.hang();
    await at(4_000);
    expect(run.output()?.verdict).toBe('healthy');
    expect(w.aborted).toEqual(['api.watch']);
    const calls = w.calls.length;
    await at(60_000);
    expect(w.calls.length).toBe(calls);
  });

  it('ends interrupted when stopped from outside, probing nothing more', async () => {
    const w = world(['api']);
    const run = watch(w, { services: [probed('api')] });
    await at(3_000);
    run.actor.send({ type: 'watch.stop' });
    expect(run.output()?.verdict).toBe('interrupted');
    expect(run.rec.of('watch.verdict')).toEqual([
      {
        type: 'watch.verdict',
        verdict: 'interrupted',
        reason: 'the run was interrupted',
        atMs: 3_000,
      },
    ]);
    const calls = w.calls.length;
    await at(20_000);
    expect(w.calls.length).toBe(calls);
  });
});
