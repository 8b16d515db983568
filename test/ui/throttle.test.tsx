import { afterEach, describe, expect, it } from 'vitest';
import { liveRun, mount, row, unmountAll, until, untilFrame } from './helpers.js';

afterEach(unmountAll);

describe('render throttling', () => {
  it('turns a burst of 1,000 facts into a few renders showing the latest state', async () => {
    // pending/healthy rows only: no spinner timer adds frames while we count
    const source = liveRun(Array.from({ length: 500 }, (_, i) => row(`svc-${i}`, 'pending')));
    const m = mount(source, { columns: 100, rows: 30 });
    await untilFrame(m, '500 pending');
    const framesBefore = m.stdout.frames.length;
    const readsBefore = source.reads;
    for (let i = 0; i < 1000; i += 1) {
      const n = i % 500;
      source.push({
        type: 'service.state',
        service: `svc-${n}`,
        state: i < 500 ? 'activating' : 'healthy',
        attempt: 1,
        maxAttempts: 1,
      });
    }
    await untilFrame(m, '500 healthy');
    const renders = m.stdout.frames.length - framesBefore;
    expect(renders).toBeGreaterThanOrEqual(1);
    expect(renders).toBeLessThanOrEqual(4);
    // One selection per render, not one per fact (each render also reads the record's version).
    expect(source.reads - readsBefore).toBeLessThanOrEqual(2 * renders);
  });

  it('keeps rendering at a bounded rate while facts keep coming', async () => {
    const source = liveRun([row('api', 'pending')]);
    const m = mount(source, { frameMs: 50 });
    await untilFrame(m, '1 pending');
    const start = Date.now();
    const framesBefore = m.stdout.frames.length;
    let n = 0;
    await until(() => {
      n += 1;
      source.push({ type: 'warning', message: `tick ${n}` });
      return Date.now() - start >= 500;
    }, 'half a second of facts');
    await untilFrame(m, `tick ${n}`);
    const renders = m.stdout.frames.length - framesBefore;
    // 500 ms at one frame per 50 ms, plus the clock's tick and the last flush
    expect(renders).toBeLessThanOrEqual(14);
    expect(n).toBeGreaterThan(renders);
  });

  it('stops listening to the source when the screen unmounts', async () => {
    const source = liveRun([row('api', 'pending')]);
    const m = mount(source);
    await untilFrame(m, '1 pending');
    expect(source.listenerCount).toBe(1);
    m.unmount();
    await until(() => source.listenerCount === 0, 'the unsubscription');
  });
});
