import { afterEach, describe, expect, it } from 'vitest';
import type { Choice, PendingDecision } from '../../src/record/facts.js';
import { decision, keys, liveRun, mount, row, tick, unmountAll, untilFrame } from './helpers.js';

afterEach(unmountAll);

const failing = () => [
  row('db', 'healthy'),
  row('api', 'unhealthy', { reason: 'GET /healthz 503 ×5' }),
];

function ask(d: Partial<PendingDecision>) {
  const source = liveRun(failing(), { decision: decision(d) });
  const m = mount(source);
  return { source, m };
}

const flows: Array<{
  kind: PendingDecision['kind'];
  choices: Choice[];
  defaultChoice: Choice;
  keys: Record<string, string>;
}> = [
  {
    kind: 'confirm-stage',
    choices: ['proceed', 'skip-stage', 'abort'],
    defaultChoice: 'abort',
    keys: { p: 'decision.proceed', s: 'decision.skipStage', a: 'decision.abort' },
  },
  {
    kind: 'failure',
    choices: ['retry', 'skip', 'rollback', 'abort'],
    defaultChoice: 'rollback',
    keys: { r: 'decision.retry', s: 'decision.skip', b: 'decision.rollback', a: 'decision.abort' },
  },
  {
    kind: 'degraded',
    choices: ['continue', 'rollback'],
    defaultChoice: 'rollback',
    keys: { c: 'decision.continue', b: 'decision.rollback' },
  },
  {
    kind: 'readiness-warnings',
    choices: ['accept', 'rollback'],
    defaultChoice: 'rollback',
    keys: { y: 'decision.accept', b: 'decision.rollback' },
  },
  {
    kind: 'rollback-step',
    choices: ['retry', 'mark-resolved', 'abort'],
    defaultChoice: 'abort',
    keys: { r: 'decision.retry', m: 'decision.markResolved', a: 'decision.abort' },
  },
  {
    kind: 'interrupted',
    choices: ['rollback', 'abort'],
    defaultChoice: 'rollback',
    keys: { b: 'decision.rollback', a: 'decision.abort' },
  },
];

