import { toPromise } from 'xstate';
import { describe, expect, it, vi } from 'vitest';
import { exitCodeOf } from '../../src/cli/exit-codes.js';
import { exited } from './fake-effects.js';
import { deploy, type DeployRun } from './deployment-harness.js';
import { fakeTimeFor } from './fake-time.js';

const NOW = 1_700_000_000_000;
const track = fakeTimeFor((r: DeployRun) => r.actor.stop(), { now: NOW });

/** api fails; rolling it back fails too, so the (interactive) rollback asks about it. */
const failingRollback = () =>
  track(
    deploy({
      interactive: true,
      services: { api: ['failed'] },
      script: { commands: { 'api.rollback': [exited(1, 'migration locked\n'), exited(0)] } },
    }),
  );
const stepReason = 'api.rollback exited with code 1 (last output: "migration locked")';

describe('deployment machine: rollback step decisions', () => {
  it('shows the rollback asking about a failed step, and forwards mark-resolved to it', async () => {
    const run = failingRollback();
    expect(await run.pending()).toEqual({
      id: 'rollback-1-1',
      kind: 'rollback-step',
      subject: 'api',
      message: stepReason,
      choices: ['retry', 'mark-resolved', 'abort'],
      defaultChoice: 'abort',
      deadline: NOW + 60_000,
    });
    expect(run.rec.run.phase).toBe('rolling-back');
    run.actor.send({ type: 'decision.markResolved', by: 'alice' });
    const out = await toPromise(run.actor);
    expect(out).toMatchObject({
      result: 'failed',
      restored: ['worker', 'api', 'db', 'prepare.net', 'prepare.dir'],
      notRestored: [],
    });
    expect(exitCodeOf(out)).toBe(1);
    expect(run.rec.run.decisions).toEqual([
      {
        id: 'rollback-1-1',
        kind: 'rollback-step',
        subject: 'api',
        choice: 'mark-resolved',
        by: 'alice',
        at: NOW,
      },
    ]);
    expect(run.rec.run.rollback?.steps.find((s) => s.name === 'api')?.state).toBe(
      'resolved-by-hand',
    );
  });

  it('forwards retry to the rollback, which runs the step again', async () => {
    const run = failingRollback();
    await run.pending();
    run.actor.send({ type: 'decision.retry', by: 'alice' });
    const out = await toPromise(run.actor);
    expect(out).toMatchObject({ result: 'failed', notRestored: [] });
    expect(run.fx.count('run:api.rollback')).toBe(2);
  });

  it('forwards abort to the rollback: rollback incomplete, exit 3', async () => {
    const run = failingRollback();
    await run.pending();
    run.actor.send({ type: 'decision.abort', by: 'alice' });
    const out = await toPromise(run.actor);
    expect(out).toMatchObject({
      result: 'rollback-incomplete',
      notRestored: [
        { name: 'api', reason: `${stepReason}; rollback aborted` },
        { name: 'db', reason: 'not attempted: rollback aborted' },
        { name: 'prepare.net', reason: 'not attempted: rollback aborted' },
        { name: 'prepare.dir', reason: 'not attempted: rollback aborted' },
      ],
    });
    expect(exitCodeOf(out)).toBe(3);
  });

  it('takes abort when the rollback-step decision times out: rollback incomplete, exit 3', async () => {
    const run = failingRollback();
    await run.pending();
    await vi.advanceTimersByTimeAsync(60_000);
    const out = await toPromise(run.actor);
    expect(out).toMatchObject({ result: 'rollback-incomplete' });
    expect(exitCodeOf(out)).toBe(3);
    expect(run.rec.run.decisions[0]).toMatchObject({ choice: 'abort', by: 'timeout' });
  });
});
