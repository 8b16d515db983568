/**
 * The one fold over recorded journals: what `foldFacts` makes of real runs of the built CLI
 * (test/fixtures/journals). Every expectation below can be read off the journal itself.
 */
import { describe, expect, it } from 'vitest';
import { applyFact, emptyRecord, foldFacts } from '../../src/record/fold.js';
import { journal, path, recordOf, statuses, tsOf } from './journals.js';

describe('fold of a successful deployment (local-stack)', () => {
  it('knows the run: who, what, which plan', async () => {
    const r = await recordOf('local-stack-succeeded');
    expect(r).toMatchObject({
      kind: 'deploy',
      deploymentId: '20261202-011022-aa67',
      project: 'local-stack',
      environment: 'local',
      factsVersion: 1,
      machineVersion: 'stagecraft-machines/2',
      by: 'root',
      startedAt: await tsOf('local-stack-succeeded', 1),
    });
    expect(r.command).toMatch(/^deploy --yes --plain -c /);
    expect(r.serviceOrder).toEqual(['db', 'migrate', 'api', 'worker', 'web']);
    expect(r.plan.maxAttempts).toBe(2);
    expect(r.version).toBe((await journal('local-stack-succeeded')).length);
  });

  it('goes through every phase, in order', async () => {
    const r = await recordOf('local-stack-succeeded');
    expect(r.phase).toBe('done');
    expect(r.phases).toEqual([
      { phase: 'validating', at: await tsOf('local-stack-succeeded', 2) },
      { phase: 'preparing', at: await tsOf('local-stack-succeeded', 4) },
      { phase: 'activating', at: await tsOf('local-stack-succeeded', 7) },
      { phase: 'verifying', at: await tsOf('local-stack-succeeded', 52) },
      { phase: 'finalizing', at: await tsOf('local-stack-succeeded', 57) },
      { phase: 'done', at: await tsOf('local-stack-succeeded', 59) },
    ]);
    expect(r.prerequisites).toEqual({ ok: true, failed: [] });
    expect(r.prepare).toEqual([{ name: 'release-dir', status: 'succeeded' }]);
    expect(r.cleanups).toEqual([]);
  });

  it('has every service healthy, with the states it went through', async () => {
    const r = await recordOf('local-stack-succeeded');
    const paths = Object.fromEntries(r.serviceOrder.map((n) => [n, path(r.services[n])]));
    expect(paths).toEqual({
      db: 'pending > activating > checking > healthy',
      migrate: 'pending > waiting > activating > healthy',
      api: 'pending > activating > checking > healthy',
      worker: 'pending > activating > checking > healthy',
      web: 'pending > activating > checking > healthy',
    });
    for (const name of r.serviceOrder)
      expect(r.services[name]).toMatchObject({
        state: 'healthy',
        verdict: 'healthy',
        attempt: 1,
        maxAttempts: 2,
        inFlight: false,
      });
    expect(r.services.migrate?.reason).toBe('no probe');
    expect(r.services.db).toMatchObject({
      kind: 'process',
      stage: 'data',
      group: 'data',
      startedAt: await tsOf('local-stack-succeeded', 12),
      finishedAt: await tsOf('local-stack-succeeded', 17),
    });
    expect(r.started).toEqual(['db', 'migrate', 'api', 'worker', 'web']);
  });

  it('keeps what each service achieved: the activation, the process started, the last probe', async () => {
    const r = await recordOf('local-stack-succeeded');
    expect(r.services.migrate?.activated).toEqual({
      attempt: 1,
      at: await tsOf('local-stack-succeeded', 19),
      durationMs: 563,
    });
    expect(r.services.migrate?.process).toBeUndefined();
    expect(r.services.api?.process).toMatchObject({ pid: 12598, startedAt: 1796173823750 });
    expect(r.services.api?.activated).toBeUndefined();
    expect(r.services.worker?.lastProbe).toEqual({
      probe: 'command node worker-check.mjs',
      attempt: 1,
      of: 1,
      ok: true,
      detail: 'exit 0',
      durationMs: 282,
    });
  });

  it('has every stage succeeded, with its deadline; the stages are the display groups', async () => {
    const r = await recordOf('local-stack-succeeded');
    expect(statuses(r.stages)).toEqual(['data:succeeded', 'app:succeeded', 'edge:succeeded']);
    expect(r.stages[1]).toEqual({
      name: 'app',
      status: 'succeeded',
      services: ['api', 'worker'],
      gate: true,
      startedAt: await tsOf('local-stack-succeeded', 25),
      finishedAt: await tsOf('local-stack-succeeded', 40),
      deadline: 1796174423700,
    });
    expect(r.groups).toBe(r.stages);
  });

  it('keeps every check in order: stage verify, integration, readiness', async () => {
    const r = await recordOf('local-stack-succeeded');
    expect(r.checks.map((c) => [c.phase, c.stage, c.name, c.ok])).toEqual([
      ['verify', 'app', 'verify-1', true],
      ['integration', undefined, 'integration-1', true],
      ['readiness', undefined, 'p95', true],
      ['readiness', undefined, 'runbook', true],
    ]);
    expect(r.checks[2]).toMatchObject({ severity: 'critical', category: 'performance' });
    expect(r.checks[3]).toMatchObject({ severity: 'warning', category: 'documentation' });
  });

  it('ends with the release and the outcome, no decision, warning or rollback', async () => {
    const r = await recordOf('local-stack-succeeded');
    expect(r.release).toBe('2026.11.26');
    expect(r.outcome).toEqual({ result: 'succeeded', interrupted: false });
    expect(r.finishedAt).toBe(await tsOf('local-stack-succeeded', 60));
    expect(r.closed).toEqual({ status: 'succeeded', at: await tsOf('local-stack-succeeded', 61) });
    expect(r.lastAt).toBe(await tsOf('local-stack-succeeded', 61));
    expect(r.decisions).toEqual([]);
    expect(r.pendingDecision).toBeUndefined();
    expect(r.warnings).toEqual([]);
    expect(r.lost).toEqual([]);
    expect(r.rollback).toBeUndefined();
    expect(r.interrupts).toBe(0);
  });

  it('is the same record whether folded at once or fact by fact', async () => {
    const facts = await journal('local-stack-succeeded');
    const stepwise = emptyRecord();
    for (const f of facts) applyFact(stepwise, f);
    expect(stepwise).toEqual(foldFacts(facts));
  });
});

