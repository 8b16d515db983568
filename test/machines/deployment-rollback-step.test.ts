import { assign, sendParent, setup, toPromise, waitFor } from 'xstate';
import { describe, expect, it, vi } from 'vitest';
import type { RollbackInput, RollbackOutput } from '../../src/machines/child-types.js';
import { deploy } from './deployment-harness.js';
import type { DeployRun } from './deployment-harness.js';
import { fakeTimeFor } from './fake-time.js';

/** A rollback that fails its first step and waits for the forwarded decision. */
const askingRollback = setup({
  types: {
    input: {} as RollbackInput,
    context: {} as { answer: string },
    events: {} as {
      type: 'decision.retry' | 'decision.markResolved' | 'decision.abort';
      by: string;
    },
    output: {} as RollbackOutput,
  },
}).createMachine({
  context: { answer: '' },
  initial: 'asking',
  states: {
    asking: {
      entry: sendParent({ type: 'rollback.stepFailed', service: 'api', reason: 'exit 1' }),
      on: {
        'decision.markResolved': { target: 'done', actions: assign({ answer: 'resolved' }) },
        'decision.abort': { target: 'done', actions: assign({ answer: 'aborted' }) },
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) =>
    context.answer === 'resolved'
      ? { complete: true, restored: ['api'], notRestored: [], aborted: false }
      : {
          complete: false,
          restored: [],
          notRestored: [{ name: 'api', reason: 'exit 1' }],
          aborted: true,
        },
});

const track = fakeTimeFor((r: DeployRun) => r.actor.stop());

describe('deployment machine: rollback step decisions', () => {
  it('asks when a rollback step fails and forwards mark-resolved to the rollback', async () => {
    const run = track(
      deploy({
        interactive: true,
        services: { api: ['failed'] },
        rollbackLogic: askingRollback,
      }),
    );
    const s = await waitFor(run.actor, (x) => x.context.pendingDecision !== undefined);
    expect(s.context.pendingDecision).toMatchObject({
      kind: 'rollback-step',
      subject: 'api',
      choices: ['retry', 'mark-resolved', 'abort'],
      defaultChoice: 'abort',
    });
    run.actor.send({ type: 'decision.markResolved', by: 'alice' });
    expect(await toPromise(run.actor)).toMatchObject({
      result: 'failed',
      exitCode: 1,
      restored: ['api'],
    });
    expect(run.actor.getSnapshot().context.decisions[0]).toMatchObject({
      kind: 'rollback-step',
      choice: 'mark-resolved',
      by: 'alice',
    });
  });

  it('takes abort when the rollback-step decision times out: rollback incomplete, exit 3', async () => {
    const run = track(
      deploy({
        interactive: true,
        services: { api: ['failed'] },
        rollbackLogic: askingRollback,
      }),
    );
    await waitFor(run.actor, (x) => x.context.pendingDecision !== undefined);
    vi.advanceTimersByTime(60_000);
    expect(await toPromise(run.actor)).toMatchObject({
      result: 'rollback-incomplete',
      exitCode: 3,
    });
  });
});
