/**
 * `rollback` to the previous release, verified by behaviour (the service serves its old version
 * over HTTP again), and `history` / `show` of the deployments that led there.
 */
import { request } from 'undici';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { crashProjects, runCli, type CrashProject } from './crash-project.js';

const project = crashProjects();

async function served(p: CrashProject): Promise<string> {
  const res = await request(`http://127.0.0.1:${p.port}/`);
  return res.body.text();
}

describe('rollback and history', () => {
  test('rollback returns the environment to the previous release: the service serves v1 again', async () => {
    const p = await project();
    expect((await runCli(['deploy', '--yes', '--plain', ...p.args()])).code).toBe(0);
    expect(await served(p)).toBe('v1');
    expect(
      (await runCli(['deploy', '--yes', '--plain', '--var', 'RELEASE=v2', ...p.args()])).code,
    ).toBe(0);
    expect(await served(p)).toBe('v2');

    const r = await runCli(['rollback', ...p.args()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/back from v2 to v1/);
    expect(await served(p)).toBe('v1');
    // Each one-shot service's rollback ran with v1's variables, in reverse order.
    for (const s of ['a', 'b', 'c'])
      expect(await readFile(join(p.dir, 'markers', `${s}.rollback`), 'utf8')).toBe('v1\n');

    const history = await runCli(['history', '--json', ...p.args()]);
    const rows = (JSON.parse(history.stdout) as { deployments: Array<Record<string, unknown>> })
      .deployments;
    expect(rows.map((row) => [row.command, row.result, row.release])).toEqual([
      ['rollback', 'succeeded', 'v1'],
      ['deploy', 'succeeded', 'v2'],
      ['deploy', 'succeeded', 'v1'],
    ]);
    const table = await runCli(['history', ...p.args()]);
    expect(table.stdout).toMatch(/ID\s+STARTED\s+WHO\s+DURATION\s+COMMAND\s+RESULT\s+RELEASE/);
  });

  test('rollback with a single recorded release refuses with exit 2 and changes nothing', async () => {
    const p = await project();
    expect((await runCli(['deploy', '--yes', '--plain', ...p.args()])).code).toBe(0);
    const r = await runCli(['rollback', ...p.args()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/only one recorded release/);
    expect(await p.count('web')).toBe(1);
  });

  test('show prints the timeline of phases, stages and services with durations', async () => {
    const p = await project();
    expect((await runCli(['deploy', '--yes', '--plain', ...p.args()])).code).toBe(0);
    const h = JSON.parse((await runCli(['history', '--json', ...p.args()])).stdout) as {
      deployments: Array<{ id: string }>;
    };
    const id = h.deployments[0]?.id ?? '';
    const json = JSON.parse((await runCli(['show', id, '--json', ...p.args()])).stdout) as {
      phases: Array<{ name: string }>;
      stages: Array<{ name: string; state: string; durationMs: number }>;
      services: Array<{
        name: string;
        state: string;
        durationMs: number;
        steps: Array<{ state: string }>;
      }>;
    };
    expect(json.phases.map((x) => x.name)).toEqual([
      'validating',
      'preparing',
      'activating',
      'verifying',
      'finalizing',
    ]);
    // Without `stages:` the dependency layers are display groups of the one implicit stage.
    expect(json.stages.map((s) => [s.name, s.state])).toEqual([
      ['layer-1', 'succeeded'],
      ['layer-2', 'succeeded'],
      ['layer-3', 'succeeded'],
    ]);
    expect(json.services.map((s) => s.state)).toEqual(['healthy', 'healthy', 'healthy', 'healthy']);
    for (const s of json.services) {
      expect(s.durationMs).toBeGreaterThanOrEqual(0);
      // A service waiting for its dependencies shows that wait first.
      expect(s.steps.map((st) => st.state).filter((st) => st !== 'waiting')).toEqual([
        'activating',
        'checking',
        'healthy',
      ]);
    }
    const text = await runCli(['show', id, ...p.args()]);
    expect(text.stdout).toMatch(/layers:\n.*layer-1\s+succeeded\s+\d+\.\ds/);
    expect(text.stdout).toMatch(
      /service paths:\n\s+\S+\s+(waiting \d+\.\ds → )?activating \d+\.\ds → checking \d+\.\ds → healthy/,
    );
    expect((await runCli(['show', 'nope', ...p.args()])).code).toBe(2);
  });
});