describe('fold of a failed deployment that was rolled back (failing-stack)', () => {
  it('has the unhealthy service and the ones rolled back, with their paths', async () => {
    const r = await recordOf('failing-stack-rolled-back');
    expect(Object.fromEntries(r.serviceOrder.map((n) => [n, path(r.services[n])]))).toEqual({
      db: 'pending > activating > checking > healthy > rolling-back > rolled-back',
      migrate: 'pending > waiting > activating > healthy > rolling-back > rolled-back',
      api: 'pending > activating > checking > unhealthy > rolling-back > rolled-back',
    });
    // Rolling back is a new phase of the service's life: the failure that caused it is not kept.
    expect(r.services.api).toMatchObject({ state: 'rolled-back', attempt: 1, maxAttempts: 1 });
    expect(r.services.api?.reason).toBeUndefined();
    expect(r.services.api?.verdict).toBeUndefined();
    // Nor its probe counters: those of the rollback, if it checks anything, are its own.
    expect(r.services.api?.lastProbe).toBeUndefined();
    expect(r.started).toEqual(['db', 'migrate', 'api']);
  });

  it('has stage app failed and the phase rolling-back before done', async () => {
    const r = await recordOf('failing-stack-rolled-back');
    // data had succeeded, then the rollback undid both its services: it no longer says succeeded.
    expect(statuses(r.stages)).toEqual(['data:rolled-back', 'app:failed']);
    expect(r.stages[1]?.finishedAt).toBe(await tsOf('failing-stack-rolled-back', 44));
    expect(r.phases.map((p) => p.phase)).toEqual([
      'validating',
      'preparing',
      'activating',
      'rolling-back',
      'done',
    ]);
  });

  it('has the rollback: its scope, reason, every step restored and the cleanup done', async () => {
    const r = await recordOf('failing-stack-rolled-back');
    expect(r.rollback).toEqual({
      scope: 'all',
      reason: expect.stringMatching(
        /^http GET http:\/\/127\.0\.0\.1:\d+\/healthz failed 5\/5/,
      ) as string,
      startedAt: await tsOf('failing-stack-rolled-back', 47),
      steps: [
        { name: 'api', state: 'restored', attempt: 1 },
        { name: 'migrate', state: 'restored', attempt: 1 },
        { name: 'db', state: 'restored', attempt: 1 },
      ],
      cleanups: [{ name: 'prepare.release-dir', state: 'restored', attempt: 1 }],
    });
  });

  it('ends failed, with what was restored', async () => {
    const r = await recordOf('failing-stack-rolled-back');
    expect(r.outcome).toMatchObject({
      result: 'failed',
      interrupted: false,
      restored: ['api', 'migrate', 'db', 'prepare.release-dir'],
      notRestored: [],
    });
    expect(r.outcome?.reason).toBe(r.rollback?.reason);
    expect(r.release).toBeUndefined();
    expect(r.closed?.status).toBe('failed');
  });
});

