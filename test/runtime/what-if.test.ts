import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { ResolvedPlan } from '../../src/config/plan-types.js';
import { resolvePlan } from '../../src/config/resolve.js';
import type { Fact } from '../../src/record/facts.js';
import { checkWhatIf, whatIf, whatIfPlan } from '../../src/runtime/what-if/explore.js';
import { FastClock } from '../../src/runtime/what-if/fast-clock.js';
import type { Walk } from '../../src/runtime/what-if/walk.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'what-if');

async function fixturePlan(extra = '', env?: string): Promise<ResolvedPlan> {
  if (extra === '') {
    const loaded = await loadConfig({ configPath: FIXTURE, cwd: FIXTURE });
    return whatIfPlan(await resolvePlan(loaded, {}));
  }
  // The fixture with more config appended, in a folder of the test's own.
  tmp = await mkdtemp(join(tmpdir(), 'stagecraft-what-if-'));
  const text = await readFile(join(FIXTURE, 'stagecraft.config.yaml'), 'utf8');
  await writeFile(join(tmp, 'stagecraft.config.yaml'), `${text}${extra}`);
  const loaded = await loadConfig({ configPath: tmp, cwd: tmp });
  return whatIfPlan(await resolvePlan(loaded, env === undefined ? {} : { env }));
}

