/**
 * Issue 10, case 1: a `process` service is watched from its spawn to the end of the deployment.
 * Its exit fails it at once (not when the health budget runs out), with its exit code or signal
 * and the tail of its log; a port its health check reaches that is taken before the start is the
 * reported cause; its healthy verdict is backed by an observation of the process, journaled with
 * the verdict.
 */
import { toPromise, waitFor } from 'xstate';
import { sendParent } from 'xstate';
import { describe, expect, it, vi } from 'vitest';
import type { ProcessExit } from '../../src/machines/effects.js';
import type { MonitorUnhealthyEvent, ServiceUpdateEvent } from '../../src/machines/events.js';
import { monitorMachine } from '../../src/machines/monitor/index.js';
import type { serviceMachine, ServiceInput } from '../../src/machines/service/index.js';
import { effectActors } from '../../src/machines/effects.js';
import { boundHealth, boundService } from './bound.js';
import { deploy, type DeployRun } from './deployment-harness.js';
import * as df from './deployment-fixtures.js';
import { FakeEffects, type FakeScript } from './fake-effects.js';
import { fakeTimeFor } from './fake-time.js';
import { recording, type Recording } from './recording.js';
import { cmd, eventsOf, probe, service, underParent, type Harness } from './service-test-kit.js';

const track = fakeTimeFor((h: Harness<typeof serviceMachine>) => h.parent.stop(), {
  now: 1_000_000,
});
const trackMonitor = fakeTimeFor((h: Harness<typeof monitorMachine>) => h.parent.stop(), {
  now: 1_000_000,
});
const trackDeploy = fakeTimeFor((r: DeployRun) => r.actor.stop());

const LABEL = 'http GET http://127.0.0.1:1/healthz';

/** How the fake process ends: exit 1 after 40 ms with a stack trace in its log. */
const died = (extra: Partial<ProcessExit> = {}): ProcessExit => ({
  pid: 4001,
  exitCode: 1,
  statusKnown: true,
  ranMs: 40,
  logFile: '/tmp/logs/api.log',
  tail: [
    'node:events:502',
    '      throw er; // Unhandled error event',
    'Error: listen EADDRINUSE: address already in use 127.0.0.1:1',
    '    at Server.setupListenHandle [as _listen2] (node:net:1908:16)',
    'Node.js v20.20.2',
  ],
  ...extra,
});

/** A process service with an http health check: 1 s interval, 3 retries (a ~4.5 s budget). */
const proc = (overrides: Partial<ServiceInput> = {}): ServiceInput => ({
  service: service({ kind: 'process', process: cmd('node api.mjs'), health: probe() }),
  mode: 'deploy',
  retries: 0,
  ...overrides,
});

interface Run {
  h: Harness<typeof serviceMachine>;
  fx: FakeEffects;
  rec: Recording;
}

function start(input: ServiceInput, script: FakeScript = {}): Run {
  const fx = new FakeEffects(script);
  const rec = recording();
  const h = track(underParent(boundService(fx.effects, rec.record), input));
  return { h, fx, rec };
}

const states = (rec: Recording) => rec.of('service.state').map((f) => f.state);
const last = (h: Harness<typeof serviceMachine>) =>
  eventsOf<ServiceUpdateEvent>(h.received, 'service.update').at(-1);

