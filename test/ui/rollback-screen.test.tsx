import { afterEach, describe, expect, it } from 'vitest';
import type { Fact } from '../../src/record/facts.js';
import { selectRollbackView } from '../../src/record/view.js';
import { exitCodeOf, finishedFact, keys, tick, until, untilFrame } from './helpers.js';
import {
  awaitingFacts,
  mountRollback,
  rollbackSource,
  startGatedRollback,
  unmountRollbacks,
} from './rollback-kit.js';
import type { Run } from './run-kit.js';

const runs: Array<Run<unknown>> = [];
afterEach(async () => {
  for (const r of runs.splice(0)) await r.end();
  unmountRollbacks();
});

/** Starts a gated rollback; ended in afterEach. */
function start(...args: Parameters<typeof startGatedRollback>) {
  const r = startGatedRollback(...args);
  runs.push(r.run);
  return r;
}

const taken = (choice: 'abort' | 'mark-resolved' | 'retry'): Fact => ({
  type: 'decision.taken',
  id: 'rollback-1-1',
  kind: 'rollback-step',
  subject: 'api',
  choice,
  by: 'operator',
  at: Date.now(),
});

describe('the rollback view of a record', () => {
  it('derives each step state from the facts: restored, failed awaiting a decision, pending', () => {
    const v = selectRollbackView(rollbackSource(awaitingFacts(1000)).current, exitCodeOf);
    expect(v.phase).toBe('awaiting-decision');
    expect(v.steps.map((s) => [s.name, s.state])).toEqual([
      ['web', 'restored'],
      ['api', 'failed'],
      ['db', 'pending'],
    ]);
    expect(v.pendingDecision).toMatchObject({
      kind: 'rollback-step',
      subject: 'api',
      choices: ['retry', 'mark-resolved', 'abort'],
      defaultChoice: 'abort',
      deadline: 1000,
    });
    expect(v.target).toEqual({ release: '2026.11.25', from: 'dep-1' });
  });

  it('after an abort shows the failed step and the steps never attempted, and the result', () => {
    const source = rollbackSource([
      ...awaitingFacts(),
      taken('abort'),
      {
        type: 'rollback.step',
        service: 'db',
        status: 'not-attempted',
        attempt: 0,
        reason: 'not attempted: rollback aborted',
      },
      finishedFact({
        result: 'rollback-incomplete',
        reason: 'rollback incomplete',
        restored: ['web'],
        notRestored: [
          { name: 'api', reason: 'boom; rollback aborted' },
          { name: 'db', reason: 'not attempted: rollback aborted' },
        ],
      }),
    ]);
    const v = selectRollbackView(source.current, exitCodeOf);
    expect(v.phase).toBe('done');
    expect(v.steps.map((s) => s.state)).toEqual(['restored', 'failed', 'not-attempted']);
    expect(v.pendingDecision).toBeUndefined();
    expect(v.result).toMatchObject({ result: 'rollback-incomplete', exitCode: 3 });
  });

  it('shows a step marked resolved by hand and a running cleanup', () => {
    const v = selectRollbackView(
      rollbackSource([
        {
          type: 'rollback.started',
          steps: ['web', 'api', 'db'],
          cleanups: ['prepare.release-dir'],
          scope: 'all',
        },
        { type: 'rollback.step', service: 'web', status: 'restored', attempt: 1 },
        { type: 'rollback.step', service: 'api', status: 'resolved-by-hand', attempt: 2 },
        { type: 'rollback.step', service: 'db', status: 'restored', attempt: 1 },
        { type: 'rollback.cleanup', name: 'prepare.release-dir', status: 'started', attempt: 1 },
      ]).current,
      exitCodeOf,
    );
    expect(v.phase).toBe('cleaning-up');
    expect(v.steps.map((s) => s.state)).toEqual(['restored', 'resolved-by-hand', 'restored']);
    expect(v.cleanups).toEqual([
      { name: 'prepare.release-dir', state: 'rolling-back', attempt: 1 },
    ]);
  });
});

