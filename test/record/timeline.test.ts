/** `show`'s timeline of a record: of recorded journals and of hand-built ones. */
import { describe, expect, it } from 'vitest';
import type { Fact, PlanOutline } from '../../src/record/facts.js';
import { foldFacts } from '../../src/record/fold.js';
import { timelineOf } from '../../src/record/timeline.js';
import { recordOf, tsOf } from './journals.js';

describe('timeline of recorded journals', () => {
  it('has a span per phase, each ending when the next one starts, the last at the outcome', async () => {
    const t = timelineOf(await recordOf('local-stack-succeeded'));
    const at = (seq: number) => tsOf('local-stack-succeeded', seq);
    const span = async (name: string, from: number, to: number) => ({
      name,
      state: '',
      startedAt: await at(from),
      finishedAt: await at(to),
      durationMs: (await at(to)) - (await at(from)),
    });
    expect(t.phases).toEqual([
      await span('validating', 2, 4),
      await span('preparing', 4, 7),
      await span('activating', 7, 52),
      await span('verifying', 52, 57),
      // The last phase ends with the outcome (`done` itself is no span).
      await span('finalizing', 57, 60),
    ]);
  });

  it('has a span per stage with its status and duration', async () => {
    const t = timelineOf(await recordOf('local-stack-succeeded'));
    const at = (seq: number) => tsOf('local-stack-succeeded', seq);
    expect(t.stages).toEqual([
      {
        name: 'data',
        state: 'succeeded',
        startedAt: await at(10),
        finishedAt: await at(22),
        durationMs: (await at(22)) - (await at(10)),
      },
      {
        name: 'app',
        state: 'succeeded',
        startedAt: await at(25),
        finishedAt: await at(40),
        durationMs: (await at(40)) - (await at(25)),
      },
      {
        name: 'edge',
        state: 'succeeded',
        startedAt: await at(42),
        finishedAt: await at(51),
        durationMs: (await at(51)) - (await at(42)),
      },
    ]);
  });

  it('has a span per service with the states it went through, from its activation to its verdict', async () => {
    const t = timelineOf(await recordOf('local-stack-succeeded'));
    const at = (seq: number) => tsOf('local-stack-succeeded', seq);
    expect(t.services.map((s) => s.name)).toEqual(['db', 'migrate', 'api', 'worker', 'web']);
    expect(t.services[0]).toEqual({
      name: 'db',
      state: 'healthy',
      startedAt: await at(12),
      finishedAt: await at(17),
      durationMs: (await at(17)) - (await at(12)),
      steps: [
        { state: 'activating', at: await at(12) },
        { state: 'checking', at: await at(14) },
        { state: 'healthy', at: await at(17) },
      ],
    });
    // A service that waited for its dependency keeps the wait in its path, not in its span.
    expect(t.services[1]).toMatchObject({
      name: 'migrate',
      startedAt: await at(18),
      steps: [
        { state: 'waiting', at: await at(11) },
        { state: 'activating', at: await at(18) },
        { state: 'healthy', at: await at(20) },
      ],
    });
    expect(t.checks.map((c) => c.name)).toEqual(['verify-1', 'integration-1', 'p95', 'runbook']);
    expect(t.decisions).toEqual([]);
    expect(t.resumes).toEqual([]);
  });

  it('shows the rollback of a failed run: its phase, the failed stage, each service path', async () => {
    const t = timelineOf(await recordOf('failing-stack-rolled-back'));
    expect(t.phases.map((p) => p.name)).toEqual([
      'validating',
      'preparing',
      'activating',
      'rolling-back',
    ]);
    expect(t.phases.at(-1)?.finishedAt).toBe(await tsOf('failing-stack-rolled-back', 62));
    expect(t.stages.map((s) => `${s.name}:${s.state}`)).toEqual(['data:rolled-back', 'app:failed']);
    const api = t.services.find((s) => s.name === 'api');
    expect(api?.steps?.map((s) => s.state)).toEqual([
      'activating',
      'checking',
      'unhealthy',
      'rolling-back',
      'rolled-back',
    ]);
    expect(api).toMatchObject({
      state: 'rolled-back',
      finishedAt: await tsOf('failing-stack-rolled-back', 49),
    });
  });

  it('leaves out what never started, and shows the stage the interrupt stopped as incomplete', async () => {
    const r = await recordOf('local-stack-interrupted');
    const t = timelineOf(r);
    expect(t.services.map((s) => s.name)).toEqual(['db', 'migrate', 'api', 'worker']);
    expect(t.stages.map((s) => s.name)).toEqual(['data', 'app']);
    const startedAt = await tsOf('local-stack-interrupted', 25);
    expect(t.stages[1]).toMatchObject({ name: 'app', state: 'incomplete', startedAt });
    expect(t.stages[1]?.finishedAt).toBe(r.finishedAt);
  });

  it('shows the layers of a plan without stages as its stages', async () => {
    const t = timelineOf(await recordOf('local-stack-implicit'));
    expect(t.stages.map((s) => `${s.name}:${s.state}`)).toEqual([
      'layer-1:succeeded',
      'layer-2:succeeded',
      'layer-3:succeeded',
      'layer-4:succeeded',
    ]);
    for (const s of t.stages) expect(s.durationMs).toBe((s.finishedAt ?? 0) - s.startedAt);
  });

  it('has no phase and no service span for a down run', async () => {
    const t = timelineOf(await recordOf('local-stack-down'));
    expect(t).toEqual({
      phases: [],
      stages: [],
      services: [],
      checks: [],
      decisions: [],
      resumes: [],
    });
  });
});

