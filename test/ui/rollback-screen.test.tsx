import { afterEach, describe, expect, it } from 'vitest';
import type { RollbackContext } from '../../src/machines/rollback-types.js';
import { selectRollbackView, type RollbackSnapshotLike } from '../../src/ui/rollback-view.js';
import { keys, tick, until, untilFrame } from './helpers.js';
import {
  mountRollback,
  staticRollback,
  startGatedRollback,
  svc,
  unmountRollbacks,
} from './rollback-kit.js';

const actors: Array<{ stop(): void }> = [];
afterEach(() => {
  unmountRollbacks();
  for (const a of actors.splice(0)) a.stop();
});

function context(extra: Partial<RollbackContext> = {}): RollbackContext {
  return {
    steps: ['web', 'api', 'db'].map((n) => ({ service: svc(n), wasRunning: true })),
    cleanups: [],
    retries: 0,
    interactive: true,
    decisionTimeoutMs: 60_000,
    stepIndex: 1,
    cleanupIndex: 0,
    attempt: 1,
    restored: ['web'],
    resolvedByHand: [],
    notRestored: [],
    aborted: false,
    ...extra,
  };
}

const awaiting = (deadline = Date.now() + 60_000): RollbackSnapshotLike => ({
  status: 'active',
  value: 'awaitingDecision',
  context: context({
    lastFailure: 'api: /healthz answered 503 three times',
    decisionDeadline: deadline,
  }),
});

describe('selectRollbackView', () => {
  it('derives each step state from the context: restored, failed awaiting a decision, pending', () => {
    const v = selectRollbackView(awaiting(1000));
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
  });

  it('after an abort shows the failed step and the steps never attempted, and the output', () => {
    const v = selectRollbackView({
      status: 'done',
      value: 'done',
      context: context({
        aborted: true,
        notRestored: [
          { name: 'api', reason: 'boom; rollback aborted' },
          { name: 'db', reason: 'not attempted: rollback aborted' },
        ],
      }),
    });
    expect(v.steps.map((s) => s.state)).toEqual(['restored', 'failed', 'not-attempted']);
    expect(v.pendingDecision).toBeUndefined();
    expect(v.output).toMatchObject({ complete: false, aborted: true });
  });

  it('shows a step marked resolved by hand and a running cleanup', () => {
    const v = selectRollbackView({
      status: 'active',
      value: 'cleaningUp',
      context: context({
        stepIndex: 3,
        restored: ['web', 'api', 'db'],
        resolvedByHand: ['api'],
        cleanups: [{ name: 'release-dir', cleanup: { run: 'rm -rf x', cwd: '/tmp', env: {} } }],
      }),
    });
    expect(v.steps.map((s) => s.state)).toEqual(['restored', 'resolved-by-hand', 'restored']);
    expect(v.cleanups).toEqual([{ name: 'prepare.release-dir', state: 'running', attempt: 1 }]);
  });
});

describe('the rollback-step prompt', () => {
  for (const [key, type] of [
    ['r', 'decision.retry'],
    ['m', 'decision.markResolved'],
    ['a', 'decision.abort'],
  ] as const) {
    it(`"${key}" sends exactly one ${type}, even when pressed twice`, async () => {
      const { actor, sent } = staticRollback(awaiting());
      const m = mountRollback(actor);
      await untilFrame(m, 'Rollback step failed: api');
      m.stdin.write(key);
      m.stdin.write(key);
      await tick();
      expect(sent).toEqual([{ type, by: 'operator' }]);
    });
  }

  it('offers only retry, mark resolved and abort: other letters send nothing', async () => {
    const { actor, sent } = staticRollback(awaiting());
    const m = mountRollback(actor);
    await untilFrame(m, '[m] mark resolved (fixed by hand)');
    expect(m.frame()).toContain('[r] retry');
    expect(m.frame()).toMatch(/\[a\] abort.*\(default\)/);
    expect(m.frame()).not.toContain('[b]');
    expect(m.frame()).not.toContain('[s]');
    for (const k of ['b', 's', 'p', 'c', 'y']) m.stdin.write(k);
    await tick();
    expect(sent).toEqual([]);
  });

  it('Enter takes the highlighted choice: abort by default, arrows move it', async () => {
    const { actor, sent } = staticRollback(awaiting());
    const m = mountRollback(actor, { by: 'alice' });
    await untilFrame(m, '› [a] abort');
    m.stdin.write(keys.up);
    await untilFrame(m, '› [m] mark resolved');
    m.stdin.write(keys.enter);
    m.stdin.write(keys.enter);
    await tick();
    expect(sent).toEqual([{ type: 'decision.markResolved', by: 'alice' }]);
  });

  it('q and Ctrl-C call the CLI interruption handler instead of sending events', async () => {
    const { actor, sent } = staticRollback(awaiting());
    let interrupts = 0;
    const m = mountRollback(actor, { onInterrupt: () => (interrupts += 1) });
    await untilFrame(m, 'q interrupt');
    m.stdin.write('q');
    m.stdin.write(keys.ctrlC);
    await until(() => interrupts === 2, 'two interrupts');
    expect(sent).toEqual([]);
  });
});

