import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { isAlive } from '../../src/core/liveness.js';
import { BIN, makeProject, removeProject, runBuilt } from './helpers.js';

/** Polls `check` every 50 ms until it holds or `ms` pass; resolves with the last answer. */
async function within(ms: number, check: () => Promise<boolean> | boolean): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

// `setsid` leaves the command's process group: a group kill misses it, and it holds stdout.
const ESCAPE = (file: string): string => `setsid sh -c 'exec sleep 60' & echo $! >> ${file}`;

let dir: string | undefined;
const escaped: number[] = [];
afterEach(async () => {
  // Only on failure: stagecraft kills them itself. Only pids a test's command recorded (> 1).
  for (const pid of escaped.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  await removeProject(dir);
  dir = undefined;
});

async function escapedPids(file: string, record = true): Promise<number[]> {
  const text = await readFile(join(dir!, file), 'utf8').catch(() => '');
  const pids = text.split('\n').filter(Boolean).map(Number);
  if (!record) return pids;
  for (const pid of pids) expect(pid).toBeGreaterThan(1);
  escaped.push(...pids);
  return pids;
}

describe('deadlines hold whatever a command leaves behind', () => {
  test('an activation with timeout 2s whose setsid grandchild holds stdout ends in time, the grandchild gone', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': `name: escape
policy: { onFailure: abort }
services:
  api:
    activate: "${ESCAPE('act.pids')}; sleep 30"
    timeout: 2s
`,
    });
    const r = await runBuilt(['deploy', '--plain', '--yes'], { cwd: dir });
    const pids = await escapedPids('act.pids');
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('timed out');
    expect(r.ms).toBeLessThan(8000);
    expect(pids).toHaveLength(1);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  test('a command health probe with timeout 1s ends each attempt in time, no grandchild survives', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': `name: escape
policy: { onFailure: abort }
services:
  web:
    activate: "true"
    health:
      command: "${ESCAPE('probe.pids')}; sleep 30"
      timeout: 1s
      retries: 2
      interval: 100ms
`,
    });
    const r = await runBuilt(['deploy', '--plain', '--yes'], { cwd: dir });
    const pids = await escapedPids('probe.pids');
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('timeout after 1000 ms');
    // Three attempts of 1 s, a quarter of a second of pipe grace each, and the start of the CLI.
    expect(r.ms).toBeLessThan(10_000);
    expect(pids.length).toBeGreaterThanOrEqual(2);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  test('kill -9 of stagecraft during an activation leaves no setsid grandchild behind', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': `name: escape
services:
  api:
    activate: "${ESCAPE('act.pids')}; sleep 30"
    timeout: 1m
`,
    });
    const cli = spawn(process.execPath, [BIN, 'deploy', '--plain', '--yes'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => cli.once('exit', () => resolve()));
    try {
      const recorded = await within(
        10_000,
        async () => (await escapedPids('act.pids', false)).length > 0,
      );
      expect(recorded).toBe(true);
    } finally {
      cli.kill('SIGKILL');
      await exited;
    }
    const pids = await escapedPids('act.pids');
    expect(pids).toHaveLength(1);
    // The command runner sees its input close and kills the command, grandchild included.
    expect(await within(5000, () => pids.every((pid) => !isAlive(pid)))).toBe(true);
  });
});
