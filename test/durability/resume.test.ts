/**
 * `resume` through the built CLI: takes over the dead deployment's lock, picks the latest
 * interrupted deployment without an id, journals and shows its plan (what is re-checked by
 * probing, what runs again), tolerates a torn journal line, refuses a changed config — or a
 * journal of other statecharts, or of an unreadable format — unless --force.
 */
import { appendFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  crashProjects,
  journalOf,
  onlyDeployment,
  runCli,
  spawnCli,
  type CrashProject,
} from './crash-project.js';

const project = crashProjects();

/** Deploys and kills the orchestrator with SIGKILL once `b` is activating (a and web healthy). */
async function crashed(): Promise<{ p: CrashProject; id: string }> {
  const p = await project();
  const d = spawnCli(p.args('deploy', '--yes', '--json'));
  await d.waitFor(/"service":"b"[^}]*"state":"activating"/);
  d.child.kill('SIGKILL');
  await d.exited;
  return { p, id: await onlyDeployment(p.stateDir) };
}

describe('resume', () => {
  test('without an id it resumes the latest interrupted deployment, taking over its lock', async () => {
    const { p, id } = await crashed();
    const blocked = await runCli(['deploy', '--yes', '--plain', ...p.args()]);
    expect(blocked.code).toBe(4);
    expect(blocked.stderr).toMatch(new RegExp(`locked by deployment ${id}.*stale`));
    const r = await runCli(['resume', '--yes', '--plain', ...p.args()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`resuming ${id}`));
    expect(r.stdout).toMatch(/prepare: markers journaled as done: not run again/);
    expect(r.stdout).toMatch(/a: re-checked by probing: its activation was journaled as succeeded/);
    expect(r.stdout).toMatch(/web: re-checked by probing: its process from this run is running/);
    expect(await p.count('a')).toBe(1);
    expect(await p.count('web')).toBe(1);
    expect(await readdir(join(p.stateDir, 'locks'))).toEqual([]);
    const h = JSON.parse((await runCli(['history', '--json', ...p.args()])).stdout) as {
      deployments: Array<{ id: string; result: string }>;
    };
    expect(h.deployments).toMatchObject([{ id, result: 'succeeded' }]);
    const again = await runCli(['resume', ...p.args()]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/no interrupted deployment/);
  });

  test('a torn last journal line is cut off and the resumed journal keeps every complete line', async () => {
    const { p, id } = await crashed();
    const before = await journalOf(p.stateDir, id);
    await appendFile(join(p.stateDir, 'deployments', id, 'journal.jsonl'), '{"type":"service.st');
    const r = await runCli(['resume', id, '--yes', '--plain', ...p.args()]);
    expect(r.code).toBe(0);
    const after = await journalOf(p.stateDir, id);
    expect(after.slice(0, before.length)).toEqual(before);
    const planned = after.find((e) => e.type === 'resume.planned') as
      | { summary: { tornTail: boolean; services: Array<{ service: string; entry: string }> } }
      | undefined;
    expect(planned?.summary.tornTail).toBe(true);
    expect(
      planned?.summary.services.filter((s) => s.entry === 'health').map((s) => s.service),
    ).toEqual(expect.arrayContaining(['a', 'web']));
    expect(await p.count('a')).toBe(1);
  });

  test('refuses with exit 2 when the config changed since the crash, and resumes with --force', async () => {
    const { p, id } = await crashed();
    await appendFile(join(p.dir, 'stagecraft.config.yaml'), '\n# changed after the crash\n');
    const refused = await runCli(['resume', id, '--yes', '--plain', ...p.args()]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/config changed since deployment .* --force/);
    const forced = await runCli(['resume', id, '--yes', '--plain', '--force', ...p.args()]);
    expect(forced.code).toBe(0);
  });

  test('refuses a journal of other statecharts with exit 2, and resumes it with --force', async () => {
    const { p, id } = await crashed();
    const metaPath = join(p.stateDir, 'deployments', id, 'meta.json');
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Record<string, unknown>;
    await writeFile(metaPath, JSON.stringify({ ...meta, machineVersion: 'stagecraft-machines/1' }));
    const journalPath = join(p.stateDir, 'deployments', id, 'journal.jsonl');
    const lines = (await readFile(journalPath, 'utf8')).trim().split('\n');
    const first = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    lines[0] = JSON.stringify({ ...first, machineVersion: 'stagecraft-machines/1' });
    await writeFile(journalPath, `${lines.join('\n')}\n`);
    const refused = await runCli(['resume', id, '--yes', '--plain', ...p.args()]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /run by statecharts version stagecraft-machines\/1, this stagecraft runs stagecraft-machines\/2.*--force/,
    );
    expect(refused.stderr).not.toMatch(/internal error/);
    expect(await p.count('b')).toBe(1);
    const forced = await runCli(['resume', id, '--yes', '--plain', '--force', ...p.args()]);
    expect(forced.code).toBe(0);
  });

  test('a journal of an older format (no facts) cannot be resumed: one clear message, exit 2', async () => {
    const { p, id } = await crashed();
    const journalPath = join(p.stateDir, 'deployments', id, 'journal.jsonl');
    await writeFile(
      journalPath,
      '{"ts":1,"seq":1,"type":"transition","actor":"x:0","session":"x:0","value":"validating"}\n',
    );
    const metaPath = join(p.stateDir, 'deployments', id, 'meta.json');
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Record<string, unknown>;
    delete meta.factsVersion;
    await writeFile(metaPath, JSON.stringify({ ...meta, machineVersion: 'deployment/1' }));
    const r = await runCli(['resume', id, '--yes', '--plain', '--force', ...p.args()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/journaled by an older stagecraft in a format this one cannot read/);
  });
});
