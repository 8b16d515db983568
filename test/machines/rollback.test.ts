import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { prepare, service, startRollback } from './rollback-harness.js';

let running: Array<ReturnType<typeof startRollback>> = [];
const start = (...args: Parameters<typeof startRollback>) => {
  const h = startRollback(...args);
  running.push(h);
  return h;
};
const steps = (...names: string[]) => names.map((n) => ({ service: service(n), wasRunning: true }));

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  for (const h of running) h.actor.stop();
  running = [];
  vi.useRealTimers();
});

describe('rollbackMachine', () => {
  it('rolls back three services in the given order and reports all restored', async () => {
    const h = start({
      steps: steps('web', 'api', 'db'),
      cleanups: [],
      retries: 0,
      interactive: false,
    });
    const out = await h.finished();
    expect(
      h.calls.map((c) => (c.actor === 'serviceRollback' ? c.input.service.name : c.input.label)),
    ).toEqual(['web', 'api', 'db']);
    expect(out).toEqual({
      complete: true,
      restored: ['web', 'api', 'db'],
      notRestored: [],
      aborted: false,
    });
    expect(
      h.of('rollback.step').map((e) => `${e.service as string}:${e.status as string}`),
    ).toEqual([
      'web:started',
      'web:restored',
      'api:started',
      'api:restored',
      'db:started',
      'db:restored',
    ]);
  });

  it('passes the previous release variables and whether the process was running to each step', async () => {
    const h = start({
      steps: [
        { service: service('api', 'process'), wasRunning: true, previousEnv: { RELEASE: 'old' } },
        { service: service('db', 'process'), wasRunning: false },
      ],
      cleanups: [],
      retries: 0,
      interactive: false,
    });
    await h.finished();
    const inputs = h.calls.flatMap((c) => (c.actor === 'serviceRollback' ? [c.input] : []));
    expect(inputs[0]).toMatchObject({
      mode: 'rollback',
      rollback: { wasRunning: true, previousEnv: { RELEASE: 'old' } },
    });
    expect(inputs[1]).toMatchObject({ mode: 'rollback', rollback: { wasRunning: false } });
    expect(inputs[1]?.rollback).not.toHaveProperty('previousEnv');
  });

  it('retries a failing step automatically up to the policy, then records it as not restored and goes on', async () => {
    const h = start(
      { steps: steps('api', 'db'), cleanups: [], retries: 2, interactive: false },
      {
        services: {
          api: [{ fail: 'x1' }, { fail: 'x2' }, { fail: 'api rollback exited with code 3' }],
        },
      },
    );
    const out = await h.finished();
    const names = h.calls.map((c) => (c.actor === 'serviceRollback' ? c.input.service.name : ''));
    expect(names).toEqual(['api', 'api', 'api', 'db']);
    expect(out).toEqual({
      complete: false,
      restored: ['db'],
      notRestored: [{ name: 'api', reason: 'api rollback exited with code 3' }],
      aborted: false,
    });
    expect(h.of('rollback.step')).toContainEqual(
      expect.objectContaining({ service: 'api', status: 'failed', attempt: 3 }),
    );
    expect(h.of('rollback.stepFailed')).toEqual([]);
  });

  it('treats a step actor that throws as a failed step with its message', async () => {
    const h = start(
      { steps: steps('api'), cleanups: [], retries: 0, interactive: false },
      { services: { api: [{ throw: 'spawn ENOENT' }] } },
    );
    const out = await h.finished();
    expect(out.notRestored).toEqual([
      { name: 'api', reason: 'rollback of api failed: spawn ENOENT' },
    ]);
  });

  it('succeeds when an automatic retry restores the step', async () => {
    const h = start(
      { steps: steps('api'), cleanups: [], retries: 1, interactive: false },
      { services: { api: [{ fail: 'flaky' }] } },
    );
    expect(await h.finished()).toEqual({
      complete: true,
      restored: ['api'],
      notRestored: [],
      aborted: false,
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
      { services: { api: [{ fail: 'a' }, { fail: 'b' }, 'ok'] } },
    );
    await h.awaitingDecision();
    expect(h.of('rollback.stepFailed')).toEqual([
      {
        type: 'rollback.stepFailed',
        service: 'api',
        reason: 'b',
        attempt: 2,
        deadline: Date.now() + 60_000,
      },
    ]);
    h.child()!.send({ type: 'decision.retry', by: 'alice' });
    const out = await h.finished();
    expect(out).toEqual({
      complete: true,
      restored: ['api', 'db'],
      notRestored: [],
      aborted: false,
    });
    expect(h.calls.filter((c) => c.actor === 'serviceRollback')).toHaveLength(4);
  });

  it('asks again right away when a retried step fails once more', async () => {
    const h = start(
      { steps: steps('api'), cleanups: [], retries: 1, interactive: true },
      { services: { api: [{ fail: 'a' }, { fail: 'b' }, { fail: 'c' }] } },
    );
    await h.awaitingDecision();
    h.child()!.send({ type: 'decision.retry', by: 'alice' });
    await vi.waitFor(() => expect(h.of('rollback.stepFailed')).toHaveLength(2));
    expect(h.of('rollback.stepFailed')[1]).toMatchObject({
      service: 'api',
      reason: 'c',
      attempt: 3,
    });
    expect(h.state()).toBe('awaitingDecision');
  });

  it('counts a step marked resolved as restored by hand and continues', async () => {
    const h = start(
      { steps: steps('api', 'db'), cleanups: [], retries: 0, interactive: true },
      { services: { api: [{ fail: 'nope' }] } },
    );
    await h.awaitingDecision();
    h.child()!.send({ type: 'decision.markResolved', by: 'alice' });
    const out = await h.finished();
    expect(out).toEqual({
      complete: true,
      restored: ['api', 'db'],
      notRestored: [],
      aborted: false,
    });
    expect(h.of('rollback.step')).toContainEqual(
      expect.objectContaining({ service: 'api', status: 'resolved-by-hand' }),
    );
  });

  it('stops on abort and lists the failed step, the untouched steps and cleanups as not restored', async () => {
    const h = start(
      {
        steps: steps('web', 'api', 'db'),
        cleanups: [prepare('dir')],
        retries: 0,
        interactive: true,
      },
      { services: { api: [{ fail: 'api rollback exited with code 1' }] } },
    );
    await h.awaitingDecision();
    h.child()!.send({ type: 'decision.abort', by: 'alice' });
    const out = await h.finished();
    expect(out).toEqual({
      complete: false,
      restored: ['web'],
      notRestored: [
        { name: 'api', reason: 'api rollback exited with code 1; rollback aborted' },
        { name: 'db', reason: 'not attempted: rollback aborted' },
        { name: 'prepare.dir', reason: 'not attempted: rollback aborted' },
      ],
      aborted: true,
    });
    expect(h.calls.some((c) => c.actor === 'runCommand')).toBe(false);
  });

  it('takes the abort default when nobody decides before the deadline', async () => {
    const h = start(
      {
        steps: steps('api'),
        cleanups: [],
        retries: 0,
        interactive: true,
        decisionTimeoutMs: 30_000,
      },
      { services: { api: [{ fail: 'nope' }] } },
    );
    await h.awaitingDecision();
    vi.advanceTimersByTime(29_999);
    expect(h.state()).toBe('awaitingDecision');
    vi.advanceTimersByTime(1);
    const out = await h.finished();
    expect(out.aborted).toBe(true);
    expect(out.notRestored).toEqual([
      { name: 'api', reason: 'nope; no decision before the deadline (default: abort)' },
    ]);
  });

  it('applies an expired deadline when asked to re-check it (restored from a journal)', async () => {
    const h = start(
      {
        steps: steps('api'),
        cleanups: [],
        retries: 0,
        interactive: true,
        decisionTimeoutMs: 30_000,
      },
      { services: { api: [{ fail: 'nope' }] } },
    );
    await h.awaitingDecision();
    h.child()!.send({ type: 'rollback.checkDeadline' });
    expect(h.state()).toBe('awaitingDecision');
    vi.setSystemTime(Date.now() + 30_000);
    h.child()!.send({ type: 'rollback.checkDeadline' });
    expect((await h.finished()).aborted).toBe(true);
  });

  it('runs the prepare cleanups last, in the given order, skipping steps without a cleanup', async () => {
    const h = start({
      steps: steps('api', 'db'),
      cleanups: [prepare('b'), prepare('none', false), prepare('a')],
      retries: 0,
      interactive: false,
    });
    const out = await h.finished();
    expect(
      h.calls.map((c) => (c.actor === 'serviceRollback' ? c.input.service.name : c.input.label)),
    ).toEqual(['api', 'db', 'prepare.b.cleanup', 'prepare.a.cleanup']);
    const first = h.calls[2];
    expect(first?.actor === 'runCommand' && first.input.command.run).toBe('undo b');
    expect(out).toEqual({
      complete: true,
      restored: ['api', 'db', 'prepare.b', 'prepare.a'],
      notRestored: [],
      aborted: false,
    });
  });

  it('retries a failing cleanup per policy, then records it as not restored with the exit code and output', async () => {
    const h = start(
      { steps: [], cleanups: [prepare('b'), prepare('a')], retries: 1, interactive: true },
      { cleanups: { 'prepare.b.cleanup': [1, 2] } },
    );
    const out = await h.finished();
    expect(h.calls.map((c) => (c.actor === 'runCommand' ? c.input.label : ''))).toEqual([
      'prepare.b.cleanup',
      'prepare.b.cleanup',
      'prepare.a.cleanup',
    ]);
    expect(out).toEqual({
      complete: false,
      restored: ['prepare.a'],
      notRestored: [
        {
          name: 'prepare.b',
          reason: 'prepare.b.cleanup exited with code 2 (last: boom prepare.b.cleanup)',
        },
      ],
      aborted: false,
    });
    expect(
      h.of('rollback.cleanup').map((e) => `${e.name as string}:${e.status as string}`),
    ).toEqual([
      'prepare.b:started',
      'prepare.b:started',
      'prepare.b:failed',
      'prepare.a:started',
      'prepare.a:done',
    ]);
  });

  it('finishes at once, complete, when there is nothing to roll back', async () => {
    const h = start({ steps: [], cleanups: [], retries: 0, interactive: true });
    expect(await h.finished()).toEqual({
      complete: true,
      restored: [],
      notRestored: [],
      aborted: false,
    });
  });

  it('forwards service updates and health attempts from a step to its parent', () => {
    const h = start({ steps: steps('api'), cleanups: [], retries: 0, interactive: true });
    const update = {
      type: 'service.update' as const,
      service: 'api',
      state: 'rolling-back',
      attempt: 1,
      maxAttempts: 1,
      at: 1,
    };
    h.child()!.send(update);
    h.child()!.send({
      type: 'health.attempt',
      service: 'api',
      probe: 'tcp',
      attempt: 1,
      of: 3,
      ok: true,
      detail: 'ok',
      durationMs: 1,
    });
    expect(h.of('service.update')).toEqual([update]);
    expect(h.of('health.attempt')).toHaveLength(1);
  });
});
