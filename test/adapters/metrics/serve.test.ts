import { afterEach, expect, test } from 'vitest';
import { createDeploymentMetrics } from '../../../src/adapters/metrics/registry.js';
import { serveMetrics, type MetricsServer } from '../../../src/adapters/metrics/serve.js';
import { journal } from '../../record/journals.js';

const open: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

test('/metrics answers the registry text with the exposition content type; other paths 404', async () => {
  const metrics = createDeploymentMetrics({ project: 'local-stack' });
  for (const fact of await journal('local-stack-succeeded')) metrics.observe(fact);
  const served = await serveMetrics(metrics, { host: '127.0.0.1', port: 0 });
  if (!served.ok) throw new Error(served.detail);
  open.push(served.server);
  expect(served.server.url).toBe(`http://127.0.0.1:${served.server.port}/metrics`);
  const res = await fetch(served.server.url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  expect(await res.text()).toBe(await metrics.text());
  const other = await fetch(`http://127.0.0.1:${served.server.port}/`);
  expect(other.status).toBe(404);
  await other.arrayBuffer();
});

test('a port already taken gives a failed outcome naming the address', async () => {
  const metrics = createDeploymentMetrics({ project: 'p' });
  const first = await serveMetrics(metrics, { host: '127.0.0.1', port: 0 });
  if (!first.ok) throw new Error(first.detail);
  open.push(first.server);
  const second = await serveMetrics(metrics, { host: '127.0.0.1', port: first.server.port });
  expect(second).toEqual({
    ok: false,
    detail: `metrics endpoint 127.0.0.1:${first.server.port} not served: EADDRINUSE`,
  });
});
