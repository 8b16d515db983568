/**
 * Skipping a failed service (issue 10, case 6), in a real terminal: the deployment ends as
 * succeeded with warnings naming the service (final screen, `show`, and the same journal through
 * the --plain and --json reporters), the release records it as skipped and not as running, and a
 * later rollback to that release does not restore it as if it were healthy.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { Masker } from '../../src/core/mask.js';
import type { Fact } from '../../src/record/facts.js';
import { startReporter } from '../../src/runtime/reporters/reporter.js';
import { FakeSource, type RunStarted } from './fake-source.js';
import {
  Terminal,
  bin,
  copyProject,
  freePort,
  readJournal,
  removeDir,
  root,
  runIds,
} from './tmux-kit.js';

const run = promisify(execFile);
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The built CLI run to completion in `dir` (no terminal); its exit code and output. */
async function cli(dir: string, args: string[]) {
  return run('node', [bin, ...args], { cwd: dir, timeout: 60_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: e.code ?? -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    }),
  );
}

/** What the --plain or --json reporter prints for a journal's facts, replayed in order. */
function report(facts: Array<Record<string, unknown>>, format: 'plain' | 'json'): string {
  const [first, ...rest] = facts.map(({ seq: _seq, ...f }) => f) as unknown as Array<
    Fact & { ts: number }
  >;
  let out = '';
  const source = new FakeSource(first as RunStarted, first?.ts);
  const presenter = startReporter(source, {
    write: (t) => (out += t),
    format,
    colour: false,
    mask: Masker.none,
    exitCodeOf: (o) => (o.result.startsWith('succeeded') ? 0 : 1),
  });
  for (const f of rest) source.push(f, f.ts);
  void presenter.finish();
  return out;
}

describe('skipping a failed service', () => {
  it(
    'ends as succeeded with warnings naming it, records it as skipped, and a rollback to that release does not restore it as healthy',
    { timeout: 120_000 },
    async () => {
      const dir = await copyProject(join(root, 'test', 'fixtures', 'rollback-stack'));
      const [web, extra, web2] = [await freePort(), await freePort(), await freePort()];
      const vars = ['--var', `WEB_PORT=${web}`, '--var', `EXTRA_PORT=${extra}`];
      cleanups.push(() => removeDir(dir));
      cleanups.push(async () => {
        await cli(dir, ['down', '--yes', '-c', dir, ...vars]);
      });
      const term = new Terminal(
        dir,
        `node ${bin} deploy -c ${dir} ${vars.join(' ')} --var EXTRA_OK=no`,
      );
      cleanups.push(() => term.kill());

      await term.waitFor('Failure: extra', 60_000);
      term.keys('s');
      expect(await term.exitCode(60_000)).toBe(0);
      const screen = term.history();
      expect(screen).toContain('▲ deployment succeeded with warnings · exit code 0');
      expect(screen).toContain(
        'warning: extra was skipped while unhealthy: left as it is, not recorded as part of the release',
      );
      expect(screen).toMatch(/^ {2}\S+ extra +skipped/m);

      const [id] = await runIds(dir);
      if (id === undefined) throw new Error('no run recorded');
      const facts = await readJournal(dir, id);
      expect(facts.at(-2)).toMatchObject({
        type: 'deployment.finished',
        result: 'succeeded-with-warnings',
        reason: expect.stringContaining('extra was skipped while unhealthy') as unknown,
      });

      const [release] = JSON.parse(
        await readFile(join(dir, '.stagecraft', 'releases', 'default.json'), 'utf8'),
      ) as Array<{ running: string[]; skipped?: string[] }>;
      expect(release?.running).toEqual(['web']);
      expect(release?.skipped).toEqual(['extra']);

      const shown = await cli(dir, ['show', id, '-c', dir, ...vars]);
      expect(shown.stdout).toMatch(/result {2}succeeded-with-warnings \(exit 0\)/);
      expect(shown.stdout).toMatch(/^warnings:\n {2}extra was skipped while unhealthy/m);
      expect(shown.stdout).toMatch(/^ {2}extra +.*skipped/m);
      const json = JSON.parse(
        (await cli(dir, ['show', id, '--json', '-c', dir, ...vars])).stdout,
      ) as {
        result: string;
        warnings: string[];
        services: Array<{ name: string; state: string }>;
      };
      expect(json.result).toBe('succeeded-with-warnings');
      expect(json.warnings).toEqual([
        'extra was skipped while unhealthy: left as it is, not recorded as part of the release',
      ]);
      expect(json.services.find((s) => s.name === 'extra')?.state).toBe('skipped');

      const plain = report(facts, 'plain');
      expect(plain).toMatch(/^! extra was skipped while unhealthy: left as it is/m);
      expect(plain).toMatch(/^succeeded-with-warnings \(exit 0\) — extra was skipped/m);
      const lines = report(facts, 'json')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; result?: string; message?: string });
      expect(lines).toContainEqual(
        expect.objectContaining({
          type: 'warning',
          message: expect.stringContaining('extra was skipped') as unknown,
        }),
      );
      expect(lines.at(-2)).toMatchObject({
        type: 'deployment.finished',
        result: 'succeeded-with-warnings',
      });

      // Release 2: everything healthy (extra too), web on another port.
      const second = await cli(dir, [
        'deploy',
        '--yes',
        '--plain',
        '-c',
        dir,
        '--var',
        `WEB_PORT=${web2}`,
        '--var',
        `EXTRA_PORT=${extra}`,
        '--var',
        'RELEASE=v2',
      ]);
      expect(second.stdout).toMatch(/^succeeded \(exit 0\)/m);
      // Back to release 1: web is restored and probed; extra, skipped there, is stopped, not probed.
      const back = await cli(dir, [
        'rollback',
        '--plain',
        '-c',
        dir,
        '--var',
        `WEB_PORT=${web2}`,
        '--var',
        `EXTRA_PORT=${extra}`,
      ]);
      expect(back.stderr).toBe('');
      expect(back.stdout).toMatch(/^ {2}extra: rolled-back$/m);
      expect(back.stdout).not.toMatch(/extra: http GET/);
      expect(back.stdout).toMatch(/^succeeded \(exit 0\)/m);
      expect(back.code).toBe(0);
    },
  );
});
