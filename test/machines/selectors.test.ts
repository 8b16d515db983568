import { toPromise, waitFor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { choiceKeys, choiceToEvent, selectView } from '../../src/machines/selectors.js';
import type { Choice } from '../../src/machines/selectors.js';
import { deploy } from './deployment-harness.js';
import type { DeployRun } from './deployment-harness.js';
import { fakeTimeFor } from './fake-time.js';
import { plan } from './deployment-fixtures.js';

const track = fakeTimeFor((r: DeployRun) => r.actor.stop());

describe('selectors', () => {
  it('selectView returns the documented plain shape while a decision is pending', async () => {
    const p = plan({
      policy: { onFailure: 'ask', degraded: 'continue', retries: 0, decisionTimeoutMs: 1000 },
    });
    const run = track(deploy({ plan: p, interactive: true, services: { web: ['failed'] } }));
    const view = selectView(
      await waitFor(run.actor, (s) => s.context.pendingDecision !== undefined),
    );
    expect(Object.keys(view).sort()).toEqual(
      [
        'deploymentId',
        'environment',
        'pendingDecision',
        'phase',
        'project',
        'services',
        'stages',
        'startedAt',
        'warnings',
      ].sort(),
    );
    expect(view).toMatchObject({
      deploymentId: 'dep-1',
      project: 'shop',
      environment: 'staging',
      phase: 'awaiting-decision',
    });
    expect(view.services.map((s) => `${s.name}:${s.state}`)).toEqual([
      'db:healthy',
      'api:healthy',
      'worker:healthy',
      'web:failed',
    ]);
    expect(view.services[3]).toMatchObject({
      stage: 'app',
      kind: 'activate',
      attempt: 1,
      maxAttempts: 1,
      reason: 'web failed (fake)',
    });
    expect(view.stages).toEqual([
      {
        name: 'data',
        status: 'succeeded',
        startedAt: expect.any(Number) as number,
        finishedAt: expect.any(Number) as number,
        services: ['db'],
      },
      {
        name: 'app',
        status: 'failed',
        startedAt: expect.any(Number) as number,
        finishedAt: expect.any(Number) as number,
        services: ['api', 'web', 'worker'],
      },
    ]);
    expect(JSON.parse(JSON.stringify(view))).toEqual(view);
  });

  it('selectView reports phase done and the result at the end', async () => {
    const run = track(deploy());
    await toPromise(run.actor);
    const view = selectView(run.actor.getSnapshot());
    expect(view.phase).toBe('done');
    expect(view.result).toEqual({ result: 'succeeded', exitCode: 0 });
  });

  it('maps every choice to its decision event and a key letter', () => {
    expect(choiceToEvent('skip-stage', 'alice')).toEqual({
      type: 'decision.skipStage',
      by: 'alice',
    });
    expect(choiceToEvent('mark-resolved', 'bob')).toEqual({
      type: 'decision.markResolved',
      by: 'bob',
    });
    const keys: Partial<Record<Choice, string>> = {
      retry: 'r',
      skip: 's',
      rollback: 'b',
      abort: 'a',
      proceed: 'p',
    };
    for (const [choice, key] of Object.entries(keys))
      expect(choiceKeys[choice as Choice]).toBe(key);
  });
});
