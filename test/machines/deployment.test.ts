import { toPromise, waitFor } from 'xstate';
import { describe, expect, it, vi } from 'vitest';
import type { ResolvedPlan } from '../../src/config/plan-types.js';
import { exitCodeOf } from '../../src/cli/exit-codes.js';
import { exited, probed } from './fake-effects.js';
import { deploy, failedReason, type DeployOptions, type DeployRun } from './deployment-harness.js';
import { implicitPlan, plan, probe, stage } from './deployment-fixtures.js';
import { fakeTimeFor } from './fake-time.js';

const NOW = 1_700_000_000_000;
const track = fakeTimeFor((r: DeployRun) => r.actor.stop(), { now: NOW });
const start = (o: DeployOptions = {}): DeployRun => track(deploy(o));
const finished = async (r: DeployRun) => {
  const out = await toPromise(r.actor);
  return { ...out, exitCode: exitCodeOf(out) };
};
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
const phases = (r: DeployRun) => r.rec.of('phase').map((p) => p.phase);
const rollbackSteps = (r: DeployRun) => r.rec.of('rollback.started').map((f) => f.steps);
const activations = (r: DeployRun) => r.fx.log(/\.activate$/).map((k) => k.slice(4, -9));

describe('deployment machine: phases', () => {
  it('runs every phase and succeeds with exit 0', async () => {
    const r = start();
    expect(await finished(r)).toEqual({ result: 'succeeded', interrupted: false, exitCode: 0 });
    expect(r.fx.log()).toEqual([
      'prerequisites',
      'run:prepare.dir',
      'run:prepare.net',
      'run:db.activate',
      'run:api.activate',
      'run:worker.activate',
      'run:web.activate',
      'release:dep-1',
      // Last: the outcome is reported before it is recorded.
      'report',
    ]);
    expect(phases(r)).toEqual([
      'validating',
      'preparing',
      'activating',
      'verifying',
      'finalizing',
      'done',
    ]);
    expect(r.rec.run.stages.map((s) => s.status)).toEqual(['succeeded', 'succeeded']);
    const ctx = r.actor.getSnapshot().context;
    expect(ctx.activated).toEqual(['db', 'api', 'worker', 'web']);
    expect(r.rec.run.serviceOrder.map((n) => r.rec.run.services[n]?.state)).toEqual([
      'healthy',
      'healthy',
      'healthy',
      'healthy',
    ]);
    expect(ctx.release).toBe('r2');
    expect(r.rec.of('release.recorded')).toEqual([{ type: 'release.recorded', release: 'r2' }]);
    expect(r.rec.facts.at(-1)).toEqual({
      type: 'deployment.finished',
      result: 'succeeded',
      interrupted: false,
    });
  });

  it('records each prepare step as it runs and when it succeeded', async () => {
    const r = start();
    await finished(r);
    expect(r.rec.of('prepare.step').map((f) => `${f.name}:${f.status}`)).toEqual([
      'dir:running',
      'dir:succeeded',
      'net:running',
      'net:succeeded',
    ]);
    expect(r.rec.of('prerequisites.checked')).toEqual([
      { type: 'prerequisites.checked', ok: true, checks: [] },
    ]);
  });

  it('stops with exit 1 and no rollback when prerequisites fail', async () => {
    const checks = [
      { category: 'software' as const, name: 'redis', ok: false, detail: 'not found' },
    ];
    const r = start({ script: { prerequisites: { ok: false, checks } } });
    expect(await finished(r)).toEqual({
      result: 'failed',
      interrupted: false,
      exitCode: 1,
      reason: 'prerequisites not met: software redis: not found',
    });
    expect(r.fx.log()).toEqual(['prerequisites', 'report']);
    expect(r.rec.of('prerequisites.checked')).toEqual([
      { type: 'prerequisites.checked', ok: false, checks },
    ]);
  });

  it('stops with exit 1 when the prerequisite checks cannot run at all', async () => {
    const r = start({ script: { prerequisites: new Error('df not found') } });
    expect(await finished(r)).toEqual({
      result: 'failed',
      interrupted: false,
      exitCode: 1,
      reason: 'prerequisite checks failed: Error: df not found',
    });
  });

  it('cleans up the prepared steps in reverse when a prepare step fails, then exits 1', async () => {
    const p = plan();
    p.prepare.push({
      name: 'third',
      run: { run: 'x', cwd: '/tmp', env: {} },
      cleanup: { run: 'y', cwd: '/tmp', env: {} },
    });
    const r = start({ plan: p, script: { commands: { 'prepare.third': [exited(2, 'boom\n')] } } });
    expect(await finished(r)).toEqual({
      result: 'failed',
      interrupted: false,
      exitCode: 1,
      reason: 'prepare step third failed: exit 2: boom',
      restored: ['net', 'dir'],
      notRestored: [],
    });
    expect(r.fx.log()).toEqual([
      'prerequisites',
      'run:prepare.dir',
      'run:prepare.net',
      'run:prepare.third',
      'run:prepare.net.cleanup',
      'run:prepare.dir.cleanup',
      'report',
    ]);
    expect(r.rec.of('prepare.cleanup').map((f) => `${f.name}:${f.status}`)).toEqual([
      'net:running',
      'net:succeeded',
      'dir:running',
      'dir:succeeded',
    ]);
  });

  it('runs only the first step cleanup when prepare step 2 fails', async () => {
    const r = start({ script: { commands: { 'prepare.net': [exited(1, 'boom\n')] } } });
    expect((await finished(r)).exitCode).toBe(1);
    expect(r.fx.log().slice(-3)).toEqual(['run:prepare.net', 'run:prepare.dir.cleanup', 'report']);
  });

  it('reports exit 3 when a prepare cleanup fails', async () => {
    const r = start({
      script: {
        commands: {
          'prepare.net': [exited(1, 'boom\n')],
          'prepare.dir.cleanup': [exited(1, 'boom\n')],
        },
      },
    });
    const out = await finished(r);
    expect(out.result).toBe('rollback-incomplete');
    expect(out.exitCode).toBe(3);
    expect(out.notRestored).toEqual([{ name: 'dir', reason: 'cleanup failed: exit 1: boom' }]);
  });

  it('is aborted before anything changed when interrupted while validating', async () => {
    const r = start({ script: { prerequisites: 'hold' } });
    await r.fx.called('prerequisites');
    r.actor.send({ type: 'run.interrupt' });
    expect(await finished(r)).toEqual({
      result: 'aborted',
      interrupted: true,
      exitCode: 130,
      reason: 'interrupted before anything changed',
      unchanged: true,
    });
    expect(r.fx.log()).toEqual(['prerequisites', 'report']);
  });

  it('succeeds with a warning when the release cannot be recorded', async () => {
    const r = start({ script: { release: new Error('disk full') } });
    expect(await finished(r)).toEqual({
      result: 'succeeded-with-warnings',
      interrupted: false,
      exitCode: 0,
      reason: 'release not recorded: Error: disk full',
    });
    expect(r.rec.of('warning')).toEqual([
      { type: 'warning', message: 'release not recorded: Error: disk full' },
    ]);
  });

  it('reports the outcome before recording it: what could not be reported is a warning, not a failure', async () => {
    const down = 'Pushgateway http://127.0.0.1:9 unreachable: ECONNREFUSED';
    const r = start({ script: { report: { warnings: [down] } } });
    expect(await finished(r)).toEqual({
      result: 'succeeded-with-warnings',
      interrupted: false,
      exitCode: 0,
      reason: down,
    });
    // What was reported is the result as it stood; the record ends with it and the warning.
    const reported = r.fx.calls.find((c) => c.key === 'report')?.input;
    expect(reported).toEqual({ outcome: { result: 'succeeded', interrupted: false } });
    expect(r.rec.of('warning')).toEqual([{ type: 'warning', message: down }]);
    expect(r.rec.facts.at(-1)).toMatchObject({ type: 'deployment.finished', reason: down });
    expect(r.fx.notices).toEqual([{ event: 'started' }]);
  });

  it('reports a failure as it is: a failed report leaves the result failed, with the warning', async () => {
    const r = start({ services: { api: ['failed'] }, script: { report: new Error('bug') } });
    const out = await finished(r);
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/the result was not reported: Error: bug$/);
    expect(r.fx.calls.find((c) => c.key === 'report')?.input).toMatchObject({
      outcome: { result: 'failed' },
    });
  });

  it('schedules a plan without stages by its dependencies alone, its layers shown as groups', async () => {
    const r = start({
      plan: implicitPlan(),
      script: { commands: { 'worker.activate': ['hold'] } },
    });
    await r.fx.called('run:web.activate');
    await vi.advanceTimersByTimeAsync(0);
    // web (layer 3) starts as soon as api is healthy, while worker (layer 2) still activates.
    expect(activations(r)).toEqual(['db', 'api', 'worker', 'web']);
    expect(r.rec.run.groups.map((g) => `${g.name}:${g.status}`)).toEqual([
      'layer-1:succeeded',
      'layer-2:running',
      'layer-3:succeeded',
    ]);
    r.fx.release('run:worker.activate');
    expect((await finished(r)).result).toBe('succeeded');
    expect(r.rec.of('stage.status')).toEqual([
      { type: 'stage.status', stage: 'all', status: 'running' },
      { type: 'stage.status', stage: 'all', status: 'verifying' },
      { type: 'stage.status', stage: 'all', status: 'succeeded' },
    ]);
  });
});