describe('the rollback-step prompt', () => {
  for (const [key, type] of [
    ['r', 'decision.retry'],
    ['m', 'decision.markResolved'],
    ['a', 'decision.abort'],
  ] as const) {
    it(`"${key}" sends exactly one ${type}, even when pressed twice`, async () => {
      const source = rollbackSource(awaitingFacts());
      const m = mountRollback(source);
      await untilFrame(m, 'Rollback step failed: api');
      m.stdin.write(key);
      m.stdin.write(key);
      await tick();
      expect(source.sent).toEqual([{ type, by: 'operator' }]);
    });
  }

  it('offers only retry, mark resolved and abort: other letters send nothing', async () => {
    const source = rollbackSource(awaitingFacts());
    const m = mountRollback(source);
    await untilFrame(m, '[m] mark resolved (fixed by hand)');
    expect(m.frame()).toContain('[r] retry');
    expect(m.frame()).toMatch(/\[a\] abort.*\(default\)/);
    expect(m.frame()).not.toContain('[b]');
    expect(m.frame()).not.toContain('[s]');
    for (const k of ['b', 's', 'p', 'c', 'y']) m.stdin.write(k);
    await tick();
    expect(source.sent).toEqual([]);
  });

  it('Enter takes the highlighted choice: abort by default, arrows move it', async () => {
    const source = rollbackSource(awaitingFacts());
    const m = mountRollback(source, { by: 'alice' });
    await untilFrame(m, '› [a] abort');
    m.stdin.write(keys.up);
    await untilFrame(m, '› [m] mark resolved');
    m.stdin.write(keys.enter);
    m.stdin.write(keys.enter);
    await tick();
    expect(source.sent).toEqual([{ type: 'decision.markResolved', by: 'alice' }]);
  });

  it('q and Ctrl-C send one run.interrupt each, and the footer says the rollback goes on', async () => {
    const source = rollbackSource(awaitingFacts());
    const m = mountRollback(source);
    await untilFrame(m, 'q interrupt');
    m.stdin.write('q');
    await tick();
    m.stdin.write(keys.ctrlC);
    await tick();
    expect(source.sent).toEqual([{ type: 'run.interrupt' }, { type: 'run.interrupt' }]);
    source.push({ type: 'interrupted', count: 1 });
    await untilFrame(m, 'interrupted: the rollback goes on');
  });

  it('shows the rows, the target and the counts of each state', async () => {
    const source = rollbackSource(awaitingFacts());
    const m = mountRollback(source);
    await untilFrame(m, 'Rollback step failed: api');
    const f = m.frame();
    expect(f).toContain('stagecraft shop → staging · rollback to 2026.11.25 (deployment dep-1)');
    expect(f).toContain('awaiting-decision');
    expect(f).toMatch(/✔ web +restored/);
    expect(f).toMatch(/✖ api +failed +api: \/healthz answered 503 three times/);
    expect(f).toMatch(/· db +pending/);
    expect(f).toContain('services (3) · 1 restored · 1 failed · 1 pending');
  });
});

