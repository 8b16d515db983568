/**
 * End to end in a real terminal: the built CLI (`npm run build` first) inside tmux, read with
 * capture-pane. UPDATE_CAPTURES=1 also writes the screens to docs/captures/*.txt.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { Terminal, bin, copyExample, freePort, removeDir, root } from './tmux-kit.js';

const run = promisify(execFile);
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function capture(name: string, text: string): Promise<void> {
  if (process.env['UPDATE_CAPTURES'] !== '1') return;
  await mkdir(join(root, 'docs', 'captures'), { recursive: true });
  const clean = text
    .replace(/^Pane is dead.*$/m, '')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n+$/, '\n');
  await writeFile(join(root, 'docs', 'captures', `${name}.txt`), clean);
}

/** Start `deploy` of a copied example in tmux; `down` and cleanup are registered for afterEach. */
async function deploy(
  example: string,
  ports: string[],
  extra: string,
  edit?: (c: string) => string,
) {
  const dir = await copyExample(example, edit);
  const vars: string[] = [];
  for (const p of ports) vars.push(`--var ${p}=${await freePort()}`);
  const config = join(dir, 'stagecraft.config.yaml');
  const term = new Terminal(
    dir,
    `node ${bin} deploy -c ${config} -e local ${vars.join(' ')} ${extra}`,
  );
  cleanups.push(() => removeDir(dir));
  cleanups.push(async () => {
    // stop whatever process services the run left running (a successful deploy leaves them up)
    await run(
      'node',
      [bin, 'down', '-c', config, '-e', 'local', '--yes', ...vars.flatMap((v) => v.split(' '))],
      { cwd: dir },
    ).catch(() => undefined);
  });
  cleanups.push(() => term.kill());
  return term;
}

describe('the Ink UI in a real terminal (tmux)', () => {
  it('failing-stack: shows the failure prompt, b rolls back, the final screen and exit code 1', async () => {
    // The example's policy is `rollback`; the prompt needs `ask`.
    const term = await deploy('failing-stack', ['DB_PORT', 'API_PORT'], '', (c) =>
      c.replace('onFailure: rollback', 'onFailure: ask'),
    );
    const prompt = await term.waitFor('[b] roll back');
    expect(prompt).toContain('Failure: api');
    expect(prompt).toMatch(/default roll back in \d+s/);
    await capture('prompt', prompt);
    term.keys('b');
    const final = await term.waitFor('exit code 1');
    expect(final).toContain('✖ deployment failed');
    expect(final).toMatch(/restored: .*db/);
    expect(final).toMatch(/journal: .*journal/);
    expect(await term.exitCode()).toBe(1);
    await capture('final-failed', term.history());
  });

  it('local-stack --step: each stage is confirmed with p and the deployment succeeds', async () => {
    const term = await deploy('local-stack', ['DB_PORT', 'API_PORT', 'WEB_PORT'], '--step');
    for (const stage of ['data', 'app', 'edge']) {
      await term.waitFor(`Confirm stage ${stage}`);
      if (stage === 'app') await capture('live-view', term.screen());
      term.keys('p');
    }
    const final = await term.waitFor(/exit code 0\s*$/m, 60_000);
    expect(final).toMatch(/deployment succeeded/);
    expect(await term.exitCode()).toBe(0);
    await capture('final-succeeded', term.history());
  });

  it('Ctrl-C during activation shows the interruption prompt; rolling back then exits 130', async () => {
    const term = await deploy('local-stack', ['DB_PORT', 'API_PORT', 'WEB_PORT'], '');
    await term.waitFor(/stage (data|app) \(\d\/3\) running/);
    term.keys('C-c');
    const prompt = await term.waitFor('Interrupted');
    expect(prompt).toContain('[b] roll back (default)');
    expect(prompt).toContain('[a] abort');
    await capture('interrupted', prompt);
    term.keys('b');
    await term.waitFor('exit code 130', 60_000);
    expect(await term.exitCode()).toBe(130);
  });
});
