/**
 * `resume` of a deployment killed (SIGKILL) during its rollback, through the built CLI: the
 * rollback is continued — the remaining steps in reverse order with the previous release's
 * variables — instead of the deployment being run again, and the deployment ends failed (exit 1).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { describe, expect, test } from 'vitest';
import { isAlive } from '../../src/core/liveness.js';
import { crashProjects, journalOf, runCli, spawnCli, type CrashProject } from './crash-project.js';

/** The crash stack plus `bad`, whose activation exits $BAD_EXIT and whose first rollback hangs. */
const config = `name: crash-stack
vars: { WEB_PORT: '18990', RELEASE: 'v1', ACT_SLEEP: '0.05', BAD_EXIT: '0' }
prepare:
  - { name: markers, run: 'mkdir -p markers' }
policy: { onFailure: rollback }
services:
  a:
    activate: 'sh activate.sh a'
    rollback: 'sh rollback.sh a'
    health: { command: 'test -f markers/a.ok', interval: 200ms, timeout: 1s, retries: 3 }
  web:
    process: 'node server.mjs'
    health: { http: 'http://127.0.0.1:\${WEB_PORT}/healthz', interval: 200ms, timeout: 1s, retries: 3 }
  bad:
    dependsOn: [a, web]
    activate: 'sh activate.sh bad && exit "$BAD_EXIT"'
    rollback: 'sh slow-rollback.sh bad'
`;

/** Records its run; the first run of each service hangs (the test kills the orchestrator then). */
const slowRollback = `echo "$RELEASE" >> "markers/$1.rollback"
echo "$RELEASE" > "markers/$1.ok"
if [ ! -f "markers/$1.hung" ]; then echo $$ > "markers/$1.hung"; sleep 10; fi
`;

// A rollback step left hanging (`sleep`) runs in the project's dir: its cleanup kills it too.
const project = crashProjects();

async function served(p: CrashProject): Promise<string> {
  const res = await request(`http://127.0.0.1:${p.port}/`);
  return res.body.text();
}

const lines = async (p: CrashProject, file: string) =>
  (await readFile(join(p.dir, 'markers', file), 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean);

describe('resume of a deployment killed during its rollback', () => {
  test('continues the rollback with the previous release, restores v1, and exits 1', async () => {
    const p = await project();
    await writeFile(join(p.dir, 'stagecraft.config.yaml'), config);
    await writeFile(join(p.dir, 'slow-rollback.sh'), slowRollback);
    expect((await runCli(['deploy', '--yes', '--plain', ...p.args()])).code).toBe(0);
    expect(await served(p)).toBe('v1');

    const v2 = ['--var', 'RELEASE=v2', '--var', 'BAD_EXIT=1'];
    const d = spawnCli([...p.args('deploy', '--yes', '--json'), ...v2]);
    await d.waitFor(/"type":"rollback.step","service":"bad","status":"started"/);
    d.child.kill('SIGKILL');
    await d.exited;
    const v2web = Number((await lines(p, 'web.count')).at(-1)?.split(' ')[1]);
    expect(await served(p)).toBe('v2');
    const h = JSON.parse((await runCli(['history', '--json', ...p.args()])).stdout) as {
      deployments: Array<{ id: string; result: string }>;
    };
    const id = h.deployments[0]?.id ?? '';
    expect(h.deployments[0]?.result).toBe('interrupted');

    const r = await runCli(['resume', '--yes', '--json', ...p.args(), ...v2]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.at(-1)).toMatchObject({
      type: 'deployment.finished',
      result: 'failed',
      exitCode: 1,
    });
    // The deployment was not run again: no activation after the kill.
    expect(await lines(p, 'a.count')).toHaveLength(2);
    expect(await lines(p, 'bad.count')).toHaveLength(2);
    // The rest of the rollback ran with v1's variables; the step in flight ran again.
    expect(await lines(p, 'a.rollback')).toEqual(['v1']);
    expect(await lines(p, 'bad.rollback')).toEqual(['v1', 'v1']);
    expect(await served(p)).toBe('v1');
    expect(isAlive(v2web)).toBe(false);

    const after = JSON.parse((await runCli(['history', '--json', ...p.args()])).stdout) as {
      deployments: Array<{ id: string; result: string; exitCode?: number }>;
    };
    expect(after.deployments[0]).toMatchObject({ id, result: 'failed', exitCode: 1 });
    const journal = await journalOf(p.stateDir, id);
    const resumed = journal.find((e) => e.type === 'resume.planned') as
      { summary: { rollback?: { remaining: string[] } } } | undefined;
    expect([...(resumed?.summary.rollback?.remaining ?? [])].sort()).toEqual(['a', 'bad', 'web']);
    const show = JSON.parse((await runCli(['show', id, '--json', ...p.args()])).stdout) as {
      phases: Array<{ name: string }>;
      services: Array<{ name: string; state: string }>;
    };
    expect(show.phases.map((x) => x.name).at(-1)).toBe('rolling-back');
    expect(show.services.map((x) => x.state)).toEqual([
      'rolled-back',
      'rolled-back',
      'rolled-back',
    ]);
    expect((await runCli(['unlock', ...p.args()])).stdout).toMatch(/not locked/);
  });
});
