/**
 * The fold on hand-built facts: the cases a recorded journal does not happen to show (a resumed
 * run, retries, skipped services, group statuses of a failing implicit plan, facts about unknown
 * names ...). A torn journal is the journal reader's business (test/state), not the fold's.
 */
import { describe, expect, it } from 'vitest';
import type { Fact, PlanOutline, StampedFact } from '../../src/record/facts.js';
import { FACTS_VERSION, MACHINE_VERSION } from '../../src/record/facts.js';
import { applyFact, emptyRecord, foldFacts, isFinished } from '../../src/record/fold.js';
import { journal } from './journals.js';

/** db; api → db; web → api, as two explicit stages. */
const explicit: PlanOutline = {
  stages: [
    { name: 'data', services: ['db'], gate: true },
    { name: 'app', services: ['api', 'web'], gate: true },
  ],
  groups: [
    { name: 'data', services: ['db'] },
    { name: 'app', services: ['api', 'web'] },
  ],
  services: [
    { name: 'db', kind: 'process', stage: 'data', group: 'data' },
    { name: 'api', kind: 'activate', stage: 'app', group: 'app' },
    { name: 'web', kind: 'process', stage: 'app', group: 'app' },
  ],
  prepare: ['dir'],
  maxAttempts: 2,
};

/** The same services without stages: one implicit stage, the dependency layers as groups. */
const implicit: PlanOutline = {
  stages: [{ name: 'all', services: ['db', 'api', 'web'], gate: false }],
  groups: [
    { name: 'layer-1', services: ['db'] },
    { name: 'layer-2', services: ['api'] },
    { name: 'layer-3', services: ['web'] },
  ],
  services: [
    { name: 'db', kind: 'process', stage: 'all', group: 'layer-1' },
    { name: 'api', kind: 'activate', stage: 'all', group: 'layer-2' },
    { name: 'web', kind: 'process', stage: 'all', group: 'layer-3' },
  ],
  prepare: [],
  maxAttempts: 1,
};

const started = (plan: PlanOutline, kind: 'deploy' | 'down' = 'deploy'): Fact => ({
  type: 'run.started',
  kind,
  deploymentId: 'd-1',
  project: 'shop',
  environment: 'staging',
  configHash: 'abc',
  factsVersion: FACTS_VERSION,
  machineVersion: MACHINE_VERSION,
  by: 'alice',
  host: 'h',
  pid: 1,
  command: 'deploy',
  plan,
});

/** Facts stamped 1000, 1001, ... in order. */
const stamp = (facts: Fact[], from = 1000): StampedFact[] =>
  facts.map((f, i) => ({ ...f, ts: from + i }));

const state = (
  service: string,
  s: Extract<Fact, { type: 'service.state' }>['state'],
  extra: Partial<Extract<Fact, { type: 'service.state' }>> = {},
): Fact => ({ type: 'service.state', service, state: s, attempt: 1, maxAttempts: 2, ...extra });

