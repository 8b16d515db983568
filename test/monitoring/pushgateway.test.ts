/**
 * A finished deployment's metrics reach a real Pushgateway (Debian's binary, a child of the
 * test): the built CLI pushes once at the end, grouped by job and environment.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  monitoringUnavailable,
  startMonitoring,
  type MonitoringServers,
} from '../adapters/metrics/servers.js';
import { cleanProjects, deploy, get, project } from './helpers.js';

const unavailable = monitoringUnavailable();
if (unavailable !== undefined) console.log(`pushgateway end-to-end tests skipped: ${unavailable}`);

let servers: MonitoringServers;
beforeAll(async () => {
  if (unavailable !== undefined) return;
  servers = await startMonitoring([]);
});
afterAll(async () => {
  await cleanProjects();
  if (unavailable === undefined) await servers.stop();
});

/** The sample lines of `metric` in exposition text whose labels include every one of `labels`. */
function samples(text: string, metric: string, labels: Record<string, string>): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${metric}{`))
    .filter((l) => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
}

describe.skipIf(unavailable !== undefined)(
  'a deployment pushes its metrics (real Pushgateway)',
  () => {
    test('after deploy the gateway holds deployments_total 1 for the environment, grouped by job and environment', async () => {
      const dir = await project(`name: pushed
environments: { staging: {} }
monitoring:
  metrics: { pushgateway: "${servers.pushgateway}", job: deploys }
services:
  api: { activate: "true" }
`);
      const r = await deploy(dir);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/succeeded \(exit 0\)/);
      expect(r.stdout + r.stderr).not.toMatch(/Pushgateway|warning/i);

      const { status, text } = await get(`${servers.pushgateway}/metrics`);
      expect(status).toBe(200);
      const group = { job: 'deploys', environment: 'staging' };
      const deployed = samples(text, 'stagecraft_deployments_total', {
        ...group,
        project: 'pushed',
        result: 'succeeded',
      });
      expect(deployed, text).toHaveLength(1);
      expect(deployed[0]).toMatch(/ 1$/);
      // Nothing else was counted for this run.
      expect(samples(text, 'stagecraft_deployments_total', group)).toEqual(deployed);
      // The gateway's own record of the group: when it was pushed, under the grouping labels.
      const pushed = samples(text, 'push_time_seconds', group);
      expect(pushed).toHaveLength(1);
      const at = Number(pushed[0]?.split(' ').at(-1));
      expect(Math.abs(at - Date.now() / 1000)).toBeLessThan(120);
      // Every series of the push carries the grouping labels.
      const ours = text.split('\n').filter((l) => l.startsWith('stagecraft_'));
      expect(ours.length).toBeGreaterThan(1);
      for (const line of ours) {
        expect(line).toContain('job="deploys"');
        expect(line).toContain('environment="staging"');
      }
    });
  },
);
