/**
 * Rollbacks checked against the world (issue 10, cases 2 and 3): a process service's `rollback`
 * command runs in every rollback, between stopping this deployment's instance and restarting the
 * previous one, with the previous release's variables; and the restored instance is probed where
 * the previous release serves, so a correct rollback is reported as restored. Real processes,
 * real ports, the built CLI.
 */
import { describe, expect, test } from 'vitest';
import { freePort, runCli } from './example-project.js';
import { rollbackStacks, served } from './rollback-stack.js';

const stack = rollbackStacks();

/** The events.log lines about web. */
const webEvents = (events: string[]): string[] => events.filter((e) => / web /.test(e));

describe('rollback of a process service', () => {
  test(
    "a failed deployment's rollback runs web's rollback command with v1's variables, after stopping v2 and before restarting v1",
    { timeout: 60_000 },
    async () => {
      const p = await stack();
      const port = await freePort();
      expect((await runCli(['deploy', '--yes', '--plain', ...p.args(port)])).code).toBe(0);
      const r = await runCli([
        'deploy',
        '--yes',
        '--plain',
        ...p.args(port, { RELEASE: 'v2', FAIL: 'yes' }),
      ]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^failed \(exit 1\)/m);
      expect(r.code).toBe(1);
      expect(webEvents(await p.events())).toEqual([
        `start web v1 ${port}`,
        `stop web v1 ${port}`,
        `start web v2 ${port}`,
        `stop web v2 ${port}`,
        `rollback web v1 ${port}`,
        `start web v1 ${port}`,
      ]);
      expect(await served(port)).toBe('v1');
    },
  );

  test(
    'a failed deployment that moved the port is rolled back and reported restored: v1 answers on its own port again, exit 1',
    { timeout: 60_000 },
    async () => {
      const p = await stack();
      const [a, b] = [await freePort(), await freePort()];
      expect((await runCli(['deploy', '--yes', '--plain', ...p.args(a)])).code).toBe(0);
      expect(await served(a)).toBe('v1');

      const r = await runCli([
        'deploy',
        '--yes',
        '--plain',
        ...p.args(b, { RELEASE: 'v2', FAIL: 'yes' }),
      ]);
      expect(r.stderr).toBe('');
      // The restored v1 was probed on its own port a, not on v2's port b.
      expect(r.stdout).toContain(
        `web: rolled-back — http GET http://127.0.0.1:${a}/healthz passed`,
      );
      expect(r.stdout).not.toMatch(/NOT restored/);
      expect(r.stdout).toMatch(/^failed \(exit 1\)/m);
      expect(r.stdout).toMatch(/^ {2}restored: .*\bweb\b/m);
      expect(r.code).toBe(1);
      expect(await served(a)).toBe('v1');
      expect(await served(b)).toBe('ECONNREFUSED');
      expect(webEvents(await p.events()).slice(-2)).toEqual([
        `rollback web v1 ${a}`,
        `start web v1 ${a}`,
      ]);
    },
  );

  test(
    "stagecraft rollback runs web's rollback command and probes the previous release where it serves: exit 0, v1 answers on its port",
    { timeout: 60_000 },
    async () => {
      const p = await stack();
      const [a, b] = [await freePort(), await freePort()];
      expect((await runCli(['deploy', '--yes', '--plain', ...p.args(a)])).code).toBe(0);
      const v2 = p.args(b, { RELEASE: 'v2' });
      expect((await runCli(['deploy', '--yes', '--plain', ...v2])).code).toBe(0);
      expect(await served(b)).toBe('v2');

      const r = await runCli(['rollback', '--plain', ...v2]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/back from v2 to v1/);
      expect(r.stdout).toContain(
        `web: rolled-back — http GET http://127.0.0.1:${a}/healthz passed`,
      );
      expect(r.stdout).toMatch(/^succeeded \(exit 0\)/m);
      expect(r.code).toBe(0);
      expect(await served(a)).toBe('v1');
      expect(await served(b)).toBe('ECONNREFUSED');
      expect(webEvents(await p.events()).slice(-3)).toEqual([
        `stop web v2 ${b}`,
        `rollback web v1 ${a}`,
        `start web v1 ${a}`,
      ]);
    },
  );

  test("plan states where a process service's rollback command runs", async () => {
    const p = await stack();
    const r = await runCli(['plan', ...p.args(await freePort())]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'rollback: `sh rollback.sh web` (after stopping this instance, before restarting the previous)',
    );
  });
});
