/**
 * `stagecraft watch` tells the world: `/metrics` is served while it runs (metrics.listen), and a
 * service that fails fires StagecraftWatchFailed at the Alertmanager and tells the `watch-failed`
 * notification targets (both here one local HTTP server that records what it is posted); the
 * alert is resolved when the service passes again.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { freePort } from '../ui/tmux-kit.js';
import { makeProject, removeProject } from './helpers.js';
import { spawnWatch, startUpstream, type Upstream, type Watching } from './watch-kit.js';

interface PostedAlert {
  labels: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
}

interface HookBody {
  event: string;
  project: string;
  reason?: string;
}

let upstream: Upstream | undefined;
let alertmanager: Server | undefined;
let dir: string | undefined;
let watching: Watching | undefined;
afterEach(async () => {
  if (watching !== undefined && watching.child.exitCode === null) {
    watching.child.kill('SIGKILL');
    await watching.exited;
  }
  watching = undefined;
  await upstream?.close();
  upstream = undefined;
  const am = alertmanager;
  alertmanager = undefined;
  if (am !== undefined) {
    am.closeAllConnections();
    await new Promise((r) => am.close(r));
  }
  await removeProject(dir);
  dir = undefined;
});

/**
 * A stand-in Alertmanager on port 0 that keeps every alert posted to it; `/hook` is a webhook
 * notification target that keeps every body.
 */
function recordingAlertmanager(posted: PostedAlert[], hooked: HookBody[]): Promise<number> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (s: string) => (body += s));
    req.on('end', () => {
      if (req.url === '/api/v2/alerts') posted.push(...(JSON.parse(body) as PostedAlert[]));
      if (req.url === '/hook') hooked.push(JSON.parse(body) as HookBody);
      res.end();
    });
  });
  alertmanager = server;
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => done((server.address() as AddressInfo).port)),
  );
}

async function until(check: () => boolean, what: string, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('stagecraft watch with monitoring', () => {
  test('serves /metrics while it runs, fires the alert and notifies when a service fails, and resolves the alert when it recovers', async () => {
    upstream = await startUpstream();
    const posted: PostedAlert[] = [];
    const hooked: HookBody[] = [];
    const amPort = await recordingAlertmanager(posted, hooked);
    const metricsPort = await freePort();
    dir = await makeProject({
      'stagecraft.config.yaml': `name: wshop
monitoring:
  watchInterval: 200ms
  metrics: { listen: "127.0.0.1:${metricsPort}" }
  alerts: { alertmanager: "http://127.0.0.1:${amPort}" }
notify:
  - webhook: "http://127.0.0.1:${amPort}/hook"
    on: [watch-failed]
services:
  api:
    activate: "true"
    health: { http: "http://127.0.0.1:${upstream.port}/" }
`,
    });
    watching = spawnWatch(dir, ['--for', '5s', '--plain']);
    await watching.waitFor(/ api +healthy/);
    const scraped = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(scraped).toContain('stagecraft_probe_results_total');

    upstream.setHealthy(false);
    await watching.waitFor(/ api +unhealthy .*503/);
    await until(() => posted.some((a) => a.endsAt === undefined), 'the alert to fire');
    await until(() => hooked.length > 0, 'the watch-failed notification');
    expect(hooked[0]).toMatchObject({ event: 'watch-failed', project: 'wshop' });
    expect(hooked[0]?.reason).toMatch(/^api: .*503/);
    upstream.setHealthy(true);
    await watching.waitFor(/ api +unhealthy[^]* api +healthy/);
    await until(() => posted.some((a) => a.endsAt !== undefined), 'the alert to resolve');

    expect(await watching.exited).toBe(0);
    const [fired, resolved] = [posted[0], posted.at(-1)];
    expect(fired?.labels).toMatchObject({
      alertname: 'StagecraftWatchFailed',
      project: 'wshop',
      service: 'api',
    });
    expect(resolved?.labels).toEqual(fired?.labels);
    expect(watching.stdout()).toMatch(/^watch ended after .*: every service healthy$/m);
  });

  test('an Alertmanager that does not answer is a warning on stderr at the end, not a failure of the watch', async () => {
    upstream = await startUpstream();
    const closed = await freePort();
    dir = await makeProject({
      'stagecraft.config.yaml': `name: wshop
monitoring:
  watchInterval: 200ms
  alerts: { alertmanager: "http://127.0.0.1:${closed}" }
services:
  api:
    activate: "true"
    health: { http: "http://127.0.0.1:${upstream.port}/" }
`,
    });
    watching = spawnWatch(dir, ['--for', '3s', '--plain']);
    await watching.waitFor(/ api +healthy/);
    upstream.setHealthy(false);
    await watching.waitFor(/ api +unhealthy .*503/);
    upstream.setHealthy(true);
    expect(await watching.exited).toBe(0);
    expect(watching.stderr()).toMatch(
      new RegExp(
        `^stagecraft: warning: Alertmanager http://127\\.0\\.0\\.1:${closed} unreachable: ECONNREFUSED$`,
        'm',
      ),
    );
  });
});
