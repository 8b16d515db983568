import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  fireAlert,
  resolveAlert,
  type StagecraftAlert,
} from '../../../src/adapters/metrics/alertmanager.js';
import { dashboardFor } from '../../../src/adapters/metrics/dashboard.js';
import { allMetricNames, metricNames } from '../../../src/adapters/metrics/names.js';
import { publishMetrics } from '../../../src/adapters/metrics/publish.js';
import { pushMetrics } from '../../../src/adapters/metrics/pushgateway.js';
import {
  createDeploymentMetrics,
  type DeploymentMetrics,
  type ObservedFact,
} from '../../../src/adapters/metrics/registry.js';
import { serveMetrics, type MetricsServer } from '../../../src/adapters/metrics/serve.js';
import { writeTextfile } from '../../../src/adapters/metrics/textfile.js';
import type { AlertsSpec } from '../../../src/config/plan-monitoring.js';
import { journal } from '../../record/journals.js';
import {
  freePort,
  monitoringUnavailable,
  promQuery,
  startMonitoring,
  type MonitoringServers,
} from './servers.js';

const unavailable = monitoringUnavailable();
if (unavailable !== undefined) throw new Error(`monitoring tests cannot run: ${unavailable}`);

/** A failed deployment with four decisions and a rollback, then a successful one with a watch. */
async function recordedRuns(): Promise<ObservedFact[]> {
  const succeeded = await journal('local-stack-succeeded');
  const finished = succeeded.find((f) => f.type === 'deployment.finished');
  const watchVerdict = {
    type: 'watch.verdict',
    verdict: 'healthy',
    atMs: 30_000,
    ts: (finished?.ts ?? 0) + 30_000,
  } as const;
  return [...(await journal('failing-stack-decisions')), ...succeeded, watchVerdict];
}

let servers: MonitoringServers;
let metrics: DeploymentMetrics;
let endpoint: MetricsServer;
const tmp: string[] = [];

beforeAll(async () => {
  metrics = createDeploymentMetrics({ project: 'demo' });
  for (const fact of await recordedRuns()) metrics.observe(fact);
  const served = await serveMetrics(metrics, { host: '127.0.0.1', port: 0 });
  if (!served.ok) throw new Error(served.detail);
  endpoint = served.server;
  servers = await startMonitoring([`127.0.0.1:${endpoint.port}`]);
}, 30_000);

afterAll(async () => {
  await servers?.stop();
  await endpoint?.close();
  await Promise.all(tmp.map((d) => rm(d, { recursive: true, force: true })));
});

