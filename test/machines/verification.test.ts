import { afterEach, describe, expect, it } from 'vitest';
import { check, readiness, startVerification } from './verification-harness.js';

let running: Array<ReturnType<typeof startVerification>> = [];
const start = (...args: Parameters<typeof startVerification>) => {
  const h = startVerification(...args);
  running.push(h);
  return h;
};
afterEach(() => {
  for (const h of running) h.actor.stop();
  running = [];
});

describe('verificationMachine', () => {
  it('is ready when every integration and readiness check passes, run in order', async () => {
    const h = start(
      {
        integration: [check('e2e'), check('smoke')],
        readiness: [
          readiness.probe('alerts'),
          readiness.performance('p95'),
          readiness.file('runbook', '/r/RUNBOOK.md'),
        ],
      },
      { files: ['/r/RUNBOOK.md'] },
    );
    const out = await h.finished();
    expect(h.calls()).toEqual([
      'probe integration.e2e',
      'probe integration.smoke',
      'probe readiness.alerts',
      'performance readiness.p95',
      'file /r/RUNBOOK.md',
    ]);
    expect(out.integration).toEqual({ ok: true, failures: [] });
    expect(out.readiness).toBe('ready');
    expect(out.findings.map((f) => [f.name, f.category, f.severity, f.ok])).toEqual([
      ['alerts', 'operational', 'critical', true],
      ['p95', 'performance', 'critical', true],
      ['runbook', 'documentation', 'warning', true],
    ]);
    expect(h.rec.of('check').map((c) => `${c.phase}:${c.name}:${String(c.ok)}`)).toEqual([
      'integration:e2e:true',
      'integration:smoke:true',
      'readiness:alerts:true',
      'readiness:p95:true',
      'readiness:runbook:true',
    ]);
  });

  it('reports every failing integration check with its detail and skips readiness', async () => {
    const h = start(
      {
        integration: [check('e2e'), check('smoke'), check('api')],
        readiness: [readiness.probe('alerts')],
      },
      {
        failProbes: {
          'integration.e2e': 'exit code 1',
          'integration.api': 'timeout after 1000 ms',
        },
      },
    );
    const out = await h.finished();
    expect(out).toEqual({
      integration: {
        ok: false,
        failures: [
          { name: 'e2e', detail: 'exit code 1' },
          { name: 'api', detail: 'timeout after 1000 ms' },
        ],
      },
      readiness: 'not-ready',
      findings: [],
    });
    expect(h.calls()).not.toContain('probe readiness.alerts');
    expect(h.rec.facts).toEqual([
      { type: 'check', phase: 'integration', name: 'e2e', ok: false, detail: 'exit code 1' },
      { type: 'check', phase: 'integration', name: 'smoke', ok: true, detail: '200 OK' },
      {
        type: 'check',
        phase: 'integration',
        name: 'api',
        ok: false,
        detail: 'timeout after 1000 ms',
      },
    ]);
  });

  it('counts an integration check whose actor throws as failed, with the error', async () => {
    const h = start(
      { integration: [check('e2e')], readiness: [] },
      { throwProbes: ['integration.e2e'] },
    );
    const out = await h.finished();
    expect(out.integration.failures).toEqual([
      { name: 'e2e', detail: 'check failed to run: adapter crashed' },
    ]);
  });

  it('is not ready when a critical readiness check fails', async () => {
    const h = start(
      {
        integration: [],
        readiness: [readiness.performance('p95', 'critical'), readiness.probe('alerts', 'warning')],
      },
      { p95: { 'readiness.p95': 450 } },
    );
    const out = await h.finished();
    expect(out.readiness).toBe('not-ready');
    expect(out.findings[0]).toEqual({
      name: 'p95',
      category: 'performance',
      severity: 'critical',
      ok: false,
      detail: 'p95 450 ms (limit 300 ms)',
    });
  });

  it('is ready with warnings when only warning checks fail', async () => {
    const h = start(
      {
        integration: [check('e2e')],
        readiness: [readiness.probe('alerts', 'warning'), readiness.performance('p95')],
      },
      { failProbes: { 'readiness.alerts': '503 (expected 200)' } },
    );
    const out = await h.finished();
    expect(out.readiness).toBe('ready-with-warnings');
    expect(h.rec.of('check').filter((c) => c.phase === 'readiness')).toEqual([
      {
        type: 'check',
        phase: 'readiness',
        name: 'alerts',
        ok: false,
        detail: '503 (expected 200)',
        severity: 'warning',
        category: 'operational',
      },
      {
        type: 'check',
        phase: 'readiness',
        name: 'p95',
        ok: true,
        detail: 'p95 100 ms (limit 300 ms)',
        severity: 'critical',
        category: 'performance',
      },
    ]);
    expect(out.findings.filter((f) => !f.ok)).toEqual([
      {
        name: 'alerts',
        category: 'operational',
        severity: 'warning',
        ok: false,
        detail: '503 (expected 200)',
      },
    ]);
  });

  it('checks that a readiness file exists', async () => {
    const h = start({
      integration: [],
      readiness: [readiness.file('runbook', '/r/RUNBOOK.md', 'critical')],
    });
    const out = await h.finished();
    expect(out.findings).toEqual([
      {
        name: 'runbook',
        category: 'documentation',
        severity: 'critical',
        ok: false,
        detail: '/r/RUNBOOK.md not found',
      },
    ]);
    expect(out.readiness).toBe('not-ready');
  });

  it('records a readiness check with nothing to check as a failing finding', async () => {
    const h = start({
      integration: [],
      readiness: [
        { name: 'empty', category: 'security', severity: 'warning' },
        readiness.probe('alerts'),
      ],
    });
    const out = await h.finished();
    expect(out.findings.map((f) => [f.name, f.ok])).toEqual([
      ['empty', false],
      ['alerts', true],
    ]);
    expect(out.readiness).toBe('ready-with-warnings');
  });

  it('is ready at once when there is nothing to verify', async () => {
    const h = start({ integration: [], readiness: [] });
    expect(await h.finished()).toEqual({
      integration: { ok: true, failures: [] },
      readiness: 'ready',
      findings: [],
    });
  });
});