describe('deployment machine: failure policy', () => {
  it('rolls back everything activated, in reverse activation order, on policy rollback (exit 1)', async () => {
    const r = start({ services: { web: ['failed'] } });
    expect(await finished(r)).toEqual({
      result: 'failed',
      interrupted: false,
      exitCode: 1,
      reason: failedReason('web'),
      restored: ['web', 'worker', 'api', 'db', 'prepare.net', 'prepare.dir'],
      notRestored: [],
    });
    expect(r.rec.of('rollback.started')).toEqual([
      {
        type: 'rollback.started',
        steps: ['web', 'worker', 'api', 'db'],
        cleanups: ['prepare.net', 'prepare.dir'],
        scope: 'all',
        reason: failedReason('web'),
      },
    ]);
    expect(r.fx.log(/rollback|cleanup/)).toEqual([
      'run:web.rollback',
      'run:worker.rollback',
      'run:api.rollback',
      'run:db.rollback',
      'run:prepare.net.cleanup',
      'run:prepare.dir.cleanup',
    ]);
    expect(phases(r)).not.toContain('verifying');
    expect(phases(r).slice(-2)).toEqual(['rolling-back', 'done']);
  });

  it('passes the previous release to the rollback steps', async () => {
    const r = start({
      services: { db: ['failed'] },
      previous: { release: 'r1', env: { db: { PORT: '1' } }, running: ['db'] },
    });
    await finished(r);
    expect(rollbackSteps(r)).toEqual([['db']]);
    expect(r.fx.inputs('run:db.rollback')).toEqual([
      {
        label: 'db.rollback',
        command: { run: './rollback-db.sh', cwd: '/tmp', env: {} },
        timeoutMs: 60_000,
        env: { PORT: '1' },
      },
    ]);
  });

  it('exits 3 with the lists of what is and is not restored when the rollback is incomplete', async () => {
    const r = start({
      services: { api: ['failed'] },
      script: { commands: { 'db.rollback': [exited(1, 'boom\n')] } },
    });
    expect(await finished(r)).toEqual({
      result: 'rollback-incomplete',
      interrupted: false,
      exitCode: 3,
      reason: `${failedReason('api')}; rollback incomplete`,
      restored: ['worker', 'api', 'prepare.net', 'prepare.dir'],
      notRestored: [{ name: 'db', reason: 'db.rollback exited with code 1 (last output: "boom")' }],
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
    const r = start({ plan: p, services: { worker: ['hold'] } });
    await r.reached('web', 'healthy');
    r.fx.release('run:worker.activate', exited(1, 'worker failed (fake)\n'));
    expect(await finished(r)).toMatchObject({ result: 'failed', exitCode: 1 });
    expect(r.rec.of('rollback.started')).toEqual([
      {
        type: 'rollback.started',
        steps: ['worker'],
        cleanups: [],
        scope: 'failed',
        reason: failedReason('worker'),
      },
    ]);
  });

  it('rolls back the failed service and what was still activating on policy rollback-failed', async () => {
    const p = plan({
      policy: {
        onFailure: 'rollback-failed',
        degraded: 'continue',
        retries: 0,
        decisionTimeoutMs: 1000,
      },
    });
    const r = start({ plan: p, services: { worker: ['failed'], web: ['hold'] } });
    expect(await finished(r)).toMatchObject({ result: 'failed', exitCode: 1 });
    expect(rollbackSteps(r)).toEqual([['web', 'worker']]);
    expect(r.fx.log(/rollback/)).toEqual(['run:web.rollback', 'run:worker.rollback']);
  });

  it('stops and leaves things as they are on policy abort (exit 3)', async () => {
    const p = plan({
      policy: { onFailure: 'abort', degraded: 'continue', retries: 0, decisionTimeoutMs: 1000 },
    });
    const r = start({ plan: p, services: { api: ['failed'] } });
    expect(await finished(r)).toEqual({
      result: 'aborted',
      interrupted: false,
      exitCode: 3,
      reason: `${failedReason('api')} (policy: abort, left as it is)`,
    });
    expect(r.rec.of('rollback.started')).toEqual([]);
  });

  it('acts as rollback when policy is ask but nobody can answer', async () => {
    const r = start({ plan: askPlan(), services: { api: ['failed'] } });
    expect((await finished(r)).exitCode).toBe(1);
    expect(rollbackSteps(r)).toHaveLength(1);
    expect(r.rec.of('decision.requested')).toEqual([]);
  });

  it('retries a failing activation automatically as the policy says before it fails', async () => {
    const p = plan({
      policy: { onFailure: 'rollback', degraded: 'continue', retries: 1, decisionTimeoutMs: 1000 },
    });
    const r = start({ plan: p, services: { web: ['failed', 'healthy'] } });
    await vi.advanceTimersByTimeAsync(500);
    expect((await finished(r)).result).toBe('succeeded');
    expect(r.fx.count('run:web.activate')).toBe(2);
  });

  it('fails verification into the failure policy', async () => {
    const r = start({
      plan: plan({ integration: [{ name: 'e2e', probe: probe('e2e-probe') }] }),
      script: { probes: { 'integration.e2e': [probed(false, 'exit 1')] } },
    });
    expect(await finished(r)).toMatchObject({
      result: 'failed',
      exitCode: 1,
      reason: 'integration failed: e2e: exit 1',
    });
    expect(rollbackSteps(r)).toEqual([['web', 'worker', 'api', 'db']]);
    expect(r.rec.of('check')).toEqual([
      { type: 'check', phase: 'integration', name: 'e2e', ok: false, detail: 'exit 1' },
    ]);
  });
});

describe('deployment machine: decisions', () => {
  it('offers retry, rollback and abort (no skip) when a service others depend on fails', async () => {
    const r = start({ plan: askPlan(), interactive: true, services: { api: ['failed'] } });
    const asked = await r.pending();
    // Whoever is to be told (notify:, an Alertmanager) hears of the question as it is asked.
    expect(r.fx.notices).toEqual([
      { event: 'started' },
      { event: 'decision-needed', decision: asked },
    ]);
    expect(asked).toEqual({
      id: 'd1',
      kind: 'failure',
      subject: 'api',
      message: failedReason('api'),
      choices: ['retry', 'rollback', 'abort'],
      defaultChoice: 'rollback',
      deadline: NOW + 60_000,
      retry: { n: 1, cap: 1 },
    });
    expect(r.actor.getSnapshot().context.pendingDecision?.id).toBe('d1');
  });

  it('offers skip when nothing depends on the failed service; skip finishes the deployment with a warning naming it, and the release records it as skipped', async () => {
    const r = start({ plan: askPlan(), interactive: true, services: { web: ['failed'] } });
    expect((await r.pending()).choices).toEqual(['retry', 'skip', 'rollback', 'abort']);
    r.actor.send({ type: 'decision.skip', by: 'alice' });
    const warning =
      'web was skipped while failed: left as it is, not recorded as part of the release';
    expect(await finished(r)).toEqual({
      result: 'succeeded-with-warnings',
      interrupted: false,
      reason: warning,
      exitCode: 0,
    });
    expect(r.rec.run.warnings).toEqual([warning]);
    expect(r.fx.inputs('release:dep-1')).toEqual([expect.objectContaining({ skipped: ['web'] })]);
    expect(r.rec.run.services.web?.state).toBe('skipped');
    expect(r.rec.run.decisions).toEqual([
      { id: 'd1', kind: 'failure', subject: 'web', choice: 'skip', by: 'alice', at: NOW },
    ]);
  });

  it('retries the failed activation on decision.retry', async () => {
    const r = start({
      plan: askPlan(),
      interactive: true,
      services: { api: ['failed', 'healthy'] },
    });
    await r.pending();
    r.actor.send({ type: 'decision.retry', by: 'alice' });
    expect((await finished(r)).result).toBe('succeeded');
    expect(r.fx.count('run:api.activate')).toBe(2);
  });

  it('counts the attempts made across operator retries against a fixed cap (not 1/1, 2/2, 3/3)', async () => {
    const r = start({
      plan: askPlan(),
      interactive: true,
      services: { api: ['failed', 'failed', 'failed'] },
    });
    const asked: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const d = await r.pending();
      asked.push(d.retry);
      r.actor.send({ type: i < 2 ? 'decision.retry' : 'decision.rollback', by: 'alice' });
      await r.rec.next('decision.taken', (f) => f.id === d.id);
    }
    expect(asked).toEqual([
      { n: 1, cap: 1 },
      { n: 2, cap: 1 },
      { n: 3, cap: 1 },
    ]);
    expect(r.fx.count('run:api.activate')).toBe(3);
  });

  it('rolls back on decision.rollback and exits 1', async () => {
    const r = start({ plan: askPlan(), interactive: true, services: { api: ['failed'] } });
    await r.pending();
    r.actor.send({ type: 'decision.rollback', by: 'alice' });
    expect((await finished(r)).exitCode).toBe(1);
    expect(rollbackSteps(r)).toEqual([['worker', 'api', 'db']]);
  });

  it('aborts on decision.abort, leaves things as they are and exits 3', async () => {
    const r = start({ plan: askPlan(), interactive: true, services: { api: ['failed'] } });
    await r.pending();
    r.actor.send({ type: 'decision.abort', by: 'alice' });
    expect(await finished(r)).toMatchObject({ result: 'aborted', exitCode: 3 });
    expect(r.rec.of('rollback.started')).toEqual([]);
  });

  it('takes the default (rollback) when a decision times out, recorded as by timeout', async () => {
    const r = start({ plan: askPlan(), interactive: true, services: { api: ['failed'] } });
    await r.pending();
    await vi.advanceTimersByTimeAsync(59_999);
    expect(r.rec.run.pendingDecision).toBeDefined();
    await vi.advanceTimersByTimeAsync(1);
    expect((await finished(r)).exitCode).toBe(1);
    expect(r.rec.run.decisions[0]).toMatchObject({
      choice: 'rollback',
      by: 'timeout',
      at: NOW + 60_000,
    });
  });

  it('ignores a choice that is not offered', async () => {
    const r = start({ plan: askPlan(), interactive: true, services: { api: ['failed'] } });
    await r.pending();
    r.actor.send({ type: 'decision.skip', by: 'alice' });
    expect(r.rec.run.pendingDecision?.subject).toBe('api');
    expect(r.rec.run.decisions).toEqual([]);
  });
});

describe('deployment machine: confirmations', () => {
  const confirmPlan = () =>
    plan({
      stages: [stage('data', ['db']), stage('app', ['api', 'web', 'worker'], { confirm: true })],
    });

  it('an abort at the first confirmation, before anything changed, is exit 1 and says so', async () => {
    const first = plan({
      prepare: [],
      stages: [stage('data', ['db'], { confirm: true }), stage('app', ['api', 'web', 'worker'])],
    });
    const r = start({ plan: first, interactive: true });
    await r.pending();
    r.actor.send({ type: 'decision.abort', by: 'alice' });
    expect(await finished(r)).toEqual({
      result: 'aborted',
      interrupted: false,
      exitCode: 1,
      reason: 'aborted by the operator before stage data',
      unchanged: true,
    });
    expect(r.fx.log()).toEqual(['prerequisites', 'report']);
    // Once a prepare step ran, the same abort leaves a change behind: exit 3.
    const prepared = start({ plan: { ...first, prepare: plan().prepare }, interactive: true });
    await prepared.pending();
    prepared.actor.send({ type: 'decision.abort', by: 'alice' });
    expect(await finished(prepared)).toMatchObject({ result: 'aborted', exitCode: 3 });
    expect(await finished(prepared)).not.toHaveProperty('unchanged');
  });

  it('asks before a confirm stage and proceeds on decision.proceed', async () => {
    const r = start({ plan: confirmPlan(), interactive: true });
    expect(await r.pending()).toMatchObject({
      kind: 'confirm-stage',
      subject: 'app',
      choices: ['proceed', 'skip-stage', 'abort'],
      defaultChoice: 'abort',
    });
    expect(r.rec.run.stages[1]?.status).toBe('confirming');
    r.actor.send({ type: 'decision.proceed', by: 'alice' });
    expect((await finished(r)).result).toBe('succeeded');
  });

  it('skips the stage on decision.skipStage', async () => {
    const r = start({ plan: confirmPlan(), interactive: true });
    await r.pending();
    r.actor.send({ type: 'decision.skipStage', by: 'alice' });
    expect((await finished(r)).result).toBe('succeeded');
    expect(r.fx.log()).not.toContain('run:api.activate');
    expect(r.rec.run.stages[1]?.status).toBe('skipped');
  });

  it('does not offer skipping a stage that a later stage depends on', async () => {
    const p = plan({
      stages: [stage('data', ['db'], { confirm: true }), stage('app', ['api', 'web', 'worker'])],
    });
    const r = start({ plan: p, interactive: true });
    expect(await r.pending()).toMatchObject({ subject: 'data', choices: ['proceed', 'abort'] });
    r.actor.send({ type: 'decision.skipStage', by: 'alice' });
    expect(r.rec.run.pendingDecision?.subject).toBe('data');
    r.actor.send({ type: 'decision.proceed', by: 'alice' });
    expect((await finished(r)).result).toBe('succeeded');
  });

  it('aborts with exit 3 on decision.abort, and a confirmation times out to abort', async () => {
    const r = start({ plan: confirmPlan(), interactive: true });
    await r.pending();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await finished(r)).toMatchObject({ result: 'aborted', exitCode: 3 });
    expect(r.rec.run.decisions[0]).toMatchObject({
      kind: 'confirm-stage',
      choice: 'abort',
      by: 'timeout',
    });
    const a = start({ plan: confirmPlan(), interactive: true });
    await a.pending();
    a.actor.send({ type: 'decision.abort', by: 'alice' });
    expect(await finished(a)).toEqual({
      result: 'aborted',
      interrupted: false,
      exitCode: 3,
      reason: 'aborted by the operator before stage app',
    });
  });

  it('confirms every stage with --step, and never without a terminal', async () => {
    const r = start({ interactive: true, step: true });
    expect((await r.pending()).subject).toBe('data');
    r.actor.send({ type: 'decision.proceed', by: 'alice' });
    await waitFor(r.actor, (s) => s.context.pendingDecision?.subject === 'app');
    r.actor.send({ type: 'decision.proceed', by: 'alice' });
    expect((await finished(r)).result).toBe('succeeded');
    const quiet = start({ plan: confirmPlan(), interactive: false });
    expect((await finished(quiet)).result).toBe('succeeded');
    expect(quiet.rec.of('decision.requested')).toEqual([]);
  });
});

