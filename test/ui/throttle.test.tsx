import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceView } from '../../src/machines/selectors.js';
import { FakeActor, mount, row, unmountAll, until, untilFrame, view } from './helpers.js';

afterEach(unmountAll);

describe('render throttling', () => {
  it('turns a burst of 1,000 snapshot notifications into a few renders showing the latest state', async () => {
    // pending/healthy rows only: no spinner timer adds frames while we count
    const services: ServiceView[] = Array.from({ length: 500 }, (_, i) =>
      row(`svc-${i}`, 'pending'),
    );
    const actor = new FakeActor(view(services));
    const m = mount(actor, { columns: 100, rows: 30 });
    await untilFrame(m, '500 pending');
    const framesBefore = m.stdout.frames.length;
    const readsBefore = actor.getSnapshotCalls;
    for (let i = 0; i < 1000; i += 1) {
      const n = i % 500;
      actor.update((v) => ({
        ...v,
        services: v.services.map((s, j) => (j === n ? { ...s, state: 'healthy', attempt: 1 } : s)),
      }));
    }
    await untilFrame(m, '500 healthy');
    const renders = m.stdout.frames.length - framesBefore;
    expect(renders).toBeGreaterThanOrEqual(1);
    expect(renders).toBeLessThanOrEqual(4);
    expect(actor.getSnapshotCalls - readsBefore).toBeLessThanOrEqual(4);
  });

  it('keeps rendering at a bounded rate while updates keep coming', async () => {
    const actor = new FakeActor(view([row('api', 'pending')]));
    const m = mount(actor, { frameMs: 50 });
    await untilFrame(m, '1 pending');
    const start = Date.now();
    const framesBefore = m.stdout.frames.length;
    let n = 0;
    await until(() => {
      n += 1;
      actor.update((v) => ({ ...v, warnings: [`tick ${n}`] }));
      return Date.now() - start >= 500;
    }, 'half a second of updates');
    await untilFrame(m, `tick ${n}`);
    const renders = m.stdout.frames.length - framesBefore;
    // 500 ms at one frame per 50 ms, plus the clock's tick and the last flush
    expect(renders).toBeLessThanOrEqual(14);
    expect(n).toBeGreaterThan(renders);
  });
});
