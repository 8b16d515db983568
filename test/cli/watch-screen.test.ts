/**
 * The watch screen in a real terminal (tmux, the built CLI): a row per service with its live
 * verdict, latency and last results, the failure when the server goes, and `q` ending it.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { Terminal, bin } from '../ui/tmux-kit.js';
import { removeProject } from './helpers.js';
import { startUpstream, watchProject, type Upstream } from './watch-kit.js';

let upstream: Upstream | undefined;
let dir: string | undefined;
let term: Terminal | undefined;
afterEach(async () => {
  term?.kill();
  term = undefined;
  await upstream?.close();
  upstream = undefined;
  await removeProject(dir);
  dir = undefined;
});

describe('the stagecraft watch screen', () => {
  test('shows a row per service with its verdict and results, the failure as it happens, and q ends it', async () => {
    upstream = await startUpstream();
    dir = await watchProject(upstream.port);
    term = new Terminal(dir, `node ${bin} watch`, { columns: 100, rows: 20 });
    const healthy = await term.waitFor(/web +healthy +\d+ms +✓✓/, 10_000);
    expect(healthy).toContain('stagecraft watch wshop → default');
    expect(healthy).toMatch(/● api +healthy +\d+ms +✓+/);
    await upstream.close();
    upstream = undefined;
    const failed = await term.waitFor(
      /✖ web +UNHEALTHY +\d+ms +[✓✗]*✗✗ +tcp .* failed 2 times in a row/,
      10_000,
    );
    expect(failed).toMatch(/✖ api +UNHEALTHY +\d+ms +[✓✗]*✗✗ +http GET .* failed 2 times in a row/);
    term.keys('q');
    const end = await term.waitFor(/exit code 1/, 10_000);
    expect(end).toMatch(/stopped · 2 services not healthy · exit code 1/);
    expect(await term.exitCode(10_000)).toBe(1);
  });
});
