import { toPromise } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResolvedPlan } from '../../src/config/plan-types.js';
import { plan } from '../machines/deployment-fixtures.js';
import { deploy } from '../machines/deployment-harness.js';
import type { DeployOptions, DeployRun } from '../machines/deployment-harness.js';
import { keys, mount, unmountAll, untilFrame } from './helpers.js';

let run: DeployRun | undefined;
const start = (o: DeployOptions): DeployRun => (run = deploy(o));
afterEach(() => {
  unmountAll();
  run?.actor.stop();
  run = undefined;
});

const askPlan = (policy: Partial<ResolvedPlan['policy']> = {}) =>
  plan({
    policy: {
      onFailure: 'ask',
      degraded: 'continue',
      retries: 0,
      decisionTimeoutMs: 60_000,
      ...policy,
    },
  });

describe('the UI on a real deployment machine (fake effects)', () => {
  it('shows the failure prompt; b rolls back and the final screen shows exit code 1', async () => {
    const r = start({ plan: askPlan(), interactive: true, services: { api: ['failed'] } });
    const m = mount(r.actor);
    await untilFrame(m, 'Failure: api');
    // web depends on api: skip is not offered
    expect(m.frame()).toContain('[b] roll back (default)');
    expect(m.frame()).not.toContain('[s]');
    m.stdin.write('b');
    const out = await toPromise(r.actor);
    await m.waitUntilExit();
    expect(out.exitCode).toBe(1);
    expect(m.frame()).toContain('✖ deployment failed · exit code 1');
    expect(r.actor.getSnapshot().context.decisions).toMatchObject([
      { choice: 'rollback', by: 'operator' },
    ]);
  });

  it('offers skip for a failed service nothing depends on, and Enter on it sends decision.skip', async () => {
    const r = start({ plan: askPlan(), interactive: true, services: { worker: ['failed'] } });
    const m = mount(r.actor);
    await untilFrame(m, '[s] skip');
    m.stdin.write(keys.up);
    await untilFrame(m, '› [s] skip');
    m.stdin.write(keys.enter);
    await toPromise(r.actor);
    expect(r.actor.getSnapshot().context.decisions.map((d) => d.choice)).toEqual(['skip']);
  });

  it('confirms each stage with p in step mode', async () => {
    const r = start({ plan: askPlan(), interactive: true, step: true });
    const m = mount(r.actor);
    await untilFrame(m, 'Confirm stage data');
    m.stdin.write('p');
    await untilFrame(m, 'Confirm stage app');
    m.stdin.write('p');
    const out = await toPromise(r.actor);
    await m.waitUntilExit();
    expect(out).toEqual({ result: 'succeeded', exitCode: 0 });
    expect(m.frame()).toContain('✔ deployment succeeded · exit code 0');
  });

  it('q during activation shows the interruption prompt; Ctrl-C then leaves things as they are (exit 130)', async () => {
    const r = start({ plan: askPlan(), interactive: true, services: { api: ['hold'] } });
    const m = mount(r.actor);
    await untilFrame(m, 'api');
    m.stdin.write('q');
    await untilFrame(m, 'Interrupted');
    expect(m.frame()).toContain('[b] roll back (default)');
    m.stdin.write(keys.ctrlC);
    const out = await toPromise(r.actor);
    expect(out.exitCode).toBe(130);
  });

  it('takes the default when the countdown reaches zero', async () => {
    const r = start({
      plan: askPlan({ decisionTimeoutMs: 400 }),
      interactive: true,
      services: { api: ['failed'] },
    });
    const m = mount(r.actor);
    await untilFrame(m, 'default roll back in');
    const out = await toPromise(r.actor);
    await m.waitUntilExit();
    expect(out.result).toBe('failed');
    expect(r.actor.getSnapshot().context.decisions).toMatchObject([
      { choice: 'rollback', by: 'timeout' },
    ]);
  });
});