describe('fold: service rows', () => {
  it('drops the failure reason and verdict when the service starts rolling back', () => {
    const r = foldFacts(
      stamp([
        started(explicit),
        state('api', 'unhealthy', { verdict: 'unhealthy', reason: 'probe failed 3/3' }),
      ]),
    );
    expect(r.services.api).toMatchObject({ state: 'unhealthy', reason: 'probe failed 3/3' });
    applyFact(r, { ...state('api', 'rolling-back'), ts: 2000 });
    expect(r.services.api?.state).toBe('rolling-back');
    expect(r.services.api?.reason).toBeUndefined();
    expect(r.services.api?.verdict).toBeUndefined();
    applyFact(r, {
      ...state('api', 'rolled-back', { reason: 'tcp 127.0.0.1:1 passed 1/1' }),
      ts: 2001,
    });
    expect(r.services.api).toMatchObject({
      state: 'rolled-back',
      reason: 'tcp 127.0.0.1:1 passed 1/1',
      startedAt: 2000,
      finishedAt: 2001,
    });
  });

  it('keeps a reason through a state change that brings none (skipped after a failure)', () => {
    const r = foldFacts(
      stamp([
        started(explicit),
        state('api', 'failed', { reason: 'exit 1' }),
        state('api', 'skipped'),
      ]),
    );
    expect(r.services.api).toMatchObject({ state: 'skipped', reason: 'exit 1' });
  });

  it('records a step per change of state, not per repeated fact, and keeps the attempt', () => {
    const r = foldFacts(
      stamp([
        started(explicit),
        state('api', 'activating'),
        state('api', 'failed', { reason: 'exit 1' }),
        state('api', 'activating', { attempt: 2, maxAttempts: 3 }),
        state('api', 'activating', { attempt: 2, maxAttempts: 3 }),
        state('api', 'healthy', { attempt: 2, maxAttempts: 3, verdict: 'healthy' }),
      ]),
    );
    expect(r.services.api?.steps).toEqual([
      { state: 'activating', at: 1001 },
      { state: 'failed', at: 1002 },
      { state: 'activating', at: 1003 },
      { state: 'healthy', at: 1005 },
    ]);
    expect(r.services.api).toMatchObject({
      attempt: 2,
      maxAttempts: 3,
      startedAt: 1004,
      finishedAt: 1005,
    });
    // A retry's `activating` drops the failure reason.
    expect(r.services.api?.reason).toBeUndefined();
    expect(r.started).toEqual(['api']);
  });

  it('knows an activation is in flight from its start until an outcome is journaled', () => {
    const r = foldFacts(stamp([started(explicit), state('api', 'activating')]));
    expect(r.services.api?.inFlight).toBe(true);
    applyFact(r, {
      type: 'service.activated',
      service: 'api',
      attempt: 1,
      exitCode: 0,
      durationMs: 12,
      ts: 3000,
    });
    expect(r.services.api).toMatchObject({
      inFlight: false,
      activated: { attempt: 1, at: 3000, durationMs: 12 },
    });
    applyFact(r, { ...state('db', 'activating'), ts: 3001 });
    applyFact(r, {
      type: 'service.process',
      service: 'db',
      pid: 9,
      logFile: 'db.log',
      startedAt: 2999,
      ts: 3002,
    });
    expect(r.services.db).toMatchObject({
      inFlight: false,
      process: { pid: 9, logFile: 'db.log', startedAt: 2999 },
    });
    applyFact(r, { ...state('web', 'activating'), ts: 3003 });
    applyFact(r, { ...state('web', 'failed'), ts: 3004 });
    expect(r.services.web?.inFlight).toBe(false);
  });

  it('keeps the latest probe attempt of each service', () => {
    const attempt = (n: number, ok: boolean): Fact => ({
      type: 'health.attempt',
      service: 'db',
      probe: 'tcp 127.0.0.1:5432',
      attempt: n,
      of: 3,
      ok,
      detail: ok ? 'connected' : 'ECONNREFUSED',
      durationMs: 2,
    });
    const r = foldFacts(stamp([started(explicit), attempt(1, false), attempt(1, true)]));
    expect(r.services.db?.lastProbe).toEqual({
      probe: 'tcp 127.0.0.1:5432',
      attempt: 1,
      of: 3,
      ok: true,
      detail: 'connected',
      durationMs: 2,
    });
  });

  it('ignores facts about services the plan does not have', () => {
    const before = foldFacts(stamp([started(explicit)]));
    const r = foldFacts(
      stamp([
        started(explicit),
        state('ghost', 'healthy'),
        { type: 'service.activated', service: 'ghost', attempt: 1, exitCode: 0, durationMs: 1 },
        { type: 'stage.status', stage: 'nowhere', status: 'running' },
      ]),
    );
    expect(r.services).toEqual(before.services);
    expect(r.stages).toEqual(before.stages);
    expect(r.started).toEqual([]);
  });

  it('says which states end a service row', () => {
    expect(
      (['pending', 'waiting', 'activating', 'checking', 'rolling-back'] as const).map(isFinished),
    ).toEqual([false, false, false, false, false]);
    expect(
      (
        [
          'healthy',
          'degraded',
          'unhealthy',
          'failed',
          'skipped',
          'rolled-back',
          'rollback-failed',
        ] as const
      ).map(isFinished),
    ).toEqual([true, true, true, true, true, true, true]);
  });
});

