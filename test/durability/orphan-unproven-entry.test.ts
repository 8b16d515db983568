/**
 * A process-registry entry whose identity cannot be proven (no start time: a hand edit, a state
 * folder from elsewhere) is refused by `down` — and must not be forgotten when the next deploy of
 * that service records its new instance over it: the entry is kept as `unproven`, reported by the
 * deploy and by `down`, and its process (a sentinel this test started) is never signalled.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { isAlive, readProcStat } from '../../src/core/liveness.js';
import { makeProject, removeProject, runBuilt } from '../cli/helpers.js';
import { killEverythingIn } from '../engine/proc-watch.js';

const CONFIG = `name: unproven
services:
  web:
    process: 'sleep 1000'
`;

const sentinels: Array<{ pid: number; start: number | undefined }> = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of sentinels.splice(0))
    if (readProcStat(s.pid)?.startTime === s.start) process.kill(-s.pid, 'SIGKILL');
  for (const d of dirs.splice(0)) {
    await killEverythingIn(d);
    await removeProject(d);
  }
});

/** A detached `sleep` of the test's own: its own process group, no instance tag. */
function sentinel(): number {
  const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  child.unref();
  const pid = child.pid ?? -1;
  sentinels.push({ pid, start: readProcStat(pid)?.startTime });
  return pid;
}

describe('an unproven registry entry under a new deploy of its service', () => {
  test('is kept as unproven, reported by deploy and down, and its process never signalled', async () => {
    const dir = await makeProject({ 'stagecraft.config.yaml': CONFIG });
    dirs.push(dir);
    const stateDir = join(dir, '.stagecraft');
    const registry = join(stateDir, 'processes', 'default.json');
    const pid = sentinel();
    await mkdir(join(stateDir, 'processes'), { recursive: true });
    const planted = {
      pid,
      startedAt: Date.now(),
      command: 'sleep 1000',
      cwd: dir,
      env: {},
      logFile: join(stateDir, 'logs', 'default', 'web.log'),
      stateDir,
      projectDir: dir,
    };
    await writeFile(registry, JSON.stringify({ version: 1, services: { web: planted } }));

    const deploy = await runBuilt(['deploy', '--yes', '--plain', '-c', dir]);
    expect(deploy.code).toBe(0);
    expect(deploy.stderr).toContain(
      `web (an earlier instance, pid ${pid}): stagecraft cannot prove it started pid ${pid}`,
    );
    const file = JSON.parse(await readFile(registry, 'utf8')) as {
      services: Record<string, { pid: number }>;
      unproven?: Array<{ service: string; entry: { pid: number } }>;
    };
    expect(file.services.web?.pid).not.toBe(pid);
    expect(file.unproven?.map((u) => [u.service, u.entry.pid])).toEqual([['web', pid]]);

    const down = await runBuilt(['down', '--yes', '--plain', '-c', dir]);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain(`web (an earlier instance, pid ${pid})`);
    expect(down.stdout).toContain('succeeded-with-warnings');
    expect(isAlive(pid)).toBe(true);
  }, 60_000);
});