describe('prompts', () => {
  for (const flow of flows) {
    for (const [key, type] of Object.entries(flow.keys)) {
      it(`a ${flow.kind} prompt answers "${key}" with exactly one ${type} event, even when the key repeats`, async () => {
        const { source, m } = ask({
          kind: flow.kind,
          choices: flow.choices,
          defaultChoice: flow.defaultChoice,
        });
        await untilFrame(m, `[${key}]`);
        m.stdin.write(key);
        m.stdin.write(key);
        await tick();
        expect(source.sent).toEqual([{ type, by: 'operator' }]);
      });
    }
  }

  it('offers only the valid choices: no skip when something depends on the failed service, no retry past the cap', async () => {
    const { source, m } = ask({ choices: ['rollback', 'abort'] });
    await untilFrame(m, '[b] roll back');
    expect(m.frame()).toContain('[a] abort');
    expect(m.frame()).not.toContain('[s]');
    expect(m.frame()).not.toContain('[r]');
    m.stdin.write('s');
    m.stdin.write('r');
    m.stdin.write('p');
    await tick();
    expect(source.sent).toEqual([]);
  });

  it('says which attempt a retry starts and marks the default choice', async () => {
    const { m } = ask({ choices: ['retry', 'skip', 'rollback', 'abort'], retry: { n: 1, cap: 2 } });
    await untilFrame(m, '[r] retry (attempt 2)');
    expect(m.frame()).toMatch(/\[b\] roll back \(default\)/);
    expect(m.frame()).not.toMatch(/\[a\] abort.*\(default\)/);
  });

  it('takes the highlighted choice on Enter: the default first, arrows move the highlight', async () => {
    const { source, m } = ask({ choices: ['retry', 'skip', 'rollback', 'abort'] });
    await untilFrame(m, '› [b] roll back');
    m.stdin.write(keys.down);
    await untilFrame(m, '› [a] abort');
    m.stdin.write(keys.enter);
    await tick();
    expect(source.sent).toEqual([{ type: 'decision.abort', by: 'operator' }]);
  });

  it('Enter without moving answers with the default', async () => {
    const { source, m } = ask({ choices: ['retry', 'rollback', 'abort'] });
    await untilFrame(m, '› [b] roll back');
    m.stdin.write(keys.up);
    await untilFrame(m, '› [r] retry');
    m.stdin.write(keys.down);
    await untilFrame(m, '› [b] roll back');
    m.stdin.write(keys.enter);
    await tick();
    expect(source.sent).toEqual([{ type: 'decision.rollback', by: 'operator' }]);
  });

  it('records who answered with the `by` option', async () => {
    const source = liveRun(failing(), { decision: decision() });
    const m = mount(source, { by: 'alice' });
    await untilFrame(m, '[a] abort');
    m.stdin.write('a');
    await tick();
    expect(source.sent).toEqual([{ type: 'decision.abort', by: 'alice' }]);
  });

  it('counts down to the deadline and shows 0s when it has passed', async () => {
    const { m } = ask({ deadline: Date.now() + 1500 });
    await untilFrame(m, 'default roll back in 2s');
    await untilFrame(m, 'default roll back in 0s', 4000);
  });

  it('shows minutes and seconds for a long decision timeout', async () => {
    const { m } = ask({ deadline: Date.now() + 14 * 60_000 + 30_500 });
    await untilFrame(m, 'default roll back in 14m3');
  });

  it('a new decision resets the highlight to its default and can be answered again', async () => {
    const confirm = {
      kind: 'confirm-stage' as const,
      choices: ['proceed', 'skip-stage', 'abort'] satisfies Choice[],
      defaultChoice: 'abort' as const,
    };
    const { source, m } = ask({ id: 'd1', subject: 'app', ...confirm });
    await untilFrame(m, '› [a] abort');
    m.stdin.write('p');
    await tick();
    source.push({
      type: 'decision.taken',
      id: 'd1',
      kind: 'confirm-stage',
      subject: 'app',
      choice: 'proceed',
      by: 'operator',
      at: Date.now(),
    });
    source.push({
      type: 'decision.requested',
      decision: decision({ id: 'd2', subject: 'edge', ...confirm }),
    });
    await untilFrame(m, 'Confirm stage edge');
    expect(m.frame()).toContain('› [a] abort');
    m.stdin.write(keys.enter);
    await tick();
    expect(source.sent).toEqual([
      { type: 'decision.proceed', by: 'operator' },
      { type: 'decision.abort', by: 'operator' },
    ]);
  });

  it('the prompt leaves the screen once the decision is taken', async () => {
    const { source, m } = ask({});
    await untilFrame(m, 'Failure: api');
    m.stdin.write('b');
    await tick();
    source.push({
      type: 'decision.taken',
      id: 'd1',
      kind: 'failure',
      subject: 'api',
      choice: 'rollback',
      by: 'operator',
      at: Date.now(),
    });
    source.push({ type: 'phase', phase: 'rolling-back' });
    await untilFrame(m, 'rolling back');
    expect(m.frame()).not.toContain('Failure: api');
    expect(m.frame()).not.toContain('[b] roll back');
    m.stdin.write('b');
    await tick();
    expect(source.sent).toEqual([{ type: 'decision.rollback', by: 'operator' }]);
  });
});

describe('interruption keys', () => {
  it('q sends run.interrupt and the footer says what a second one does', async () => {
    const source = liveRun(failing());
    const m = mount(source);
    await untilFrame(m, 'q interrupt');
    m.stdin.write('q');
    await untilFrame(m, 'again leaves things as they are');
    expect(source.sent).toEqual([{ type: 'run.interrupt' }]);
  });

  it('Ctrl-C sends one run.interrupt per press; the statechart decides what the second means', async () => {
    const source = liveRun(failing());
    const m = mount(source);
    await untilFrame(m, 'q interrupt');
    m.stdin.write(keys.ctrlC);
    await tick();
    m.stdin.write(keys.ctrlC);
    await tick();
    expect(source.sent).toEqual([{ type: 'run.interrupt' }, { type: 'run.interrupt' }]);
  });
});
