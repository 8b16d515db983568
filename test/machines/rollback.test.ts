import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { exited, probed } from './fake-effects.js';
import { probe } from './deployment-fixtures.js';
import { rollbackSteps } from '../../src/machines/deployment/index.js';
import { prepare, service, startRollback } from './rollback-harness.js';

const NOW = 1_700_000_000_000;
let running: Array<ReturnType<typeof startRollback>> = [];
const start = (...args: Parameters<typeof startRollback>) => {
  const h = startRollback(...args);
  running.push(h);
  return h;
};
const steps = (...names: string[]) => names.map((n) => ({ service: service(n), wasRunning: true }));
const failing = (output: string, code = 1) => exited(code, output);
const done = { aborted: false, interrupted: false };

beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
});
afterEach(() => {
  for (const h of running) h.actor.stop();
  running = [];
  vi.useRealTimers();
});

describe('rollbackMachine', () => {
  it('rolls back three services in the given order and records all restored', async () => {
    const h = start({
      steps: steps('web', 'api', 'db'),
      cleanups: [],
      retries: 0,
      interactive: false,
    });
    const out = await h.finished();
    expect(h.effects()).toEqual(['run:web.rollback', 'run:api.rollback', 'run:db.rollback']);
    expect(out).toEqual({
      complete: true,
      restored: ['web', 'api', 'db'],
      notRestored: [],
      ...done,
    });
    expect(h.rec.of('rollback.started')).toEqual([
      { type: 'rollback.started', steps: ['web', 'api', 'db'], cleanups: [], scope: 'all' },
    ]);
    expect(h.rec.of('rollback.step').map((e) => `${e.service}:${e.status}:${e.attempt}`)).toEqual([
      'web:started:1',
      'web:restored:1',
      'api:started:1',
      'api:restored:1',
      'db:started:1',
      'db:restored:1',
    ]);
  });

  it('records what it rolls back and why: the scope and the reason it was given', async () => {
    const h = start({
      steps: steps('api'),
      cleanups: [prepare('dir')],
      retries: 0,
      interactive: false,
      scope: 'failed',
      reason: 'api.activate exited with code 1',
    });
    await h.finished();
    expect(h.rec.of('rollback.started')).toEqual([
      {
        type: 'rollback.started',
        steps: ['api'],
        cleanups: ['prepare.dir'],
        scope: 'failed',
        reason: 'api.activate exited with code 1',
      },
    ]);
  });

  // XState starts a child before its parent's initial entry actions run: a step's service does
  // not record that it is rolling back (the rollback's `rollback.step started` says so), so the
  // rollback's start comes first (the line reporter prints them in this order).
  it('records that it started before anything its first step records', async () => {
    const h = start({ steps: steps('api', 'db'), cleanups: [], retries: 0, interactive: false });
    await h.finished();
    expect(h.rec.facts.slice(0, 3).map((f) => f.type)).toEqual([
      'rollback.started',
      'rollback.step',
      'service.state',
    ]);
    expect(h.rec.facts[2]).toMatchObject({ service: 'api', state: 'rolled-back' });
  });

  it('restarts a process that was running with the previous variables, and stops one that was not', async () => {
    const h = start({
      steps: [
        { service: service('api', 'process'), wasRunning: true, previousEnv: { RELEASE: 'old' } },
        { service: service('db', 'process'), wasRunning: false },
      ],
      cleanups: [],
      retries: 0,
      interactive: false,
    });
    expect(await h.finished()).toMatchObject({ complete: true, restored: ['api', 'db'] });
    expect(h.effects()).toEqual(['start:api', 'stop:db']);
    expect(h.fx.inputs('start:api')).toEqual([
      {
        service: 'api',
        command: { run: 'node api.js', cwd: '/tmp', env: {} },
        env: { RELEASE: 'old' },
      },
    ]);
    expect(h.fx.inputs('stop:db')).toEqual([{ service: 'db' }]);
  });

  it("a process with a rollback command: stops this deployment's instance, runs the command with the previous variables, restarts the previous instance, then probes it", async () => {
    const api = {
      ...service('api', 'process'),
      rollback: { run: './rollback-api.sh', cwd: '/tmp', env: {} },
      health: probe('api-health'),
    };
    const h = start({
      steps: [{ service: api, wasRunning: true, previousEnv: { RELEASE: 'old' } }],
      cleanups: [],
      retries: 0,
      interactive: false,
    });
    expect(await h.finished()).toMatchObject({ complete: true, restored: ['api'] });
    expect(h.fx.log(/^(run|start|stop|probe):/)).toEqual([
      'stop:api',
      'run:api.rollback',
      'start:api',
      'probe:api-health',
    ]);
    expect(h.fx.inputs('run:api.rollback')).toEqual([
      expect.objectContaining({ env: { RELEASE: 'old' } }),
    ]);
    expect(h.fx.inputs('start:api')).toEqual([
      expect.objectContaining({ env: { RELEASE: 'old' } }),
    ]);
  });

  it('a process with a rollback command that the previous release did not run: stopped, the command run, nothing restarted or probed', async () => {
    const db = {
      ...service('db', 'process'),
      rollback: { run: './rollback-db.sh', cwd: '/tmp', env: {} },
      health: probe('db-health'),
    };
    const h = start({
      steps: [{ service: db, wasRunning: false }],
      cleanups: [],
      retries: 0,
      interactive: false,
    });
    expect(await h.finished()).toMatchObject({ complete: true, restored: ['db'] });
    expect(h.fx.log(/^(run|start|stop|probe):/)).toEqual(['stop:db', 'run:db.rollback']);
  });

  it('a service the release returned to recorded as skipped is undone but not probed: that release never had it healthy', async () => {
    const api = { ...service('api'), health: probe('api-health') };
    const h = start({
      steps: [{ service: api, wasRunning: false, skipped: true }],
      cleanups: [],
      retries: 0,
      interactive: false,
    });
    expect(await h.finished()).toMatchObject({ complete: true, restored: ['api'] });
    expect(h.fx.log(/^(run|start|stop|probe):/)).toEqual(['run:api.rollback']);
  });

  it('retries a failing step automatically up to the policy, then records it as not restored and goes on', async () => {
    const h = start(
      { steps: steps('api', 'db'), cleanups: [], retries: 2, interactive: false },
      {
        commands: {
          'api.rollback': [failing('x1'), failing('x2'), failing('no previous release', 3)],
        },
      },
    );
    const out = await h.finished();
    expect(h.effects()).toEqual([
      'run:api.rollback',
      'run:api.rollback',
      'run:api.rollback',
      'run:db.rollback',
    ]);
    const reason = 'api.rollback exited with code 3 (last output: "no previous release")';
    expect(out).toEqual({
      complete: false,
      restored: ['db'],
      notRestored: [{ name: 'api', reason }],
      ...done,
    });
    expect(h.rec.of('rollback.step')).toContainEqual({
      type: 'rollback.step',
      service: 'api',
      status: 'failed',
      attempt: 3,
      reason,
      // The same failure as data: the service's rollback command and how it ended.
      failure: expect.objectContaining({
        kind: 'command',
        label: 'api.rollback',
        exitCode: 3,
      }) as unknown,
    });
    expect(h.rec.of('decision.requested')).toEqual([]);
  });

  it('treats a step whose effect rejects as a failed step with its message', async () => {
    const h = start(
      { steps: steps('api'), cleanups: [], retries: 0, interactive: false },
      { commands: { 'api.rollback': [new Error('spawn ENOENT')] } },
    );
    const out = await h.finished();
    expect(out.notRestored).toEqual([{ name: 'api', reason: 'api.rollback failed: spawn ENOENT' }]);
  });

  it('treats a step actor that throws as a failed step with its message', async () => {
    const broken = { ...service('api', 'process'), process: undefined };
    const h = start({
      steps: [{ service: broken, wasRunning: true }],
      cleanups: [],
      retries: 0,
      interactive: false,
    });
    const out = await h.finished();
    expect(out.notRestored).toEqual([
      {
        name: 'api',
        reason:
          'rollback of api failed: bug: services.api.process is missing from the resolved plan',
      },
    ]);
  });

  it('succeeds when an automatic retry restores the step', async () => {
    const h = start(
      { steps: steps('api'), cleanups: [], retries: 1, interactive: false },
      { commands: { 'api.rollback': [failing('flaky'), exited(0)] } },
    );
    expect(await h.finished()).toEqual({
      complete: true,
      restored: ['api'],
      notRestored: [],
      ...done,
    });
  });

  it('asks the operator after the retries and runs the step again on retry', async () => {
    const h = start(
      {
        steps: steps('api', 'db'),
        cleanups: [],
        retries: 1,
        interactive: true,
        decisionTimeoutMs: 60_000,
      },
      { commands: { 'api.rollback': [failing('a'), failing('b'), exited(0)] } },
    );
    await h.awaitingDecision();
    expect(h.rec.of('decision.requested')).toEqual([
      {
        type: 'decision.requested',
        decision: {
          id: 'rollback-0-2',
          kind: 'rollback-step',
          subject: 'api',
          message: 'api.rollback exited with code 1 (last output: "b")',
          choices: ['retry', 'mark-resolved', 'abort'],
          defaultChoice: 'abort',
          deadline: NOW + 60_000,
        },
      },
    ]);
    expect(h.rec.of('rollback.step').at(-1)).toEqual({
      type: 'rollback.step',
      service: 'api',
      status: 'failed',
      attempt: 2,
      reason: 'api.rollback exited with code 1 (last output: "b")',
      failure: expect.objectContaining({ kind: 'command', exitCode: 1, lastLine: 'b' }) as unknown,
    });
    h.actor.send({ type: 'decision.retry', by: 'alice' });
    const out = await h.finished();
    expect(out).toEqual({ complete: true, restored: ['api', 'db'], notRestored: [], ...done });
    expect(h.effects()).toHaveLength(4);
    expect(h.rec.of('decision.taken')).toEqual([
      {
        type: 'decision.taken',
        id: 'rollback-0-2',
        kind: 'rollback-step',
        subject: 'api',
        choice: 'retry',
        by: 'alice',
        at: NOW,
      },
    ]);
  });

  it('asks again right away when a retried step fails once more', async () => {
    const h = start(
      { steps: steps('api'), cleanups: [], retries: 1, interactive: true },
      { commands: { 'api.rollback': [failing('a'), failing('b'), failing('c')] } },
    );
    await h.awaitingDecision();
    h.actor.send({ type: 'decision.retry', by: 'alice' });
    await h.rec.next('decision.requested', (f) => f.decision.id === 'rollback-0-3');
    expect(h.rec.of('decision.requested')[1]?.decision).toMatchObject({
      subject: 'api',
      message: 'api.rollback exited with code 1 (last output: "c")',
    });
    expect(h.rec.of('rollback.step').at(-1)).toMatchObject({ status: 'failed', attempt: 3 });
    expect(h.state()).toBe('awaitingDecision');
  });

  it('counts a step marked resolved as restored by hand and continues', async () => {
    const h = start(
      { steps: steps('api', 'db'), cleanups: [], retries: 0, interactive: true },
      { commands: { 'api.rollback': [failing('nope')] } },
    );
    await h.awaitingDecision();
    h.actor.send({ type: 'decision.markResolved', by: 'alice' });
    const out = await h.finished();
    expect(out).toEqual({ complete: true, restored: ['api', 'db'], notRestored: [], ...done });
    expect(h.rec.of('rollback.step')).toContainEqual({
      type: 'rollback.step',
      service: 'api',
      status: 'resolved-by-hand',
      attempt: 1,
    });
    expect(h.rec.of('decision.taken').map((d) => [d.choice, d.by])).toEqual([
      ['mark-resolved', 'alice'],
    ]);
  });

  it('stops on abort and lists the failed step, the untouched steps and cleanups as not restored', async () => {
    const h = start(
      {
        steps: steps('web', 'api', 'db'),
        cleanups: [prepare('dir')],
        retries: 0,
        interactive: true,
      },
      { commands: { 'api.rollback': [failing('migration locked')] } },
    );
    await h.awaitingDecision();
    h.actor.send({ type: 'decision.abort', by: 'alice' });
    const out = await h.finished();
    expect(out).toEqual({
      complete: false,
      restored: ['web'],
      notRestored: [
        {
          name: 'api',
          reason:
            'api.rollback exited with code 1 (last output: "migration locked"); rollback aborted',
        },
        { name: 'db', reason: 'not attempted: rollback aborted' },
        { name: 'prepare.dir', reason: 'not attempted: rollback aborted' },
      ],
      aborted: true,
      interrupted: false,
    });
    expect(h.fx.log(/cleanup/)).toEqual([]);
    expect(h.rec.facts.slice(-2)).toEqual([
      {
        type: 'rollback.step',
        service: 'db',
        status: 'not-attempted',
        attempt: 0,
        reason: 'not attempted: rollback aborted',
      },
      {
        type: 'rollback.cleanup',
        name: 'prepare.dir',
        status: 'not-attempted',
        attempt: 0,
        reason: 'not attempted: rollback aborted',
      },
    ]);
  });

  it('takes the abort default when nobody decides before the deadline, recorded as by timeout', async () => {
    const h = start(
      {
        steps: steps('api'),
        cleanups: [],
        retries: 0,
        interactive: true,
        decisionTimeoutMs: 30_000,
      },
      { commands: { 'api.rollback': [failing('nope')] } },
    );
    await h.awaitingDecision();
    await vi.advanceTimersByTimeAsync(29_999);
    expect(h.state()).toBe('awaitingDecision');
    await vi.advanceTimersByTimeAsync(1);
    const out = await h.finished();
    expect(out).toMatchObject({ complete: false, aborted: true });
    expect(out.notRestored.map((n) => n.name)).toEqual(['api']);
    expect(h.rec.of('decision.taken')).toEqual([
      {
        type: 'decision.taken',
        id: 'rollback-0-1',
        kind: 'rollback-step',
        subject: 'api',
        choice: 'abort',
        by: 'timeout',
        at: NOW + 30_000,
      },
    ]);
  });

  // A decision that timed out is not worded like an operator's abort.
  it('says in what is not restored that nobody decided before the deadline', async () => {
    const h = start(
      {
        steps: steps('api'),
        cleanups: [],
        retries: 0,
        interactive: true,
        decisionTimeoutMs: 30_000,
      },
      { commands: { 'api.rollback': [failing('nope')] } },
    );
    await h.awaitingDecision();
    await vi.advanceTimersByTimeAsync(30_000);
    expect((await h.finished()).notRestored).toEqual([
      {
        name: 'api',
        reason:
          'api.rollback exited with code 1 (last output: "nope"); no decision before the deadline (default: abort)',
      },
    ]);
  });

  it('counts the decision deadline from when it asks, not from when the rollback started', async () => {
    const h = start(
      {
        steps: steps('api'),
        cleanups: [],
        retries: 0,
        interactive: true,
        decisionTimeoutMs: 30_000,
      },
      { commands: { 'api.rollback': ['hold'] } },
    );
    await vi.advanceTimersByTimeAsync(10_000);
    h.fx.release('run:api.rollback', failing('nope'));
    await h.awaitingDecision();
    expect(h.rec.of('decision.requested')[0]?.decision.deadline).toBe(NOW + 40_000);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(h.state()).toBe('awaitingDecision');
    await vi.advanceTimersByTimeAsync(1);
    expect(h.state()).toBe('finished');
  });

  it('runs the prepare cleanups last, in the given order, skipping steps without a cleanup', async () => {
    const h = start({
      steps: steps('api', 'db'),
      cleanups: [prepare('b'), prepare('none', false), prepare('a')],
      retries: 0,
      interactive: false,
    });
    const out = await h.finished();
    expect(h.effects()).toEqual([
      'run:api.rollback',
      'run:db.rollback',
      'run:prepare.b.cleanup',
      'run:prepare.a.cleanup',
    ]);
    expect(h.fx.inputs('run:prepare.b.cleanup')).toEqual([
      {
        label: 'prepare.b.cleanup',
        command: { run: 'undo b', cwd: '/tmp', env: {} },
        timeoutMs: 600_000,
      },
    ]);
    expect(out).toEqual({
      complete: true,
      restored: ['api', 'db', 'prepare.b', 'prepare.a'],
      notRestored: [],
      ...done,
    });
  });

  it('retries a failing cleanup per policy, then records it as not restored with the exit code and output', async () => {
    const h = start(
      { steps: [], cleanups: [prepare('b'), prepare('a')], retries: 1, interactive: true },
      {
        commands: {
          'prepare.b.cleanup': [
            failing('boom prepare.b.cleanup\n'),
            failing('boom prepare.b.cleanup\n', 2),
          ],
        },
      },
    );
    const out = await h.finished();
    expect(h.effects()).toEqual([
      'run:prepare.b.cleanup',
      'run:prepare.b.cleanup',
      'run:prepare.a.cleanup',
    ]);
    const reason = 'prepare.b.cleanup exited with code 2 (last output: "boom prepare.b.cleanup")';
    expect(out).toEqual({
      complete: false,
      restored: ['prepare.a'],
      notRestored: [{ name: 'prepare.b', reason }],
      ...done,
    });
    expect(h.rec.of('rollback.cleanup').map((e) => `${e.name}:${e.status}:${e.attempt}`)).toEqual([
      'prepare.b:started:1',
      'prepare.b:started:2',
      'prepare.b:failed:2',
      'prepare.a:started:1',
      'prepare.a:done:1',
    ]);
    expect(h.rec.of('rollback.cleanup')[2]).toMatchObject({ reason });
  });

  it('finishes at once, complete, when there is nothing to roll back', async () => {
    const h = start({ steps: [], cleanups: [], retries: 0, interactive: true });
    expect(await h.finished()).toEqual({
      complete: true,
      restored: [],
      notRestored: [],
      ...done,
    });
  });

  it("records what each step's service goes through: its states and its probe attempts", async () => {
    const api = { ...service('api'), health: probe('api-probe') };
    const h = start(
      { steps: [{ service: api, wasRunning: true }], cleanups: [], retries: 0, interactive: true },
      { probes: { 'api-probe': [probed(true, 'exit 0')] } },
    );
    await h.finished();
    // Its start is the rollback's `rollback.step started`; the service records where it ends.
    expect(h.rec.of('rollback.step').map((s) => s.status)).toEqual(['started', 'restored']);
    expect(h.rec.of('service.state').map((s) => s.state)).toEqual(['rolled-back']);
    expect(h.rec.of('health.attempt')).toEqual([
      {
        type: 'health.attempt',
        service: 'api',
        probe: 'api-probe',
        attempt: 1,
        of: 1,
        ok: true,
        detail: 'exit 0',
        durationMs: 3,
      },
    ]);
  });
});

