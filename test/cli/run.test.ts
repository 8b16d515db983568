import { afterEach, describe, expect, test, vi } from 'vitest';
import { run } from '../../src/cli/run.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import type { ResolvedPlan } from '../../src/config/plan-types.js';
import {
  MINIMAL_CONFIG,
  hasStackTrace,
  makeProject,
  removeProject,
  runInProcess,
} from './helpers.js';

let dir: string | undefined;
afterEach(async () => {
  await removeProject(dir);
  dir = undefined;
});

describe('run(argv, io), the in-process entry', () => {
  test('returns the exit code and never calls process.exit', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation(() => {
      throw new Error('process.exit called');
    });
    const r = await runInProcess(['nonsense']);
    expect(r.code).toBe(EXIT.usage);
    const help = await runInProcess(['--help']);
    expect(help.code).toBe(EXIT.ok);
    expect(exit).not.toHaveBeenCalled();
  });

  test('an unexpected exception is one line saying it is a bug, exit 3 (manual intervention), no stack trace', async () => {
    let stderr = '';
    const code = await run(['schema'], {
      stdout: {
        write: () => {
          throw new Error('disk on fire\n    at somewhere (file.js:1:1)');
        },
      },
      stderr: { write: (s: string) => (stderr += s) },
      env: {},
      cwd: process.cwd(),
    });
    expect(code).toBe(3);
    expect(stderr).toBe(
      'stagecraft: internal error (this is a bug, please report it): disk on fire\n',
    );
    expect(hasStackTrace(stderr)).toBe(false);
  });

  test('--var has the highest precedence and is reported as coming from the command line', async () => {
    dir = await makeProject({ 'stagecraft.config.yaml': MINIMAL_CONFIG });
    const r = await runInProcess(['plan', '--json', '--var', 'PORT=19001', '--var', 'EXTRA=a=b'], {
      cwd: dir,
    });
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as ResolvedPlan;
    expect(plan.vars.PORT).toMatchObject({ value: '19001', source: { kind: 'cli' } });
    expect(plan.vars.EXTRA?.value).toBe('a=b');
    expect(plan.services.db?.health?.tcp).toEqual({ host: '127.0.0.1', port: 19001 });
  });

  test('a --var with an invalid name is a usage error naming it', async () => {
    const r = await runInProcess(['plan', '--var', '1X=2']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toContain('"1X" is not a variable name');
  });

  test('validate --json on an invalid config prints the issues as JSON and exits 2', async () => {
    dir = await makeProject({ 'stagecraft.config.yaml': 'services: { a: { activate: 1 } }\n' });
    const r = await runInProcess(['validate', '--json'], { cwd: dir });
    expect(r.code).toBe(EXIT.usage);
    const out = JSON.parse(r.stdout) as { valid: boolean; issues: Array<{ path?: string }> };
    expect(out.valid).toBe(false);
    expect(out.issues.some((i) => i.path?.startsWith('services.a'))).toBe(true);
    expect(r.stderr).toContain('services.a');
  });
});