describe('fold: stages and groups', () => {
  it('starts a retried stage again without losing when it first started', () => {
    const r = foldFacts(
      stamp([
        started(explicit),
        { type: 'stage.status', stage: 'app', status: 'running', deadline: 9999 },
        { type: 'stage.status', stage: 'app', status: 'failed' },
        { type: 'stage.status', stage: 'app', status: 'running' },
      ]),
    );
    expect(r.stages[1]).toEqual({
      name: 'app',
      status: 'running',
      services: ['api', 'web'],
      gate: true,
      startedAt: 1001,
      deadline: 9999,
    });
  });

  it('marks a skipped stage finished, and a confirming one started', () => {
    const r = foldFacts(
      stamp([
        started(explicit),
        { type: 'stage.status', stage: 'data', status: 'confirming' },
        { type: 'stage.status', stage: 'data', status: 'skipped' },
      ]),
    );
    expect(r.stages[0]).toMatchObject({ status: 'skipped', startedAt: 1001, finishedAt: 1002 });
  });

  it('derives the status of each dependency layer from its services in a plan without stages', () => {
    const r = foldFacts(
      stamp([started(implicit), { type: 'stage.status', stage: 'all', status: 'running' }]),
    );
    expect(r.groups.map((g) => g.status)).toEqual(['pending', 'pending', 'pending']);
    applyFact(r, { ...state('db', 'activating'), ts: 2000 });
    applyFact(r, { ...state('db', 'healthy'), ts: 2001 });
    applyFact(r, { ...state('api', 'activating'), ts: 2002 });
    expect(r.groups.map((g) => `${g.name}:${g.status}`)).toEqual([
      'layer-1:succeeded',
      'layer-2:running',
      'layer-3:pending',
    ]);
    expect(r.groups[0]).toMatchObject({ startedAt: 2000, finishedAt: 2001 });
    applyFact(r, { ...state('api', 'failed', { reason: 'exit 1' }), ts: 2003 });
    expect(r.groups[1]).toMatchObject({ status: 'failed', finishedAt: 2003 });
    // The implicit stage keeps its own row; the groups are for display.
    expect(r.stages.map((s) => `${s.name}:${s.status}`)).toEqual(['all:running']);
  });

  it('keeps a layer whose services only wait for their dependencies pending', () => {
    const r = foldFacts(
      stamp([
        started(implicit),
        state('api', 'waiting'),
        state('web', 'waiting'),
        state('db', 'activating'),
      ]),
    );
    expect(r.groups.map((g) => `${g.name}:${g.status}`)).toEqual([
      'layer-1:running',
      'layer-2:pending',
      'layer-3:pending',
    ]);
  });

  it('closes every layer when the deployment ends: one part way through is incomplete, an untouched one stays pending', () => {
    const r = foldFacts(
      stamp([
        started(implicit),
        state('db', 'activating'),
        state('db', 'healthy'),
        state('api', 'activating'),
        state('web', 'waiting'),
        { type: 'deployment.finished', result: 'aborted', interrupted: true },
      ]),
    );
    expect(r.groups.map((g) => `${g.name}:${g.status}`)).toEqual([
      'layer-1:succeeded',
      'layer-2:incomplete',
      'layer-3:pending',
    ]);
    expect(r.groups[1]?.finishedAt).toBe(1005);
  });

  it('keeps a layer failed while its services are rolled back', () => {
    const r = foldFacts(
      stamp([
        started(implicit),
        state('db', 'activating'),
        state('db', 'failed', { reason: 'exit 1' }),
        state('db', 'rolling-back'),
        state('db', 'rolled-back'),
      ]),
    );
    expect(r.groups[0]).toMatchObject({ status: 'failed', finishedAt: 1002 });
  });

  it('takes the statuses of explicit stages from their facts, not from their services', () => {
    const r = foldFacts(stamp([started(explicit), state('db', 'healthy')]));
    expect(r.groups[0]?.status).toBe('pending');
    expect(r.groups).toBe(r.stages);
  });
});