describe('fold of an interrupted deployment (local-stack, SIGINT)', () => {
  it('counts the interrupt, warns, and rolls back what had started', async () => {
    const r = await recordOf('local-stack-interrupted');
    expect(r.interrupts).toBe(1);
    expect(r.warnings).toEqual(['interrupted: press Ctrl-C again to leave things as they are']);
    expect(r.rollback?.reason).toBe('interrupted');
    expect(r.rollback?.steps.map((s) => `${s.name}:${s.state}`)).toEqual([
      'worker:restored',
      'api:restored',
      'migrate:restored',
      'db:restored',
    ]);
    expect(r.outcome).toEqual({
      result: 'failed',
      interrupted: true,
      reason: 'interrupted',
      restored: ['worker', 'api', 'migrate', 'db', 'prepare.release-dir'],
      notRestored: [],
    });
  });

  it('shows the activations the interrupt cut short, and the service that never started', async () => {
    const r = await recordOf('local-stack-interrupted');
    expect(path(r.services.api)).toBe('pending > activating > rolling-back > rolled-back');
    expect(path(r.services.worker)).toBe('pending > activating > rolling-back > rolled-back');
    expect(r.services.api?.process).toBeUndefined();
    expect(r.services.api?.inFlight).toBe(false);
    expect(r.services.web).toMatchObject({ state: 'pending', steps: [], inFlight: false });
    expect(r.started).toEqual(['db', 'migrate', 'api', 'worker']);
  });

  it('closes the stage the interrupt stopped as incomplete when the deployment ends, and leaves the next one pending', async () => {
    const r = await recordOf('local-stack-interrupted');
    expect(statuses(r.stages)).toEqual(['data:rolled-back', 'app:incomplete', 'edge:pending']);
    expect(r.stages[1]?.finishedAt).toBe(r.finishedAt);
    expect(r.stages[2]?.finishedAt).toBeUndefined();
  });
});

describe('fold of a deployment without stages (local-stack, dependency layers)', () => {
  it('has one implicit stage, no gate, no deadline', async () => {
    const r = await recordOf('local-stack-implicit');
    expect(r.stages).toEqual([
      {
        name: 'all',
        status: 'succeeded',
        services: ['db', 'migrate', 'worker', 'api', 'web'],
        gate: false,
        startedAt: await tsOf('local-stack-implicit', 13),
        finishedAt: await tsOf('local-stack-implicit', 46),
      },
    ]);
  });

  it('shows the dependency layers as groups, each finished when its services are', async () => {
    const r = await recordOf('local-stack-implicit');
    expect(r.groups.map((g) => [g.name, g.services, g.status, g.gate])).toEqual([
      ['layer-1', ['db'], 'succeeded', false],
      ['layer-2', ['migrate', 'worker'], 'succeeded', false],
      ['layer-3', ['api'], 'succeeded', false],
      ['layer-4', ['web'], 'succeeded', false],
    ]);
    // A layer is finished when its last service is.
    expect(r.groups[1]?.finishedAt).toBe(r.services.worker?.finishedAt);
    expect(r.groups[3]?.finishedAt).toBe(r.services.web?.finishedAt);
    expect(r.services.worker).toMatchObject({ stage: 'all', group: 'layer-2' });
  });

  it('has the services activated in dependency order', async () => {
    const r = await recordOf('local-stack-implicit');
    expect(r.started).toEqual(['db', 'migrate', 'worker', 'api', 'web']);
    expect(path(r.services.web)).toBe('pending > waiting > activating > checking > healthy');
    expect(r.outcome).toEqual({ result: 'succeeded', interrupted: false });
  });
});

