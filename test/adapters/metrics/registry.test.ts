import { describe, expect, test } from 'vitest';
import { allMetricNames, metricNames } from '../../../src/adapters/metrics/names.js';
import {
  createDeploymentMetrics,
  type DeploymentMetrics,
  type ObservedFact,
} from '../../../src/adapters/metrics/registry.js';
import { journal } from '../../record/journals.js';

/** The value of one series (labels matched exactly, the `project` default label aside). */
async function valueOf(
  metrics: DeploymentMetrics,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const base = allMetricNames.find((m) => name === m || name.startsWith(`${m}_`));
  const metric = base === undefined ? undefined : metrics.registry.getSingleMetric(base);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const want = JSON.stringify(Object.entries(labels).sort());
  const found = values.find(
    (v) =>
      ((v as { metricName?: string }).metricName ?? base) === name &&
      JSON.stringify(Object.entries(v.labels).sort()) === want,
  );
  return found?.value;
}

async function fed(...names: Array<Parameters<typeof journal>[0]>): Promise<DeploymentMetrics> {
  const metrics = createDeploymentMetrics({ project: 'local-stack' });
  for (const name of names) for (const fact of await journal(name)) metrics.observe(fact);
  return metrics;
}

const started = (kind: 'deploy' | 'rollback', ts: number): ObservedFact => ({
  type: 'run.started',
  kind,
  deploymentId: `20261203-000000-${ts}`,
  project: 'p',
  environment: 'prod',
  configHash: 'h',
  factsVersion: 1,
  machineVersion: 'stagecraft-machines/2',
  by: 'ci',
  host: 'vm',
  pid: 1,
  command: kind,
  plan: { stages: [], groups: [], services: [], prepare: [], maxAttempts: 1 },
  ts,
});

describe('the metrics of a recorded successful deployment', () => {
  test('count the deployment and time it, its phases, stages, activation and probes', async () => {
    const metrics = await fed('local-stack-succeeded');
    const facts = await journal('local-stack-succeeded');
    const runStart = facts[0]?.ts ?? 0;
    const env = { environment: 'local' };
    expect(await valueOf(metrics, metricNames.deployments, { ...env, result: 'succeeded' })).toBe(
      1,
    );
    const duration = await valueOf(metrics, `${metricNames.deploymentDuration}_sum`, {
      ...env,
      result: 'succeeded',
    });
    expect(duration).toBeCloseTo((1796173825782 - runStart) / 1000, 6);
    const phase = (p: string) =>
      valueOf(metrics, `${metricNames.phaseDuration}_sum`, { ...env, phase: p });
    expect(await phase('validating')).toBeCloseTo(0.554, 6);
    expect(await phase('activating')).toBeCloseTo(2.552, 6);
    expect(await phase('finalizing')).toBeCloseTo(0.028, 6);
    expect(await phase('done')).toBeUndefined();
    expect(
      await valueOf(metrics, `${metricNames.stageDuration}_sum`, {
        ...env,
        stage: 'data',
        status: 'succeeded',
      }),
    ).toBeCloseTo(0.934, 6);
    expect(
      await valueOf(metrics, `${metricNames.serviceActivationDuration}_sum`, {
        ...env,
        service: 'migrate',
      }),
    ).toBeCloseTo(0.563, 6);
    const probes = facts.filter((f) => f.type === 'health.attempt');
    for (const service of ['db', 'api', 'worker', 'web']) {
      for (const ok of [true, false]) {
        const n = probes.filter((p) => p.service === service && p.ok === ok).length;
        const labels = { ...env, service, result: ok ? 'passed' : 'failed' };
        expect(await valueOf(metrics, metricNames.probeResults, labels)).toBe(n || undefined);
        expect(await valueOf(metrics, `${metricNames.healthCheckDuration}_count`, labels)).toBe(
          n || undefined,
        );
      }
    }
    expect(await valueOf(metrics, metricNames.releaseInfo, { ...env, release: '2026.11.26' })).toBe(
      1,
    );
    expect(await valueOf(metrics, metricNames.releaseTimestamp, env)).toBe(1796173825.782);
  });

  test('carry the project on every series and no deployment id or reason in any label', async () => {
    const metrics = await fed('failing-stack-decisions', 'local-stack-succeeded');
    const text = await metrics.text();
    const samples = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(samples.length).toBeGreaterThan(50);
    for (const line of samples) expect(line).toContain('project="local-stack"');
    expect(text).not.toMatch(/2026120[0-9]-\d{6}-/);
    expect(text).not.toContain('healthz');
    const releaseLines = samples.filter((l) => l.includes('release="'));
    expect(releaseLines.every((l) => l.startsWith(`${metricNames.releaseInfo}{`))).toBe(true);
    const names = new Set(
      text
        .split('\n')
        .filter((l) => l.startsWith('# TYPE '))
        .map((l) => l.split(' ')[2]),
    );
    expect([...names].sort()).toEqual([...allMetricNames].sort());
  });

  test('read back from the journal twice give the same text', async () => {
    const a = await fed('failing-stack-rolled-back');
    const b = await fed('failing-stack-rolled-back');
    expect(await a.text()).toBe(await b.text());
  });
});