describe('service machine: a process service is watched from its spawn', () => {
  it('fails at once when its process exits while its health is checked, with exit code and log tail', async () => {
    const { h, fx, rec } = start(proc(), {
      probes: { [LABEL]: [false, 'hold'] },
      exits: { api: ['hold'] },
    });
    await vi.advanceTimersByTimeAsync(1_200);
    expect(states(rec)).toEqual(['activating', 'checking']);
    const probeSignal = fx.heldSignal(`probe:${LABEL}`);
    expect(probeSignal?.aborted).toBe(false);

    fx.release('exit:api', died({ ranMs: 1_250 }));
    await vi.advanceTimersByTimeAsync(0);

    expect(states(rec)).toEqual(['activating', 'checking', 'failed']);
    expect(last(h)).toMatchObject({
      state: 'failed',
      failure: {
        kind: 'exited',
        label: 'api',
        pid: 4001,
        exitCode: 1,
        statusKnown: true,
        during: 'checking health',
      },
    });
    expect(last(h)?.reason).toBe(
      'api exited with code 1 while checking health, 1.3 s after it started (pid 4001; log: ' +
        '/tmp/logs/api.log; last output: "Error: listen EADDRINUSE: address already in use 127.0.0.1:1")',
    );
    // Not at the end of the health budget: the probing stopped with the exit.
    const probes = fx.count(`probe:${LABEL}`);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fx.count(`probe:${LABEL}`)).toBe(probes);
    expect(probeSignal?.aborted).toBe(true);
  });

  it('fails before any verdict when its process has already exited once started (a bad argument)', async () => {
    const { h, fx, rec } = start(proc(), {
      probes: { [LABEL]: [false] },
      exits: { api: [died({ exitCode: 2, ranMs: 30, tail: ['bad port argument: bogus'] })] },
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(states(rec)).toEqual(['activating', 'checking', 'failed']);
    expect(last(h)?.reason).toMatch(
      /^api exited with code 2 while checking health, 0\.0 s after it started .*last output: "bad port argument: bogus"\)$/,
    );
    expect(fx.log(/^observe:/)).toEqual([]);
    expect(rec.of('service.state').some((f) => f.verdict === 'unhealthy')).toBe(false);
  });

  it('reports a signal that killed it', async () => {
    const { h } = start(proc(), {
      probes: { [LABEL]: [false] },
      exits: { api: [died({ exitCode: null, signal: 'SIGKILL', tail: [] })] },
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(last(h)?.reason).toMatch(/^api was killed by SIGKILL while checking health/);
  });

  it('does not start it when the port of its health check is taken, and names the holder', async () => {
    const { h, fx, rec } = start(proc(), {
      ports: {
        api: [
          {
            taken: true,
            host: '127.0.0.1',
            port: 18777,
            holder: { pid: 999, command: 'node x.mjs' },
          },
        ],
      },
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(states(rec)).toEqual(['activating', 'failed']);
    expect(fx.count('start:api')).toBe(0);
    expect(fx.inputs('port:api')).toEqual([{ service: 'api', probe: probe() }]);
    expect(last(h)?.failure).toEqual({
      kind: 'port-taken',
      label: 'api',
      host: '127.0.0.1',
      port: 18777,
      holder: { pid: 999, command: 'node x.mjs' },
      when: 'before-start',
    });
    expect(last(h)?.reason).toBe(
      'api was not started: port 18777 on 127.0.0.1 is already in use by pid 999 (node x.mjs), ' +
        'which its health check would reach instead; stop that program or give api another port',
    );
  });

  it('backs its healthy verdict with the observation of its process, journaled with the verdict', async () => {
    const observed = {
      pid: 4001,
      alive: true,
      port: { host: '127.0.0.1', port: 1, holder: 4001, ours: true },
    };
    const { rec, fx } = start(proc(), { observations: { api: [{ observed }] } });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fx.inputs('observe:api')).toEqual([
      {
        service: 'api',
        process: expect.objectContaining({ pid: 4001 }) as unknown,
        probe: probe(),
      },
    ]);
    const healthy = rec.of('service.state').find((f) => f.state === 'healthy');
    expect(healthy).toMatchObject({ verdict: 'healthy', observed });
    // Only the verdict carries it.
    expect(rec.of('service.state').filter((f) => f.observed !== undefined)).toHaveLength(1);
  });

  it('fails when its check passed but its process is gone, and when another program holds the port', async () => {
    const gone = start(proc(), {
      observations: { api: [{ observed: { pid: 4001, alive: false }, exit: died() }] },
    });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(states(gone.rec)).toEqual(['activating', 'checking', 'failed']);
    expect(last(gone.h)?.failure).toMatchObject({ kind: 'exited', exitCode: 1 });
    expect(gone.rec.of('service.state').at(-1)?.verdict).toBeUndefined();

    const other = start(proc(), {
      observations: {
        api: [
          {
            observed: {
              pid: 4001,
              alive: true,
              port: { host: '127.0.0.1', port: 1, holder: 999, ours: false },
            },
            holder: { pid: 999, command: 'node x.mjs' },
          },
        ],
      },
    });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(states(other.rec)).toEqual(['activating', 'checking', 'unhealthy']);
    expect(last(other.h)?.reason).toBe(
      "api's health check passed, but port 1 on 127.0.0.1 is held by pid 999 (node x.mjs), not " +
        "by api's process group (pid 4001): the check reached another program",
    );
    expect(other.rec.of('service.state').at(-1)?.observed?.port?.ours).toBe(false);
  });

  it('accepts a check that went through another service stagecraft runs (a proxy holds the port)', async () => {
    const observed = {
      pid: 4001,
      alive: true,
      port: { host: '127.0.0.1', port: 80, holder: 3000, ours: false, via: 'proxy' },
    };
    const { rec } = start(proc(), { observations: { api: [{ observed }] } });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(states(rec)).toEqual(['activating', 'checking', 'healthy']);
    expect(rec.of('service.state').at(-1)?.observed).toEqual(observed);
  });

  it('stops watching the old instance when a retry replaces it, and watches the new one', async () => {
    const { h, fx, rec } = start(proc(), {
      probes: { [LABEL]: [false] },
      exits: { api: [died(), 'hold'] },
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(states(rec).at(-1)).toBe('failed');
    h.send({ type: 'service.retry' });
    await vi.advanceTimersByTimeAsync(100);
    expect(fx.count('start:api')).toBe(2);
    expect(fx.inputs('exit:api')).toEqual([
      { service: 'api', process: expect.objectContaining({ pid: 4001 }) as unknown },
      { service: 'api', process: expect.objectContaining({ pid: 4002 }) as unknown },
    ]);
    expect(states(rec).at(-1)).toBe('checking');
    fx.release('exit:api', died({ pid: 4002 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(last(h)).toMatchObject({ state: 'failed', failure: { pid: 4002 }, attempt: 2 });
  });

  it('watches a process found running on resume', async () => {
    const info = { pid: 7, logFile: '/tmp/x.log', startedAt: 1 };
    const { h, fx } = start(proc({ resume: { process: info } }), {
      probes: { [LABEL]: [false] },
      exits: { api: [died({ pid: 7, statusKnown: false, exitCode: null })] },
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(fx.inputs('exit:api')).toEqual([{ service: 'api', process: info }]);
    expect(last(h)?.reason).toMatch(/^api is no longer running while checking health/);
  });
});

describe('monitor machine: a healthy process service', () => {
  it('tells its parent at once that the process exited, with the failure as data', async () => {
    const fx = new FakeEffects({ exits: { api: ['hold'] } });
    const rec = recording();
    const machine = monitorMachine.provide({
      actors: {
        health: boundHealth(fx.effects, rec.record),
        watchProcess: effectActors(fx.effects).watchProcess,
      },
      actions: { tell: sendParent((_, event) => event) },
    });
    const h = trackMonitor(
      underParent(machine, {
        service: service({ kind: 'process', process: cmd('node api.mjs') }),
      }),
    );
    await vi.advanceTimersByTimeAsync(5_000);
    expect(h.received).toEqual([]);
    expect(fx.inputs('exit:api')).toEqual([{ service: 'api' }]);
    fx.release('exit:api', died({ ranMs: 6_000 }));
    await vi.advanceTimersByTimeAsync(0);
    const told = eventsOf<MonitorUnhealthyEvent>(h.received, 'monitor.unhealthy');
    expect(told).toEqual([
      {
        type: 'monitor.unhealthy',
        service: 'api',
        reason: expect.stringMatching(
          /^api exited with code 1 while healthy, 6\.0 s after/,
        ) as string,
        failure: expect.objectContaining({ kind: 'exited', during: 'healthy' }) as unknown,
      },
    ]);
    expect(h.child().getSnapshot().value).toBe('lost');
  });
});

describe('deployment machine: a process that dies after it was healthy', () => {
  it('marks it unhealthy at once while a later stage runs, and fails the deployment', async () => {
    const db = {
      ...df.service('db', 'data'),
      kind: 'process' as const,
      activate: undefined,
      process: cmd('node db.mjs'),
    };
    const p = df.plan({
      services: { db, slow: df.service('slow', 'app') },
      stages: [df.stage('data', ['db']), df.stage('app', ['slow'])],
      activationOrder: ['db', 'slow'],
      rollbackOrder: ['slow', 'db'],
    });
    const r = trackDeploy(
      deploy({
        plan: p,
        script: { commands: { 'slow.activate': ['hold'] }, exits: { db: ['hold'] } },
      }),
    );
    await r.reached('slow', 'activating');
    await vi.advanceTimersByTimeAsync(0);
    // The stage released db's actor once healthy; its monitor watches the process now.
    expect(r.fx.inputs('exit:db')).toEqual([
      { service: 'db', process: expect.objectContaining({ pid: 4001 }) as unknown },
      { service: 'db' },
    ]);
    // The service's own watch ended with its actor; the monitor's is the one that counts.
    expect(r.fx.heldSignal('exit:db')?.aborted).toBe(true);
    r.fx.release('exit:db');
    r.fx.release('exit:db', died({ pid: 4001, logFile: '/tmp/logs/db.log', tail: ['killed'] }));
    await vi.advanceTimersByTimeAsync(0);
    expect(r.rec.run.services.db).toMatchObject({ state: 'unhealthy' });
    expect(r.rec.run.services.db?.reason).toMatch(
      /^db turned unhealthy while monitored: db exited with code 1 while healthy/,
    );
    const lost = r.rec
      .of('service.state')
      .find((f) => f.service === 'db' && f.state === 'unhealthy');
    expect(lost?.failure).toMatchObject({ kind: 'exited', label: 'db', exitCode: 1 });

    r.fx.release('run:slow.activate');
    const out = await toPromise(r.actor);
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/db exited with code 1 while healthy/);
    await waitFor(r.actor, (s) => s.status === 'done');
  });
});
