/**
 * Monitoring half set up: the Pushgateway is down (a closed port) while a real Alertmanager
 * (Debian's binary, a child of the test) is up. On the built CLI the deployment's own result
 * stands, the alert still reaches the Alertmanager, and the gateway is exactly one warning.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  freePort,
  monitoringUnavailable,
  startMonitoring,
  type MonitoringServers,
} from '../adapters/metrics/servers.js';
import { cleanProjects, deploy, get, project, waitFor } from './helpers.js';

const unavailable = monitoringUnavailable();
if (unavailable !== undefined) console.log(`partial monitoring tests skipped: ${unavailable}`);

let servers: MonitoringServers;
/** A port nothing listens on: the Pushgateway that is down. */
let closed = '';
beforeAll(async () => {
  if (unavailable !== undefined) return;
  servers = await startMonitoring([]);
  closed = `http://127.0.0.1:${await freePort()}`;
});
afterAll(async () => {
  await cleanProjects();
  if (unavailable === undefined) await servers.stop();
});

const config = (name: string, activate: string): string => `name: ${name}
monitoring:
  metrics: { pushgateway: "${closed}" }
  alerts: { alertmanager: "${servers.alertmanager}" }
services:
  api: { activate: "${activate}" }
`;

/** The `warning` facts of the project's one deployment. */
async function journaledWarnings(dir: string): Promise<string[]> {
  const root = join(dir, '.stagecraft', 'deployments');
  const [id, ...more] = await readdir(root);
  expect(more).toEqual([]);
  const text = await readFile(join(root, id ?? '', 'journal.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as { type: string; message?: string })
    .filter((f) => f.type === 'warning')
    .map((f) => f.message ?? '');
}

/** The active alerts named `alertname` of `project`. */
async function active(alertname: string, project: string): Promise<Array<Record<string, string>>> {
  const { text } = await get(`${servers.alertmanager}/api/v2/alerts?active=true`);
  return (JSON.parse(text) as Array<{ labels: Record<string, string> }>)
    .map((a) => a.labels)
    .filter((l) => l.alertname === alertname && l.project === project);
}

const gatewayWarning = (): string => `Pushgateway ${closed} unreachable: ECONNREFUSED`;

describe.skipIf(unavailable !== undefined)('Pushgateway down, Alertmanager up', () => {
  test('a failed deploy: StagecraftDeploymentFailed reaches Alertmanager; one warning, naming the Pushgateway', async () => {
    const dir = await project(config('half-failed', 'exit 1'));
    const r = await deploy(dir);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^failed \(exit 1\) — api\.activate exited with code 1/m);
    const shown = r.stdout.split('\n').filter((l) => l.startsWith('! '));
    expect(shown).toEqual([`! ${gatewayWarning()}`]);
    expect(await journaledWarnings(dir)).toEqual([gatewayWarning()]);

    const [alert] = await waitFor(
      'StagecraftDeploymentFailed in Alertmanager',
      async () => {
        const found = await active('StagecraftDeploymentFailed', 'half-failed');
        return found.length > 0 ? found : undefined;
      },
      5000,
    );
    expect(alert).toEqual({
      alertname: 'StagecraftDeploymentFailed',
      project: 'half-failed',
      environment: 'default',
      severity: 'critical',
    });
  });

  test('a deploy that succeeds: exit 0, succeeded-with-warnings naming the Pushgateway, no alert', async () => {
    const dir = await project(config('half-ok', 'true'));
    const r = await deploy(dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^succeeded-with-warnings \\(exit 0\\) — Pushgateway ${closed.replace(/[.]/g, '\\.')} unreachable: ECONNREFUSED$`,
        'm',
      ),
    );
    const shown = r.stdout.split('\n').filter((l) => l.startsWith('! '));
    expect(shown).toEqual([`! ${gatewayWarning()}`]);
    expect(await journaledWarnings(dir)).toEqual([gatewayWarning()]);
    expect(await active('StagecraftDeploymentFailed', 'half-ok')).toEqual([]);
  });
});
