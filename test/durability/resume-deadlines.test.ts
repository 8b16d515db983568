/**
 * Deadlines re-armed on resume (issue 6): the deployment machine with fake actors, started the way
 * `resume` starts it (input.resume), and the journal analysis that finds those deadlines.
 */
import { toPromise, waitFor, type Actor } from 'xstate';
import { describe, expect, it, vi } from 'vitest';
import type { JournalEntry } from '../../src/state/journal.js';
import { analyseJournal, resumeDeadlines } from '../../src/cli/engine/resume-analysis.js';
import type { ResolvedPlan } from '../../src/config/plan-types.js';
import type { ResumeDeadlines } from '../../src/machines/deployment-context.js';
import type { deploymentMachine } from '../../src/machines/deployment.machine.js';
import { deploy, type DeployRun } from '../machines/deployment-harness.js';
import type { FakeOutcome } from '../machines/deployment-fakes.js';
import { plan } from '../machines/deployment-fixtures.js';
import { fakeTimeFor } from '../machines/fake-time.js';

const T0 = Date.UTC(2026, 10, 26, 8, 0, 0);
const askPlan = (): ResolvedPlan =>
  plan({
    policy: { onFailure: 'ask', degraded: 'continue', retries: 0, decisionTimeoutMs: 60_000 },
  });

const track = fakeTimeFor((r: DeployRun) => r.actor.stop(), { now: T0 });

/** The deployment machine with fake effects, started as `resume` starts it. */
function resumed(
  p: ResolvedPlan,
  services: Record<string, FakeOutcome[]>,
  resume: ResumeDeadlines,
): Actor<typeof deploymentMachine> {
  return track(deploy({ plan: p, services, interactive: true, monitor: false, resume })).actor;
}

const stageDeadline = (a: Actor<typeof deploymentMachine>): unknown =>
  (a.getSnapshot().children.stage?.getSnapshot() as { context?: { deadline?: number } })?.context
    ?.deadline;

describe('resume: deadlines from the journal, not restarted', () => {
  it('the decision asked again keeps the original deadline; the next one gets a fresh one', async () => {
    const original = T0 + 20_000;
    const a = resumed(
      askPlan(),
      { api: ['failed', 'failed'] },
      { decisionDeadline: original, decision: { kind: 'failure', subject: 'api' } },
    );
    const first = await waitFor(a, (s) => s.context.pendingDecision !== undefined);
    expect(first.context.pendingDecision).toMatchObject({ subject: 'api', deadline: original });
    a.send({ type: 'decision.retry', by: 'alice' });
    const second = await waitFor(a, (s) => s.context.pendingDecision?.id === 'd2');
    expect(second.context.pendingDecision?.deadline).toBe(T0 + 60_000);
  });

  it('the re-asked decision takes its default at the journaled deadline, not a full timeout later', async () => {
    const a = resumed(
      askPlan(),
      { api: ['failed'] },
      { decisionDeadline: T0 + 5_000, decision: { kind: 'failure', subject: 'api' } },
    );
    await waitFor(a, (s) => s.context.pendingDecision !== undefined);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(a.getSnapshot().context.decisions).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await toPromise(a)).toMatchObject({ result: 'failed', exitCode: 1 });
    expect(a.getSnapshot().context.decisions).toMatchObject([
      { subject: 'api', choice: 'rollback', by: 'timeout', at: T0 + 5_000 },
    ]);
  });

  it('a decision of another kind or subject does not take the journaled deadline', async () => {
    const a = resumed(
      askPlan(),
      { api: ['failed'] },
      { decisionDeadline: T0 + 5_000, decision: { kind: 'failure', subject: 'worker' } },
    );
    const s = await waitFor(a, (x) => x.context.pendingDecision !== undefined);
    expect(s.context.pendingDecision?.deadline).toBe(T0 + 60_000);
  });

  it('the stage that was running gets its journaled absolute deadline; earlier stages their own', async () => {
    const a = resumed(
      plan(),
      { db: ['hold'], api: ['hold'] },
      { stage: 'app', stageDeadline: T0 + 7_000 },
    );
    await waitFor(a, (s) => s.context.services.db?.state === 'activating');
    expect(stageDeadline(a)).toBe(T0 + 600_000);
    const db = (
      a.getSnapshot().children.stage?.getSnapshot() as { children: Record<string, Actor<never>> }
    ).children['service:db'];
    db?.send({ type: 'fake.finish', state: 'healthy' } as never);
    await waitFor(
      a,
      (s) => s.context.stageIndex === 1 && s.context.services.api?.state === 'activating',
    );
    expect(stageDeadline(a)).toBe(T0 + 7_000);
    await vi.advanceTimersByTimeAsync(7_000);
    const out = await toPromise(a);
    expect(out.result).toBe('failed');
    expect(out.reason).toMatch(/stage app missed its deadline of 600\.0 s/);
  });
});

describe('resume analysis: the deadlines to re-arm', () => {
  const row = (seq: number, event: Record<string, unknown>, ts = T0 + seq): JournalEntry => ({
    seq,
    ts,
    type: 'event',
    actor: 'x:0',
    session: 'x:0',
    event,
  });
  const transition = (seq: number, value: unknown): JournalEntry => ({
    seq,
    ts: T0 + seq,
    type: 'transition',
    actor: 'x:0',
    session: 'x:0',
    value,
  });
  const journal: JournalEntry[] = [
    transition(1, { activating: 'running' }),
    row(2, { type: 'stage.update', stage: 'data', status: 'running', at: T0 + 100 }),
    row(3, { type: 'stage.update', stage: 'app', status: 'running', at: T0 + 2_000 }),
    transition(4, { activating: { running: 'deciding' } }),
  ];

  it('reads the running stage deadline from its start and timeout, and the pending decision', () => {
    const pending = {
      id: 'd1',
      kind: 'failure',
      subject: 'api',
      message: 'api failed',
      choices: ['retry', 'rollback', 'abort'],
      defaultChoice: 'rollback',
      deadline: T0 + 62_000,
    };
    const facts = analyseJournal(plan(), journal, { context: { pendingDecision: pending } });
    expect(resumeDeadlines(facts)).toEqual({
      stage: 'app',
      stageDeadline: T0 + 2_000 + 600_000,
      decisionDeadline: T0 + 62_000,
      decision: { kind: 'failure', subject: 'api' },
    });
  });

  it("prefers the stage actor's own deadline from the snapshot (a retried deadline moved it)", () => {
    const snapshot = {
      children: {
        stage: { snapshot: { context: { stage: { name: 'app' }, deadline: T0 + 9_000 } } },
      },
    };
    expect(resumeDeadlines(analyseJournal(plan(), journal, snapshot))).toEqual({
      stage: 'app',
      stageDeadline: T0 + 9_000,
    });
  });
});
