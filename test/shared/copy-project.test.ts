/**
 * The guard every test's copy of a project goes through: a `.stagecraft/` planted in a project
 * (here a temp copy of examples/local-stack, never the real one) is not copied, at any depth, so
 * a test's run neither reads that state nor stops the processes it lists; and the cleanup of last
 * resort kills only what a run in the copy started.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { isAlive, readProcStat } from '../../src/core/liveness.js';
import { ROOT, runBuilt } from '../cli/helpers.js';
import { killEverythingIn } from '../engine/proc-watch.js';
import { copyProjectFolder, stateFoldersIn } from './copy-project.js';

const dirs: string[] = [];
const pids: number[] = [];
afterEach(async () => {
  for (const pid of pids.splice(0))
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A temp copy of examples/local-stack made WITHOUT the guard, as a user's deployed folder. */
async function deployedExample(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stagecraft-planted-'));
  dirs.push(dir);
  await cp(join(ROOT, 'examples', 'local-stack'), dir, {
    recursive: true,
    filter: (p) => !p.split('/').includes('.stagecraft'),
  });
  return dir;
}

/** A long-running process of this test, in its own group, as a deployed service would be. */
function service(cwd: string): number {
  const child = spawn('sleep', ['300'], { cwd, detached: true, stdio: 'ignore' });
  child.unref();
  const pid = child.pid ?? -1;
  pids.push(pid);
  return pid;
}

describe('copying a project for a test', () => {
  test('leaves out every .stagecraft folder, at any depth, and keeps everything else', async () => {
    const source = await deployedExample();
    for (const state of ['.stagecraft/deployments/x', 'config/.stagecraft/locks'])
      await mkdir(join(source, state), { recursive: true });
    await writeFile(join(source, '.stagecraft', 'deployments', 'x', 'journal.jsonl'), '{}\n');
    expect(stateFoldersIn(source).sort()).toEqual(['.stagecraft', 'config/.stagecraft']);
    const copy = await copyProjectFolder(source);
    dirs.push(copy);
    expect(stateFoldersIn(copy)).toEqual([]);
    for (const file of ['stagecraft.config.yaml', 'config/local.yaml', 'api.mjs', 'RUNBOOK.md'])
      expect(existsSync(join(copy, file))).toBe(true);
  });

  test("a test's down in the copy does not stop the services a planted registry lists", async () => {
    const source = await deployedExample();
    const pid = service(source);
    const procStart = readProcStat(pid)?.startTime;
    await mkdir(join(source, '.stagecraft', 'processes'), { recursive: true });
    const entry = { pid, startedAt: Date.now(), procStart, command: 'sleep 300', cwd: source };
    await writeFile(
      join(source, '.stagecraft', 'processes', 'local.json'),
      JSON.stringify({ version: 1, services: { db: { ...entry, env: {}, logFile: 'db.log' } } }),
    );
    const copy = await copyProjectFolder(source);
    dirs.push(copy);
    const down = await runBuilt(['down', '--yes', '-c', copy]);
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/db: not running/);
    expect(await killEverythingIn(copy)).toEqual([]);
    expect(isAlive(pid)).toBe(true);
  });

  test('the last-resort cleanup never kills a registered process that was started elsewhere', async () => {
    const elsewhere = await deployedExample();
    const pid = service(elsewhere);
    const copy = await copyProjectFolder(elsewhere);
    dirs.push(copy);
    // A registry in the copy that names a process whose working directory is not the copy.
    await mkdir(join(copy, '.stagecraft', 'processes'), { recursive: true });
    const entry = { pid, procStart: readProcStat(pid)?.startTime, cwd: elsewhere };
    await writeFile(
      join(copy, '.stagecraft', 'processes', 'local.json'),
      JSON.stringify({ version: 1, services: { db: entry } }),
    );
    await killEverythingIn(copy, 1000);
    expect(isAlive(pid)).toBe(true);
  });

  test('refuses what is not a folder', async () => {
    await expect(copyProjectFolder(join(ROOT, 'README.md'))).rejects.toThrow(/is not a folder/);
  });
});
