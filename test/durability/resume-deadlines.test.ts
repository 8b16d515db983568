/**
 * Deadlines re-armed on resume: the recovery (src/runtime/recovery.ts) reads them from the facts of
 * the interrupted run, and the deployment machine started with that plan keeps them. The machine
 * side (a re-asked decision keeps its deadline, the next one gets a fresh one, the running stage
 * its journaled deadline) is in test/machines/deployment-resume.test.ts; here: the reading, and
 * the deadline a decision of another kind or subject must not take.
 */
import { waitFor } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { PendingDecision, StampedFact } from '../../src/record/facts.js';
import { foldFacts } from '../../src/record/fold.js';
import { planRecovery } from '../../src/runtime/recovery.js';
import { deploy, type DeployRun } from '../machines/deployment-harness.js';
import { plan } from '../machines/deployment-fixtures.js';
import { fakeTimeFor } from '../machines/fake-time.js';
import { runStarted } from '../machines/recording.js';

const T0 = Date.UTC(2026, 10, 26, 8, 0, 0);
const at = (ms: number) => ({ ts: T0 + ms });

const decision: PendingDecision = {
  id: 'd1',
  kind: 'failure',
  subject: 'api',
  message: 'api failed',
  choices: ['retry', 'rollback', 'abort'],
  defaultChoice: 'rollback',
  deadline: T0 + 62_000,
};

/** The facts of a run interrupted in stage app, optionally with a decision pending. */
function interrupted(extra: StampedFact[] = []): StampedFact[] {
  return [
    { ...runStarted(plan()), ...at(0) },
    { type: 'phase', phase: 'activating', ...at(10) },
    { type: 'stage.status', stage: 'data', status: 'running', deadline: T0 + 600_100, ...at(100) },
    { type: 'stage.status', stage: 'data', status: 'succeeded', ...at(1_900) },
    { type: 'stage.status', stage: 'app', status: 'running', deadline: T0 + 602_000, ...at(2_000) },
    ...extra,
  ];
}

const recover = (facts: StampedFact[]) => planRecovery(plan(), foldFacts(facts), {}, false);

describe('resume: the deadlines read from the journal', () => {
  it('re-arms the running stage at its journaled absolute deadline and asks the pending decision again with its own', async () => {
    const r = await recover(interrupted([{ type: 'decision.requested', decision, ...at(2_500) }]));
    expect(r.kind).toBe('deploy');
    if (r.kind !== 'deploy') return;
    expect(r.plan.stageDeadline).toEqual({ stage: 'app', at: T0 + 602_000 });
    expect(r.plan.decision).toEqual({ kind: 'failure', subject: 'api', deadline: T0 + 62_000 });
  });

  it('takes the latest deadline journaled for the stage (a retry moved it)', async () => {
    const r = await recover(
      interrupted([
        {
          type: 'stage.status',
          stage: 'app',
          status: 'running',
          deadline: T0 + 700_000,
          ...at(9_000),
        },
      ]),
    );
    expect(r.kind === 'deploy' && r.plan.stageDeadline).toEqual({ stage: 'app', at: T0 + 700_000 });
  });

  it('asks nothing again when the decision was answered before the interruption', async () => {
    const r = await recover(
      interrupted([
        { type: 'decision.requested', decision, ...at(2_500) },
        {
          type: 'decision.taken',
          id: 'd1',
          kind: 'failure',
          subject: 'api',
          choice: 'retry',
          by: 'alice',
          at: T0 + 3_000,
          ...at(3_000),
        },
      ]),
    );
    expect(r.kind === 'deploy' && r.plan.decision).toBeUndefined();
  });

  it('re-arms no stage deadline once every stage finished', async () => {
    const r = await recover([
      ...interrupted(),
      { type: 'stage.status', stage: 'app', status: 'succeeded', ...at(4_000) },
    ]);
    expect(r.kind === 'deploy' && r.plan.stageDeadline).toBeUndefined();
  });
});

describe('resume: a journaled decision deadline belongs to that decision only', () => {
  const track = fakeTimeFor((r: DeployRun) => r.actor.stop(), { now: T0 });
  const askPlan = plan({
    policy: { onFailure: 'ask', degraded: 'continue', retries: 0, decisionTimeoutMs: 60_000 },
  });

  it('a decision about another service gets a full timeout, not the journaled deadline', async () => {
    const r = track(
      deploy({
        plan: askPlan,
        interactive: true,
        services: { api: ['failed'] },
        resume: {
          prepared: [],
          stagesDone: [],
          started: [],
          activated: [],
          services: {},
          decision: { kind: 'failure', subject: 'worker', deadline: T0 + 5_000 },
        },
      }),
    );
    const s = await waitFor(r.actor, (x) => x.context.pendingDecision !== undefined);
    expect(s.context.pendingDecision).toMatchObject({ subject: 'api', deadline: T0 + 60_000 });
  });
});
