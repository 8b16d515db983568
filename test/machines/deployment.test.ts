import { toPromise, waitFor } from 'xstate';
import { describe, expect, it, vi } from 'vitest';
import { deploy } from './deployment-harness.js';
import type { DeployOptions, DeployRun } from './deployment-harness.js';
import { plan, stage } from './deployment-fixtures.js';
import { fakeTimeFor } from './fake-time.js';
import type { ResolvedPlan } from '../../src/config/plan-types.js';

const track = fakeTimeFor((r: DeployRun) => r.actor.stop());
const start = (o: DeployOptions = {}): DeployRun => track(deploy(o));
const decisionPending = (r: DeployRun) =>
  waitFor(r.actor, (s) => s.context.pendingDecision !== undefined);
const askPlan = (extra: Partial<ResolvedPlan['policy']> = {}) =>
  plan({
    policy: {
      onFailure: 'ask',
      degraded: 'continue',
      retries: 0,
      decisionTimeoutMs: 60_000,
      ...extra,
    },
  });

describe('deployment machine: phases', () => {
  it('runs every phase and succeeds with exit 0', async () => {
    const r = start();
    const out = await toPromise(r.actor);
    expect(out).toEqual({ result: 'succeeded', exitCode: 0 });
    expect(r.log).toEqual([
      'prerequisites',
      'run:prepare.dir',
      'run:prepare.net',
      'start:db',
      'start:api',
      'start:worker',
      'start:web',
      'verification',
      'release:dep-1',
    ]);
    const ctx = r.actor.getSnapshot().context;
    expect(ctx.stages.map((s) => s.status)).toEqual(['succeeded', 'succeeded']);
    expect(ctx.activated).toEqual(['db', 'api', 'worker', 'web']);
    expect(Object.values(ctx.services).map((s) => s.state)).toEqual([
      'healthy',
      'healthy',
      'healthy',
      'healthy',
    ]);
    expect(ctx.release).toBe('r2');
  });

  it('stops with exit 1 and no rollback when prerequisites fail', async () => {
    const r = start({
      prerequisites: {
        ok: false,
        checks: [{ category: 'software', name: 'redis', ok: false, detail: 'not found' }],
      },
    });
    expect(await toPromise(r.actor)).toEqual({
      result: 'failed',
      exitCode: 1,
      reason: 'prerequisites not met: software redis: not found',
    });
    expect(r.log).toEqual(['prerequisites']);
  });

  it('cleans up the prepared steps in reverse when a prepare step fails, then exits 1', async () => {
    const p = plan();
    p.prepare.push({
      name: 'third',
      run: { run: 'x', cwd: '/tmp', env: {} },
      cleanup: { run: 'y', cwd: '/tmp', env: {} },
    });
    const r = start({ plan: p, exitCodes: { 'prepare.third': 2 } });
    const out = await toPromise(r.actor);
    expect(out).toMatchObject({
      result: 'failed',
      exitCode: 1,
      reason: 'prepare step third failed: exit 2: boom',
    });
    expect(r.log).toEqual([
      'prerequisites',
      'run:prepare.dir',
      'run:prepare.net',
      'run:prepare.third',
      'run:prepare.net.cleanup',
      'run:prepare.dir.cleanup',
    ]);
  });

  it('runs only the first step cleanup when prepare step 2 fails', async () => {
    const r = start({ exitCodes: { 'prepare.net': 1 } });
    expect((await toPromise(r.actor)).exitCode).toBe(1);
    expect(r.log.slice(-2)).toEqual(['run:prepare.net', 'run:prepare.dir.cleanup']);
  });

  it('reports exit 3 when a prepare cleanup fails', async () => {
    const r = start({ exitCodes: { 'prepare.net': 1, 'prepare.dir.cleanup': 1 } });
    const out = await toPromise(r.actor);
    expect(out.result).toBe('rollback-incomplete');
    expect(out.exitCode).toBe(3);
    expect(out.notRestored).toEqual([{ name: 'dir', reason: 'cleanup failed: exit 1: boom' }]);
  });
});

