import { afterEach, describe, expect, it } from 'vitest';
import type { DeploymentView } from '../../src/machines/selectors.js';
import { FakeActor, mount, row, unmountAll, untilFrame, view } from './helpers.js';

afterEach(unmountAll);

const t = Date.now() - 10_000;
const finished = (extra: Partial<DeploymentView>): DeploymentView =>
  view(
    [
      row('db', 'rolled-back', { startedAt: t, finishedAt: t + 800 }),
      row('migrate', 'rolled-back', { startedAt: t + 900, finishedAt: t + 1000 }),
      row('api', 'unhealthy', {
        startedAt: t + 1200,
        finishedAt: t + 6200,
        reason: 'health: GET /healthz answered 503 5 times in 5.0s',
      }),
    ],
    {
      phase: 'done',
      stages: [
        {
          name: 'data',
          status: 'succeeded',
          startedAt: t,
          finishedAt: t + 1100,
          services: ['db', 'migrate'],
        },
        {
          name: 'app',
          status: 'failed',
          startedAt: t + 1200,
          finishedAt: t + 6200,
          services: ['api'],
        },
      ],
      ...extra,
    },
  );

describe('the final screen', () => {
  it('shows the result, the reason, stages and services, what was restored, where logs and journal are, and the exit code; then exits', async () => {
    const actor = new FakeActor(
      finished({
        result: {
          result: 'failed',
          exitCode: 1,
          reason: 'api unhealthy: health: GET /healthz answered 503 5 times in 5.0s',
          restored: ['api', 'migrate', 'db', 'release-dir'],
          notRestored: [],
        },
      }),
    );
    const m = mount(actor, {
      logDir: '/srv/shop/.stagecraft/logs',
      journalPath: '/srv/shop/.stagecraft/journal/dep-1.ndjson',
    });
    await m.waitUntilExit();
    const f = m.frame();
    expect(f).toContain('✖ deployment failed · exit code 1');
    expect(f).toContain('reason: api unhealthy: health: GET /healthz answered 503 5 times');
    expect(f).toMatch(/✔ data +succeeded +1\.1s/);
    expect(f).toMatch(/✖ app +failed +5\.0s/);
    expect(f).toMatch(/✖ api +unhealthy +5\.0s +health: GET/);
    expect(f).toMatch(/↺ db +rolled-back/);
    expect(f).toContain('restored: api, migrate, db, release-dir');
    expect(f).toContain('logs: /srv/shop/.stagecraft/logs');
    expect(f).toContain('journal: /srv/shop/.stagecraft/journal/dep-1.ndjson');
    expect(f).toContain('exit code 1');
  });

  it('lists what was not restored after an incomplete rollback', async () => {
    const actor = new FakeActor(
      finished({
        result: {
          result: 'rollback-incomplete',
          exitCode: 3,
          reason: 'api unhealthy; rollback incomplete',
          restored: ['api'],
          notRestored: [{ name: 'migrate', reason: 'rollback command exited 1' }],
        },
      }),
    );
    const m = mount(actor);
    await m.waitUntilExit();
    expect(m.frame()).toContain('rollback incomplete: manual intervention needed · exit code 3');
    expect(m.frame()).toContain('NOT restored: migrate: rollback command exited 1');
  });

  it('appears when the running deployment finishes, replacing the live rows and the prompt', async () => {
    const actor = new FakeActor(view([row('api', 'checking')]));
    const m = mount(actor);
    await untilFrame(m, 'q interrupt');
    actor.update((v) => ({
      ...v,
      phase: 'done',
      services: [row('api', 'healthy')],
      stages: v.stages.map((s) => ({ ...s, status: 'succeeded' as const, finishedAt: Date.now() })),
      result: { result: 'succeeded', exitCode: 0 },
    }));
    await m.waitUntilExit();
    expect(m.frame()).toContain('✔ deployment succeeded · exit code 0');
    expect(m.frame()).not.toContain('q interrupt');
  });

  it('summarises hundreds of services by listing only those that are not healthy', async () => {
    const services = Array.from({ length: 300 }, (_, i) =>
      row(`svc-${i}`, i === 7 ? 'degraded' : 'healthy', i === 7 ? { reason: 'slow' } : {}),
    );
    const actor = new FakeActor(
      view(services, {
        phase: 'done',
        stages: [
          {
            name: 'all',
            status: 'succeeded',
            startedAt: t,
            finishedAt: t + 100,
            services: services.map((s) => s.name),
          },
        ],
        warnings: ['svc-7 is degraded: slow'],
        result: {
          result: 'succeeded-with-warnings',
          exitCode: 0,
          reason: 'svc-7 is degraded: slow',
        },
      }),
    );
    const m = mount(actor);
    await m.waitUntilExit();
    expect(m.frame()).toMatch(/▲ svc-7 +degraded/);
    expect(m.frame()).toContain('… and 299 more');
    expect(m.frame()).toContain('warning: svc-7 is degraded: slow');
    expect(m.frame().split('\n').length).toBeLessThan(40);
  });
});

describe('waitUntilExit', () => {
  it('settles even when asked only after the UI has already exited', async () => {
    const actor = new FakeActor(finished({ result: { result: 'succeeded', exitCode: 0 } }));
    const m = mount(actor);
    await untilFrame(m, 'exit code 0');
    await new Promise((r) => setImmediate(r));
    m.unmount();
    await expect(m.waitUntilExit()).resolves.toBeUndefined();
  });
});
