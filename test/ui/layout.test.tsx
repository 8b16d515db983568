import { afterEach, describe, expect, it } from 'vitest';
import {
  FakeSource,
  decision,
  keys,
  liveRun,
  mount,
  outline,
  pushRows,
  row,
  started,
  unmountAll,
  until,
  untilFrame,
  type Row,
} from './helpers.js';

afterEach(unmountAll);

const width = (line: string) => [...line].length;
const many = (n: number): Row[] =>
  Array.from({ length: n }, (_, i) =>
    row(
      `svc-${String(i).padStart(3, '0')}`,
      i % 3 === 0 ? 'healthy' : i % 3 === 1 ? 'checking' : 'pending',
    ),
  );
/** Lines the live region takes: everything after the static stage summary (`✔ stage data ...`). */
const liveLines = (frame: string) =>
  frame.split('\n').filter((l) => !l.startsWith('✔ stage data')).length;

describe('the live view', () => {
  it('shows the header, the current stage, and each row with its probe attempt', async () => {
    const now = Date.now();
    const services = [
      row('db', 'healthy', { startedAt: now - 900, finishedAt: now - 100 }),
      row('api', 'checking', {
        startedAt: now - 3000,
        probe: { attempt: 2, of: 3, ok: false, detail: '503', durationMs: 12 },
      }),
    ];
    const m = mount(liveRun(services));
    await untilFrame(m, 'probe 2/3 · 503 · 12 ms');
    const f = m.frame();
    expect(f).toContain('stagecraft shop → staging · dep-20261126-0001 · activating');
    expect(f).toContain('stage app (2/2) running');
    expect(f).toMatch(/✔ db +healthy +800ms/);
    expect(f).toContain('✔ stage data succeeded · 1.2s');
  });

  it('makes degraded services and warnings stand out with their reason', async () => {
    const services = [
      row('api', 'healthy'),
      row('worker', 'degraded', { verdict: 'degraded', reason: 'p95 412 ms > 200 ms' }),
    ];
    const m = mount(
      liveRun(services, {
        warnings: ['readiness runbook (documentation, warning): RUNBOOK.md missing'],
      }),
    );
    await untilFrame(m, 'p95 412 ms > 200 ms');
    expect(m.frame()).toMatch(/▲ worker +degraded/);
    expect(m.frame()).toContain('▲ readiness runbook');
    expect(m.frame()).toContain('1 degraded · 1 healthy');
  });

  it('cuts long names and reasons at 80 columns instead of wrapping them', async () => {
    const long = 'a-service-with-a-name-far-longer-than-any-column-could-ever-hold';
    const services = [
      row(long, 'unhealthy', { reason: `${'GET /healthz answered 503 '.repeat(8)}end` }),
    ];
    const m = mount(liveRun(services, { decision: decision({ subject: long }) }), {
      columns: 80,
      rows: 24,
    });
    await untilFrame(m, '[b] roll back');
    const lines = m.frame().split('\n');
    expect(Math.max(...lines.map(width))).toBeLessThanOrEqual(80);
    expect(m.frame()).toContain('a-service-with-a-name-f…');
    expect(m.frame()).not.toContain('end');
  });

  it('keeps 250 services within a 24-line terminal: counts, a window of rows, and the prompt', async () => {
    const m = mount(liveRun(many(250), { decision: decision({ subject: 'svc-100' }) }), {
      columns: 80,
      rows: 24,
    });
    await untilFrame(m, '[a] abort');
    expect(liveLines(m.frame())).toBeLessThanOrEqual(24);
    expect(m.frame()).toContain('of 250');
    expect(m.frame()).toContain('83 checking · 83 pending · 84 healthy');
    expect(m.frame()).toContain('svc-100');
    expect(m.frame()).not.toContain('svc-000');
  });

  it('keeps 250 services within the terminal without a prompt, with the output tail open', async () => {
    const m = mount(liveRun(many(250)), {
      columns: 80,
      rows: 24,
      logTail: (s) => Array.from({ length: 50 }, (_, i) => `${s} line ${i}`),
    });
    await untilFrame(m, 'of 250');
    m.stdin.write('l');
    await untilFrame(m, 'svc-000 line 49');
    expect(liveLines(m.frame())).toBeLessThanOrEqual(24);
  });

  it('scrolls the window with ↓ so the selected row stays visible', async () => {
    const m = mount(liveRun(many(250)), { columns: 80, rows: 24 });
    await untilFrame(m, '›');
    for (let i = 0; i < 40; i += 1) m.stdin.write(keys.down);
    await until(
      () => /›. svc-040/.test(m.frame()),
      () => `svc-040 selected in\n${m.frame()}`,
    );
    expect(m.frame()).not.toContain('svc-000');
    m.stdin.write(keys.up);
    await untilFrame(m, '›✔ svc-039');
  });

  it('l toggles the output tail of the selected service and ? the help', async () => {
    const services = [row('db', 'healthy'), row('api', 'checking')];
    const m = mount(liveRun(services), {
      logTail: (s) => [`${s}: listening on 18080`],
    });
    await untilFrame(m, 'q interrupt');
    m.stdin.write(keys.down);
    m.stdin.write('l');
    await untilFrame(m, 'api: listening on 18080');
    m.stdin.write('l');
    await untilFrame(m, 'l output');
    expect(m.frame()).not.toContain('listening');
    m.stdin.write('?');
    await untilFrame(m, 'close this help');
    m.stdin.write('?');
    await until(() => !m.frame().includes('close this help'), 'the help to close');
  });

  it('selects the failed service when a failure prompt appears', async () => {
    const services = [row('db', 'healthy'), row('api', 'unhealthy', { reason: '503' })];
    const m = mount(liveRun(services, { decision: decision({ subject: 'api' }) }));
    await untilFrame(m, '›✖ api');
  });

  it('follows the facts as they arrive: a service activating, probing, then healthy', async () => {
    const source = liveRun([row('db', 'healthy'), row('api')]);
    const m = mount(source);
    await untilFrame(m, '1 pending · 1 healthy');
    source.push({
      type: 'service.state',
      service: 'api',
      state: 'activating',
      attempt: 1,
      maxAttempts: 1,
    });
    await untilFrame(m, '1 activating · 1 healthy');
    source.push({
      type: 'service.state',
      service: 'api',
      state: 'checking',
      attempt: 1,
      maxAttempts: 1,
    });
    source.push({
      type: 'health.attempt',
      service: 'api',
      probe: 'http',
      attempt: 1,
      of: 3,
      ok: false,
      detail: 'ECONNREFUSED',
      durationMs: 3,
    });
    await untilFrame(m, 'probe 1/3 · ECONNREFUSED · 3 ms');
    source.push({
      type: 'service.state',
      service: 'api',
      state: 'healthy',
      attempt: 1,
      maxAttempts: 1,
    });
    await untilFrame(m, '2 healthy');
    expect(m.frame()).toMatch(/✔ api +healthy/);
  });
});

