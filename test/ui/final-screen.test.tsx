import { afterEach, describe, expect, it } from 'vitest';
import type { Fact, Outcome } from '../../src/record/facts.js';
import {
  FakeSource,
  finishedFact,
  liveRun,
  mount,
  outline,
  pushRows,
  row,
  started,
  unmountAll,
  untilFrame,
} from './helpers.js';

afterEach(unmountAll);

const t = Date.now() - 10_000;

/**
 * A deployment that failed in stage app and rolled back: data (db, migrate) succeeded in 1.1 s,
 * app (api) failed after 5.0 s, db and migrate rolled back, then `outcome` (unless undefined).
 */
function failedRun(outcome?: Partial<Outcome> & Pick<Outcome, 'result'>): FakeSource {
  const plan = outline([
    { name: 'data', services: ['db', 'migrate'] },
    { name: 'app', services: ['api'] },
  ]);
  const source = new FakeSource(started(plan), t);
  const stage = (stage: string, status: 'running' | 'succeeded' | 'failed', at: number) =>
    source.push({ type: 'stage.status', stage, status }, at);
  source.push({ type: 'phase', phase: 'activating' }, t);
  stage('data', 'running', t);
  stage('data', 'succeeded', t + 1100);
  stage('app', 'running', t + 1200);
  pushRows(source, [
    row('api', 'unhealthy', {
      startedAt: t + 1200,
      finishedAt: t + 6200,
      reason: 'health: GET /healthz answered 503 5 times in 5.0s',
    }),
  ]);
  stage('app', 'failed', t + 6200);
  source.push({ type: 'phase', phase: 'rolling-back' }, t + 6300);
  pushRows(source, [
    row('db', 'rolled-back', { startedAt: t + 6400, finishedAt: t + 7200 }),
    row('migrate', 'rolled-back', { startedAt: t + 7300, finishedAt: t + 7400 }),
  ]);
  if (outcome !== undefined) source.push(finishedFact(outcome), t + 7500);
  return source;
}

describe('the final screen', () => {
  it('shows the result, the reason, stages and services, what was restored, where logs and journal are, and the exit code; then exits', async () => {
    const source = failedRun({
      result: 'failed',
      reason: 'api unhealthy: health: GET /healthz answered 503 5 times in 5.0s',
      restored: ['api', 'migrate', 'db', 'release-dir'],
      notRestored: [],
    });
    const m = mount(source, {
      logDir: '/srv/shop/.stagecraft/logs',
      journalPath: '/srv/shop/.stagecraft/deployments/dep-1/journal.jsonl',
    });
    await m.waitUntilExit();
    const f = m.frame();
    expect(f).toContain('✖ deployment failed · exit code 1');
    expect(f).toContain('reason: api unhealthy: health: GET /healthz answered 503 5 times');
    // data had succeeded; the rollback then undid both its services.
    expect(f).toMatch(/↺ data +rolled-back +1\.1s/);
    expect(f).toMatch(/✖ app +failed +5\.0s/);
    expect(f).toMatch(/✖ api +unhealthy +5\.0s +health: GET/);
    expect(f).toMatch(/↺ db +rolled-back +800ms/);
    expect(f).toContain('restored: api, migrate, db, release-dir');
    expect(f).toContain('logs: /srv/shop/.stagecraft/logs');
    expect(f).toContain('journal: /srv/shop/.stagecraft/deployments/dep-1/journal.jsonl');
    expect(f).toContain('exit code 1');
    expect(f).not.toContain('q interrupt');
  });

  it('lists what was not restored after an incomplete rollback', async () => {
    const source = failedRun({
      result: 'rollback-incomplete',
      reason: 'api unhealthy; rollback incomplete',
      restored: ['api'],
      notRestored: [{ name: 'migrate', reason: 'rollback command exited 1' }],
    });
    const m = mount(source);
    await m.waitUntilExit();
    expect(m.frame()).toContain('rollback incomplete: manual intervention needed · exit code 3');
    expect(m.frame()).toContain('NOT restored: migrate: rollback command exited 1');
  });

  it('shows the exit code of an interrupted run: 130', async () => {
    const source = failedRun({ result: 'failed', interrupted: true, reason: 'interrupted' });
    const m = mount(source);
    await m.waitUntilExit();
    expect(m.frame()).toContain('✖ deployment failed · exit code 130');
  });

  it('appears when the running deployment finishes, replacing the live rows and the prompt', async () => {
    const source = liveRun([row('api', 'checking')]);
    const m = mount(source);
    await untilFrame(m, 'q interrupt');
    const facts: Fact[] = [
      { type: 'service.state', service: 'api', state: 'healthy', attempt: 1, maxAttempts: 1 },
      { type: 'stage.status', stage: 'app', status: 'succeeded' },
      { type: 'phase', phase: 'finalizing' },
      { type: 'release.recorded', release: '2026.11.26' },
      finishedFact({ result: 'succeeded' }),
    ];
    source.pushAll(facts);
    await m.waitUntilExit();
    expect(m.frame()).toContain('✔ deployment succeeded · exit code 0');
    expect(m.frame()).toMatch(/✔ app +succeeded/);
    expect(m.frame()).not.toContain('q interrupt');
  });

  it('summarises hundreds of services by listing only those that are not healthy', async () => {
    const names = Array.from({ length: 300 }, (_, i) => `svc-${i}`);
    const source = new FakeSource(started(outline([{ name: 'all', services: names }])), t);
    source.push({ type: 'stage.status', stage: 'all', status: 'running' }, t);
    pushRows(
      source,
      names.map((n, i) =>
        row(n, i === 7 ? 'degraded' : 'healthy', i === 7 ? { reason: 'slow' } : {}),
      ),
    );
    source.push({ type: 'stage.status', stage: 'all', status: 'succeeded' }, t + 100);
    source.push({ type: 'warning', message: 'svc-7 is degraded: slow' });
    source.push(
      finishedFact({ result: 'succeeded-with-warnings', reason: 'svc-7 is degraded: slow' }),
    );
    const m = mount(source);
    await m.waitUntilExit();
    expect(m.frame()).toMatch(/▲ svc-7 +degraded/);
    expect(m.frame()).toContain('… and 299 more');
    expect(m.frame()).toContain('warning: svc-7 is degraded: slow');
    expect(m.frame()).toContain('▲ deployment succeeded with warnings · exit code 0');
    expect(m.frame().split('\n').length).toBeLessThan(40);
  });
});

describe('waitUntilExit', () => {
  it('settles even when asked only after the UI has already exited', async () => {
    const m = mount(failedRun({ result: 'succeeded' }));
    await untilFrame(m, 'exit code 0');
    await new Promise((r) => setImmediate(r));
    m.unmount();
    await expect(m.waitUntilExit()).resolves.toBeUndefined();
  });
});