describe('fold of a down run (local-stack)', () => {
  it('has one row per service, in the order they were stopped', async () => {
    const r = await recordOf('local-stack-down');
    expect(r.kind).toBe('down');
    expect(r.down).toEqual([
      { name: 'web', state: 'stopped', detail: 'pid 12650' },
      { name: 'worker', state: 'stopped', detail: 'pid 12599' },
      { name: 'api', state: 'stopped', detail: 'pid 12598' },
      { name: 'migrate', state: 'not-running' },
      { name: 'db', state: 'stopped', detail: 'pid 12573' },
    ]);
    expect(r.outcome).toEqual({ result: 'succeeded', interrupted: false, restored: [] });
    expect(r.phases).toEqual([]);
    expect(Object.values(r.services).every((s) => s.state === 'pending')).toBe(true);
  });
});

describe('fold of a deployment answered in the terminal UI (failing-stack, --step)', () => {
  it('keeps every decision taken, in order, with who took it and when', async () => {
    const r = await recordOf('failing-stack-decisions');
    expect(r.decisions).toEqual([
      {
        id: 'd1',
        kind: 'confirm-stage',
        subject: 'data',
        choice: 'proceed',
        by: 'root',
        at: 1796174654187,
      },
      {
        id: 'd2',
        kind: 'confirm-stage',
        subject: 'app',
        choice: 'proceed',
        by: 'root',
        at: 1796174654615,
      },
      { id: 'd3', kind: 'failure', subject: 'api', choice: 'retry', by: 'root', at: 1796174661603 },
      {
        id: 'd4',
        kind: 'failure',
        subject: 'api',
        choice: 'rollback',
        by: 'root',
        at: 1796174663675,
      },
    ]);
    expect(r.pendingDecision).toBeUndefined();
  });

  it('has the decision pending while it waits for the operator, with only the valid choices', async () => {
    const facts = await journal('failing-stack-decisions');
    const atFirst = foldFacts(facts.filter((f) => (f as { seq?: number }).seq! <= 9));
    expect(atFirst.pendingDecision).toMatchObject({
      id: 'd1',
      kind: 'confirm-stage',
      subject: 'data',
      // app depends on data: skipping data is not offered.
      choices: ['proceed', 'abort'],
      defaultChoice: 'abort',
      deadline: 1796174678851,
    });
    expect(statuses(atFirst.stages)).toEqual(['data:confirming', 'app:pending']);
    const atRetry = foldFacts(facts.filter((f) => (f as { seq?: number }).seq! <= 102));
    expect(atRetry.pendingDecision).toMatchObject({
      id: 'd4',
      subject: 'api',
      choices: ['retry', 'skip', 'rollback', 'abort'],
      retry: { n: 2, cap: 2 },
    });
  });

  it('shows the operator retry in the path and the attempt of the failed service', async () => {
    const r = await recordOf('failing-stack-decisions');
    expect(path(r.services.api)).toBe(
      'pending > activating > checking > unhealthy > activating > checking > unhealthy > rolling-back > rolled-back',
    );
    // The retried stage keeps its first start; it failed again when the retry did.
    expect(r.stages[1]).toMatchObject({
      name: 'app',
      status: 'failed',
      startedAt: await tsOf('failing-stack-decisions', 26),
      finishedAt: await tsOf('failing-stack-decisions', 101),
    });
    expect(r.outcome).toMatchObject({
      result: 'failed',
      restored: ['api', 'migrate', 'db', 'prepare.release-dir'],
    });
  });
});