describe('deployment machine: failure policy', () => {
  it('rolls back everything activated, in reverse activation order, on policy rollback (exit 1)', async () => {
    const r = start({ services: { web: ['failed'] } });
    const out = await toPromise(r.actor);
    expect(out).toEqual({
      result: 'failed',
      exitCode: 1,
      reason: 'web failed (fake)',
      restored: ['web', 'worker', 'api', 'db'],
      notRestored: [],
    });
    expect(r.rollbackInputs[0]?.steps.map((s) => s.service.name)).toEqual([
      'web',
      'worker',
      'api',
      'db',
    ]);
    expect(r.rollbackInputs[0]?.cleanups.map((c) => c.name)).toEqual(['net', 'dir']);
    expect(r.log).not.toContain('verification');
  });

  it('passes the previous release to the rollback steps', async () => {
    const r = start({
      services: { db: ['failed'] },
      previous: { release: 'r1', env: { db: { PORT: '1' } }, running: ['db'] },
    });
    await toPromise(r.actor);
    expect(r.rollbackInputs[0]?.steps).toEqual([
      { service: plan().services.db, wasRunning: true, previousEnv: { PORT: '1' } },
    ]);
  });

  it('exits 3 with the lists of what is and is not restored when the rollback is incomplete', async () => {
    const r = start({
      services: { api: ['failed'] },
      rollback: {
        complete: false,
        restored: ['api'],
        notRestored: [{ name: 'db', reason: 'exit 1' }],
        aborted: false,
      },
    });
    expect(await toPromise(r.actor)).toEqual({
      result: 'rollback-incomplete',
      exitCode: 3,
      reason: 'api failed (fake); rollback incomplete',
      restored: ['api'],
      notRestored: [{ name: 'db', reason: 'exit 1' }],
    });
  });

  it('rolls back only the failed service on policy rollback-failed', async () => {
    const p = plan({
      policy: {
        onFailure: 'rollback-failed',
        degraded: 'continue',
        retries: 0,
        decisionTimeoutMs: 1000,
      },
    });
    const r = start({ plan: p, services: { worker: ['failed'] } });
    expect(await toPromise(r.actor)).toMatchObject({ result: 'failed', exitCode: 1 });
    expect(r.rollbackInputs[0]?.steps.map((s) => s.service.name)).toEqual(['worker']);
    expect(r.rollbackInputs[0]?.cleanups).toEqual([]);
  });

  it('stops and leaves things as they are on policy abort (exit 3)', async () => {
    const p = plan({
      policy: { onFailure: 'abort', degraded: 'continue', retries: 0, decisionTimeoutMs: 1000 },
    });
    const r = start({ plan: p, services: { api: ['failed'] } });
    expect(await toPromise(r.actor)).toMatchObject({ result: 'aborted', exitCode: 3 });
    expect(r.rollbackInputs).toEqual([]);
  });

  it('acts as rollback when policy is ask but nobody can answer', async () => {
    const r = start({ plan: askPlan(), services: { api: ['failed'] } });
    expect((await toPromise(r.actor)).exitCode).toBe(1);
    expect(r.rollbackInputs).toHaveLength(1);
  });

  it('fails verification into the failure policy', async () => {
    const r = start({
      verification: {
        integration: { ok: false, failures: [{ name: 'e2e', detail: 'exit 1' }] },
        readiness: 'ready',
        findings: [],
      },
    });
    expect(await toPromise(r.actor)).toMatchObject({
      result: 'failed',
      exitCode: 1,
      reason: 'integration failed: e2e: exit 1',
    });
    expect(r.rollbackInputs[0]?.steps.map((s) => s.service.name)).toEqual([
      'web',
      'worker',
      'api',
      'db',
    ]);
  });
});

