/**
 * A watch that sees a service die rolls the deployment back (`onWatchFailure: rollback`): on the
 * built CLI the run fails (exit 1) saying which service failed how long into the window, and the
 * release is never recorded — the environment's last release stays the one before.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { freePort } from '../adapters/metrics/servers.js';
import { cleanProjects, get, journaled, project, runCli, waitFor } from './helpers.js';

afterAll(cleanProjects);

const config = (appPort: number, monitoring: string): string => `name: watched
vars: { APP_PORT: "${appPort}" }
${monitoring}
services:
  api:
    process: "node server.cjs"
    health: { http: "http://127.0.0.1:\${APP_PORT}/health", interval: 200ms }
`;

interface History {
  deployments: Array<{ id: string; result: string; exitCode: number; release?: string }>;
}

describe('a failed watch rolls back', () => {
  test('the service dies in the watch: exit 1, `watch: api failed … into the watch window`, no release recorded', async () => {
    const appPort = await freePort();
    const dir = await project(config(appPort, ''));
    const first = await runCli(['deploy', '--yes', '--plain', '-c', dir, '--var', 'RELEASE=r1']);
    expect(first.code, first.stdout + first.stderr).toBe(0);

    await writeFile(
      join(dir, 'stagecraft.config.yaml'),
      config(appPort, 'monitoring: { watch: 10s, watchInterval: 300ms, onWatchFailure: rollback }'),
    );
    const run = runCli(['deploy', '--yes', '--plain', '-c', dir, '--var', 'RELEASE=r2']);
    // Once the new release is watched, its service dies.
    await waitFor('the watch started', () => journaled(dir, 'watch.started'), 15_000);
    expect((await get(`http://127.0.0.1:${appPort}/die`)).status).toBe(200);
    const r = await run;
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/watching api for 10\.0 s/);
    expect(r.stdout).toMatch(
      /^failed \(exit 1\) — watch: api failed \d+\.\d s into the watch window: (api exited with code 0 while healthy|http GET http:\/\/127\.0\.0\.1:\d+\/health failed 2 times in a row)/m,
    );
    expect(r.stdout).toMatch(/── rolling-back/);
    expect(r.stdout).not.toMatch(/release r2 recorded/);

    // Only the release before is recorded; history shows the watched deployment failed, without one.
    const releases = JSON.parse(
      await readFile(join(dir, '.stagecraft', 'releases', 'default.json'), 'utf8'),
    ) as Array<{ label: string }>;
    expect(releases.map((x) => x.label)).toEqual(['r1']);
    const history = await runCli(['history', '--json', '-c', dir]);
    expect(history.code, history.stderr).toBe(0);
    const [latest, before] = (JSON.parse(history.stdout) as History).deployments;
    expect(latest).toMatchObject({ result: 'failed', exitCode: 1 });
    expect(latest?.release).toBeUndefined();
    expect(before).toMatchObject({ result: 'succeeded', exitCode: 0, release: 'r1' });
  });
});
