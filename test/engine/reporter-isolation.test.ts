/**
 * A presenter that throws (here: the line reporter's output sink, in the middle of a deployment)
 * never ends the run as an "internal error": it is reported once on stderr, masked, and detached;
 * the deployment goes on to its own outcome and exit code, journaled as usual.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { run } from '../../src/cli/run.js';
import { makeProject, removeProject, runBuilt } from '../cli/helpers.js';

const SECRET = 'sekrit-4f1c9a7e';

/** Three one-shot services in a chain (nothing outlives the test); one secret. */
const CONFIG = `name: loud
secrets: [API_TOKEN]
services:
  a: { activate: 'true' }
  b: { activate: 'true', dependsOn: [a] }
  c: { activate: 'true', dependsOn: [b] }
`;

let dir: string | undefined;
afterEach(async () => {
  await removeProject(dir);
  dir = undefined;
});

/** Runs `deploy` in process with a stdout that throws on its `breakAt`-th write. */
async function deployWithBrokenStdout(
  breakAt: number,
): Promise<{ code: number; stderr: string; writes: number; lines: string[] }> {
  dir = await makeProject({ 'stagecraft.config.yaml': CONFIG });
  let writes = 0;
  let stderr = '';
  const lines: string[] = [];
  const code = await run(['deploy', '--yes', '--plain', '-c', dir], {
    stdout: {
      write: (s: string) => {
        writes += 1;
        if (writes === breakAt) throw new Error(`the sink broke (token ${SECRET})`);
        lines.push(s);
      },
    },
    stderr: { write: (s: string) => (stderr += s) },
    env: { PATH: process.env.PATH, API_TOKEN: SECRET },
    cwd: dir,
  });
  return { code, stderr, writes, lines };
}

describe('a presenter that throws during a deployment', { timeout: 60_000 }, () => {
  test('is reported once (masked) and detached; the deployment finishes with its own outcome and exit code', async () => {
    const r = await deployWithBrokenStdout(3);
    expect(r.code).toBe(0);
    const said = r.stderr.split('\n').filter((l) => l.includes("the run's output failed"));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(
      /^stagecraft: the run's output failed on [\w.]+ \(the sink broke \(token •+\)\) and was detached; the run goes on, the exit code tells its outcome \(this is a bug, please report it\)$/,
    );
    expect(r.stderr).not.toContain(SECRET);
    expect(r.stderr).not.toContain('internal error');
    // Detached: the reporter was not called again after it threw.
    expect(r.writes).toBe(3);

    const history = await runBuilt(['history', '--json', '-c', dir ?? ''], {});
    const [last] = (
      JSON.parse(history.stdout) as { deployments: { result: string; exitCode: number }[] }
    ).deployments;
    expect([last?.result, last?.exitCode]).toEqual(['succeeded', 0]);
  });
});
