/**
 * Environment locks through the built CLI: stale and live locks with `unlock`, a second deploy
 * refused with exit 4 naming the holder, two concurrent deploys (exactly one proceeds), and SIGINT
 * releasing the lock with no process left behind.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { waitFor } from '../../src/adapters/proc.js';
import { isAlive } from '../../src/core/liveness.js';
import {
  crashProjects,
  noRegisteredProcessAlive,
  runCli,
  spawnCli,
  type CrashProject,
} from './crash-project.js';

const project = crashProjects();

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.on('exit', r));
  return child.pid ?? 999_999;
}

async function writeLock(
  p: CrashProject,
  pid: number,
  deploymentId = '20260101-000000-dead',
): Promise<void> {
  await mkdir(join(p.stateDir, 'locks'), { recursive: true });
  await writeFile(join(p.stateDir, 'format.json'), '{"format":1}\n');
  const info = {
    environment: 'default',
    deploymentId,
    user: 'someone',
    host: hostname(),
    pid,
    startedAt: '2026-01-01T00:00:00.000Z',
    command: 'deploy',
  };
  await writeFile(join(p.stateDir, 'locks', 'default.json'), JSON.stringify(info));
}

const lockFiles = async (p: CrashProject) =>
  (await readdir(join(p.stateDir, 'locks')).catch(() => [])).filter((f) => f.endsWith('.json'));

describe('environment locks', () => {
  test('unlock reports a lock whose process is dead as stale and removes it', async () => {
    const p = await project();
    await writeLock(p, await deadPid());
    const blocked = await runCli(['deploy', '--yes', '--plain', ...p.args()]);
    expect(blocked.code).toBe(4);
    expect(blocked.stderr).toMatch(/stale lock.*stagecraft unlock/);
    const r = await runCli(['unlock', ...p.args()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/stale/);
    expect(await lockFiles(p)).toEqual([]);
  });

  test('unlock refuses a live holder with exit 4 and removes it only with --force', async () => {
    const p = await project();
    await writeLock(p, process.pid);
    const refused = await runCli(['unlock', ...p.args()]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/still running/);
    expect(await lockFiles(p)).toEqual(['default.json']);
    const forced = await runCli(['unlock', '--force', ...p.args()]);
    expect(forced.code).toBe(0);
    expect(await lockFiles(p)).toEqual([]);
  });

  test('a second deploy while one runs exits 4 and names the holder', async () => {
    const p = await project();
    await writeLock(p, process.pid, '20260101-000000-live');
    const r = await runCli(['deploy', '--yes', '--plain', ...p.args()]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/locked by deployment 20260101-000000-live by someone@/);
    expect(r.stderr).toMatch(new RegExp(`pid ${process.pid}`));
  });

  test('of two concurrent deploys of one environment exactly one proceeds', async () => {
    const p = await project();
    const [one, two] = await Promise.all([
      runCli(['deploy', '--yes', '--plain', ...p.args()]),
      runCli(['deploy', '--yes', '--plain', ...p.args()]),
    ]);
    expect([one.code, two.code].sort()).toEqual([0, 4]);
    expect([one.stderr, two.stderr].join('')).toMatch(/is locked by deployment/);
    expect(await p.count('a')).toBe(1);
  });

  test('SIGINT to a running deploy releases the lock and leaves no process behind', async () => {
    const p = await project();
    const d = spawnCli([...p.args('deploy', '--yes', '--json'), '--var', 'ACT_SLEEP=5']);
    await d.waitFor(/"service":"b"[^}]*"state":"activating"/);
    d.child.kill('SIGINT');
    const { code } = await d.exited;
    expect([130, 1]).toContain(code);
    expect(d.stdout()).toMatch(/"type":"deployment.finished"/);
    expect(await lockFiles(p)).toEqual([]);
    expect(await noRegisteredProcessAlive(p.stateDir)).toBe(true);
    expect(await waitFor(() => !isAlive(d.child.pid ?? 0), 2000)).toBe(true);
  });

  test('deploy --force-unlock takes over a stale lock and proceeds; the release is in its record', async () => {
    const p = await project();
    await writeLock(p, await deadPid());
    const r = await runCli(['deploy', '--yes', '--plain', '--force-unlock', ...p.args()]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/took over the stale lock of deployment 20260101-000000-dead/);
    expect(await p.count('a')).toBe(1);
    expect(await lockFiles(p)).toEqual([]);
    const [id] = await readdir(join(p.stateDir, 'deployments'));
    const meta = JSON.parse(
      await readFile(join(p.stateDir, 'deployments', id ?? '', 'meta.json'), 'utf8'),
    ) as { release?: string; status: string };
    expect(meta).toMatchObject({ status: 'succeeded', release: 'v1' });
  });

  test('deploy --force-unlock still exits 4 when the holder is alive', async () => {
    const p = await project();
    await writeLock(p, process.pid, '20260101-000000-live');
    const r = await runCli(['deploy', '--yes', '--plain', '--force-unlock', ...p.args()]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/locked by deployment 20260101-000000-live/);
    expect(await p.count('a')).toBe(0);
    expect(await lockFiles(p)).toEqual(['default.json']);
  });

  test('deploy --lock-wait proceeds once the holder releases the lock while it waits', async () => {
    const p = await project();
    await writeLock(p, process.pid, '20260101-000000-live');
    const d = spawnCli([...p.args('deploy', '--yes', '--plain'), '--lock-wait', '30s']);
    await d.waitFor(
      /locked by deployment 20260101-000000-live.*waiting up to 30 s/,
      20_000,
      'stderr',
    );
    expect(await p.count('a')).toBe(0);
    await rm(join(p.stateDir, 'locks', 'default.json'));
    const { code } = await d.exited;
    expect(code).toBe(0);
    expect(await p.count('a')).toBe(1);
    expect(await lockFiles(p)).toEqual([]);
  });
});