describe('fold: decisions, warnings, interrupts', () => {
  const decision = (id: string, subject = 'api'): Fact => ({
    type: 'decision.requested',
    decision: {
      id,
      kind: 'failure',
      subject,
      message: `${subject} failed`,
      choices: ['retry', 'rollback', 'abort'],
      defaultChoice: 'rollback',
      deadline: 99_000,
    },
  });
  const taken = (id: string): Fact => ({
    type: 'decision.taken',
    id,
    kind: 'failure',
    subject: 'api',
    choice: 'retry',
    by: 'alice',
    at: 5,
  });

  it('keeps the pending decision until the one it is answered, and every decision taken', () => {
    const r = foldFacts(stamp([started(explicit), decision('d1')]));
    expect(r.pendingDecision?.id).toBe('d1');
    applyFact(r, { ...taken('d0'), ts: 2000 });
    expect(r.pendingDecision?.id).toBe('d1');
    applyFact(r, { ...taken('d1'), ts: 2001 });
    expect(r.pendingDecision).toBeUndefined();
    expect(r.decisions).toEqual([
      { id: 'd0', kind: 'failure', subject: 'api', choice: 'retry', by: 'alice', at: 5 },
      { id: 'd1', kind: 'failure', subject: 'api', choice: 'retry', by: 'alice', at: 5 },
    ]);
  });

  it('drops a prompt nobody answered once the run finished', () => {
    const r = foldFacts(
      stamp([
        started(explicit),
        decision('d1'),
        { type: 'deployment.finished', result: 'aborted', interrupted: true },
      ]),
    );
    expect(r.pendingDecision).toBeUndefined();
    expect(r.outcome).toEqual({ result: 'aborted', interrupted: true });
  });

  it('keeps each warning and each lost service once', () => {
    const r = foldFacts(
      stamp([
        started(explicit),
        { type: 'warning', message: 'db is slow' },
        { type: 'warning', message: 'db is slow' },
        { type: 'monitor.lost', service: 'db', reason: 'x' },
        { type: 'monitor.lost', service: 'db', reason: 'y' },
      ]),
    );
    expect(r.warnings).toEqual(['db is slow']);
    expect(r.lost).toEqual(['db']);
  });

  it('counts interrupts by the highest count recorded', () => {
    const r = foldFacts(
      stamp([
        started(explicit),
        { type: 'interrupted', count: 2 },
        { type: 'interrupted', count: 1 },
      ]),
    );
    expect(r.interrupts).toBe(2);
  });

  it('lists the failed prerequisites with their category', () => {
    const r = foldFacts(
      stamp([
        started(explicit),
        {
          type: 'prerequisites.checked',
          ok: false,
          checks: [
            { category: 'software', name: 'redis', ok: false, detail: 'not found' },
            { category: 'hardware', name: 'cpus', ok: true, detail: '2 CPUs' },
          ],
        },
      ]),
    );
    expect(r.prerequisites).toEqual({ ok: false, failed: ['software redis: not found'] });
  });

  it('keeps one row per prepare step and cleanup, with its latest status', () => {
    const r = foldFacts(
      stamp([
        started(explicit),
        { type: 'prepare.step', name: 'dir', status: 'running' },
        { type: 'prepare.step', name: 'dir', status: 'failed', detail: 'exit 1' },
        { type: 'prepare.cleanup', name: 'dir', status: 'running' },
        { type: 'prepare.cleanup', name: 'dir', status: 'succeeded' },
      ]),
    );
    expect(r.prepare).toEqual([{ name: 'dir', status: 'failed', detail: 'exit 1' }]);
    expect(r.cleanups).toEqual([{ name: 'dir', status: 'succeeded' }]);
  });
});

