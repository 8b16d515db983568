import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { hasStackTrace, removeProject, runBuilt } from './helpers.js';
import {
  spawnWatch,
  startUpstream,
  watchProject,
  type Upstream,
  type Watching,
} from './watch-kit.js';

let upstream: Upstream | undefined;
let dir: string | undefined;
let watching: Watching | undefined;
afterEach(async () => {
  if (watching !== undefined && watching.child.exitCode === null) {
    watching.child.kill('SIGKILL');
    await watching.exited;
  }
  watching = undefined;
  await upstream?.close();
  upstream = undefined;
  await removeProject(dir);
  dir = undefined;
});

async function setUp(): Promise<string> {
  upstream = await startUpstream();
  dir = await watchProject(upstream.port);
  return dir;
}

describe('stagecraft watch', () => {
  test('watches healthy services for --for 2s, one line per change, and exits 0 without touching the state folder', async () => {
    const project = await setUp();
    const r = await runBuilt(['watch', '--for', '2s'], { cwd: project });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^watching wshop → default: 2 services every 200ms for 2\.0s$/m);
    expect(r.stdout).toMatch(/ api +healthy +\d+ms$/m);
    expect(r.stdout).toMatch(/ web +healthy +\d+ms$/m);
    expect(r.stdout).toMatch(/^watch ended after 2\.\ds: every service healthy$/m);
    expect(existsSync(join(project, '.stagecraft'))).toBe(false);
  });

  test('a server stopped mid-way is printed as the change and the watch exits 1', async () => {
    const project = await setUp();
    watching = spawnWatch(project, ['--for', '3s', '--plain']);
    await watching.waitFor(/ api +healthy/);
    await upstream?.close();
    upstream = undefined;
    const code = await watching.exited;
    expect(code).toBe(1);
    const out = watching.stdout();
    expect(out).toMatch(/ api +unhealthy .*ECONNREFUSED/);
    expect(out).toMatch(/ web +unhealthy .*ECONNREFUSED/);
    expect(out).toMatch(
      /^watch ended after .*: not healthy: api \(unhealthy\), web \(unhealthy\)$/m,
    );
    expect(hasStackTrace(watching.stderr())).toBe(false);
  });

  test('--json writes one JSON object per line: the start, each change and the end', async () => {
    const project = await setUp();
    const r = await runBuilt(['watch', '--for', '1s', '--json'], { cwd: project });
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { type: string; service?: string; verdict?: string; healthy?: boolean },
      );
    expect(lines[0]?.type).toBe('watch.started');
    expect(
      lines.filter((l) => l.type === 'watch.change').map((l) => [l.service, l.verdict]),
    ).toEqual(
      expect.arrayContaining([
        ['api', 'healthy'],
        ['web', 'healthy'],
      ]),
    );
    expect(lines.at(-1)).toMatchObject({ type: 'watch.ended', healthy: true, interrupted: false });
  });

  test('SIGINT ends the watch cleanly with the exit code of the state it ends in', async () => {
    const project = await setUp();
    watching = spawnWatch(project, ['--plain']);
    await watching.waitFor(/ web +healthy/);
    watching.child.kill('SIGINT');
    expect(await watching.exited).toBe(0);
    expect(watching.stdout()).toMatch(/^watch stopped after .*: every service healthy$/m);
    expect(watching.stderr()).toBe('');
  });

  test('a --for that is not a duration is a usage error (exit 2) without a stack trace', async () => {
    const project = await setUp();
    const r = await runBuilt(['watch', '--for', 'soon'], { cwd: project });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--for: "soon" is not a duration');
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