describe('timeline of hand-built records', () => {
  const plan: PlanOutline = {
    stages: [{ name: 'app', services: ['api', 'web'], gate: true }],
    groups: [{ name: 'app', services: ['api', 'web'] }],
    services: [
      { name: 'api', kind: 'activate', stage: 'app', group: 'app' },
      { name: 'web', kind: 'activate', stage: 'app', group: 'app' },
    ],
    prepare: [],
    maxAttempts: 1,
  };
  const run = (facts: Fact[]) =>
    foldFacts(
      [
        {
          type: 'run.started',
          kind: 'deploy',
          deploymentId: 'd',
          project: 'p',
          environment: 'e',
          configHash: 'h',
          factsVersion: 1,
          machineVersion: 'm',
          by: 'alice',
          host: 'h',
          pid: 1,
          command: 'deploy',
          plan,
        } as Fact,
        ...facts,
      ].map((f, i) => ({ ...f, ts: i * 10 })),
    );

  it('leaves the last span open while the run goes on', () => {
    const t = timelineOf(
      run([
        { type: 'phase', phase: 'validating' },
        { type: 'phase', phase: 'activating' },
      ]),
    );
    expect(t.phases).toEqual([
      { name: 'validating', state: '', startedAt: 10, finishedAt: 20, durationMs: 10 },
      { name: 'activating', state: '', startedAt: 20 },
    ]);
  });

  it('ends the last span when the run was closed without an outcome (a process that died)', () => {
    const t = timelineOf(
      run([
        { type: 'phase', phase: 'activating' },
        { type: 'run.closed', status: 'interrupted' },
      ]),
    );
    expect(t.phases).toEqual([
      { name: 'activating', state: '', startedAt: 10, finishedAt: 20, durationMs: 10 },
    ]);
  });

  it('passes on the decisions and the resumes, and leaves out services that only waited', () => {
    const summary = {
      phase: 'activating',
      prepared: [],
      stagesDone: [],
      services: [],
      tornTail: false,
    };
    const t = timelineOf(
      run([
        { type: 'service.state', service: 'web', state: 'waiting', attempt: 1, maxAttempts: 1 },
        {
          type: 'decision.taken',
          id: 'd1',
          kind: 'confirm-stage',
          subject: 'app',
          choice: 'proceed',
          by: 'alice',
          at: 15,
        },
        { type: 'resume.planned', by: 'bob', pid: 2, summary },
      ]),
    );
    expect(t.services).toEqual([]);
    expect(t.decisions).toEqual([
      { id: 'd1', kind: 'confirm-stage', subject: 'app', choice: 'proceed', by: 'alice', at: 15 },
    ]);
    expect(t.resumes).toEqual([{ at: 30, by: 'bob', summary }]);
  });
});

describe('timeline of a deployment answered in the terminal UI', () => {
  it('lists the decisions, and the confirmations inside the activating phase', async () => {
    const t = timelineOf(await recordOf('failing-stack-decisions'));
    expect(t.decisions.map((d) => `${d.kind}:${d.subject}:${d.choice}:${d.by}`)).toEqual([
      'confirm-stage:data:proceed:root',
      'confirm-stage:app:proceed:root',
      'failure:api:retry:root',
      'failure:api:rollback:root',
    ]);
    expect(t.stages.map((s) => `${s.name}:${s.state}`)).toEqual(['data:rolled-back', 'app:failed']);
    // The stage spans start when they were confirmed, not when they ran.
    expect(t.stages[0]?.startedAt).toBe(await tsOf('failing-stack-decisions', 8));
  });
});