describe('rollbacks, decisions, releases and the watch', () => {
  test('a failed deployment rolled back counts a failed deployment and a restored rollback', async () => {
    const metrics = await fed('failing-stack-decisions');
    const env = { environment: 'local' };
    expect(await valueOf(metrics, metricNames.deployments, { ...env, result: 'failed' })).toBe(1);
    expect(await valueOf(metrics, metricNames.rollbacks, { ...env, result: 'restored' })).toBe(1);
    expect(
      await valueOf(metrics, metricNames.decisions, {
        ...env,
        kind: 'confirm-stage',
        choice: 'proceed',
      }),
    ).toBe(2);
    expect(
      await valueOf(metrics, metricNames.decisions, { ...env, kind: 'failure', choice: 'retry' }),
    ).toBe(1);
    expect(
      await valueOf(metrics, metricNames.decisions, {
        ...env,
        kind: 'failure',
        choice: 'rollback',
      }),
    ).toBe(1);
  });

  test('a rollback run with a step not restored counts an incomplete rollback and no deployment', async () => {
    const metrics = createDeploymentMetrics({ project: 'p' });
    const facts: ObservedFact[] = [
      started('rollback', 1000),
      { type: 'rollback.started', steps: ['api'], cleanups: [], scope: 'all', ts: 1100 },
      { type: 'rollback.step', service: 'api', status: 'failed', attempt: 1, ts: 1200 },
      {
        type: 'deployment.finished',
        result: 'rollback-incomplete',
        interrupted: false,
        ts: 1300,
      },
    ];
    for (const fact of facts) metrics.observe(fact);
    const env = { environment: 'prod' };
    expect(await valueOf(metrics, metricNames.rollbacks, { ...env, result: 'incomplete' })).toBe(1);
    expect(
      (await metrics.registry.getSingleMetric(metricNames.deployments)?.get())?.values,
    ).toEqual([]);
  });

  test('a new release replaces the release series of its environment, and a watch verdict counts', async () => {
    const metrics = createDeploymentMetrics({ project: 'p' });
    metrics.observe({ type: 'release.recorded', release: 'ignored-before-start', ts: 1 });
    metrics.observe(started('deploy', 1000));
    metrics.observe({ type: 'release.recorded', release: 'r1', ts: 2000 });
    metrics.observe(started('deploy', 3000));
    metrics.observe({ type: 'release.recorded', release: 'r2', ts: 4000 });
    metrics.observe({ type: 'watch.verdict', verdict: 'failed', ts: 5000 });
    metrics.observe({ type: 'watch.probe', service: 'api', ok: false, ts: 4500 });
    const info = await metrics.registry.getSingleMetric(metricNames.releaseInfo)?.get();
    expect(info?.values.map((v) => v.labels)).toEqual([{ environment: 'prod', release: 'r2' }]);
    expect(await valueOf(metrics, metricNames.releaseTimestamp, { environment: 'prod' })).toBe(4);
    expect(
      await valueOf(metrics, metricNames.watchVerdicts, { environment: 'prod', verdict: 'failed' }),
    ).toBe(1);
    expect(
      await valueOf(metrics, metricNames.probeResults, {
        environment: 'prod',
        service: 'api',
        result: 'failed',
      }),
    ).toBe(1);
  });
});
