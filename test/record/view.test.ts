/**
 * The views selected from a record: of recorded journals, of a live deployment (the record its
 * facts fold into while it runs), and of hand-built records for the rollback and down screens.
 */
import { toPromise } from 'xstate';
import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/cli/exit-codes.js';
import type { Fact, StampedFact } from '../../src/record/facts.js';
import { foldFacts } from '../../src/record/fold.js';
import {
  choiceList,
  selectDeploymentView,
  selectDownView,
  selectRollbackView,
  viewPhase,
} from '../../src/record/view.js';
import { deploy, failedReason, type DeployRun } from '../machines/deployment-harness.js';
import { plan } from '../machines/deployment-fixtures.js';
import { fakeTimeFor } from '../machines/fake-time.js';
import { recordOf, statuses } from './journals.js';

const NOW = 1_700_000_000_000;
const track = fakeTimeFor((r: DeployRun) => r.actor.stop(), { now: NOW });

describe('deployment view of recorded journals', () => {
  it('shows a finished deployment: done, every stage and service row, the result with exit 0', async () => {
    const v = selectDeploymentView(await recordOf('local-stack-succeeded'), exitCodeOf);
    expect(v).toMatchObject({
      deploymentId: '20261202-011022-aa67',
      project: 'local-stack',
      environment: 'local',
      phase: 'done',
      explicitStages: true,
      warnings: [],
      interrupts: 0,
    });
    expect(v.pendingDecision).toBeUndefined();
    expect(v.result).toEqual({ result: 'succeeded', interrupted: false, exitCode: 0 });
    expect(statuses(v.stages)).toEqual(['data:succeeded', 'app:succeeded', 'edge:succeeded']);
    expect(v.services.map((s) => [s.name, s.kind, s.stage, s.group, s.state, s.verdict])).toEqual([
      ['db', 'process', 'data', 'data', 'healthy', 'healthy'],
      ['migrate', 'activate', 'data', 'data', 'healthy', 'healthy'],
      ['api', 'process', 'app', 'app', 'healthy', 'healthy'],
      ['worker', 'process', 'app', 'app', 'healthy', 'healthy'],
      ['web', 'process', 'edge', 'edge', 'healthy', 'healthy'],
    ]);
    expect(v.checks.map((c) => `${c.phase}:${c.name}:${String(c.ok)}`)).toEqual([
      'verify:verify-1:true',
      'integration:integration-1:true',
      'readiness:p95:true',
      'readiness:runbook:true',
    ]);
  });

  it('shows only what a service row needs, not the record bookkeeping', async () => {
    const v = selectDeploymentView(await recordOf('local-stack-succeeded'), exitCodeOf);
    expect(Object.keys(v.services[2] ?? {}).sort()).toEqual(
      [
        'attempt',
        'finishedAt',
        'group',
        'kind',
        'lastProbe',
        'maxAttempts',
        'name',
        'reason',
        'stage',
        'startedAt',
        'state',
        'verdict',
      ].sort(),
    );
  });

  it('shows a rolled-back failure with exit 1, the failed stage and the rolled-back rows', async () => {
    const v = selectDeploymentView(await recordOf('failing-stack-rolled-back'), exitCodeOf);
    expect(v.result).toMatchObject({ result: 'failed', interrupted: false, exitCode: 1 });
    expect(statuses(v.stages)).toEqual(['data:rolled-back', 'app:failed']);
    expect(v.services.map((s) => `${s.name}:${s.state}`)).toEqual([
      'db:rolled-back',
      'migrate:rolled-back',
      'api:rolled-back',
    ]);
    expect(v.services[2]?.reason).toBeUndefined();
  });

  it('shows an interrupted deployment with exit 130 and the interrupt counted', async () => {
    const v = selectDeploymentView(await recordOf('local-stack-interrupted'), exitCodeOf);
    expect(v.result).toMatchObject({ result: 'failed', interrupted: true, exitCode: 130 });
    expect(v.interrupts).toBe(1);
    // The advice held while the run went on; the finished run's view leaves it out.
    expect(v.warnings).toEqual([]);
    expect(v.services.find((s) => s.name === 'web')).toMatchObject({ state: 'pending' });
  });

  it('shows the dependency layers as its stages when the plan has none', async () => {
    const v = selectDeploymentView(await recordOf('local-stack-implicit'), exitCodeOf);
    expect(v.explicitStages).toBe(false);
    expect(v.stages.map((s) => [s.name, s.services, s.status])).toEqual([
      ['layer-1', ['db'], 'succeeded'],
      ['layer-2', ['migrate', 'worker'], 'succeeded'],
      ['layer-3', ['api'], 'succeeded'],
      ['layer-4', ['web'], 'succeeded'],
    ]);
  });

  it('gives a fresh object each time: changing a view changes neither the record nor the next view', async () => {
    const r = await recordOf('local-stack-succeeded');
    const a = selectDeploymentView(r, exitCodeOf);
    a.stages[0]!.services.push('x');
    a.services.pop();
    a.warnings.push('x');
    const b = selectDeploymentView(r, exitCodeOf);
    expect(b.stages[0]?.services).toEqual(['db', 'migrate']);
    expect(b.services).toHaveLength(5);
    expect(b.warnings).toEqual([]);
  });
});