describe('deployment machine: decisions', () => {
  it('offers retry, rollback and abort (no skip) when a service others depend on fails', async () => {
    const r = start({ plan: askPlan(), interactive: true, services: { api: ['failed'] } });
    const s = await decisionPending(r);
    expect(s.context.pendingDecision).toEqual({
      id: 'd1',
      kind: 'failure',
      subject: 'api',
      message: 'api failed (fake)',
      choices: ['retry', 'rollback', 'abort'],
      defaultChoice: 'rollback',
      deadline: s.context.startedAt + 60_000,
      retry: { n: 1, cap: 1 },
    });
  });

  it('offers skip when nothing depends on the failed service, and skip finishes the deployment', async () => {
    const r = start({ plan: askPlan(), interactive: true, services: { web: ['failed'] } });
    const s = await decisionPending(r);
    expect(s.context.pendingDecision?.choices).toEqual(['retry', 'skip', 'rollback', 'abort']);
    r.actor.send({ type: 'decision.skip', by: 'alice' });
    expect(await toPromise(r.actor)).toEqual({ result: 'succeeded', exitCode: 0 });
    expect(r.actor.getSnapshot().context.services.web?.state).toBe('skipped');
    expect(r.actor.getSnapshot().context.decisions).toEqual([
      {
        id: 'd1',
        kind: 'failure',
        subject: 'web',
        choice: 'skip',
        by: 'alice',
        at: expect.any(Number) as number,
      },
    ]);
  });

  it('retries the failed activation on decision.retry', async () => {
    const r = start({
      plan: askPlan(),
      interactive: true,
      services: { api: ['failed', 'healthy'] },
    });
    await decisionPending(r);
    r.actor.send({ type: 'decision.retry', by: 'alice' });
    expect((await toPromise(r.actor)).result).toBe('succeeded');
    expect(r.log.filter((l) => l === 'start:api')).toHaveLength(2);
  });

  it('rolls back on decision.rollback and exits 1', async () => {
    const r = start({ plan: askPlan(), interactive: true, services: { api: ['failed'] } });
    await decisionPending(r);
    r.actor.send({ type: 'decision.rollback', by: 'alice' });
    expect((await toPromise(r.actor)).exitCode).toBe(1);
    expect(r.rollbackInputs[0]?.steps.map((s) => s.service.name)).toEqual(['worker', 'api', 'db']);
  });

  it('aborts on decision.abort, leaves things as they are and exits 3', async () => {
    const r = start({ plan: askPlan(), interactive: true, services: { api: ['failed'] } });
    await decisionPending(r);
    r.actor.send({ type: 'decision.abort', by: 'alice' });
    expect(await toPromise(r.actor)).toMatchObject({ result: 'aborted', exitCode: 3 });
    expect(r.rollbackInputs).toEqual([]);
  });

  it('takes the default (rollback) when a decision times out, recorded as by timeout', async () => {
    const r = start({ plan: askPlan(), interactive: true, services: { api: ['failed'] } });
    await decisionPending(r);
    vi.advanceTimersByTime(59_999);
    expect(r.actor.getSnapshot().context.pendingDecision).toBeDefined();
    vi.advanceTimersByTime(1);
    expect((await toPromise(r.actor)).exitCode).toBe(1);
    expect(r.actor.getSnapshot().context.decisions[0]).toMatchObject({
      choice: 'rollback',
      by: 'timeout',
    });
  });

  it('ignores a choice that is not offered', async () => {
    const r = start({ plan: askPlan(), interactive: true, services: { api: ['failed'] } });
    await decisionPending(r);
    r.actor.send({ type: 'decision.skip', by: 'alice' });
    expect(r.actor.getSnapshot().context.pendingDecision?.subject).toBe('api');
    expect(r.actor.getSnapshot().context.decisions).toEqual([]);
  });
});