/** Polls an instant query until it returns series (bounded: Prometheus scrapes every second). */
async function seriesOf(query: string, ms = 15_000) {
  const until = Date.now() + ms;
  for (let i = 0; i < 150 && Date.now() < until; i++) {
    const answer = await promQuery(servers.prometheus, query);
    if (answer.status === 'success' && (answer.data?.result.length ?? 0) > 0)
      return answer.data?.result ?? [];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no series for ${query} after ${ms} ms\n${servers.logs()}`);
}

describe('Pushgateway', () => {
  test('a push of the recorded runs is read back from the gateway with its grouping labels', async () => {
    const outcome = await pushMetrics(metrics, {
      url: servers.pushgateway,
      job: 'stagecraft',
      environment: 'local',
    });
    expect(outcome).toEqual({
      ok: true,
      detail: `pushed to ${servers.pushgateway}/metrics/job/stagecraft/environment/local (200)`,
    });
    const text = await (await fetch(`${servers.pushgateway}/metrics`)).text();
    expect(text).toMatch(
      /^stagecraft_deployments_total\{environment="local",instance="",job="stagecraft",project="demo",result="succeeded"\} 1$/m,
    );
    expect(text).toMatch(
      /^stagecraft_deployments_total\{environment="local",instance="",job="stagecraft",project="demo",result="failed"\} 1$/m,
    );
    expect(text).toMatch(/^stagecraft_release_info\{.*release="2026\.11\.26".*\} 1$/m);
    expect(text).toMatch(
      /^stagecraft_decisions_total\{choice="rollback",environment="local",.*kind="failure".*\} 1$/m,
    );
  });

  test('a second push for the same environment replaces the first', async () => {
    const later = createDeploymentMetrics({ project: 'demo' });
    for (const fact of await journal('local-stack-succeeded')) later.observe(fact);
    const outcome = await pushMetrics(later, {
      url: servers.pushgateway,
      job: 'stagecraft',
      environment: 'local',
    });
    expect(outcome.ok).toBe(true);
    const text = await (await fetch(`${servers.pushgateway}/metrics`)).text();
    expect(text).toMatch(/^stagecraft_deployments_total\{.*result="succeeded"\} 1$/m);
    expect(text).not.toMatch(/^stagecraft_deployments_total\{.*result="failed"\}/m);
    expect(text).not.toMatch(/^stagecraft_decisions_total\{/m);
  });

  test('an environment name with a slash is pushed under its base64 grouping key', async () => {
    const outcome = await pushMetrics(metrics, {
      url: `${servers.pushgateway}/`,
      job: 'stagecraft',
      environment: 'eu/prod',
    });
    expect(outcome.ok).toBe(true);
    expect(outcome.detail).toContain('/metrics/job/stagecraft/environment@base64/ZXUvcHJvZA');
    const text = await (await fetch(`${servers.pushgateway}/metrics`)).text();
    expect(text).toMatch(
      /^push_time_seconds\{environment="eu\/prod",instance="",job="stagecraft"\}/m,
    );
  });

  test('a Pushgateway that is down gives a failed outcome naming it', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const outcome = await pushMetrics(metrics, { url, job: 'stagecraft', environment: 'local' });
    expect(outcome).toEqual({ ok: false, detail: `Pushgateway ${url} unreachable: ECONNREFUSED` });
  });

  test('a Pushgateway that does not answer in time gives a failed outcome with the deadline', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}`;
    try {
      const outcome = await pushMetrics(metrics, {
        url,
        job: 'stagecraft',
        environment: 'local',
        timeoutMs: 200,
      });
      expect(outcome).toEqual({
        ok: false,
        detail: `Pushgateway ${url} unreachable: timeout after 200 ms`,
      });
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  test('a push canceled by its signal says so', async () => {
    const controller = new AbortController();
    controller.abort();
    const outcome = await pushMetrics(metrics, {
      url: servers.pushgateway,
      job: 'stagecraft',
      environment: 'local',
      signal: controller.signal,
    });
    expect(outcome).toEqual({
      ok: false,
      detail: `Pushgateway ${servers.pushgateway} unreachable: canceled`,
    });
  });

  test('a push the gateway refuses says its status and answer', async () => {
    const outcome = await pushMetrics(
      {
        contentType: 'text/plain; version=0.0.4',
        text: () => Promise.resolve('not metrics at all\n'),
      },
      { url: servers.pushgateway, job: 'stagecraft', environment: 'local' },
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.detail).toMatch(
      new RegExp(`^Pushgateway ${servers.pushgateway} refused the push \\(400\\): .+`),
    );
  });
});

describe('Prometheus scraping /metrics', () => {
  test('PromQL over the scraped registry returns the recorded runs', async () => {
    const byResult = await seriesOf(
      'sum by (result) (stagecraft_deployments_total{job="stagecraft-scraped"})',
    );
    expect(Object.fromEntries(byResult.map((s) => [s.metric.result, s.value[1]]))).toEqual({
      failed: '1',
      succeeded: '1',
    });
    const release = await seriesOf('stagecraft_release_info{job="stagecraft-scraped"}');
    expect(release.map((s) => [s.metric.environment, s.metric.release, s.value[1]])).toEqual([
      ['local', '2026.11.26', '1'],
    ]);
    const rollbacks = await seriesOf('stagecraft_rollbacks_total{job="stagecraft-scraped"}');
    expect(rollbacks.map((s) => [s.metric.result, s.value[1]])).toEqual([['restored', '1']]);
    const decisions = await seriesOf(
      'sum by (kind) (stagecraft_decisions_total{job="stagecraft-scraped"})',
    );
    expect(Object.fromEntries(decisions.map((s) => [s.metric.kind, s.value[1]]))).toEqual({
      'confirm-stage': '2',
      failure: '2',
    });
    const watch = await seriesOf('stagecraft_watch_verdicts_total{job="stagecraft-scraped"}');
    expect(watch.map((s) => [s.metric.verdict, s.value[1]])).toEqual([['healthy', '1']]);
  });

  test('every panel expression of the dashboard runs without error on the scraped metrics', async () => {
    await seriesOf('stagecraft_deployments_total{job="stagecraft-scraped"}');
    const dashboard = dashboardFor(
      { title: 'Stagecraft', datasource: '${DS_PROMETHEUS}', refresh: '30s' },
      metricNames,
      ['local'],
    );
    const variable = dashboard.templating.list[0] as { definition: string };
    const [, metric, label] = /^label_values\((\w+), (\w+)\)$/.exec(variable.definition) ?? [];
    const values = (await (
      await fetch(
        `${servers.prometheus}/api/v1/label/${label}/values?match[]=${encodeURIComponent(metric ?? '')}`,
      )
    ).json()) as { status: string; data: string[] };
    expect(values.status).toBe('success');
    expect(values.data).toContain('local');
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    for (const expr of exprs) {
      const used = [...expr.matchAll(/\bstagecraft_[a-z_]+/g)].map((m) =>
        m[0].replace(/_(bucket|sum|count)$/, ''),
      );
      expect(used.length, expr).toBeGreaterThan(0);
      for (const name of used) expect(allMetricNames, expr).toContain(name);
      // Grafana substitutes the variable; a multi-value "All" becomes the regex .*
      const answer = await promQuery(servers.prometheus, expr.replaceAll('$environment', 'local'));
      expect(answer.error, expr).toBeUndefined();
      expect(answer.status, expr).toBe('success');
      expect(answer.data?.result.length, expr).toBeGreaterThan(0);
    }
  });
});

describe('Alertmanager', () => {
  const spec: AlertsSpec = { alertmanager: '', labels: { team: 'platform' } };
  const alert: StagecraftAlert = {
    alertname: 'StagecraftWatchFailed',
    project: 'demo',
    environment: 'local',
    service: 'api',
    host: 'web-1',
    severity: 'critical',
    summary: 'api turned unhealthy during the watch',
    description: 'http GET /healthz failed 3 times after the deployment of 2026.11.26',
  };
  interface AmAlert {
    labels: Record<string, string>;
    annotations: Record<string, string>;
    status: { state: string };
  }
  const listed = async (): Promise<AmAlert[]> =>
    (await (await fetch(`${servers.alertmanager}/api/v2/alerts`)).json()) as AmAlert[];

  test('an alert fired is active with its labels, and gone once resolved', async () => {
    const am = { ...spec, alertmanager: servers.alertmanager };
    expect(await fireAlert(am, alert)).toEqual({
      ok: true,
      detail: `fired StagecraftWatchFailed at ${servers.alertmanager}`,
    });
    const active = await listed();
    expect(active).toHaveLength(1);
    expect(active[0]?.labels).toEqual({
      alertname: 'StagecraftWatchFailed',
      project: 'demo',
      environment: 'local',
      service: 'api',
      host: 'web-1',
      severity: 'critical',
      team: 'platform',
    });
    expect(active[0]?.annotations.summary).toBe(alert.summary);
    expect(active[0]?.status.state).toBe('active');

    expect((await resolveAlert(am, alert)).ok).toBe(true);
    // Bounded: resolved means endsAt has passed by Alertmanager's clock.
    let after = await listed();
    for (let i = 0; i < 20 && after.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await listed();
    }
    expect(after).toEqual([]);
  });

  test('an Alertmanager that is down gives a failed outcome naming it', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const outcome = await fireAlert({ ...spec, alertmanager: url }, alert);
    expect(outcome).toEqual({ ok: false, detail: `Alertmanager ${url} unreachable: ECONNREFUSED` });
  });
});