describe('deployment view of a live deployment', () => {
  const askPlan = () =>
    plan({
      policy: { onFailure: 'ask', degraded: 'continue', retries: 0, decisionTimeoutMs: 1000 },
    });

  it('has the documented plain shape while a decision is pending', async () => {
    const r = track(deploy({ plan: askPlan(), interactive: true, services: { web: ['failed'] } }));
    await r.pending();
    const v = selectDeploymentView(r.source.record(), exitCodeOf);
    expect(Object.keys(v).sort()).toEqual(
      [
        'answeredElsewhere',
        'checks',
        'deploymentId',
        'environment',
        'explicitStages',
        'interrupts',
        'pendingDecision',
        'phase',
        'project',
        'resolvedByHand',
        'services',
        'stages',
        'startedAt',
        'warnings',
      ].sort(),
    );
    expect(v).toMatchObject({
      deploymentId: 'dep-1',
      project: 'shop',
      environment: 'staging',
      phase: 'awaiting-decision',
      startedAt: NOW,
    });
    expect(v.pendingDecision).toMatchObject({ id: 'd1', kind: 'failure', subject: 'web' });
    expect(v.services.map((s) => `${s.name}:${s.state}`)).toEqual([
      'db:healthy',
      'api:healthy',
      'worker:healthy',
      'web:failed',
    ]);
    expect(v.services[3]).toMatchObject({
      stage: 'app',
      kind: 'activate',
      attempt: 1,
      maxAttempts: 1,
      reason: failedReason('web'),
    });
    expect(v.stages).toEqual([
      {
        name: 'data',
        status: 'succeeded',
        services: ['db'],
        gate: true,
        startedAt: NOW,
        finishedAt: NOW,
        deadline: NOW + 600_000,
      },
      {
        name: 'app',
        status: 'failed',
        services: ['api', 'web', 'worker'],
        gate: true,
        startedAt: NOW,
        finishedAt: NOW,
        deadline: NOW + 600_000,
      },
    ]);
    expect(JSON.parse(JSON.stringify(v))).toEqual(v);
  });

  it('says done and gives the result with its exit code at the end', async () => {
    const r = track(deploy());
    await toPromise(r.actor);
    const v = selectDeploymentView(r.source.record(), exitCodeOf);
    expect(v.phase).toBe('done');
    expect(v.result).toEqual({ result: 'succeeded', interrupted: false, exitCode: 0 });
  });

  it('is told of every fact as it is recorded', async () => {
    const r = track(deploy());
    const before = r.rec.facts.length;
    const seen: string[] = [];
    const stop = r.source.subscribe((f) => seen.push(f.type));
    await toPromise(r.actor);
    stop();
    expect(seen.at(-1)).toBe('deployment.finished');
    expect(seen).toEqual(r.rec.facts.slice(before).map((f) => f.type));
    expect(r.source.record().version).toBe(r.rec.facts.length + 1);
  });
});

describe('the phase shown', () => {
  const facts = (list: Fact[]): StampedFact[] => list.map((f, i) => ({ ...f, ts: i }));
  const pending: Fact = {
    type: 'decision.requested',
    decision: {
      id: 'd1',
      kind: 'confirm-stage',
      subject: 'app',
      message: 'Start stage app?',
      choices: ['proceed', 'abort'],
      defaultChoice: 'abort',
      deadline: 10,
    },
  };

  it('is the pending prompt over the running phase, and done once finished', () => {
    const r = foldFacts(facts([{ type: 'phase', phase: 'activating' }]));
    expect(viewPhase(r)).toBe('activating');
    const asked = foldFacts(facts([{ type: 'phase', phase: 'activating' }, pending]));
    expect(viewPhase(asked)).toBe('awaiting-decision');
    expect(choiceList(asked.pendingDecision?.choices ?? [])).toBe('proceed | abort');
    asked.outcome = { result: 'aborted', interrupted: false };
    expect(viewPhase(asked)).toBe('done');
  });
});