describe('a plan without stages: its dependency layers', () => {
  /** db (layer-1) ← api, worker (layer-2); web (layer-3) depends on worker; one implicit stage. */
  function layered(): FakeSource {
    const plan = outline(
      [
        { name: 'layer-1', services: ['db'] },
        { name: 'layer-2', services: ['api', 'worker'] },
        { name: 'layer-3', services: ['web'] },
      ],
      { implicit: true },
    );
    const t = Date.now() - 4000;
    const source = new FakeSource(started(plan), t);
    source.push({ type: 'phase', phase: 'activating' }, t);
    source.push({ type: 'stage.status', stage: 'all', status: 'running' }, t);
    return source;
  }

  it('shows every running layer at once, with the rows of each, and finished layers above', async () => {
    const source = layered();
    pushRows(source, [
      row('db', 'healthy', { startedAt: Date.now() - 3000, finishedAt: Date.now() - 2000 }),
      row('api', 'checking'),
    ]);
    const m = mount(source);
    await untilFrame(m, 'layer-2 of 3 layers (services start as their dependencies are healthy)');
    expect(m.frame()).toMatch(/✔ stage layer-1 succeeded · 1\.0s/);
    expect(m.frame()).toMatch(/api +checking/);
    expect(m.frame()).toMatch(/worker +pending/);
    expect(m.frame()).not.toContain('web');
    // web starts once worker is healthy, while api (its layer's sibling) is still checking
    pushRows(source, [row('worker', 'healthy'), row('web', 'activating')]);
    await untilFrame(m, 'layer-2, layer-3 of 3 layers');
    expect(m.frame()).toMatch(/web +activating/);
    expect(m.frame()).toMatch(/api +checking/);
    expect(m.frame()).toContain('3 services');
  });
});
