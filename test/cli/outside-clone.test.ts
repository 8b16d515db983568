/**
 * stagecraft on a project outside the clone, the two ways the README documents: the command
 * `npm install -g <clone>` (or `npm link`) puts on the PATH — a symlink to bin/stagecraft.js,
 * made here by hand so no global folder is touched — and `node <clone>/bin/stagecraft.js`.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import { BIN, ROOT, makeProject } from './helpers.js';

const run = promisify(execFile);
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const config = `name: mine
services:
  a: { activate: 'true' }
`;

describe('running stagecraft on a project outside the clone', () => {
  test('the stagecraft command a global install links to runs in any folder', async () => {
    const project = await makeProject({ 'stagecraft.config.yaml': config });
    dirs.push(project);
    expect(project.startsWith(ROOT)).toBe(false);
    const binDir = join(project, 'global-bin');
    await mkdir(binDir);
    await symlink(BIN, join(binDir, 'stagecraft'));
    const env = { PATH: `${binDir}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? '' };
    const r = await run('stagecraft', ['validate'], { cwd: project, env, timeout: 20_000 });
    expect(r.stdout).toContain('✓ stagecraft.config.yaml is valid: environment default, 1 service');
    const d = await run('stagecraft', ['deploy', '--yes'], { cwd: project, env, timeout: 30_000 });
    expect(d.stdout).toContain('succeeded (exit 0)');
  });

  test('node <clone>/bin/stagecraft.js -c <project> works from anywhere', async () => {
    const project = await makeProject({ 'stagecraft.config.yaml': config });
    dirs.push(project);
    const r = await run(process.execPath, [BIN, 'plan', '-c', project], {
      cwd: '/',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      timeout: 20_000,
    });
    expect(r.stdout).toContain('mine');
  });
});