describe('rollback view', () => {
  const rollbackFacts = (extra: Fact[]): StampedFact[] =>
    [
      {
        type: 'rollback.started',
        steps: ['api', 'db'],
        cleanups: ['prepare.dir'],
        scope: 'all',
      } as Fact,
      ...extra,
    ].map((f, i) => ({ ...f, ts: 100 + i }));

  it('shows restoring, a pending step decision, cleaning up, and done with the exit code', () => {
    const r = foldFacts(
      rollbackFacts([{ type: 'rollback.step', service: 'api', status: 'started', attempt: 1 }]),
    );
    expect(selectRollbackView(r, exitCodeOf).phase).toBe('restoring');
    const asked = foldFacts(
      rollbackFacts([
        { type: 'rollback.step', service: 'api', status: 'failed', attempt: 1, reason: 'exit 3' },
        {
          type: 'decision.requested',
          decision: {
            id: 'rollback-0-1',
            kind: 'rollback-step',
            subject: 'api',
            message: 'exit 3',
            choices: ['retry', 'mark-resolved', 'abort'],
            defaultChoice: 'abort',
            deadline: 1000,
          },
        },
      ]),
    );
    expect(selectRollbackView(asked, exitCodeOf)).toMatchObject({
      phase: 'awaiting-decision',
      pendingDecision: { id: 'rollback-0-1' },
      steps: [
        { name: 'api', state: 'failed', attempt: 1, reason: 'exit 3' },
        { name: 'db', state: 'pending', attempt: 0 },
      ],
    });
    const cleaning = foldFacts(
      rollbackFacts([
        { type: 'rollback.step', service: 'api', status: 'restored', attempt: 1 },
        { type: 'rollback.step', service: 'db', status: 'restored', attempt: 1 },
        { type: 'rollback.cleanup', name: 'prepare.dir', status: 'started', attempt: 1 },
      ]),
    );
    expect(selectRollbackView(cleaning, exitCodeOf).phase).toBe('cleaning-up');
    const done = foldFacts(
      rollbackFacts([
        { type: 'rollback.cleanup', name: 'prepare.dir', status: 'failed', attempt: 1 },
        {
          type: 'deployment.finished',
          result: 'rollback-incomplete',
          interrupted: false,
          notRestored: [{ name: 'prepare.dir', reason: 'exit 1' }],
        },
      ]),
    );
    expect(selectRollbackView(done, exitCodeOf)).toMatchObject({
      phase: 'done',
      result: { result: 'rollback-incomplete', exitCode: 3 },
      cleanups: [{ name: 'prepare.dir', state: 'failed', attempt: 1 }],
    });
  });

  it('shows the rollback a failed deployment ran', async () => {
    const v = selectRollbackView(await recordOf('failing-stack-rolled-back'), exitCodeOf);
    expect(v).toMatchObject({ phase: 'done', project: 'failing-stack', environment: 'local' });
    expect(v.steps.map((s) => `${s.name}:${s.state}`)).toEqual([
      'api:restored',
      'migrate:restored',
      'db:restored',
    ]);
    expect(v.cleanups.map((s) => `${s.name}:${s.state}`)).toEqual(['prepare.release-dir:restored']);
    expect(v.result?.exitCode).toBe(1);
  });
});

describe('down view', () => {
  it('shows one row per service stopped and the result with exit 0', async () => {
    const v = selectDownView(await recordOf('local-stack-down'), exitCodeOf);
    expect(v.rows.map((d) => `${d.name}:${d.state}`)).toEqual([
      'web:stopped',
      'worker:stopped',
      'api:stopped',
      'migrate:not-running',
      'db:stopped',
    ]);
    expect(v.result).toEqual({
      result: 'succeeded',
      interrupted: false,
      restored: [],
      exitCode: 0,
    });
    expect(v).toMatchObject({ project: 'local-stack', environment: 'local', interrupts: 0 });
  });
});
