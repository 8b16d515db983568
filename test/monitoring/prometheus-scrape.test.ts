/**
 * A real Prometheus (Debian's binary, a child of the test) scrapes the `/metrics` stagecraft
 * serves during a watch window (`monitoring.metrics.listen`), and PromQL over its HTTP API sees
 * the run's series while the built CLI still watches.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  freePort,
  monitoringUnavailable,
  promQuery,
  startMonitoring,
  type MonitoringServers,
} from '../adapters/metrics/servers.js';
import { cleanProjects, deploy, project, waitFor } from './helpers.js';

const unavailable = monitoringUnavailable();
if (unavailable !== undefined) console.log(`prometheus end-to-end tests skipped: ${unavailable}`);

let servers: MonitoringServers;
let metricsPort = 0;
beforeAll(async () => {
  if (unavailable !== undefined) return;
  metricsPort = await freePort();
  servers = await startMonitoring([`127.0.0.1:${metricsPort}`]);
});
afterAll(async () => {
  await cleanProjects();
  if (unavailable === undefined) await servers.stop();
});

/** The first sample of a PromQL instant query, or undefined while it has none. */
async function sample(
  query: string,
): Promise<{ metric: Record<string, string>; value: string } | undefined> {
  const answer = await promQuery(servers.prometheus, query);
  if (answer.status !== 'success') throw new Error(answer.error ?? answer.status);
  const first = answer.data?.result[0];
  return first === undefined ? undefined : { metric: first.metric, value: first.value[1] };
}

/** The deployment id the plain output starts with. */
function id(stdout: string): string {
  const m = /\(([0-9]{8}-[0-9]{6}-[0-9a-f]{4})\)/.exec(stdout);
  if (m?.[1] === undefined) throw new Error(`no deployment id in:\n${stdout}`);
  return m[1];
}

describe.skipIf(unavailable !== undefined)(
  'stagecraft scraped during a watch (real Prometheus)',
  () => {
    test('PromQL sees the probe results of the watched service while the watch runs', async () => {
      const appPort = await freePort();
      const dir = await project(`name: scraped
vars: { APP_PORT: "${appPort}" }
monitoring:
  watch: 6s
  watchInterval: 500ms
  metrics: { listen: "127.0.0.1:${metricsPort}" }
services:
  api:
    process: "node server.cjs"
    health: { http: "http://127.0.0.1:\${APP_PORT}/health", interval: 200ms }
`);
      const run = deploy(dir);
      const selector = `{job="stagecraft-scraped",project="scraped",environment="default",service="api",result="passed"}`;
      // At least the health check before the watch and the watch's first round passed.
      const passed = await waitFor(
        'stagecraft_probe_results_total in Prometheus',
        async () => {
          const s = await sample(`stagecraft_probe_results_total${selector}`);
          return s !== undefined && Number(s.value) >= 2 ? s : undefined;
        },
        15_000,
      );
      expect(passed.metric.__name__).toBe('stagecraft_probe_results_total');
      expect(passed.metric.instance).toBe(`127.0.0.1:${metricsPort}`);
      // The target is up while the watch runs: Prometheus scraped stagecraft itself.
      const up = await sample(`up{job="stagecraft-scraped"}`);
      expect(up?.value).toBe('1');
      // The deployment has not finished while it is scraped: no deployment is counted yet.
      expect(
        await sample(`stagecraft_deployments_total{job="stagecraft-scraped"}`),
      ).toBeUndefined();

      const r = await run;
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/watching api for 6\.0 s/);
      expect(r.stdout).toMatch(/succeeded \(exit 0\)/);
      // What Prometheus scraped is what the journal says had passed by then (the counter only grows).
      const journal = await readFile(
        join(dir, '.stagecraft', 'deployments', id(r.stdout), 'journal.jsonl'),
        'utf8',
      );
      const passes = journal
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as { type: string; service?: string; ok?: boolean })
        .filter(
          (f) =>
            (f.type === 'health.attempt' || f.type === 'watch.probe') &&
            f.service === 'api' &&
            f.ok === true,
        );
      expect(passes.some((f) => f.type === 'watch.probe')).toBe(true);
      expect(Number(passed.value)).toBeLessThanOrEqual(passes.length);
      // After the watch the endpoint is closed: Prometheus sees the target down.
      await waitFor(
        'the scrape target down after the watch',
        async () =>
          (await sample(`up{job="stagecraft-scraped"}`))?.value === '0' ? true : undefined,
        10_000,
      );
    });
  },
);