describe('textfile', () => {
  test('the metrics are written whole to the path, with no temporary file left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stagecraft-textfile-'));
    tmp.push(dir);
    const path = join(dir, 'stagecraft.prom');
    expect(await writeTextfile(metrics, path)).toEqual({ ok: true, detail: `wrote ${path}` });
    expect(await readFile(path, 'utf8')).toBe(await metrics.text());
    expect(await readdir(dir)).toEqual(['stagecraft.prom']);
  });

  test('a missing folder is made; a path that cannot be written gives a failed outcome naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stagecraft-textfile-'));
    tmp.push(dir);
    const deep = join(dir, 'metrics', 'x', 'stagecraft.prom');
    expect(await writeTextfile(metrics, deep)).toEqual({ ok: true, detail: `wrote ${deep}` });
    expect(await readFile(deep, 'utf8')).toContain('stagecraft_');
    // A file where the folder should be.
    const blocked = join(dir, 'metrics', 'x', 'stagecraft.prom', 'y.prom');
    expect(await writeTextfile(metrics, blocked)).toEqual({
      ok: false,
      detail: `metrics textfile ${blocked} not written: EEXIST`,
    });
  });
});

describe('publishing at the end of a deployment', () => {
  test('pushes and writes where the spec says; a gateway down leaves the textfile written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stagecraft-publish-'));
    tmp.push(dir);
    const textfile = join(dir, 'stagecraft.prom');
    const both = await publishMetrics(
      metrics,
      { pushgateway: servers.pushgateway, textfile, job: 'deploys' },
      'staging',
    );
    expect(both.map((o) => [o.to, o.ok])).toEqual([
      ['pushgateway', true],
      ['textfile', true],
    ]);
    const text = await (await fetch(`${servers.pushgateway}/metrics`)).text();
    expect(text).toMatch(/^push_time_seconds\{environment="staging",instance="",job="deploys"\}/m);

    const down = `http://127.0.0.1:${await freePort()}`;
    const partial = await publishMetrics(
      metrics,
      { pushgateway: down, textfile, job: 'x' },
      'staging',
    );
    expect(partial).toEqual([
      { to: 'pushgateway', ok: false, detail: `Pushgateway ${down} unreachable: ECONNREFUSED` },
      { to: 'textfile', ok: true, detail: `wrote ${textfile}` },
    ]);
    expect(await publishMetrics(metrics, { job: 'x' }, 'staging')).toEqual([]);
  });
});
