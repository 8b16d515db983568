import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { BIN, ROOT, runBuilt } from './helpers.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Runs the built CLI with a module-resolution hook that records every module it loads. */
async function loadedModules(args: string[]): Promise<{ code: number; urls: string[] }> {
  dir = await mkdtemp(join(tmpdir(), 'stagecraft-trace-'));
  const trace = join(dir, 'trace.txt');
  const hooks = join(dir, 'hooks.mjs');
  await writeFile(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(trace)}, r.url + '\\n');
  return r;
}\n`,
  );
  const register = join(dir, 'register.mjs');
  await writeFile(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  await writeFile(trace, '');
  const { execFileSync } = await import('node:child_process');
  let code = 0;
  try {
    execFileSync(process.execPath, ['--import', register, BIN, ...args], {
      cwd: ROOT,
      stdio: 'pipe',
    });
  } catch (err) {
    code = (err as { status?: number }).status ?? -1;
  }
  const urls = (await readFile(trace, 'utf8')).split('\n').filter(Boolean);
  return { code, urls };
}

const heavy = /node_modules\/(ink|react|react-reconciler|xstate|@xstate)\//;

describe('stagecraft --help', () => {
  test('lists the commands with their descriptions and exits 0 quickly', async () => {
    const r = await runBuilt(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['validate', 'plan', 'schema'])
      expect(r.stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
    expect(r.stdout).toContain('Exit codes');
    expect(r.ms).toBeLessThan(3000);
  });

  test('each command has its own help naming its options', async () => {
    const r = await runBuilt(['validate', '--help']);
    expect(r.code).toBe(0);
    for (const opt of [
      '--config',
      '--env',
      '--var',
      '--json',
      '--state-dir',
      '--no-prerequisites',
    ]) {
      expect(r.stdout).toContain(opt);
    }
  });

  test('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    const r = await runBuilt(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  test('a misspelled command exits 2 and suggests the right one', async () => {
    const r = await runBuilt(['valdate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'valdate'");
    expect(r.stderr).toContain('validate');
  });

  test('a malformed --var is a usage error with exit 2', async () => {
    const r = await runBuilt(['plan', '--var', 'NOEQUALS', '-c', 'examples/local-stack']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('expected KEY=VALUE');
  });

  test('no command at all prints the help on stderr and exits 2', async () => {
    const r = await runBuilt([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('validate');
  });
});

describe('lazy loading', () => {
  test('--help loads neither ink, react nor xstate', async () => {
    const { code, urls } = await loadedModules(['--help']);
    expect(code).toBe(0);
    expect(urls.some((u) => u.includes('commander'))).toBe(true);
    expect(urls.filter((u) => heavy.test(u))).toEqual([]);
  });

  test('validate loads neither ink, react nor xstate', async () => {
    const { code, urls } = await loadedModules(['validate', '-c', 'examples/local-stack']);
    expect(code).toBe(0);
    expect(urls.some((u) => u.includes('/dist/config/'))).toBe(true);
    expect(urls.filter((u) => heavy.test(u))).toEqual([]);
  });
});