describe('the rollback screen on the real rollback statechart', () => {
  it('shows each service in rollback order going from pending to rolling back to restored, then exit code 0', async () => {
    const r = start(['web', 'api', 'db'], {}, { journalPath: '/srv/journal.jsonl' });
    const m = await r.run.screen;
    await untilFrame(m, 'rolling back');
    expect(m.frame()).toMatch(/web\s+rolling back/);
    expect(m.frame()).toMatch(/api\s+pending/);
    for (const name of ['web', 'api', 'db']) {
      await until(() => r.gate(name) !== undefined, `step ${name}`);
      r.gate(name)!.ok();
    }
    const { outcome } = await r.run.result;
    expect(outcome).toMatchObject({ result: 'succeeded', restored: ['web', 'api', 'db'] });
    expect(m.frame()).toContain('✔ rolled back: everything restored · exit code 0');
    expect(m.frame()).toMatch(/web\s+restored/);
    expect(m.frame()).toMatch(/db\s+restored/);
    expect(m.frame()).toContain('journal: /srv/journal.jsonl');
  });

  it('a failed step asks; r retries it once, m marks the next failure resolved by hand', async () => {
    const r = start(['web', 'api']);
    const m = await r.run.screen;
    await until(() => r.gate('web') !== undefined, 'step web');
    r.gate('web')!.fail('web: port still in use');
    await untilFrame(m, 'Rollback step failed: web');
    expect(m.frame()).toContain('web: port still in use');
    m.stdin.write('r');
    await until(
      () => r.world.gates.filter((g) => g.label === 'web.rollback').length === 2,
      'the retry',
    );
    await untilFrame(m, 'attempt 2');
    r.gate('web')!.fail('still in use');
    await untilFrame(m, 'still in use');
    await untilFrame(m, '[m] mark resolved');
    m.stdin.write('m');
    await untilFrame(m, 'resolved by hand');
    await until(() => r.gate('api') !== undefined, 'step api');
    r.gate('api')!.ok();
    const { outcome, record } = await r.run.result;
    expect(r.run.sent).toEqual([
      { type: 'decision.retry', by: 'operator' },
      { type: 'decision.markResolved', by: 'operator' },
    ]);
    expect(record.decisions.map((d) => [d.choice, d.by])).toEqual([
      ['retry', 'operator'],
      ['mark-resolved', 'operator'],
    ]);
    expect(outcome.result).toBe('succeeded');
    expect(m.frame()).toContain('exit code 0');
  });

  it('the countdown reaches its default: abort, and the summary lists what is not restored (exit code 3)', async () => {
    const r = start(['web', 'api'], { decisionTimeoutMs: 1200 });
    const m = await r.run.screen;
    await until(() => r.gate('web') !== undefined, 'step web');
    r.gate('web')!.fail('web: stop timed out');
    await untilFrame(m, 'default abort (leave things as they are) in 2s');
    const { outcome, record } = await r.run.result;
    expect(r.run.sent).toEqual([]);
    expect(record.decisions).toMatchObject([{ choice: 'abort', by: 'timeout' }]);
    expect(outcome).toMatchObject({ result: 'rollback-incomplete', interrupted: false });
    expect(m.frame()).toContain('✖ rollback incomplete: manual intervention needed · exit code 3');
    expect(m.frame()).toContain(
      'not restored: web: web.rollback exited with code 1 (last output: "web: stop timed out"); no decisio',
    );
    expect(m.frame()).toContain(
      'not restored: api: not attempted: no decision before the deadline (default: abort)',
    );
    expect(m.frame()).toContain('restored: nothing');
  });

  it('a second interrupt stops the rollback where it is: the step in progress is shown as interrupted, every step after it as not attempted (exit code 3)', async () => {
    const r = start(['web', 'api']);
    const m = await r.run.screen;
    await until(() => r.gate('web') !== undefined, 'step web');
    m.stdin.write('q');
    await untilFrame(m, 'interrupted: the rollback goes on');
    m.stdin.write(keys.ctrlC);
    const { outcome } = await r.run.result;
    expect(outcome).toMatchObject({ result: 'rollback-incomplete', interrupted: true });
    // Manual intervention needed matters more than how it was stopped (src/cli/exit-codes.ts).
    expect(m.frame()).toContain('■ rollback interrupted: manual intervention needed · exit code 3');
    expect(m.frame()).toContain('not restored: web: interrupted again: rollback stopped');
    expect(m.frame()).toContain('not restored: api: not attempted: interrupted again');
    expect(r.run.sent).toEqual([{ type: 'run.interrupt' }, { type: 'run.interrupt' }]);
    expect(r.run.hardExits).toBe(0);
    // The rows agree with the summary: nothing is left rolling back or pending.
    expect(m.frame()).toMatch(/■ web +interrupted/);
    expect(m.frame()).toMatch(/- api +not attempted/);
  });

  it('keeps the prompt on screen with 300 services in a 24-row terminal', async () => {
    const names = Array.from({ length: 300 }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
    const r = start(names, {}, { rows: 24 });
    const m = await r.run.screen;
    await until(() => r.gate('svc-000') !== undefined, 'first step');
    r.gate('svc-000')!.fail('boom');
    await untilFrame(m, '[a] abort');
    const lines = m.frame().split('\n');
    expect(lines.length).toBeLessThanOrEqual(24);
    expect(m.frame()).toContain('1 failed');
    expect(m.frame()).toContain('299 pending');
    // the default is highlighted from the first frame of a new decision
    expect(m.frame()).toContain('› [a] abort');
  });
});
