/**
 * The deployment screen on the real deployment statechart, composed with fake effects exactly as
 * `stagecraft deploy` composes it with real ones, and driven by the runtime's driver.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ResolvedPlan } from '../../src/config/plan-types.js';
import type { DeploymentInput } from '../../src/machines/deployment/index.js';
import type { Outcome } from '../../src/record/facts.js';
import { composeDeployment } from '../../src/runtime/compose.js';
import { startedFact } from '../../src/runtime/deploy.js';
import { keys, mount, unmountAll, untilFrame } from './helpers.js';
import { fakeWorld, implicitPlan, plan, startRun, type Run, type WorldScript } from './run-kit.js';

const runs: Array<Run<Outcome>> = [];
afterEach(async () => {
  for (const r of runs.splice(0)) await r.end();
  unmountAll();
});

const askPlan = (policy: Partial<ResolvedPlan['policy']> = {}, base = plan()) => ({
  ...base,
  policy: { ...base.policy, onFailure: 'ask' as const, ...policy },
});

/** Deploys `p` interactively with fake effects scripted by `script`; the UI on its source. */
function deploy(p: ResolvedPlan, script: WorldScript = {}, o: Partial<DeploymentInput> = {}) {
  const world = fakeWorld(script);
  const input: DeploymentInput = {
    plan: p,
    deploymentId: 'dep-1',
    interactive: true,
    step: false,
    monitor: false,
    ...o,
  };
  const run = startRun({
    compose: (record) => composeDeployment(world.effects, record),
    input,
    opening: [startedFact('deploy', p, 'dep-1', 'deploy')],
    outcome: (output) => output,
    mount: (source) => mount(source),
  });
  runs.push(run);
  return { run, world };
}

describe('the UI on a real deployment statechart (fake effects)', () => {
  it('shows the failure prompt; b rolls back and the final screen shows exit code 1', async () => {
    const { run } = deploy(askPlan(), { fail: ['api.activate'] });
    const m = await run.screen;
    await untilFrame(m, 'Failure: api');
    // web depends on api: skip is not offered
    expect(m.frame()).toContain('[b] roll back (default)');
    expect(m.frame()).not.toContain('[s]');
    m.stdin.write('b');
    const { outcome, record } = await run.result;
    expect(outcome.result).toBe('failed');
    expect(m.frame()).toContain('✖ deployment failed · exit code 1');
    expect(m.frame()).toMatch(/restored: .*db/);
    expect(run.sent).toEqual([{ type: 'decision.rollback', by: 'operator' }]);
    expect(record.decisions).toMatchObject([{ choice: 'rollback', by: 'operator' }]);
  });

  it('offers skip for a failed service nothing depends on, and Enter on it sends decision.skip', async () => {
    const { run } = deploy(askPlan(), { fail: ['worker.activate'] });
    const m = await run.screen;
    await untilFrame(m, '[s] skip');
    m.stdin.write(keys.up);
    await untilFrame(m, '› [s] skip');
    m.stdin.write(keys.enter);
    const { record } = await run.result;
    expect(run.sent).toEqual([{ type: 'decision.skip', by: 'operator' }]);
    expect(record.decisions.map((d) => d.choice)).toEqual(['skip']);
  });

  it('confirms each stage with p in step mode', async () => {
    const { run } = deploy(askPlan(), {}, { step: true });
    const m = await run.screen;
    await untilFrame(m, 'Confirm stage data');
    m.stdin.write('p');
    await untilFrame(m, 'Confirm stage app');
    m.stdin.write('p');
    const { outcome } = await run.result;
    expect(outcome).toMatchObject({ result: 'succeeded', interrupted: false });
    expect(m.frame()).toContain('✔ deployment succeeded · exit code 0');
    expect(run.sent).toEqual([
      { type: 'decision.proceed', by: 'operator' },
      { type: 'decision.proceed', by: 'operator' },
    ]);
  });

  it('q during activation shows the interruption prompt; Ctrl-C then leaves things as they are (exit 130)', async () => {
    const { run, world } = deploy(askPlan(), { gated: (l) => l === 'api.activate' });
    const m = await run.screen;
    await untilFrame(m, 'api');
    m.stdin.write('q');
    await untilFrame(m, 'Interrupted');
    expect(m.frame()).toContain('[b] roll back (default)');
    m.stdin.write(keys.ctrlC);
    const { outcome } = await run.result;
    expect(outcome).toMatchObject({ result: 'aborted', interrupted: true });
    expect(m.frame()).toContain('exit code 130');
    expect(run.sent).toEqual([{ type: 'run.interrupt' }, { type: 'run.interrupt' }]);
    expect(run.hardExits).toBe(0);
    expect(world.commands).not.toContain('api.rollback');
  });

  it('takes the default when the countdown reaches zero', async () => {
    const { run } = deploy(askPlan({ decisionTimeoutMs: 400 }), { fail: ['api.activate'] });
    const m = await run.screen;
    await untilFrame(m, 'default roll back in');
    const { outcome, record } = await run.result;
    expect(outcome.result).toBe('failed');
    expect(record.decisions).toMatchObject([{ choice: 'rollback', by: 'timeout' }]);
    expect(run.sent).toEqual([]);
    expect(m.frame()).toContain('✖ deployment failed · exit code 1');
  });
});

describe('the UI on a plan without stages (real statechart)', () => {
  it('shows only the layers that have a service in progress, not those still waiting', async () => {
    const { run, world } = deploy(implicitPlan(), { gated: (l) => l === 'db.activate' });
    const m = await run.screen;
    await untilFrame(m, 'of 3 layers');
    // db (layer-1) activates; api, worker and web wait for it
    expect(m.frame()).toContain('layer-1 of 3 layers');
    expect(m.frame()).not.toMatch(/web +waiting/);
    world.gate('db.activate')?.ok();
    const { outcome } = await run.result;
    expect(outcome.result).toBe('succeeded');
    expect(m.frame()).toContain('✔ deployment succeeded · exit code 0');
  });

  it('after a failure and a rollback, the final screen shows the layer that failed as failed', async () => {
    const { run } = deploy(implicitPlan(), { fail: ['api.activate'] });
    const m = await run.screen;
    await untilFrame(m, 'Failure: api');
    m.stdin.write('b');
    const { outcome } = await run.result;
    expect(outcome.result).toBe('failed');
    expect(m.frame()).toContain('✖ deployment failed · exit code 1');
    expect(m.frame()).toMatch(/✖ layer-2 +failed/);
    expect(m.frame()).not.toMatch(/✔ layer-2 +succeeded/);
  });

  it('after a failure, the final screen shows no layer as still running', async () => {
    // web (layer-3) never starts: api, its dependency, failed
    const { run } = deploy(implicitPlan(), { fail: ['api.activate'] });
    const m = await run.screen;
    await untilFrame(m, 'Failure: api');
    m.stdin.write('b');
    await run.result;
    const stages = m.frame().split('\nstages\n')[1]?.split('\nservices\n')[0] ?? '';
    expect(stages).toMatch(/layer-3/);
    expect(stages).not.toMatch(/running/);
  });
});