describe('fold: rollback and down', () => {
  it('tracks each rollback step and cleanup, a failure reason kept until it is restored', () => {
    const r = foldFacts(
      stamp([
        started(explicit),
        { type: 'rollback.started', steps: ['api', 'db'], cleanups: ['prepare.dir'], scope: 'all' },
        { type: 'rollback.step', service: 'api', status: 'started', attempt: 1 },
        { type: 'rollback.step', service: 'api', status: 'failed', attempt: 1, reason: 'exit 3' },
        { type: 'rollback.step', service: 'api', status: 'started', attempt: 2 },
        { type: 'rollback.step', service: 'api', status: 'restored', attempt: 2 },
        { type: 'rollback.step', service: 'db', status: 'failed', attempt: 1, reason: 'exit 1' },
        { type: 'rollback.step', service: 'db', status: 'resolved-by-hand', attempt: 1 },
        { type: 'rollback.cleanup', name: 'prepare.dir', status: 'started', attempt: 1 },
      ]),
    );
    expect(r.rollback).toEqual({
      scope: 'all',
      startedAt: 1001,
      steps: [
        { name: 'api', state: 'restored', attempt: 2 },
        { name: 'db', state: 'resolved-by-hand', attempt: 1, reason: 'exit 1' },
      ],
      cleanups: [{ name: 'prepare.dir', state: 'rolling-back', attempt: 1 }],
    });
  });

  it('makes up a rollback for steps journaled without its start (a resumed rollback)', () => {
    const r = foldFacts(
      stamp([
        started(explicit),
        { type: 'rollback.cleanup', name: 'prepare.dir', status: 'done', attempt: 1 },
        {
          type: 'rollback.step',
          service: 'web',
          status: 'not-attempted',
          attempt: 0,
          reason: 'not attempted: rollback aborted',
        },
      ]),
    );
    expect(r.rollback).toEqual({
      scope: 'all',
      startedAt: 1001,
      steps: [
        {
          name: 'web',
          state: 'not-attempted',
          attempt: 0,
          reason: 'not attempted: rollback aborted',
        },
      ],
      cleanups: [{ name: 'prepare.dir', state: 'restored', attempt: 1 }],
    });
  });

  it('shows a step a second interrupt stopped half way as interrupted', () => {
    const r = foldFacts(
      stamp([
        started(explicit),
        { type: 'rollback.started', steps: ['api'], cleanups: [], scope: 'all' },
        { type: 'rollback.step', service: 'api', status: 'started', attempt: 1 },
        {
          type: 'rollback.step',
          service: 'api',
          status: 'interrupted',
          attempt: 0,
          reason: 'interrupted again: rollback stopped',
        },
      ]),
    );
    expect(r.rollback?.steps).toEqual([
      {
        name: 'api',
        state: 'interrupted',
        attempt: 0,
        reason: 'interrupted again: rollback stopped',
      },
    ]);
  });

  it('keeps one down row per service, with the last detail it was given', () => {
    const r = foldFacts(
      stamp([
        started(explicit, 'down'),
        { type: 'down.service', service: 'web', status: 'stopping' },
        {
          type: 'down.service',
          service: 'web',
          status: 'failed',
          detail: 'web.stop exited with code 1',
        },
        { type: 'down.service', service: 'db', status: 'not-attempted', detail: 'interrupted' },
      ]),
    );
    expect(r.kind).toBe('down');
    expect(r.down).toEqual([
      { name: 'web', state: 'failed', detail: 'web.stop exited with code 1' },
      { name: 'db', state: 'not-attempted', detail: 'interrupted' },
    ]);
  });
});

