import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { exited } from './fake-effects.js';
import { activateService, processService, startDown } from './down-harness.js';
import { cmd } from './service-test-kit.js';

let running: Array<ReturnType<typeof startDown>> = [];
const start = (...args: Parameters<typeof startDown>) => {
  const h = startDown(...args);
  running.push(h);
  return h;
};
beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  for (const h of running) h.actor.stop();
  running = [];
  vi.useRealTimers();
});

const nothingLeft = { failed: [], notAttempted: [], leftRunning: [], interrupted: false };

describe('down machine', () => {
  it('stops each service in the given order: its stop command, then the process stagecraft started', async () => {
    const h = start({
      services: [
        processService('web', './drain-web.sh'),
        activateService('api', './stop-api.sh'),
        processService('db'),
      ],
    });
    expect(await h.finished()).toEqual({
      stopped: ['web', 'api', 'db'],
      notRunning: [],
      ...nothingLeft,
    });
    expect(h.fx.log()).toEqual(['run:web.stop', 'stop:web', 'run:api.stop', 'stop:db']);
    expect(h.fx.inputs('run:web.stop')).toEqual([
      { label: 'web.stop', command: cmd('./drain-web.sh'), timeoutMs: 10_000 },
    ]);
    expect(h.fx.inputs('stop:db')).toEqual([{ service: 'db' }]);
    expect(h.rec.facts).toEqual([
      { type: 'down.service', service: 'web', status: 'stopping' },
      { type: 'down.service', service: 'web', status: 'stopped', detail: 'pid 4001' },
      { type: 'down.service', service: 'api', status: 'stopping' },
      { type: 'down.service', service: 'api', status: 'stopped', detail: 'stop command ok' },
      { type: 'down.service', service: 'db', status: 'stopping' },
      { type: 'down.service', service: 'db', status: 'stopped', detail: 'pid 4001' },
    ]);
  });

  it('records a service with nothing to stop as not running', async () => {
    const h = start(
      { services: [processService('db'), activateService('migrate')] },
      { stops: { db: [{ stopped: false }] } },
    );
    expect(await h.finished()).toEqual({
      stopped: [],
      notRunning: ['db', 'migrate'],
      ...nothingLeft,
    });
    expect(h.fx.log()).toEqual(['stop:db']);
    expect(h.rec.of('down.service').filter((f) => f.status !== 'stopping')).toEqual([
      { type: 'down.service', service: 'db', status: 'not-running' },
      { type: 'down.service', service: 'migrate', status: 'not-running' },
    ]);
  });

  it('leaves a process that is not its own alone, and says whose it is', async () => {
    const h = start(
      { services: [processService('db')] },
      { stops: { db: [{ stopped: false, refused: 'pid 77 was started from /srv/other' }] } },
    );
    expect(await h.finished()).toEqual({
      stopped: [],
      notRunning: [],
      ...nothingLeft,
      leftRunning: [{ name: 'db', reason: 'pid 77 was started from /srv/other' }],
    });
    expect(h.rec.facts.at(-1)).toEqual({
      type: 'down.service',
      service: 'db',
      status: 'not-ours',
      detail: 'pid 77 was started from /srv/other',
    });
  });

  it('records a failing stop command, still stops the process, and goes on with the next service', async () => {
    const h = start(
      { services: [processService('web', './drain-web.sh'), processService('db')] },
      { commands: { 'web.stop': [exited(2, 'drain timed out\n')] } },
    );
    const reason = 'web.stop exited with code 2 (last output: "drain timed out")';
    expect(await h.finished()).toEqual({
      stopped: ['db'],
      notRunning: [],
      failed: [{ name: 'web', reason }],
      notAttempted: [],
      leftRunning: [],
      interrupted: false,
    });
    expect(h.fx.log()).toEqual(['run:web.stop', 'stop:web', 'stop:db']);
    expect(h.rec.of('down.service')[1]).toEqual({
      type: 'down.service',
      service: 'web',
      status: 'failed',
      detail: reason,
    });
  });

  it('records a stop effect that cannot run at all as failed, with its message', async () => {
    const h = start(
      { services: [activateService('api', './stop-api.sh'), processService('db')] },
      {
        commands: { 'api.stop': [new Error('spawn ENOENT')] },
        stops: { db: [new Error('registry unreadable')] },
      },
    );
    expect((await h.finished()).failed).toEqual([
      { name: 'api', reason: 'api.stop failed: spawn ENOENT' },
      { name: 'db', reason: 'db process stop failed: registry unreadable' },
    ]);
    expect(h.statuses()).toEqual(['api:stopping', 'api:failed', 'db:stopping', 'db:failed']);
  });

  it('finishes stopping the current service on a first interrupt and stops nothing more', async () => {
    const h = start(
      {
        services: [
          processService('web', './drain-web.sh'),
          processService('api'),
          processService('db'),
        ],
      },
      { commands: { 'web.stop': ['hold'] } },
    );
    await h.fx.called('run:web.stop');
    h.actor.send({ type: 'run.interrupt' });
    expect(h.rec.facts.slice(-2)).toEqual([
      { type: 'interrupted', count: 1 },
      {
        type: 'warning',
        message: 'interrupted: the service being stopped finishes, nothing more is stopped',
      },
    ]);
    expect(h.fx.heldSignal('run:web.stop')?.aborted).toBe(false);
    h.fx.release('run:web.stop');
    expect(await h.finished()).toEqual({
      stopped: ['web'],
      notRunning: [],
      failed: [],
      notAttempted: ['api', 'db'],
      leftRunning: [],
      interrupted: true,
    });
    expect(h.fx.log()).toEqual(['run:web.stop', 'stop:web']);
    expect(h.statuses()).toEqual([
      'web:stopping',
      'web:stopped',
      'api:not-attempted',
      'db:not-attempted',
    ]);
    expect(h.rec.of('down.service').at(-1)).toEqual({
      type: 'down.service',
      service: 'db',
      status: 'not-attempted',
      detail: 'interrupted',
    });
  });

  it('leaves the current service as it is on a second interrupt', async () => {
    const h = start(
      { services: [processService('web', './drain-web.sh'), processService('db')] },
      { commands: { 'web.stop': ['hold'] } },
    );
    await h.fx.called('run:web.stop');
    const signal = h.fx.heldSignal('run:web.stop');
    h.actor.send({ type: 'run.interrupt' });
    h.actor.send({ type: 'run.interrupt' });
    expect(h.actor.getSnapshot().output).toEqual({
      stopped: [],
      notRunning: [],
      failed: [],
      notAttempted: ['web', 'db'],
      leftRunning: [],
      interrupted: true,
    });
    expect(signal?.aborted).toBe(true);
    expect(h.fx.log()).toEqual(['run:web.stop']);
    expect(h.rec.of('interrupted')).toEqual([
      { type: 'interrupted', count: 1 },
      { type: 'interrupted', count: 2 },
    ]);
  });

  // A service whose stop failed stays failed when a second interrupt comes (listed once).
  it('lists a service whose stop command failed once, when a second interrupt comes while its process stops', async () => {
    const h = start(
      { services: [processService('web', './drain-web.sh'), processService('db')] },
      { commands: { 'web.stop': [exited(1)] }, stops: { web: ['hold'] } },
    );
    await h.fx.called('stop:web');
    h.actor.send({ type: 'run.interrupt' });
    h.actor.send({ type: 'run.interrupt' });
    const out = await h.finished();
    const named = [
      ...out.stopped,
      ...out.notRunning,
      ...out.failed.map((f) => f.name),
      ...out.notAttempted,
    ];
    expect(named.sort()).toEqual(['db', 'web']);
  });

  // Two failures of one service are one entry in `failed`, with both reasons.
  it('lists a service once when both its stop command and its process stop fail', async () => {
    const h = start(
      { services: [processService('web', './drain-web.sh'), processService('db')] },
      {
        commands: { 'web.stop': [exited(1, 'busy\n')] },
        stops: { web: [new Error('registry unreadable')] },
      },
    );
    const out = await h.finished();
    expect(out.failed.map((f) => f.name)).toEqual(['web']);
  });

  it('finishes at once when there is nothing to stop', async () => {
    const h = start({ services: [] });
    expect(await h.finished()).toEqual({ stopped: [], notRunning: [], ...nothingLeft });
    expect(h.rec.facts).toEqual([]);
  });
});