describe('rollbackMachine as the root: interruption', () => {
  it('goes on after a first interrupt, and says how to stop it', async () => {
    const h = start(
      { steps: steps('api', 'db'), cleanups: [], retries: 0, interactive: false },
      { commands: { 'api.rollback': ['hold'] } },
    );
    await vi.advanceTimersByTimeAsync(0);
    h.actor.send({ type: 'run.interrupt' });
    expect(h.rec.facts.slice(-2)).toEqual([
      { type: 'interrupted', count: 1 },
      {
        type: 'warning',
        message: 'interrupted: the rollback goes on; press Ctrl-C again to stop it where it is',
      },
    ]);
    expect(h.fx.heldSignal('run:api.rollback')?.aborted).toBe(false);
    h.fx.release('run:api.rollback');
    expect(await h.finished()).toEqual({
      complete: true,
      restored: ['api', 'db'],
      notRestored: [],
      ...done,
    });
  });

  it('stops where it is on a second interrupt and lists everything left as not restored', async () => {
    const h = start(
      {
        steps: steps('web', 'api'),
        cleanups: [prepare('dir')],
        retries: 0,
        interactive: false,
      },
      { commands: { 'web.rollback': ['hold'] } },
    );
    await vi.advanceTimersByTimeAsync(0);
    const signal = h.fx.heldSignal('run:web.rollback');
    h.actor.send({ type: 'run.interrupt' });
    h.actor.send({ type: 'run.interrupt' });
    const why = 'interrupted again: rollback stopped';
    expect(h.output()).toEqual({
      complete: false,
      restored: [],
      notRestored: [
        { name: 'web', reason: why },
        { name: 'api', reason: `not attempted: ${why}` },
        { name: 'prepare.dir', reason: `not attempted: ${why}` },
      ],
      aborted: true,
      interrupted: true,
    });
    expect(signal?.aborted).toBe(true);
    expect(h.rec.of('interrupted')).toEqual([
      { type: 'interrupted', count: 1 },
      { type: 'interrupted', count: 2 },
    ]);
    // The step it stopped half way is interrupted; the rest was never attempted.
    expect(h.rec.facts.slice(-3)).toEqual([
      { type: 'rollback.step', service: 'web', status: 'interrupted', attempt: 0, reason: why },
      {
        type: 'rollback.step',
        service: 'api',
        status: 'not-attempted',
        attempt: 0,
        reason: `not attempted: ${why}`,
      },
      {
        type: 'rollback.cleanup',
        name: 'prepare.dir',
        status: 'not-attempted',
        attempt: 0,
        reason: `not attempted: ${why}`,
      },
    ]);
  });

  it('stops a pending decision too on a second interrupt', async () => {
    const h = start(
      { steps: steps('api'), cleanups: [], retries: 0, interactive: true },
      { commands: { 'api.rollback': [failing('nope')] } },
    );
    await h.awaitingDecision();
    h.actor.send({ type: 'run.interrupt' });
    expect(h.state()).toBe('awaitingDecision');
    h.actor.send({ type: 'run.interrupt' });
    expect(h.output()).toMatchObject({ aborted: true, interrupted: true, restored: [] });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('rollbackSteps', () => {
  const current = {
    ...service('web', 'process'),
    health: probe('http GET http://127.0.0.1:2/healthz', {
      kind: 'http',
      http: { url: 'http://127.0.0.1:2/healthz', method: 'GET', status: ['2xx'], headers: {} },
    }),
    readiness: [
      probe('ready-cmd', { command: { run: 'sh ready.sh', cwd: '/tmp', env: { X: '1' } } }),
    ],
  };
  const plan = { services: { web: current } } as unknown as Parameters<typeof rollbackSteps>[0];
  const released = probe('http GET http://127.0.0.1:1/healthz', {
    kind: 'http',
    http: { url: 'http://127.0.0.1:1/healthz', method: 'GET', status: ['2xx'], headers: {} },
  });

  it("probes what the release returned to recorded, and runs its command probes with that release's variables", () => {
    const [step] = rollbackSteps(plan, ['web'], {
      env: { web: { WEB_PORT: '1' } },
      running: ['web'],
      checks: { web: { health: released, readiness: current.readiness } },
    });
    expect(step?.service.health).toEqual(released);
    expect(step?.service.readiness[0]?.command?.env).toEqual({ WEB_PORT: '1', X: '1' });
    expect(step).toMatchObject({ wasRunning: true, previousEnv: { WEB_PORT: '1' } });
    expect(step?.skipped).toBeUndefined();
  });

  it('keeps the current checks for a release that recorded none, and marks a service it skipped as not running', () => {
    const [step] = rollbackSteps(plan, ['web'], {
      env: {},
      running: ['web'],
      skipped: ['web'],
    });
    expect(step?.service.health).toEqual(current.health);
    expect(step).toMatchObject({ wasRunning: false, skipped: true });
  });
});
