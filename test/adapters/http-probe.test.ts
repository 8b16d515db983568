import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import type { HttpProbeSpec } from '../../src/config/plan-types.js';
import { httpGet, httpProbe, statusAccepted } from '../../src/adapters/http-probe.js';
import { closedPort, startServer, until, type TestServer } from './effect-helpers.js';

const servers: TestServer[] = [];
const timers: NodeJS.Timeout[] = [];
afterEach(async () => {
  timers.splice(0).forEach(clearTimeout);
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}
const spec = (url: string, extra: Partial<HttpProbeSpec> = {}): HttpProbeSpec => ({
  url,
  method: 'GET',
  status: [200],
  headers: {},
  ...extra,
});
const reply =
  (status: number, body = '') =>
  (_req: unknown, res: ServerResponse) =>
    res.writeHead(status).end(body);

describe('httpProbe', () => {
  test('passes on 200 with detail "200 OK"', async () => {
    const s = await serve(reply(200, 'fine'));
    const outcome = await httpProbe(spec(`${s.url}/healthz`), 2000);
    expect(outcome).toMatchObject({ ok: true, detail: '200 OK', status: 200 });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
  });

  test('fails on a wrong status and says what was expected', async () => {
    const s = await serve(reply(503, 'down'));
    expect(await httpProbe(spec(s.url), 2000)).toMatchObject({
      ok: false,
      detail: '503 (expected 200)',
      status: 503,
    });
  });

  test('accepts a status class like 2xx', async () => {
    const s = await serve(reply(204));
    expect(await httpProbe(spec(s.url, { status: ['2xx'] }), 2000)).toMatchObject({
      ok: true,
      status: 204,
    });
    expect(statusAccepted(302, ['2xx'])).toBe(false);
    expect(statusAccepted(302, [200, '3xx'])).toBe(true);
  });

  test('sends the method and headers of the spec', async () => {
    const s = await serve((req, res) =>
      res.writeHead(req.method === 'HEAD' && req.headers['x-probe'] === 'yes' ? 200 : 400).end(),
    );
    expect(
      (await httpProbe(spec(s.url, { method: 'HEAD', headers: { 'x-probe': 'yes' } }), 2000)).ok,
    ).toBe(true);
  });

  test('matches the body by substring and by /regex/', async () => {
    const s = await serve(reply(200, '{"status":"ok","version":"1.2.3"}'));
    expect((await httpProbe(spec(s.url, { body: '"status":"ok"' }), 2000)).ok).toBe(true);
    expect((await httpProbe(spec(s.url, { body: '/version":"1\\.\\d+/' }), 2000)).ok).toBe(true);
    expect((await httpProbe(spec(s.url, { body: '/OK/i' }), 2000)).ok).toBe(true);
  });

  test('reports a body mismatch for a substring and a /regex/', async () => {
    const s = await serve(reply(200, 'starting'));
    expect(await httpProbe(spec(s.url, { body: '/ok/' }), 2000)).toMatchObject({
      ok: false,
      detail: 'body did not match /ok/',
      status: 200,
    });
    expect(await httpProbe(spec(s.url, { body: 'ready' }), 2000)).toMatchObject({
      ok: false,
      detail: 'body did not contain "ready"',
    });
  });

  test('a slow server times out close to the deadline', async () => {
    const s = await serve((_req, res) => timers.push(setTimeout(() => res.end('late'), 3000)));
    const outcome = await httpProbe(spec(s.url), 300);
    expect(outcome).toMatchObject({ ok: false, detail: 'timeout after 300 ms' });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(280);
    expect(outcome.durationMs).toBeLessThan(800);
  });

  test('a server that never answers times out', async () => {
    const s = await serve(() => undefined);
    const outcome = await httpProbe(spec(s.url), 200);
    expect(outcome).toMatchObject({ ok: false, detail: 'timeout after 200 ms' });
    expect(outcome.durationMs).toBeLessThan(700);
  });

  test('a server that sends headers then stalls the body times out while matching', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    expect(await httpProbe(spec(s.url, { body: 'ok' }), 250)).toMatchObject({
      ok: false,
      detail: 'timeout after 250 ms',
    });
  });

  test('a reset connection is reported as such', async () => {
    const s = await serve((req) => req.socket.destroy());
    expect(await httpProbe(spec(s.url), 2000)).toMatchObject({
      ok: false,
      detail: 'connection reset',
    });
  });

  test('a closed port is reported as ECONNREFUSED', async () => {
    const port = await closedPort();
    expect(await httpProbe(spec(`http://127.0.0.1:${port}/`), 2000)).toMatchObject({
      ok: false,
      detail: 'ECONNREFUSED',
    });
  });

  test('aborting the signal cancels the request', async () => {
    let received = false;
    const s = await serve(() => {
      received = true;
    });
    const controller = new AbortController();
    const pending = httpProbe(spec(s.url), 10_000, controller.signal);
    await until('the server to receive the request', () => received);
    controller.abort();
    const outcome = await pending;
    expect(outcome).toMatchObject({ ok: false, detail: 'canceled' });
    expect(outcome.durationMs).toBeLessThan(2000);
  });

  test('an invalid URL is a failed outcome, not a throw', async () => {
    const outcome = await httpProbe(spec('not a url'), 1000);
    expect(outcome.ok).toBe(false);
    expect(outcome.detail).not.toBe('');
  });
});

describe('httpGet', () => {
  test('is ok for 2xx and 3xx and not for 4xx', async () => {
    const s = await serve((req, res) =>
      res.writeHead(req.url === '/missing' ? 404 : req.url === '/moved' ? 301 : 200).end(),
    );
    expect(await httpGet(s.url, 1000)).toMatchObject({ ok: true, status: 200 });
    expect(await httpGet(`${s.url}/moved`, 1000)).toMatchObject({ ok: true, status: 301 });
    expect(await httpGet(`${s.url}/missing`, 1000)).toMatchObject({ ok: false, status: 404 });
  });
});