describe('deployment machine: degraded and readiness warnings', () => {
  const degradedReason =
    'performance http://127.0.0.1:1/worker missed: p95 450 ms (limit 100 ms) over 5 samples, 0 failed (p95 450 ms)';

  it('continues with a warning on degraded: continue', async () => {
    const r = start({ services: { worker: ['degraded'] } });
    expect(await finished(r)).toMatchObject({
      result: 'succeeded-with-warnings',
      exitCode: 0,
      reason: `worker is degraded: ${degradedReason}`,
    });
    expect(r.actor.getSnapshot().context.warnings).toEqual([
      `worker is degraded: ${degradedReason}`,
    ]);
    expect(r.rec.run.warnings).toEqual([`worker is degraded: ${degradedReason}`]);
  });

  it('asks on degraded: ask, and continue or rollback both work', async () => {
    const a = start({
      plan: askPlan({ degraded: 'ask' }),
      interactive: true,
      services: { worker: ['degraded'] },
    });
    expect(await a.pending()).toMatchObject({
      kind: 'degraded',
      subject: 'worker',
      message: `Degraded: worker (${degradedReason}). Continue, or roll back?`,
      choices: ['continue', 'rollback'],
      defaultChoice: 'rollback',
    });
    a.actor.send({ type: 'decision.continue', by: 'alice' });
    expect((await finished(a)).result).toBe('succeeded-with-warnings');
    expect(a.rec.run.warnings).toEqual(['worker is degraded (accepted)']);
    const b = start({
      plan: askPlan({ degraded: 'ask' }),
      interactive: true,
      services: { worker: ['degraded'] },
    });
    await b.pending();
    b.actor.send({ type: 'decision.rollback', by: 'alice' });
    expect((await finished(b)).exitCode).toBe(1);
  });

  it('treats degraded as a failure on degraded: fail', async () => {
    const r = start({
      plan: plan({
        policy: { onFailure: 'rollback', degraded: 'fail', retries: 0, decisionTimeoutMs: 1 },
      }),
      services: { db: ['degraded'] },
    });
    expect(await finished(r)).toMatchObject({
      result: 'failed',
      exitCode: 1,
      reason: `degraded (policy: fail): db: ${degradedReason.replace('/worker', '/db')}`,
    });
    expect(r.fx.log()).not.toContain('run:api.activate');
  });

  const withRunbook = () =>
    plan({
      readiness: [
        {
          name: 'runbook',
          category: 'documentation',
          severity: 'warning',
          file: '/tmp/RUNBOOK.md',
        },
      ],
    });
  const warning = 'readiness runbook (documentation, warning): /tmp/RUNBOOK.md not found';

  it('asks to accept readiness warnings when interactive; accept finishes with warnings', async () => {
    const r = start({ plan: withRunbook(), interactive: true });
    expect(await r.pending()).toMatchObject({
      kind: 'readiness-warnings',
      choices: ['accept', 'rollback'],
      message: `Production readiness has warnings: ${warning}. Accept, or roll back?`,
    });
    r.actor.send({ type: 'decision.accept', by: 'alice' });
    expect(await finished(r)).toMatchObject({
      result: 'succeeded-with-warnings',
      exitCode: 0,
    });
  });

  it('a readiness-warnings prompt defaults to accept, as a run without a terminal does', async () => {
    const r = start({ plan: withRunbook(), interactive: true });
    expect(await r.pending()).toMatchObject({ defaultChoice: 'accept' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await finished(r)).toMatchObject({ result: 'succeeded-with-warnings', exitCode: 0 });
    expect(r.rec.run.decisions[0]).toMatchObject({
      kind: 'readiness-warnings',
      choice: 'accept',
      by: 'timeout',
    });
  });

  it('rolls back on readiness warnings when the operator says so', async () => {
    const r = start({ plan: withRunbook(), interactive: true });
    await r.pending();
    r.actor.send({ type: 'decision.rollback', by: 'alice' });
    expect((await finished(r)).exitCode).toBe(1);
  });

  it('accepts readiness warnings without a terminal', async () => {
    const r = start({ plan: withRunbook() });
    expect(await finished(r)).toEqual({
      result: 'succeeded-with-warnings',
      interrupted: false,
      exitCode: 0,
      reason: warning,
    });
    expect(r.rec.of('check')).toEqual([
      {
        type: 'check',
        phase: 'readiness',
        name: 'runbook',
        ok: false,
        detail: '/tmp/RUNBOOK.md not found',
        severity: 'warning',
        category: 'documentation',
      },
    ]);
  });
});

describe('deployment machine: interruption', () => {
  it('on the first interrupt cancels, rolls back (non-interactive) and exits 130', async () => {
    const r = start({ services: { api: ['hold'] } });
    await r.reached('api', 'activating');
    const activation = r.fx.heldSignal('run:api.activate');
    r.actor.send({ type: 'run.interrupt' });
    expect(await finished(r)).toMatchObject({
      result: 'failed',
      interrupted: true,
      exitCode: 130,
      reason: 'interrupted',
      restored: ['worker', 'api', 'db', 'prepare.net', 'prepare.dir'],
    });
    expect(activation?.aborted).toBe(true);
    expect(r.rec.of('interrupted')).toEqual([{ type: 'interrupted', count: 1 }]);
    expect(r.rec.run.warnings).toEqual([
      'interrupted: press Ctrl-C again to leave things as they are',
    ]);
  });

  it('asks what to do after an interrupt when interactive', async () => {
    const r = start({ plan: askPlan(), interactive: true, services: { api: ['hold'] } });
    await r.reached('api', 'activating');
    r.actor.send({ type: 'run.interrupt' });
    expect(await r.pending()).toMatchObject({
      kind: 'interrupted',
      subject: 'dep-1',
      choices: ['rollback', 'abort'],
      defaultChoice: 'rollback',
    });
    r.actor.send({ type: 'decision.abort', by: 'alice' });
    expect(await finished(r)).toMatchObject({ result: 'aborted', exitCode: 130 });
  });

  it('on a second interrupt leaves things as they are: aborted, exit 130', async () => {
    const r = start({ plan: askPlan(), interactive: true, services: { api: ['hold'] } });
    await r.reached('api', 'activating');
    r.actor.send({ type: 'run.interrupt' });
    r.actor.send({ type: 'run.interrupt' });
    expect(await finished(r)).toEqual({
      result: 'aborted',
      interrupted: true,
      exitCode: 130,
      reason: 'interrupted again: left as it is',
    });
    expect(r.rec.of('rollback.started')).toEqual([]);
    expect(r.actor.getSnapshot().context.interrupted).toBe(true);
  });

  it('cleans up what was prepared when interrupted while preparing', async () => {
    const r = start({ script: { commands: { 'prepare.net': ['hold'] } } });
    await r.fx.called('run:prepare.net');
    r.actor.send({ type: 'run.interrupt' });
    expect(await finished(r)).toEqual({
      result: 'failed',
      interrupted: true,
      exitCode: 130,
      reason: 'interrupted while preparing',
      restored: ['dir'],
      notRestored: [],
    });
    expect(r.fx.log().slice(-3)).toEqual(['run:prepare.net', 'run:prepare.dir.cleanup', 'report']);
  });
});
