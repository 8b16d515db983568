/**
 * `deploy --watch DURATION` overrides `monitoring.watch` for one run: a bad duration is a usage
 * error naming the flag; a dry run says the watch window instead of waiting it out.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { makeProject, removeProject, runBuilt } from './helpers.js';

let dir: string | undefined;
afterEach(async () => {
  await removeProject(dir);
  dir = undefined;
});

const CONFIG = `name: w
services:
  api: { activate: "true" }
`;

describe('deploy --watch', () => {
  test('a duration that is not one: exit 2 naming the flag, nothing run', async () => {
    dir = await makeProject({ 'stagecraft.config.yaml': CONFIG });
    const r = await runBuilt(['deploy', '--yes', '--plain', '-c', dir, '--watch', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--watch: "soon" is not a duration \(e\.g\. 30s, 5m; 0 for no watch\)/,
    );
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  // runBuilt gives the CLI 20 s: a dry run that waited the 10 minutes out would be killed.
  test('a dry run says the window and does not wait it out', async () => {
    dir = await makeProject({ 'stagecraft.config.yaml': CONFIG });
    const r = await runBuilt(['deploy', '--dry-run', '-c', dir, '--watch', '10m']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'would watch every service for 600 s after verification, before the release is recorded (on failure: rollback); not simulated',
    );
  });
});
