import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasStackTrace, makeProject, removeProject, runBuilt } from './helpers.js';

let dir: string | undefined;
afterEach(async () => {
  await removeProject(dir);
  dir = undefined;
});

/** Exit 2, one `invalid config` message naming `file`, no bug report, within the deadline. */
function userError(r: { code: number; stdout: string; stderr: string; ms: number }, file: string) {
  expect(r.code).toBe(2);
  expect(r.ms).toBeLessThan(15_000);
  expect(r.stderr).toContain(file);
  expect(r.stderr).not.toContain('internal error');
  expect(hasStackTrace(r.stderr + r.stdout)).toBe(false);
}

const long = (c: string) => c.repeat(230);

describe('user-fixable problems are user errors', () => {
  it('validate refuses a service name too long to become a file name, naming its config path', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': `name: x\nservices:\n  ${long('a')}:\n    activate: "true"\n`,
    });
    const r = await runBuilt(['validate'], { cwd: dir });
    userError(r, 'stagecraft.config.yaml:3:3');
    expect(r.stderr).toContain('it becomes a file name');
  });

  it('validate refuses an environment name too long to become a file name', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': `name: x\nenvironments:\n  ${long('e')}: {}\nservices:\n  a:\n    activate: "true"\n`,
    });
    const r = await runBuilt(['validate'], { cwd: dir });
    userError(r, 'stagecraft.config.yaml:3:3');
  });

  it('a broken package.json in the working folder is a config error naming it', async () => {
    dir = await makeProject({ 'package.json': '{ broken' });
    const r = await runBuilt(['validate'], { cwd: dir });
    userError(r, 'package.json');
    expect(r.stderr).toContain('in JSON at position 2');
  });

  it('a config module whose getter throws is a config error naming the file', async () => {
    dir = await makeProject({
      'stagecraft.config.mjs': `export default { name: 'x', get services() { throw new Error('boom'); } };\n`,
    });
    for (const command of ['validate', 'plan', 'deploy']) {
      const r = await runBuilt([command], { cwd: dir });
      userError(r, 'stagecraft.config.mjs');
      expect(r.stderr).toContain('boom');
    }
    expect(existsSync(join(dir, '.stagecraft'))).toBe(false);
  });
});