describe('fold: a resumed run', () => {
  /** The interrupted run: api's activation was in flight and a decision was pending. */
  const history = stamp([
    started(explicit),
    { type: 'phase', phase: 'validating' },
    { type: 'phase', phase: 'preparing' },
    { type: 'prepare.step', name: 'dir', status: 'succeeded' },
    { type: 'phase', phase: 'activating' },
    { type: 'stage.status', stage: 'data', status: 'running', deadline: 50_000 },
    state('db', 'activating'),
    { type: 'service.process', service: 'db', pid: 7, logFile: 'db.log', startedAt: 1006 },
    state('db', 'healthy', { verdict: 'healthy' }),
    { type: 'stage.status', stage: 'data', status: 'succeeded' },
    { type: 'stage.status', stage: 'app', status: 'running', deadline: 60_000 },
    state('api', 'activating'),
    {
      type: 'decision.requested',
      decision: {
        id: 'd1',
        kind: 'interrupted',
        subject: 'd-1',
        message: 'Interrupted',
        choices: ['rollback', 'abort'],
        defaultChoice: 'rollback',
        deadline: 70_000,
      },
    },
  ]);
  const summary = {
    phase: 'activating',
    prepared: ['dir'],
    stagesDone: ['data'],
    services: [{ service: 'api', entry: 'activate' as const, why: 'activation in flight' }],
    tornTail: false,
  };
  /** The resumed run, after the history: a new process goes on from where it stopped. */
  const resumed = stamp(
    [
      { type: 'lock.takenOver', from: 'alice@h:1' },
      { type: 'resume.planned', by: 'bob', pid: 2, summary },
      { type: 'phase', phase: 'validating' },
      { type: 'phase', phase: 'preparing' },
      { type: 'prepare.step', name: 'dir', status: 'skipped', detail: 'journaled as done' },
      { type: 'phase', phase: 'activating' },
      {
        type: 'stage.status',
        stage: 'data',
        status: 'succeeded',
        detail: 'journaled as succeeded before the interruption',
      },
      { type: 'stage.status', stage: 'app', status: 'running', deadline: 60_000 },
      state('api', 'pending'),
      state('api', 'activating'),
      { type: 'service.activated', service: 'api', attempt: 1, exitCode: 0, durationMs: 30 },
      state('api', 'healthy', { verdict: 'healthy' }),
      state('web', 'activating'),
      { type: 'service.process', service: 'web', pid: 8, logFile: 'web.log', startedAt: 2011 },
      state('web', 'healthy', { verdict: 'healthy' }),
      { type: 'stage.status', stage: 'app', status: 'succeeded' },
      { type: 'phase', phase: 'done' },
      { type: 'deployment.finished', result: 'succeeded', interrupted: false },
      { type: 'run.closed', status: 'succeeded' },
    ],
    2000,
  );

  it('shows the interrupted run as it stopped: a decision pending, an activation in flight', () => {
    const r = foldFacts(history);
    expect(r.pendingDecision?.id).toBe('d1');
    expect(r.services.api).toMatchObject({ state: 'activating', inFlight: true });
    expect(r.phase).toBe('activating');
    expect(r.outcome).toBeUndefined();
  });

  it('records the resume, drops the prompt of the process that is gone, and goes on', () => {
    const r = foldFacts([...history, ...resumed]);
    expect(r.resumes).toEqual([{ at: 2001, by: 'bob', summary }]);
    expect(r.decisions).toEqual([]);
    expect(r.pendingDecision).toBeUndefined();
    expect(r.outcome).toEqual({ result: 'succeeded', interrupted: false });
    expect(r.finishedAt).toBe(2017);
    // Still the first run's: the id, who started it, when, its plan.
    expect(r).toMatchObject({ deploymentId: 'd-1', by: 'alice', startedAt: 1000 });
  });

  it('continues each service row across the resume: the steps of both runs, started once', () => {
    const r = foldFacts([...history, ...resumed]);
    expect(r.services.api?.steps.map((s) => `${s.state}@${s.at}`)).toEqual([
      'activating@1011',
      'pending@2008',
      'activating@2009',
      'healthy@2011',
    ]);
    expect(r.services.api).toMatchObject({
      state: 'healthy',
      inFlight: false,
      activated: { attempt: 1, at: 2010, durationMs: 30 },
      startedAt: 2009,
      finishedAt: 2011,
    });
    expect(r.services.db?.process).toEqual({ pid: 7, logFile: 'db.log', startedAt: 1006 });
    expect(r.started).toEqual(['db', 'api', 'web']);
  });

  it('keeps the phases of both runs and the stage first started in the interrupted one', () => {
    const r = foldFacts([...history, ...resumed]);
    expect(r.phases.map((p) => `${p.phase}@${p.at}`)).toEqual([
      'validating@1001',
      'preparing@1002',
      'activating@1004',
      'validating@2002',
      'preparing@2003',
      'activating@2005',
      'done@2016',
    ]);
    expect(r.stages[1]).toMatchObject({
      status: 'succeeded',
      startedAt: 1010,
      finishedAt: 2015,
      deadline: 60_000,
    });
    expect(r.prepare).toEqual([{ name: 'dir', status: 'skipped', detail: 'journaled as done' }]);
  });
});

describe('fold: the record itself', () => {
  it('counts every fact it applied and the time of the last one', () => {
    const r = emptyRecord();
    applyFact(r, { ...started(explicit), ts: 10 });
    applyFact(r, { type: 'dry-run.action', text: 'would run ./deploy.sh', ts: 12 });
    expect(r.version).toBe(2);
    expect(r.lastAt).toBe(12);
  });

  it('is plain data: it survives a JSON round trip', async () => {
    const r = foldFacts(await journal('failing-stack-rolled-back'));
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  // The record of a journal equals the live record: the journal's `seq` is not copied into it.
  it('folds a journal to the record of the facts it holds: the journal seq is not part of it', async () => {
    const entries = await journal('local-stack-succeeded');
    const facts = entries.map((e) => {
      const { seq: _seq, ...fact } = e as typeof e & { seq: number };
      return fact;
    });
    expect(foldFacts(entries)).toEqual(foldFacts(facts));
  });
});
