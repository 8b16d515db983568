/**
 * `down` on the built CLI with planted process-registry entries (a hand edit, damage, a state
 * folder from another machine): pid 1, pid 0, a negative pid, and a live sentinel this test
 * started but whose entry has no start time or the wrong one. None is signalled: the guard refuses
 * before any signal, so the test never sends a dangerous one; the sentinel staying alive proves it.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { isAlive, readProcStat } from '../../src/core/liveness.js';
import { hasStackTrace, makeProject, runBuilt } from './helpers.js';

const names = ['one', 'zero', 'negative', 'nostart', 'wrongstart'] as const;
const config = `name: planted
services:
${names.map((n) => `  ${n}:\n    process: 'sleep 1000'\n`).join('')}`;

/** Sentinels this test started, with their start times (so a reused pid is never hit). */
const sentinels: Array<{ pid: number; start: number | undefined }> = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of sentinels.splice(0))
    if (readProcStat(s.pid)?.startTime === s.start) process.kill(-s.pid, 'SIGKILL');
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A detached `sleep` of the test's own: its own process group, no instance tag. */
function sentinel(): { pid: number; start: number } {
  const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  child.unref();
  const pid = child.pid ?? -1;
  const start = readProcStat(pid)?.startTime ?? -1;
  sentinels.push({ pid, start });
  return { pid, start };
}

/** A project whose registry lists `entries` (pid and start time each), recorded from its folder. */
async function planted(
  entries: Record<string, { pid: number; procStart?: number }>,
): Promise<{ dir: string; registry: string }> {
  const dir = await makeProject({ 'stagecraft.config.yaml': config });
  dirs.push(dir);
  const stateDir = join(dir, '.stagecraft');
  await mkdir(join(stateDir, 'processes'), { recursive: true });
  const services = Object.fromEntries(
    Object.entries(entries).map(([name, e]) => [
      name,
      {
        ...e,
        startedAt: Date.now(),
        command: 'sleep 1000',
        cwd: dir,
        env: {},
        logFile: join(stateDir, 'logs', 'default', `${name}.log`),
        stateDir,
        projectDir: dir,
      },
    ]),
  );
  const registry = join(stateDir, 'processes', 'default.json');
  await writeFile(registry, `${JSON.stringify({ version: 1, services }, null, 2)}\n`);
  return { dir, registry };
}

describe('down with registry entries stagecraft cannot prove it started', () => {
  test('signals none of them, says why and what to do, and keeps the ones that may still run', async () => {
    const nostart = sentinel();
    const wrongstart = sentinel();
    const { dir, registry } = await planted({
      one: { pid: 1 },
      zero: { pid: 0 },
      negative: { pid: -5 },
      nostart: { pid: nostart.pid },
      wrongstart: { pid: wrongstart.pid, procStart: wrongstart.start + 7 },
    });

    const down = await runBuilt(['down', '--yes', '--plain', '-c', dir]);
    expect(hasStackTrace(down.stdout + down.stderr)).toBe(false);
    expect([isAlive(nostart.pid), isAlive(wrongstart.pid)]).toEqual([true, true]);
    expect(down.code).toBe(0);
    for (const [name, what] of [
      ['one', 'has pid 1'],
      ['zero', 'has pid 0'],
      ['negative', 'has pid -5'],
    ] as const)
      expect(down.stdout).toContain(
        `${name}: left running (the entry of ${name} in ${registry} ${what}, which no service stagecraft started can have: nothing was signalled; remove it from that file`,
      );
    expect(down.stdout).toContain(
      `nostart: left running (pid ${nostart.pid} has no recorded start time, so it cannot be proven to be the one stagecraft started: not signalled; if it is yours, stop it yourself (kill ${nostart.pid}), then remove nostart from ${registry})`,
    );
    expect(down.stdout).toContain('succeeded-with-warnings (exit 0) — 4 services left running');
    expect(down.stdout).not.toMatch(/(one|zero|negative|nostart): stopped/);

    // What may still run stays listed for the operator; the reused pid's entry was stale.
    const left = (JSON.parse(await readFile(registry, 'utf8')) as { services: object }).services;
    expect(Object.keys(left).sort()).toEqual(['negative', 'nostart', 'one', 'zero']);
  });
});