describe('deployment machine: confirmations', () => {
  const confirmPlan = () =>
    plan({
      stages: [stage('data', ['db']), stage('app', ['api', 'web', 'worker'], { confirm: true })],
    });

  it('asks before a confirm stage and proceeds on decision.proceed', async () => {
    const r = start({ plan: confirmPlan(), interactive: true });
    const s = await decisionPending(r);
    expect(s.context.pendingDecision).toMatchObject({
      kind: 'confirm-stage',
      subject: 'app',
      choices: ['proceed', 'skip-stage', 'abort'],
      defaultChoice: 'abort',
    });
    expect(s.context.stages[1]?.status).toBe('confirming');
    r.actor.send({ type: 'decision.proceed', by: 'alice' });
    expect((await toPromise(r.actor)).result).toBe('succeeded');
  });

  it('skips the stage on decision.skipStage', async () => {
    const r = start({ plan: confirmPlan(), interactive: true });
    await decisionPending(r);
    r.actor.send({ type: 'decision.skipStage', by: 'alice' });
    expect((await toPromise(r.actor)).result).toBe('succeeded');
    expect(r.log).not.toContain('start:api');
    expect(r.actor.getSnapshot().context.stages[1]?.status).toBe('skipped');
  });

  it('does not offer skipping a stage that a later stage depends on', async () => {
    const p = plan({
      stages: [stage('data', ['db'], { confirm: true }), stage('app', ['api', 'web', 'worker'])],
    });
    const r = start({ plan: p, interactive: true });
    const s = await decisionPending(r);
    expect(s.context.pendingDecision).toMatchObject({
      subject: 'data',
      choices: ['proceed', 'abort'],
    });
    r.actor.send({ type: 'decision.skipStage', by: 'alice' });
    expect(r.actor.getSnapshot().context.pendingDecision?.subject).toBe('data');
    r.actor.send({ type: 'decision.proceed', by: 'alice' });
    expect((await toPromise(r.actor)).result).toBe('succeeded');
  });

  it('aborts with exit 3 on decision.abort, and a confirmation times out to abort', async () => {
    const r = start({ plan: confirmPlan(), interactive: true });
    await decisionPending(r);
    vi.advanceTimersByTime(60_000);
    expect(await toPromise(r.actor)).toMatchObject({ result: 'aborted', exitCode: 3 });
    expect(r.actor.getSnapshot().context.decisions[0]).toMatchObject({
      kind: 'confirm-stage',
      choice: 'abort',
      by: 'timeout',
    });
  });

  it('confirms every stage with --step, and never without a terminal', async () => {
    const r = start({ interactive: true, step: true });
    await decisionPending(r);
    expect(r.actor.getSnapshot().context.pendingDecision?.subject).toBe('data');
    r.actor.send({ type: 'decision.proceed', by: 'alice' });
    await waitFor(r.actor, (s) => s.context.pendingDecision?.subject === 'app');
    r.actor.send({ type: 'decision.proceed', by: 'alice' });
    expect((await toPromise(r.actor)).result).toBe('succeeded');
    const quiet = deploy({ plan: confirmPlan(), interactive: false });
    expect((await toPromise(quiet.actor)).result).toBe('succeeded');
  });
});

