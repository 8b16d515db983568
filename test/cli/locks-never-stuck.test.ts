import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, hasStackTrace, makeProject, removeProject, runBuilt } from './helpers.js';

/** The coreutils program, by a variable so it is not taken for a package binary. */
const MKFIFO = 'mkfifo';

const CONFIG = `name: mini
services:
  db:
    process: "node -e \\"setInterval(() => {}, 1000)\\""
  api:
    dependsOn: [db]
    activate: "true"
`;

let dir: string | undefined;
afterEach(async () => {
  if (dir !== undefined) {
    // Stop whatever a test left running (its own state dir only), then remove the project.
    await runBuilt(['down', '--yes', '--plain'], { cwd: dir });
    await removeProject(dir);
  }
  dir = undefined;
});

async function project(): Promise<{ dir: string; locks: string; lock: string }> {
  dir = await makeProject({ 'stagecraft.config.yaml': CONFIG });
  const locks = join(dir, '.stagecraft', 'locks');
  await mkdir(locks, { recursive: true });
  await writeFile(join(dir, '.stagecraft', 'format.json'), '{"format":1}\n');
  return { dir, locks, lock: join(locks, 'default.json') };
}

function clean(text: string): void {
  expect(text).not.toContain('internal error');
  expect(hasStackTrace(text)).toBe(false);
}

const malformed: [string, (lock: string) => Promise<void>][] = [
  ['a dangling symbolic link', (lock) => symlink('/nonexistent/stagecraft-lock', lock)],
  ['null', (lock) => writeFile(lock, 'null\n')],
  ['an empty folder', (lock) => mkdir(lock)],
  ['a JSON array', (lock) => writeFile(lock, '[]\n')],
  ['a lock of the wrong shape', (lock) => writeFile(lock, '{"pid":"x"}\n')],
  ['a FIFO', (lock) => Promise.resolve(void execFileSync(MKFIFO, [lock]))],
];

describe('a malformed lock file', () => {
  it.each(malformed)(
    'that is %s is refused by deploy at once (exit 4, naming unlock) and removed by unlock',
    async (_what, make) => {
      const p = await project();
      await make(p.lock);
      const refused = await runBuilt(['deploy', '--yes', '--plain'], { cwd: p.dir });
      expect(refused.code).toBe(4);
      expect(refused.ms).toBeLessThan(15_000);
      expect(refused.stderr).toMatch(/locked by a damaged lock file .*stagecraft unlock/);
      clean(refused.stderr + refused.stdout);
      const unlocked = await runBuilt(['unlock'], { cwd: p.dir });
      expect(unlocked.code).toBe(0);
      expect(unlocked.stdout).toMatch(/^unlocked default: /);
      clean(unlocked.stderr + unlocked.stdout);
      expect(existsSync(p.lock)).toBe(false);
      const deployed = await runBuilt(['deploy', '--yes', '--plain'], { cwd: p.dir });
      expect(deployed.code).toBe(0);
      expect(await readdir(p.locks)).toEqual([]);
    },
  );

  it('that is a folder with files in it is named with the one command that clears it', async () => {
    const p = await project();
    await mkdir(p.lock);
    await writeFile(join(p.lock, 'keep'), 'not stagecraft');
    const r = await runBuilt(['unlock'], { cwd: p.dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`rm -r '${p.lock}'`);
    clean(r.stderr);
    // Put back in place, its content untouched.
    expect(existsSync(join(p.lock, 'keep'))).toBe(true);
  });
});

/** Spawns the built CLI and sends `signal` the moment the lock file appears. */
function signalOnceLocked(
  args: string[],
  cwd: string,
  lock: string,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; out: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`no exit within 20 s: ${out}`));
    }, 20_000);
    const poll = setInterval(() => {
      if (existsSync(lock)) {
        clearInterval(poll);
        child.kill(signal);
      }
    }, 1);
    child.on('exit', (code) => {
      clearTimeout(deadline);
      clearInterval(poll);
      done({ code, out });
    });
  });
}

describe('the lock is released on every exit path', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'a %s right after down takes the lock interrupts it and leaves no lock',
    async (signal) => {
      const p = await project();
      expect((await runBuilt(['deploy', '--yes', '--plain'], { cwd: p.dir })).code).toBe(0);
      const r = await signalOnceLocked(['down', '--yes', '--plain'], p.dir, p.lock, signal);
      clean(r.out);
      expect(r.out).toContain('interrupted');
      expect(existsSync(p.lock)).toBe(false);
    },
  );

  it('a registry entry that is not a record fails deploy with exit 2 naming the file, lock released', async () => {
    const p = await project();
    const registry = join(p.dir, '.stagecraft', 'processes', 'default.json');
    await mkdir(join(p.dir, '.stagecraft', 'processes'));
    await writeFile(registry, '{"version":1,"services":{"db":null}}\n');
    const r = await runBuilt(['deploy', '--yes', '--plain'], { cwd: p.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(registry);
    clean(r.stderr + r.stdout);
    expect(await readdir(p.locks)).toEqual([]);
    await writeFile(registry, '{"version":1,"services":{}}\n');
  });
});
