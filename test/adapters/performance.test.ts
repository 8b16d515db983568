import { afterEach, describe, expect, test } from 'vitest';
import { measurePerformance, percentile } from '../../src/adapters/performance.js';
import { startServer, type TestServer } from './effect-helpers.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function latencyServer(ms: number, status = 200): Promise<TestServer> {
  const server = await startServer((_req, res) =>
    setTimeout(() => res.writeHead(status).end('ok'), ms),
  );
  servers.push(server);
  return server;
}

describe('measurePerformance', () => {
  test('a server with ~5 ms latency passes a 1 s p95 (a loaded machine adds hundreds of ms)', async () => {
    const s = await latencyServer(5);
    const outcome = await measurePerformance({
      url: s.url,
      samples: 10,
      p95Ms: 1000,
      timeoutMs: 2000,
    });
    expect(outcome).toMatchObject({ ok: true, samples: 10, failures: 0 });
    expect(outcome.p95Ms).toBeGreaterThanOrEqual(4);
    expect(outcome.detail).toMatch(/^p95 \d+ ms ≤ 1000 ms \(10 samples\)$/);
  });

  test('a server with 100 ms latency fails a 20 ms p95', async () => {
    const s = await latencyServer(100);
    const outcome = await measurePerformance({
      url: s.url,
      samples: 3,
      p95Ms: 20,
      timeoutMs: 2000,
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.p95Ms).toBeGreaterThanOrEqual(95);
    expect(outcome.detail).toContain('> 20 ms');
  });

  test('failed samples fail the baseline even when fast', async () => {
    const s = await latencyServer(0, 500);
    const outcome = await measurePerformance({
      url: s.url,
      samples: 4,
      p95Ms: 1000,
      timeoutMs: 2000,
    });
    expect(outcome).toMatchObject({ ok: false, failures: 4 });
    expect(outcome.detail).toContain('4 failed (last: 500 (expected 2xx|3xx))');
  });

  test('an aborted signal stops sampling', async () => {
    const s = await latencyServer(0);
    const outcome = await measurePerformance(
      { url: s.url, samples: 50, p95Ms: 1000, timeoutMs: 2000 },
      AbortSignal.abort(),
    );
    expect(outcome).toMatchObject({ ok: false, samples: 0 });
  });

  test('percentile uses the nearest rank', () => {
    const values = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(percentile(values, 95)).toBe(19);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 95)).toBe(0);
  });
});
