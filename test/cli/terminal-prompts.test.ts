/**
 * What the built CLI asks on a real terminal (tmux): `rollback` asks before it changes anything
 * (like `down`), `--yes` skips the question; `--plain` says in one line that it does not prompt;
 * an abort before anything changed exits 1, not 3; the release label is the `RELEASE` variable.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { Terminal, bin } from '../ui/tmux-kit.js';
import { makeProject, runBuilt } from './helpers.js';

const terminals: Terminal[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const t of terminals.splice(0)) t.kill();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A project of one-shot services only: nothing outlives a test. */
async function project(config: string): Promise<string> {
  const dir = await makeProject({ 'stagecraft.config.yaml': config });
  dirs.push(dir);
  return dir;
}

const twoStages = (confirm: boolean) => `name: tiny
services:
  a: { activate: 'true' }
  b: { activate: 'true', dependsOn: [a] }
stages:
  - { name: first, services: [a], confirm: ${confirm} }
  - { name: second, services: [b] }
`;

/** Runs the built CLI in a terminal in `dir`. */
function inTerminal(dir: string, args: string): Terminal {
  const t = new Terminal(dir, `node ${bin} ${args}`);
  terminals.push(t);
  return t;
}

/** Run ids recorded in `dir`'s state folder. */
const runs = (dir: string) => readdir(join(dir, '.stagecraft', 'deployments')).catch(() => []);

describe('prompts on a terminal', { timeout: 60_000 }, () => {
  test('rollback asks first, names both releases (the RELEASE variable), and n changes nothing; --yes does not ask', async () => {
    const dir = await project(twoStages(false));
    for (const release of ['2026.01.01', '2026.02.01']) {
      const r = await runBuilt(['deploy', '--yes', '--var', `RELEASE=${release}`], { cwd: dir });
      expect([r.code, r.stderr]).toEqual([0, '']);
    }
    const before = await runs(dir);
    const asked = inTerminal(dir, 'rollback --var RELEASE=2026.02.01');
    await asked.waitFor(
      /Roll tiny → default back from 2026\.02\.01 to 2026\.01\.01 \(release of deployment [\w-]+\)\? \[y\/N\]/,
    );
    asked.keys('n', 'Enter');
    expect(await asked.exitCode()).toBe(0);
    expect(asked.screen()).toContain('nothing rolled back');
    expect(await runs(dir)).toEqual(before);
    await rm(asked.exitFile);

    const yes = inTerminal(dir, 'rollback --yes --var RELEASE=2026.02.01');
    expect(await yes.exitCode()).toBe(0);
    expect(yes.history()).not.toContain('[y/N]');
    expect((await runs(dir)).length).toBe(before.length + 1);
  });

  test('--plain on a terminal says in one line that it does not prompt', async () => {
    const dir = await project(twoStages(false));
    const t = inTerminal(dir, 'deploy --plain');
    expect(await t.exitCode()).toBe(0);
    expect(t.history()).toContain(
      'stagecraft: --plain does not prompt: failures follow policy.onFailure (ask acts as rollback) and other questions take their default; drop it to be asked',
    );
  });

  test('--plain on a terminal with a stage to confirm refuses to start, naming --plain', async () => {
    const dir = await project(twoStages(true));
    const t = inTerminal(dir, 'deploy --plain');
    expect(await t.exitCode()).toBe(2);
    expect(t.history()).toContain(
      'stagecraft: this deployment asks for confirmation before a stage, and --plain does not prompt: pass --yes to confirm every stage',
    );
    expect(await runs(dir)).toEqual([]);
  });

  test('an abort at the first confirmation, before anything changed, exits 1', async () => {
    const dir = await project(twoStages(true));
    const t = inTerminal(dir, 'deploy');
    await t.waitFor('Start stage first (a)?');
    t.keys('a');
    expect(await t.exitCode()).toBe(1);
    expect(t.history()).toContain('deployment aborted before anything changed');
  });
});
