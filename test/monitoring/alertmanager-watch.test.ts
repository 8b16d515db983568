/**
 * A watched service that dies fires StagecraftWatchFailed in a real Alertmanager (Debian's
 * binary, a child of the test) under `onWatchFailure: alert`, and the alert is resolved when the
 * service is back — all while the built CLI's watch window runs.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  freePort,
  monitoringUnavailable,
  startMonitoring,
  type MonitoringServers,
} from '../adapters/metrics/servers.js';
import {
  cleanProjects,
  deploy,
  get,
  journaled,
  project,
  startApp,
  stopChild,
  waitFor,
} from './helpers.js';

const unavailable = monitoringUnavailable();
if (unavailable !== undefined) console.log(`alertmanager end-to-end tests skipped: ${unavailable}`);

let servers: MonitoringServers;
let revived: ChildProcess | undefined;
beforeAll(async () => {
  if (unavailable !== undefined) return;
  servers = await startMonitoring([]);
});
afterAll(async () => {
  await stopChild(revived);
  await cleanProjects();
  if (unavailable === undefined) await servers.stop();
});

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string };
}

/** The Alertmanager's alerts named `alertname` (the API's filters as given). */
async function alerts(alertname: string, query = ''): Promise<AmAlert[]> {
  const { status, text } = await get(`${servers.alertmanager}/api/v2/alerts${query}`);
  if (status !== 200) throw new Error(`Alertmanager answered ${status}: ${text}`);
  return (JSON.parse(text) as AmAlert[]).filter((a) => a.labels.alertname === alertname);
}

describe.skipIf(unavailable !== undefined)('a failed watch alerts (real Alertmanager)', () => {
  test('a killed service fires StagecraftWatchFailed; back up, the alert is resolved', async () => {
    const appPort = await freePort();
    const dir = await project(`name: alerted
vars: { APP_PORT: "${appPort}" }
monitoring:
  watch: 20s
  watchInterval: 300ms
  onWatchFailure: alert
  alerts: { alertmanager: "${servers.alertmanager}", labels: { team: web } }
services:
  api:
    process: "node server.cjs"
    health: { http: "http://127.0.0.1:\${APP_PORT}/health", interval: 200ms }
`);
    const run = deploy(dir, { timeoutMs: 45_000 });
    await waitFor('the watch started', () => journaled(dir, 'watch.started'), 15_000);
    expect(await alerts('StagecraftWatchFailed')).toEqual([]);

    // The service dies during the watch.
    expect((await get(`http://127.0.0.1:${appPort}/die`)).status).toBe(200);
    const [firing] = await waitFor(
      'StagecraftWatchFailed active in Alertmanager',
      async () => {
        const found = await alerts('StagecraftWatchFailed', '?active=true');
        return found.length > 0 ? found : undefined;
      },
      10_000,
    );
    expect(firing?.status.state).toBe('active');
    expect(firing?.labels).toEqual({
      alertname: 'StagecraftWatchFailed',
      project: 'alerted',
      environment: 'default',
      service: 'api',
      severity: 'critical',
      team: 'web',
    });
    expect(firing?.annotations.summary).toBe(
      'alerted/default: api failed during the watch after the deployment',
    );
    // Its process exited: the monitor saw it at once (or the probes, twice in a row).
    expect(firing?.annotations.description).toMatch(/exited with code|failed 2 times in a row/);

    // The service is back: the next watch round passes and the alert is resolved.
    revived = startApp(dir, appPort);
    await waitFor(
      'StagecraftWatchFailed resolved in Alertmanager',
      async () => {
        const left = await alerts('StagecraftWatchFailed');
        return left.every((a) => a.status.state !== 'active') ? left : undefined;
      },
      10_000,
    );
    expect(await alerts('StagecraftWatchFailed', '?active=true')).toEqual([]);

    const r = await run;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/watch alerted after 20\.0 s/);
    expect(r.stdout).toMatch(
      /watch: api failed \d+\.\d s into the watch window: .* \(recovered at \d+\.\d s\)/,
    );
    expect(r.stdout).toMatch(/succeeded-with-warnings \(exit 0\)/);
    // Reporting the deployment did not fire anything more.
    expect(await alerts('StagecraftDeploymentFailed', '?active=true')).toEqual([]);
  }, 45_000);
});