describe('the rollback screen on the real rollback machine', () => {
  it('shows each service in rollback order going from pending to rolling back to restored, then exit code 0', async () => {
    const r = startGatedRollback(['web', 'api', 'db']);
    actors.push(r.actor);
    const m = mountRollback(r.recording);
    r.actor.start();
    await untilFrame(m, 'rolling back');
    expect(m.frame()).toMatch(/web\s+rolling back/);
    expect(m.frame()).toMatch(/api\s+pending/);
    for (const name of ['web', 'api', 'db']) {
      await until(() => r.gate(name) !== undefined, `step ${name}`);
      r.gate(name)!.ok();
    }
    await m.waitUntilExit();
    expect(m.frame()).toContain('✔ rolled back: everything restored · exit code 0');
    expect(m.frame()).toMatch(/web\s+restored/);
    expect(m.frame()).toMatch(/db\s+restored/);
  });

  it('a failed step asks; r retries it once, m marks the next failure resolved by hand', async () => {
    const r = startGatedRollback(['web', 'api']);
    actors.push(r.actor);
    const m = mountRollback(r.recording);
    r.actor.start();
    await until(() => r.gate('web') !== undefined, 'step web');
    r.gate('web')!.fail('web: port still in use');
    await untilFrame(m, 'Rollback step failed: web');
    expect(m.frame()).toContain('web: port still in use');
    m.stdin.write('r');
    await until(() => r.gates.filter((g) => g.name === 'web').length === 2, 'the retry');
    await untilFrame(m, 'attempt 2');
    r.gate('web')!.fail('still in use');
    await until(() => r.actor.getSnapshot().value === 'awaitingDecision', 'the second decision');
    await untilFrame(m, '[m] mark resolved');
    m.stdin.write('m');
    await untilFrame(m, 'resolved by hand');
    await until(() => r.gate('api') !== undefined, 'step api');
    r.gate('api')!.ok();
    await m.waitUntilExit();
    expect(r.sent).toEqual([
      { type: 'decision.retry', by: 'operator' },
      { type: 'decision.markResolved', by: 'operator' },
    ]);
    expect(m.frame()).toContain('exit code 0');
  });

  it('the countdown reaches its default: abort, and the summary lists what is not restored (exit code 3)', async () => {
    const r = startGatedRollback(['web', 'api'], { decisionTimeoutMs: 1200 });
    actors.push(r.actor);
    const m = mountRollback(r.recording);
    r.actor.start();
    await until(() => r.gate('web') !== undefined, 'step web');
    r.gate('web')!.fail('web: stop timed out');
    await untilFrame(m, 'default abort (leave things as they are) in 2s');
    await m.waitUntilExit();
    expect(r.sent).toEqual([]);
    expect(m.frame()).toContain('■ rollback aborted: manual intervention needed · exit code 3');
    expect(m.frame()).toMatch(/not restored: web: .*no decision before the deadline/);
    expect(m.frame()).toContain('not restored: api: not attempted');
  });

  it('keeps the prompt on screen with 300 services in a 24-row terminal', async () => {
    const names = Array.from({ length: 300 }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
    const r = startGatedRollback(names);
    actors.push(r.actor);
    const m = mountRollback(r.recording, { rows: 24 });
    r.actor.start();
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
