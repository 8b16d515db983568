/**
 * A `process` service removed from the config after it was deployed still runs: the next deploy
 * names it (with the command that stops it) and leaves it recorded; `down` stops it with the rest
 * of the environment, on the built CLI.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { environOf, isAlive } from '../../src/core/liveness.js';
import { hasStackTrace, makeProject, runBuilt } from './helpers.js';

const both = `name: shrink
services:
  web:
    process: 'sleep 1000'
  old:
    process: 'sleep 1000'
`;
const webOnly = `name: shrink
services:
  web:
    process: 'sleep 1000'
`;

const dirs: string[] = [];
/** The pids the registry of `dir` lists, by service. */
async function registered(dir: string): Promise<Record<string, number>> {
  const path = join(dir, '.stagecraft', 'processes', 'default.json');
  const text = await readFile(path, 'utf8').catch(() => '{"services":{}}');
  const services = (JSON.parse(text) as { services: Record<string, { pid: number }> }).services;
  return Object.fromEntries(Object.entries(services).map(([n, e]) => [n, e.pid]));
}
afterEach(async () => {
  // Only processes the test's own CLI runs started (they carry stagecraft's instance tag).
  for (const d of dirs.splice(0)) {
    for (const pid of Object.values(await registered(d)))
      if (pid > 1 && environOf(pid)?.STAGECRAFT_INSTANCE !== undefined)
        process.kill(-pid, 'SIGKILL');
    await rm(d, { recursive: true, force: true });
  }
});

describe('a process service removed from the config', () => {
  test('deploy names it with the commands that stop it and keeps it recorded; down stops it with the rest', async () => {
    const dir = await makeProject({ 'stagecraft.config.yaml': both });
    dirs.push(dir);
    const first = await runBuilt(['deploy', '--yes', '--plain', '-c', dir]);
    expect([first.code, first.stderr]).toEqual([0, '']);
    const old = (await registered(dir)).old ?? -1;
    expect(isAlive(old)).toBe(true);

    await writeFile(join(dir, 'stagecraft.config.yaml'), webOnly);
    const second = await runBuilt(['deploy', '--yes', '--plain', '-c', dir]);
    expect(second.code).toBe(0);
    expect(second.stderr).toBe(
      `stagecraft: old is no longer in the config but still runs (pid ${old}, from an earlier deployment); left running and recorded: stop it with \`stagecraft down -c ${dir} -e default\` (which stops the whole environment) or \`kill -- -${old}\`\n`,
    );
    expect(isAlive(old)).toBe(true);
    expect((await registered(dir)).old).toBe(old);

    const down = await runBuilt(['down', '--yes', '--plain', '-c', dir]);
    expect(hasStackTrace(down.stdout + down.stderr)).toBe(false);
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/ {2}old: stopped \(pid \d+\)/);
    expect(down.stdout).toMatch(/ {2}web: stopped \(pid \d+\)/);
    expect(isAlive(old)).toBe(false);
    expect(await registered(dir)).toEqual({});
  });
});
