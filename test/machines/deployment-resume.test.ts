/**
 * The deployment statechart resumed from a plan (`ResumePlan`, computed by src/runtime/recovery.ts
 * from the journal): what was journaled as done is not done again, and deadlines are re-armed as
 * they were.
 */
import { toPromise } from 'xstate';
import { describe, expect, it, vi } from 'vitest';
import type { ResumePlan } from '../../src/machines/deployment/index.js';
import { deploy, failedReason, type DeployOptions, type DeployRun } from './deployment-harness.js';
import { plan } from './deployment-fixtures.js';
import { fakeTimeFor } from './fake-time.js';

const NOW = 1_700_000_000_000;
const track = fakeTimeFor((r: DeployRun) => r.actor.stop(), { now: NOW });
const start = (o: DeployOptions = {}): DeployRun => track(deploy(o));
const nothing: ResumePlan = {
  prepared: [],
  stagesDone: [],
  started: [],
  activated: [],
  services: {},
};

describe('deployment machine: resumed', () => {
  it('does not run again the prepare steps journaled as done', async () => {
    const r = start({ resume: { ...nothing, prepared: ['dir'] } });
    expect((await toPromise(r.actor)).result).toBe('succeeded');
    expect(r.fx.log(/prepare/)).toEqual(['run:prepare.net']);
    expect(r.rec.of('prepare.step')[0]).toEqual({
      type: 'prepare.step',
      name: 'dir',
      status: 'skipped',
      detail: 'journaled as done before the interruption',
    });
  });

  it('does not run again a stage journaled as succeeded; its services count as activated', async () => {
    const r = start({
      resume: {
        ...nothing,
        prepared: ['dir', 'net'],
        stagesDone: ['data'],
        started: ['db'],
        activated: ['db'],
      },
    });
    expect((await toPromise(r.actor)).result).toBe('succeeded');
    expect(r.fx.log(/activate/)).toEqual([
      'run:api.activate',
      'run:worker.activate',
      'run:web.activate',
    ]);
    expect(r.rec.of('stage.status')[0]).toEqual({
      type: 'stage.status',
      stage: 'data',
      status: 'succeeded',
      detail: 'journaled as succeeded before the interruption',
    });
    expect(r.actor.getSnapshot().context.activated).toEqual(['db', 'api', 'worker', 'web']);
  });

  it('rolls back what the interrupted run started too when the resumed run fails', async () => {
    const r = start({
      services: { api: ['failed'] },
      resume: {
        ...nothing,
        prepared: ['dir', 'net'],
        stagesDone: ['data'],
        started: ['db'],
        activated: ['db'],
      },
    });
    expect(await toPromise(r.actor)).toMatchObject({
      result: 'failed',
      restored: ['worker', 'api', 'db', 'prepare.net', 'prepare.dir'],
    });
    expect(r.rec.of('rollback.started')[0]?.steps).toEqual(['worker', 'api', 'db']);
  });

  it('checks the health of a service whose activation was journaled instead of running it again', async () => {
    const r = start({ resume: { ...nothing, services: { api: { activated: true } } } });
    expect((await toPromise(r.actor)).result).toBe('succeeded');
    expect(r.fx.log(/activate/)).toEqual([
      'run:db.activate',
      'run:worker.activate',
      'run:web.activate',
    ]);
    expect(r.rec.of('service.activated')).toContainEqual(
      expect.objectContaining({ service: 'api', resumed: true }),
    );
  });

  it('re-arms the running stage deadline as it was journaled', async () => {
    const r = start({
      services: { worker: ['hold'] },
      resume: {
        ...nothing,
        prepared: ['dir', 'net'],
        stageDeadline: { stage: 'app', at: NOW + 5_000 },
      },
    });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(r.rec.of('rollback.started')).toEqual([]);
    expect(r.rec.of('stage.status').find((s) => s.stage === 'app')).toEqual({
      type: 'stage.status',
      stage: 'app',
      status: 'running',
      deadline: NOW + 5_000,
    });
    await vi.advanceTimersByTimeAsync(1);
    expect(await toPromise(r.actor)).toMatchObject({
      result: 'failed',
      reason: 'stage app missed its deadline of 600.0 s (not done: worker)',
    });
  });

  it('asks a journaled decision again with its journaled deadline, once', async () => {
    const askPlan = plan({
      policy: { onFailure: 'ask', degraded: 'continue', retries: 0, decisionTimeoutMs: 60_000 },
    });
    const r = start({
      plan: askPlan,
      interactive: true,
      services: { api: ['failed', 'failed'] },
      resume: { ...nothing, decision: { kind: 'failure', subject: 'api', deadline: NOW + 5_000 } },
    });
    expect(await r.pending()).toMatchObject({
      id: 'd1',
      subject: 'api',
      message: failedReason('api'),
      deadline: NOW + 5_000,
    });
    r.actor.send({ type: 'decision.retry', by: 'alice' });
    const again = await r.pending();
    expect(again).toMatchObject({ id: 'd2', subject: 'api', deadline: NOW + 60_000 });
    expect(r.actor.getSnapshot().context.resume?.decision).toBeUndefined();
  });

  it('takes the default at the journaled deadline of a decision asked again', async () => {
    const askPlan = plan({
      policy: { onFailure: 'ask', degraded: 'continue', retries: 0, decisionTimeoutMs: 60_000 },
    });
    const r = start({
      plan: askPlan,
      interactive: true,
      services: { api: ['failed'] },
      resume: { ...nothing, decision: { kind: 'failure', subject: 'api', deadline: NOW + 5_000 } },
    });
    await r.pending();
    await vi.advanceTimersByTimeAsync(5_000);
    await toPromise(r.actor);
    expect(r.rec.run.decisions).toEqual([
      {
        id: 'd1',
        kind: 'failure',
        subject: 'api',
        choice: 'rollback',
        by: 'timeout',
        at: NOW + 5_000,
      },
    ]);
  });
});