let tmp: string | undefined;
afterEach(async () => {
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

const facts = (w: Walk): Fact[] => w.entries.flatMap((e) => (e.kind === 'fact' ? [e.fact] : []));
const states = (w: Walk): string[] =>
  w.entries.flatMap((e) => (e.kind === 'enter' ? [e.state] : []));
const effects = (w: Walk) => w.entries.flatMap((e) => (e.kind === 'effect' ? [e.effect] : []));

describe('what-if walk on the real deployment statechart', () => {
  test('api failing its health check asks retry, skip, rollback or abort, and the default rolls back api then db with the previous release', async () => {
    const w = await whatIf(await fixturePlan(), 'api', 'health', undefined);
    const path = states(w.main);
    expect(path.indexOf('deployment.activating.running.deciding')).toBeGreaterThan(
      path.indexOf('deployment.activating.running.working'),
    );
    expect(path.indexOf('deployment.rollingBack')).toBeGreaterThan(
      path.indexOf('deployment.activating.running.deciding'),
    );
    expect(path.at(-1)).toBe('deployment.finished');
    expect(w.prompts).toHaveLength(1);
    const d = w.prompts[0]?.prompt.decision;
    expect(d).toMatchObject({
      kind: 'failure',
      subject: 'api',
      choices: ['retry', 'skip', 'rollback', 'abort'],
      defaultChoice: 'rollback',
    });
    const started = facts(w.main).find((f) => f.type === 'rollback.started');
    expect(started).toMatchObject({ steps: ['api', 'db'], scope: 'all' });
    const rollbacks = effects(w.main).filter((e) => e.label.endsWith('.rollback'));
    expect(rollbacks.map((e) => e.label)).toEqual(['api.rollback', 'db.rollback']);
    expect(rollbacks[0]?.env?.RELEASE).toBe('previous');
    expect(w.previousRecorded).toBe(false);
    expect(w.main.outcome).toMatchObject({ result: 'failed', restored: ['api', 'db'] });
  });

  test('each choice of the prompt is walked again: skip succeeds with a warning, abort aborts, retry fails again and rolls back', async () => {
    const w = await whatIf(await fixturePlan(), 'api', 'health', undefined);
    const by = Object.fromEntries((w.prompts[0]?.branches ?? []).map((b) => [b.choice, b]));
    expect(by.rollback?.taken).toBe(true);
    expect(by.skip?.walk.outcome.result).toBe('succeeded-with-warnings');
    expect(states(by.skip!.walk)).toContain('deployment.verifying');
    expect(by.abort?.walk.outcome.result).toBe('aborted');
    expect(states(by.abort!.walk)).not.toContain('deployment.rollingBack');
    // A retry probes again, fails again, and the second prompt takes its default.
    expect(by.retry?.walk.prompts.map((p) => p.choice)).toEqual(['retry', 'rollback']);
    expect(by.retry?.walk.outcome.result).toBe('failed');
  });

  test('a failing rollback step asks retry, mark-resolved or abort; abort leaves db not attempted, mark-resolved goes on to db', async () => {
    const w = await whatIf(await fixturePlan(), 'api', 'rollback', undefined);
    const step = w.prompts[1];
    expect(step?.prompt.decision).toMatchObject({
      kind: 'rollback-step',
      subject: 'api',
      choices: ['retry', 'mark-resolved', 'abort'],
      defaultChoice: 'abort',
    });
    expect(w.main.outcome.result).toBe('rollback-incomplete');
    expect(facts(w.main)).toContainEqual(
      expect.objectContaining({ type: 'rollback.step', service: 'db', status: 'not-attempted' }),
    );
    const resolved = step?.branches.find((b) => b.choice === 'mark-resolved');
    expect(resolved?.walk.outcome.result).toBe('failed');
    expect(
      effects(resolved!.walk)
        .filter((e) => e.label.endsWith('.rollback'))
        .map((e) => [e.label, e.failed]),
    ).toEqual([
      ['api.rollback', true],
      ['api.rollback', true],
      ['db.rollback', false],
    ]);
  });

  test('db failing to activate stops before api: api never activates and only db is rolled back', async () => {
    const w = await whatIf(await fixturePlan(), 'db', 'activating', undefined);
    expect(effects(w.main).map((e) => e.label)).not.toContain('api.activate');
    expect(facts(w.main).find((f) => f.type === 'rollback.started')).toMatchObject({
      steps: ['db'],
    });
  });

  test('a recorded previous release gives the rollback its variables', async () => {
    const previous = {
      release: '2026.11.30',
      env: { api: { RELEASE: '2026.11.30' }, db: { RELEASE: '2026.11.30' } },
      running: [],
    };
    const w = await whatIf(await fixturePlan(), 'api', 'activating', previous);
    expect(w.previousRecorded).toBe(true);
    const rollbacks = effects(w.main).filter((e) => e.label.endsWith('.rollback'));
    expect(rollbacks.map((e) => e.env)).toEqual([
      { RELEASE: '2026.11.30' },
      { RELEASE: '2026.11.30' },
    ]);
  });

  test('api failing at verify: it is healthy, then the integration check fails and the deployment-level prompt asks', async () => {
    const plan = await fixturePlan("integration:\n  - { name: smoke, command: 'true' }\n");
    const w = await whatIf(plan, 'api', 'verify', undefined);
    expect(facts(w.main)).toContainEqual(
      expect.objectContaining({ type: 'service.state', service: 'api', state: 'healthy' }),
    );
    expect(facts(w.main)).toContainEqual(
      expect.objectContaining({ type: 'check', phase: 'integration', name: 'smoke', ok: false }),
    );
    const path = states(w.main);
    expect(path.slice(path.indexOf('deployment.verifying'))).toEqual([
      'deployment.verifying',
      'deployment.verifying.checking',
      'deployment.failing',
      'deployment.deciding',
      'deployment.rollingBack',
      'deployment.done',
      'deployment.finished',
    ]);
    expect(w.prompts[0]?.prompt.decision.choices).toEqual(['retry', 'rollback', 'abort']);
  });

  test('with confirm: stages, each layer asks first; the walk proceeds, and skipping or aborting at a gate is walked too', async () => {
    const plan = await fixturePlan('environments:\n  prod: { confirm: stages }\n', 'prod');
    const w = await whatIf(plan, 'api', 'activating', undefined);
    const gates = w.prompts.filter((p) => p.prompt.decision.kind === 'confirm-stage');
    expect(gates).toHaveLength(2);
    expect(gates.map((g) => g.prompt.choice)).toEqual(['proceed', 'proceed']);
    expect(gates[0]?.prompt.decision.defaultChoice).toBe('abort');
    const abort = gates[0]?.branches.find((b) => b.choice === 'abort');
    expect(abort?.walk.outcome).toMatchObject({ result: 'aborted', unchanged: true });
    expect(w.main.outcome.result).toBe('failed');
  });

  test('an unknown service or failure point is a usage error listing the valid ones', async () => {
    const plan = await fixturePlan();
    expect(() => checkWhatIf(plan, 'web', 'health')).toThrow(/valid: db, api/);
    expect(() => checkWhatIf(plan, 'api', 'boot')).toThrow(/activating, health, verify, rollback/);
    expect(() => checkWhatIf(plan, 'db', 'health')).toThrow(/db has no health check/);
    expect(() => checkWhatIf(plan, 'api', 'verify')).toThrow(/nothing verifies api/);
    expect(checkWhatIf(plan, 'api', 'rollback')).toBe('rollback');
  });
});

describe('FastClock', () => {
  test('fires timers in the order of their deadlines, not of their setting, and skips cleared ones', async () => {
    const clock = new FastClock();
    const fired: string[] = [];
    const done = new Promise<void>((resolve) => {
      clock.setTimeout(() => fired.push('late'), 5_000);
      const cleared = clock.setTimeout(() => fired.push('cleared'), 10);
      clock.setTimeout(() => {
        fired.push('early');
        clock.setTimeout(() => {
          fired.push('last');
          resolve();
        }, 60_000);
      }, 1_000);
      clock.clearTimeout(cleared);
    });
    await done;
    expect(fired).toEqual(['early', 'late', 'last']);
    expect(clock.fired).toBe(3);
  });
});
