/**
 * End to end in a real terminal (tmux) for `down` and `resume` on the built CLI (`npm run build`
 * first): down asks with the Ink confirmation and stops everything on `y`; a deployment killed
 * with SIGKILL is resumed with the same Ink deployment view.
 */
import { execFile } from 'node:child_process';
import { readFile, readdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { Terminal, bin, copyExample, freePort, removeDir } from './tmux-kit.js';

const run = promisify(execFile);
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const portNames = ['DB_PORT', 'API_PORT', 'WEB_PORT'];

/** A temp copy of examples/local-stack with free ports; `down --yes` and removal in afterEach. */
async function localStack() {
  const dir = await copyExample('local-stack');
  const config = join(dir, 'stagecraft.config.yaml');
  const ports: Record<string, number> = {};
  for (const p of portNames) ports[p] = await freePort();
  const vars = portNames.flatMap((p) => ['--var', `${p}=${ports[p]}`]);
  cleanups.push(() => removeDir(dir));
  cleanups.push(async () => {
    await run('node', [bin, 'down', '-c', config, '--yes', ...vars], { cwd: dir }).catch(
      () => undefined,
    );
  });
  return { dir, config, ports, vars };
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The pid recorded by the one deployment in the state dir. */
async function deploymentPid(dir: string): Promise<{ id: string; pid: number }> {
  const root = join(dir, '.stagecraft', 'deployments');
  const [id] = await readdir(root);
  if (id === undefined) throw new Error('no deployment recorded');
  const meta = JSON.parse(await readFile(join(root, id, 'meta.json'), 'utf8')) as { pid: number };
  return { id, pid: meta.pid };
}

/** Poll the screen until `text` has left it. */
async function gone(term: Terminal, text: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (term.screen().includes(text)) {
    if (Date.now() > end) throw new Error(`"${text}" still on screen:\n${term.screen()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('down and resume in a real terminal (tmux)', () => {
  it('down shows the Ink confirmation; y stops every service and exits 0', async () => {
    const stack = await localStack();
    await run('node', [bin, 'deploy', '-c', stack.config, '--yes', ...stack.vars], {
      cwd: stack.dir,
    });
    for (const p of portNames) expect(await listening(stack.ports[p]!)).toBe(true);

    const term = new Terminal(stack.dir, `node ${bin} down -c ${stack.dir}`);
    cleanups.push(() => term.kill());
    const asked = await term.waitFor('[y] stop all');
    expect(asked).toContain('Stop every service of local-stack → local?');
    expect(asked).toMatch(/› \[n\] cancel, stop nothing \(default\)/);
    term.keys('y');
    const done = await term.waitFor('exit code 0');
    expect(done).toContain('■ every service stopped');
    expect(done).toMatch(/db\s+stopped\s+pid \d+/);
    expect(done).toMatch(/migrate\s+stopped/);
    expect(await term.exitCode()).toBe(0);
    for (const p of portNames) expect(await listening(stack.ports[p]!)).toBe(false);
  });

  it('resume of a deployment killed with SIGKILL renders the Ink deployment view and finishes with exit 0', async () => {
    const stack = await localStack();
    const args = `-c ${stack.config} ${stack.vars.join(' ')}`;
    const first = new Terminal(stack.dir, `node ${bin} deploy ${args} --step`);
    cleanups.push(() => first.kill());
    await first.waitFor('Confirm stage data');
    first.keys('p');
    await first.waitFor('Confirm stage app');
    const { id, pid } = await deploymentPid(stack.dir);
    process.kill(pid, 'SIGKILL');
    expect(await first.exitCode()).toBe(137);
    await rm(first.exitFile); // both terminals write their exit code to the same file

    const term = new Terminal(stack.dir, `node ${bin} resume ${args}`);
    cleanups.push(() => term.kill());
    // The Ink header names the same deployment; a pending stage confirmation may be asked again.
    for (;;) {
      const screen = await term.waitFor(/Confirm stage \w+|exit code \d+/, 60_000);
      const confirm = /Confirm stage (\w+)/.exec(screen);
      if (confirm === null) break;
      expect(screen).toContain(`local-stack → local · ${id}`);
      term.keys('p');
      await gone(term, `Confirm stage ${confirm[1]}`);
    }
    const final = await term.waitFor(/exit code 0\s*$/m, 60_000);
    expect(final).toContain('✔ deployment succeeded');
    expect(term.history()).toContain(`local-stack → local · ${id}`);
    expect(await term.exitCode()).toBe(0);
  });

  it('rollback shows the Ink rollback screen: every service restored, exit 0', async () => {
    const stack = await localStack();
    for (const release of ['2026.11.25', '2026.11.26'])
      await run(
        'node',
        [bin, 'deploy', '-c', stack.config, '--yes', ...stack.vars, '--var', `RELEASE=${release}`],
        { cwd: stack.dir },
      );
    const term = new Terminal(
      stack.dir,
      `node ${bin} rollback -c ${stack.config} ${stack.vars.join(' ')} --var RELEASE=2026.11.26`,
    );
    cleanups.push(() => term.kill());
    const done = await term.waitFor('exit code 0', 60_000);
    expect(done).toContain('rollback to 2026.11.25');
    expect(done).toContain('✔ rolled back: everything restored');
    expect(done).toMatch(/api\s+restored/);
    expect(done).toMatch(/db\s+restored/);
    expect(await term.exitCode()).toBe(0);
  });
});
