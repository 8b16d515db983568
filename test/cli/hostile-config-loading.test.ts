/**
 * Hostile config files against the built CLI: loading is bounded (a FIFO is never opened, a module
 * that never settles meets a deadline) and a module's syntax error keeps its position.
 */
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasStackTrace, makeProject, removeProject, runBuilt } from './helpers.js';

let dir: string | undefined;
afterEach(async () => {
  await removeProject(dir);
  dir = undefined;
});

type Run = Awaited<ReturnType<typeof runBuilt>>;

const MKFIFO = 'mkfifo';

/** Exit 2 with one clear message, no bug report, no stack trace, well within `ms`. */
function userError(r: Run, ms: number): void {
  expect(r.code).toBe(2);
  expect(r.ms).toBeLessThan(ms);
  expect(r.stderr).toContain('invalid config');
  expect(r.stderr).not.toContain('internal error');
  expect(hasStackTrace(r.stderr + r.stdout)).toBe(false);
}

const SERVICE = 'services: { a: { activate: "true" } }';

describe('loading a config is bounded', () => {
  it('refuses a FIFO given with -c before opening it, naming the path', async () => {
    dir = await makeProject({});
    execFileSync(MKFIFO, [join(dir, 'fifo.yaml')]);
    const r = await runBuilt(['validate', '-c', 'fifo.yaml'], { cwd: dir });
    userError(r, 8_000);
    expect(r.stderr).toContain('fifo.yaml: the config file is not a regular file');
  });

  it('refuses a FIFO found by the search (in the cwd and in a -c folder)', async () => {
    dir = await makeProject({});
    await mkdir(join(dir, 'sub'));
    execFileSync(MKFIFO, [join(dir, 'stagecraft.config.yaml')]);
    execFileSync(MKFIFO, [join(dir, 'sub', '.stagecraftrc')]);
    const here = await runBuilt(['validate'], { cwd: dir });
    userError(here, 8_000);
    expect(here.stderr).toContain('stagecraft.config.yaml: the config file is not a regular file');
    const sub = await runBuilt(['plan', '-c', 'sub'], { cwd: dir });
    userError(sub, 8_000);
    expect(sub.stderr).toContain('.stagecraftrc: the config file is not a regular file');
  });

  it('refuses a FIFO package.json in the working folder (cosmiconfig reads it for its options)', async () => {
    dir = await makeProject({ 'c.yaml': `${SERVICE}\n` });
    execFileSync(MKFIFO, [join(dir, 'package.json')]);
    const r = await runBuilt(['validate', '-c', 'c.yaml'], { cwd: dir });
    userError(r, 8_000);
    expect(r.stderr).toContain(
      'package.json: not a regular file (a FIFO, socket, device or folder) where the config loader reads its own options',
    );
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('refuses a FIFO listed in config.files instead of waiting on it', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': `config: { files: [vars.yaml] }\n${SERVICE}\n`,
    });
    execFileSync(MKFIFO, [join(dir, 'vars.yaml')]);
    const r = await runBuilt(['plan'], { cwd: dir });
    userError(r, 8_000);
    expect(r.stderr).toContain('not a regular file');
    expect(r.stderr).toContain('vars.yaml');
  });

  it('gives up on an .mjs whose default export never settles, with a message and exit 2', async () => {
    dir = await makeProject({
      'stagecraft.config.mjs': 'export default new Promise(() => {});\n',
    });
    const r = await runBuilt(['validate'], {
      cwd: dir,
      env: { STAGECRAFT_CONFIG_TIMEOUT: '1' },
    });
    userError(r, 8_000);
    expect(r.stderr).toContain(
      `loading ${join(dir, 'stagecraft.config.mjs')} did not finish within 1 s`,
    );
    expect(r.stderr).toContain('STAGECRAFT_CONFIG_TIMEOUT');
  });

  it('gives up on a .mts top-level await that never settles while keeping the loop busy, and exits', async () => {
    dir = await makeProject({
      'stagecraft.config.mts':
        'setInterval(() => {}, 1000);\nawait new Promise(() => {});\nexport default { services: {} };\n',
    });
    const r = await runBuilt(['plan', '-c', 'stagecraft.config.mts'], {
      cwd: dir,
      env: { STAGECRAFT_CONFIG_TIMEOUT: '1.5' },
    });
    userError(r, 10_000);
    expect(r.stderr).toContain('did not finish within 1.5 s');
  });

  it('refuses a STAGECRAFT_CONFIG_TIMEOUT that is not a number of seconds', async () => {
    dir = await makeProject({ 'stagecraft.config.yaml': `${SERVICE}\n` });
    const r = await runBuilt(['validate'], { cwd: dir, env: { STAGECRAFT_CONFIG_TIMEOUT: '-3' } });
    userError(r, 8_000);
    expect(r.stderr).toContain('STAGECRAFT_CONFIG_TIMEOUT="-3" is not a number of seconds');
  });
});

describe('a module config syntax error keeps its position', () => {
  it('names file:line:column of a TypeScript syntax error (also for .mts)', async () => {
    dir = await makeProject({
      'stagecraft.config.ts': 'const x = {\n  a: 1,\n  b: 2 3\n};\nexport default x;\n',
      'other.config.mts': 'const y: number = ;\nexport default {};\n',
    });
    const ts = await runBuilt(['validate'], { cwd: dir });
    userError(ts, 15_000);
    expect(ts.stderr).toContain(
      'stagecraft.config.ts:3:8: cannot compile the config: Expected "}"',
    );
    const mts = await runBuilt(['validate', '-c', 'other.config.mts'], { cwd: dir });
    userError(mts, 15_000);
    expect(mts.stderr).toContain(
      'other.config.mts:1:19: cannot compile the config: Unexpected ";"',
    );
  });

  it('names file:line:column of a JavaScript syntax error in an .mjs config', async () => {
    dir = await makeProject({
      'stagecraft.config.mjs': 'export default {\n  services: {}}}\n',
    });
    const r = await runBuilt(['validate'], { cwd: dir });
    userError(r, 15_000);
    expect(r.stderr).toContain(
      "stagecraft.config.mjs:2:16: JavaScript syntax error: Unexpected token '}'",
    );
  });
});
