/**
 * The final screen agrees with itself and with the outcome: its rows, stages, checks and footer
 * are read from the one folded record, whatever the run went through (an interrupt and a
 * rollback, a rollback step marked resolved by hand, checks that passed).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Fact } from '../../src/record/facts.js';
import { journal } from '../record/journals.js';
import {
  FakeSource,
  finishedFact,
  mount,
  outline,
  pushRows,
  row,
  started,
  unmountAll,
  untilFrame,
} from './helpers.js';

afterEach(unmountAll);

/** The final screen's own section `title` (up to the next section): not the <Static> lines above. */
function section(frame: string, title: string): string[] {
  const lines = frame.split('\n');
  const start = lines.lastIndexOf(title);
  expect(start, `no "${title}" section in:\n${frame}`).toBeGreaterThan(-1);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => !l.startsWith('  '));
  return end === -1 ? rest : rest.slice(0, end);
}

/** A source replaying a recorded journal. */
async function replay(name: 'local-stack-interrupted'): Promise<FakeSource> {
  const [first, ...rest] = await journal(name);
  if (first?.type !== 'run.started') throw new Error(`${name} does not start with run.started`);
  const source = new FakeSource(first, first.ts);
  for (const f of rest) source.push(f, f.ts);
  return source;
}

describe('the final screen tells one story', () => {
  it('after an interrupt and a rollback, no longer advises pressing Ctrl-C again, and a stage whose services were all rolled back is rolled-back, not succeeded', async () => {
    const source = await replay('local-stack-interrupted');
    const m = mount(source);
    await m.waitUntilExit();
    const f = m.frame();
    expect(f).toContain('exit code 130');
    expect(f).not.toContain('press Ctrl-C again');
    expect(f).not.toContain('q or Ctrl-C again');
    const stages = section(f, 'stages');
    expect(stages.find((l) => l.includes(' data '))).toMatch(/↺ data +rolled-back/);
    expect(stages.join('\n')).not.toMatch(/succeeded|running/);
    expect(section(f, 'services').every((l) => l.includes('rolled-back'))).toBe(true);
  });

  it('after "mark resolved" on a failed rollback step, the row, the footer and the outcome all say resolved by hand', async () => {
    const source = new FakeSource(started(outline([{ name: 'app', services: ['api'] }])));
    source.push({ type: 'phase', phase: 'activating' });
    source.push({ type: 'stage.status', stage: 'app', status: 'running' });
    pushRows(source, [row('api', 'unhealthy', { reason: 'http GET /healthz failed 3/3' })]);
    source.push({ type: 'stage.status', stage: 'app', status: 'failed' });
    source.push({ type: 'phase', phase: 'rolling-back' });
    const facts: Fact[] = [
      { type: 'rollback.started', steps: ['api'], cleanups: [], scope: 'all' },
      { type: 'rollback.step', service: 'api', status: 'started', attempt: 1 },
      {
        type: 'service.state',
        service: 'api',
        state: 'rollback-failed',
        attempt: 1,
        maxAttempts: 1,
        reason: 'api.rollback exited with code 1',
      },
      {
        type: 'rollback.step',
        service: 'api',
        status: 'failed',
        attempt: 1,
        reason: 'api.rollback exited with code 1',
      },
      {
        type: 'decision.taken',
        id: 'd2',
        kind: 'rollback-step',
        subject: 'api',
        choice: 'mark-resolved',
        by: 'alice',
        at: Date.now(),
      },
      { type: 'rollback.step', service: 'api', status: 'resolved-by-hand', attempt: 1 },
      { type: 'phase', phase: 'done' },
      finishedFact({ result: 'failed', reason: 'api unhealthy', restored: ['api'] }),
    ];
    source.pushAll(facts);
    const m = mount(source);
    await m.waitUntilExit();
    const f = m.frame();
    const services = section(f, 'services');
    expect(services).toHaveLength(1);
    expect(services[0]).toMatch(/api +resolved-by-hand .*marked resolved by hand by alice/);
    expect(f).not.toContain('rollback-failed');
    expect(f).not.toMatch(/^restored: /m);
    expect(f).toContain('resolved by hand (not checked by stagecraft): api');
  });

  it("during a rollback a service's probe counter is the rollback's own, not the one left from before", async () => {
    const source = new FakeSource(
      started(outline([{ name: 'data', services: ['db'] }], { maxAttempts: 1 })),
    );
    source.push({ type: 'phase', phase: 'activating' });
    source.push({ type: 'stage.status', stage: 'data', status: 'running' });
    pushRows(source, [row('db', 'healthy')]);
    source.push({ type: 'stage.status', stage: 'data', status: 'succeeded' });
    // Monitoring kept probing the healthy db: its passes went on counting.
    source.push({
      type: 'health.attempt',
      service: 'db',
      probe: 'tcp 127.0.0.1:5432',
      attempt: 49,
      of: 1,
      ok: true,
      detail: 'connected',
      durationMs: 1,
    });
    source.push({ type: 'phase', phase: 'rolling-back' });
    source.push({ type: 'rollback.started', steps: ['db'], cleanups: [], scope: 'all' });
    source.push({ type: 'rollback.step', service: 'db', status: 'started', attempt: 1 });
    const m = mount(source);
    await untilFrame(m, 'rolling back');
    expect(m.frame()).not.toContain('49/1');
    // (and its state is not cut to `rolling-ba…`)
    expect(m.frame()).toMatch(/db +rolling-back /);
    // The rollback's own health check of the restarted instance is what the row then shows.
    source.push({
      type: 'health.attempt',
      service: 'db',
      probe: 'tcp 127.0.0.1:5432',
      attempt: 0,
      of: 3,
      ok: false,
      detail: 'ECONNREFUSED',
      durationMs: 1,
    });
    await untilFrame(m, 'probe 0/3 · ECONNREFUSED');
    expect(m.frame()).not.toContain('49/1');
  });

  it("lists every check's verdict and measured value, passing ones included", async () => {
    const source = new FakeSource(started(outline([{ name: 'app', services: ['api'] }])));
    source.push({ type: 'phase', phase: 'activating' });
    source.push({ type: 'stage.status', stage: 'app', status: 'running' });
    pushRows(source, [row('api', 'healthy')]);
    source.push({ type: 'stage.status', stage: 'app', status: 'succeeded' });
    source.pushAll([
      {
        type: 'check',
        phase: 'readiness',
        service: 'api',
        name: 'performance',
        ok: true,
        detail: 'p95 7 ms ≤ 200 ms (20 samples)',
      },
      { type: 'check', phase: 'integration', name: 'web', ok: true, detail: '200 OK' },
      {
        type: 'check',
        phase: 'readiness',
        name: 'p95',
        ok: true,
        detail: 'p95 9 ms ≤ 300 ms (20 samples)',
        severity: 'critical',
        category: 'performance',
      },
      { type: 'phase', phase: 'done' },
      finishedFact({ result: 'succeeded' }),
    ]);
    const m = mount(source);
    await m.waitUntilExit();
    expect(section(m.frame(), 'checks')).toEqual([
      '  ✔ readiness api performance: p95 7 ms ≤ 200 ms (20 samples)',
      '  ✔ integration web: 200 OK',
      '  ✔ readiness p95: p95 9 ms ≤ 300 ms (20 samples)',
    ]);
  });
});