describe('deployment machine: degraded and readiness warnings', () => {
  it('continues with a warning on degraded: continue', async () => {
    const r = start({ services: { worker: ['degraded'] } });
    expect(await toPromise(r.actor)).toMatchObject({
      result: 'succeeded-with-warnings',
      exitCode: 0,
    });
    expect(r.actor.getSnapshot().context.warnings).toEqual(['worker is degraded: no reason given']);
  });

  it('asks on degraded: ask, and continue or rollback both work', async () => {
    const a = start({
      plan: askPlan({ degraded: 'ask' }),
      interactive: true,
      services: { worker: ['degraded'] },
    });
    const s = await decisionPending(a);
    expect(s.context.pendingDecision).toMatchObject({
      kind: 'degraded',
      choices: ['continue', 'rollback'],
      defaultChoice: 'rollback',
    });
    a.actor.send({ type: 'decision.continue', by: 'alice' });
    expect((await toPromise(a.actor)).result).toBe('succeeded-with-warnings');
    const b = deploy({
      plan: askPlan({ degraded: 'ask' }),
      interactive: true,
      services: { worker: ['degraded'] },
    });
    await decisionPending(b);
    b.actor.send({ type: 'decision.rollback', by: 'alice' });
    expect((await toPromise(b.actor)).exitCode).toBe(1);
  });

  it('treats degraded as a failure on degraded: fail', async () => {
    const r = start({
      plan: plan({
        policy: { onFailure: 'rollback', degraded: 'fail', retries: 0, decisionTimeoutMs: 1 },
      }),
      services: { db: ['degraded'] },
    });
    expect(await toPromise(r.actor)).toMatchObject({
      result: 'failed',
      exitCode: 1,
      reason: 'degraded (policy: fail): db: no reason given',
    });
    expect(r.log).not.toContain('start:api');
  });

  const warnings = {
    integration: { ok: true, failures: [] },
    readiness: 'ready-with-warnings' as const,
    findings: [
      {
        name: 'runbook',
        category: 'documentation',
        severity: 'warning' as const,
        ok: false,
        detail: 'RUNBOOK.md missing',
      },
    ],
  };

  it('asks to accept readiness warnings when interactive; accept finishes with warnings', async () => {
    const r = start({ interactive: true, verification: warnings });
    const s = await decisionPending(r);
    expect(s.context.pendingDecision).toMatchObject({
      kind: 'readiness-warnings',
      choices: ['accept', 'rollback'],
    });
    r.actor.send({ type: 'decision.accept', by: 'alice' });
    expect(await toPromise(r.actor)).toMatchObject({
      result: 'succeeded-with-warnings',
      exitCode: 0,
    });
  });

  it('rolls back on readiness warnings when the operator says so', async () => {
    const r = start({ interactive: true, verification: warnings });
    await decisionPending(r);
    r.actor.send({ type: 'decision.rollback', by: 'alice' });
    expect((await toPromise(r.actor)).exitCode).toBe(1);
  });

  it('accepts readiness warnings without a terminal', async () => {
    const r = start({ verification: warnings });
    expect(await toPromise(r.actor)).toEqual({
      result: 'succeeded-with-warnings',
      exitCode: 0,
      reason: 'readiness runbook (documentation, warning): RUNBOOK.md missing',
    });
  });
});

describe('deployment machine: interruption', () => {
  it('on the first interrupt cancels, rolls back (non-interactive) and exits 130', async () => {
    const r = start({ services: { api: ['hold'] } });
    await waitFor(r.actor, (s) => s.context.services.api?.state === 'activating');
    r.actor.send({ type: 'deployment.interrupt' });
    expect(await toPromise(r.actor)).toMatchObject({
      result: 'failed',
      exitCode: 130,
      restored: ['worker', 'api', 'db'],
    });
    expect(r.actor.getSnapshot().context.interrupted).toBe(true);
  });

  it('asks what to do after an interrupt when interactive', async () => {
    const r = start({ plan: askPlan(), interactive: true, services: { api: ['hold'] } });
    await waitFor(r.actor, (s) => s.context.services.api?.state === 'activating');
    r.actor.send({ type: 'deployment.interrupt' });
    const s = await decisionPending(r);
    expect(s.context.pendingDecision).toMatchObject({
      kind: 'interrupted',
      choices: ['rollback', 'abort'],
    });
    r.actor.send({ type: 'decision.abort', by: 'alice' });
    expect(await toPromise(r.actor)).toMatchObject({ result: 'aborted', exitCode: 130 });
  });

  it('on a second interrupt leaves things as they are: aborted, exit 130', async () => {
    const r = start({ plan: askPlan(), interactive: true, services: { api: ['hold'] } });
    await waitFor(r.actor, (s) => s.context.services.api?.state === 'activating');
    r.actor.send({ type: 'deployment.interrupt' });
    r.actor.send({ type: 'deployment.interrupt' });
    expect(await toPromise(r.actor)).toEqual({
      result: 'aborted',
      exitCode: 130,
      reason: 'interrupted again: left as it is',
    });
    expect(r.rollbackInputs).toEqual([]);
    expect(r.actor.getSnapshot().context.interrupted).toBe(true);
  });
});
