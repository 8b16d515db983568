/**
 * At 80×24 nothing essential is cut: the failure prompt's reason ends with the last result (the
 * `503`), and the final screen's log and journal paths are whole. The built CLI in a real 80×24
 * terminal (tmux) on a copy of examples/failing-stack.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { Terminal, bin, copyExample, freePort, removeDir, runIds } from './tmux-kit.js';

const run = promisify(execFile);
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The screen's text with its line breaks removed: what wraps reads as one string again. */
const unwrapped = (screen: string): string => screen.replace(/\s*\n\s*/g, '');

/** A prompt box's inner text, its border and padding removed, lines joined by spaces. */
function boxText(screen: string): string {
  return screen
    .split('\n')
    .filter((l) => l.startsWith('│'))
    .map((l) => l.replace(/^│ ?/, '').replace(/ *│$/, '').trim())
    .join(' ');
}

describe('an 80×24 terminal (tmux)', { timeout: 120_000 }, () => {
  it('shows the whole failure reason in the prompt and the whole log and journal paths on the final screen', async () => {
    const dir = await copyExample('failing-stack', (c) =>
      c.replace(/onFailure: rollback/, 'onFailure: ask'),
    );
    const vars = [`DB_PORT=${await freePort()}`, `API_PORT=${await freePort()}`];
    const config = join(dir, 'stagecraft.config.yaml');
    const varArgs = vars.flatMap((v) => ['--var', v]);
    const term = new Terminal(
      dir,
      `node ${bin} deploy -c ${config} -e local ${varArgs.join(' ')}`,
      {
        columns: 80,
        rows: 24,
      },
    );
    cleanups.push(() => removeDir(dir));
    cleanups.push(async () => {
      await run('node', [bin, 'down', '-c', config, '-e', 'local', '--yes', ...varArgs], {
        cwd: dir,
      }).catch(() => undefined);
    });
    cleanups.push(() => term.kill());

    const prompt = await term.waitFor('[b] roll back', 60_000);
    expect(prompt).toContain('Failure: api');
    // The reason, wrapped inside the box, ends with the last results and their count.
    expect(boxText(prompt)).toMatch(
      /failed 5\/5 after [\d.]+ s \(deadline ~4\.5 s; retries 5, interval 0\.2 s, timeout 0\.5 s, start period 1\.0 s; last: 503 \(expected 2xx\|3xx\) ×\d\)/,
    );
    // The whole prompt is on the 24-line screen, its countdown line included.
    expect(prompt).toMatch(/default roll back in \d+s/);

    term.keys('b');
    const final = await term.waitFor(/exit code 1\s*$/m, 60_000);
    expect(await term.exitCode()).toBe(1);
    const [id] = await runIds(dir);
    if (id === undefined) throw new Error('no run recorded');
    const screen = term.history();
    expect(final).not.toContain('…/');
    expect(unwrapped(screen)).toContain(`${dir}/.stagecraft/deployments/${id}/journal.jsonl`);
    expect(unwrapped(screen)).toContain(`${dir}/.stagecraft/deployments/${id}/logs`);
    expect(screen.replace(/\s*\n\s*/g, ' ')).toMatch(/last: 503 \(expected 2xx\|3xx\) ×\d\)/);
  });
});
