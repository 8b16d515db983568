/**
 * End to end in a real terminal (tmux) for `down`, `resume` and `rollback` on the built CLI
 * (`npm run build` first): down asks with the Ink confirmation and stops everything on `y`; a
 * deployment killed with SIGKILL is resumed with the same Ink deployment view; rollback asks
 * first, then shows its own screen.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Terminal,
  bin,
  cliPid,
  copyExample,
  freePort,
  readJournal,
  removeDir,
  runIds,
} from './tmux-kit.js';

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

/** Poll the screen until `text` has left it. */
async function gone(term: Terminal, text: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (term.screen().includes(text)) {
    if (Date.now() > end) throw new Error(`"${text}" still on screen:\n${term.screen()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The ids of the runs in `dir` that `before` did not list. */
async function newRuns(dir: string, before: string[]): Promise<string[]> {
  return (await runIds(dir)).filter((id) => !before.includes(id));
}

// Each test runs the CLI several times and waits up to a minute for a screen: more than the default.
describe('down and resume in a real terminal (tmux)', { timeout: 120_000 }, () => {
  it('down shows the Ink confirmation; y stops every service and exits 0', async () => {
    const stack = await localStack();
    await run('node', [bin, 'deploy', '-c', stack.config, '--yes', ...stack.vars], {
      cwd: stack.dir,
    });
    for (const p of portNames) expect(await listening(stack.ports[p]!)).toBe(true);
    const before = await runIds(stack.dir);

    const term = new Terminal(stack.dir, `node ${bin} down -c ${stack.dir}`);
    cleanups.push(() => term.kill());
    const asked = await term.waitFor('[y] stop all');
    expect(asked).toContain('Stop every service of local-stack → local?');
    expect(asked).toMatch(/› \[n\] cancel, stop nothing \(default\)/);
    term.keys('y');
    const done = await term.waitFor('exit code 0');
    expect(done).toContain('■ every service stopped');
    expect(done).toMatch(/db\s+stopped\s+pid \d+/);
    // migrate is a one-shot activation without a `stop` command: there is nothing to stop
    expect(done).toMatch(/migrate\s+not running/);
    expect(await term.exitCode()).toBe(0);
    for (const p of portNames) expect(await listening(stack.ports[p]!)).toBe(false);

    // `down` has its own journal: a `down` run, a fact per service stopped, then closed.
    const [id, ...more] = await newRuns(stack.dir, before);
    expect(more).toEqual([]);
    const facts = await readJournal(stack.dir, id!);
    expect(facts[0]).toMatchObject({ type: 'run.started', kind: 'down' });
    expect(
      facts
        .filter((f) => f.type === 'down.service' && f['status'] === 'stopped')
        .map((f) => f['service']),
    ).toEqual(expect.arrayContaining(['web', 'api', 'worker', 'db']));
    expect(facts.findLast((f) => f.type === 'deployment.finished')).toMatchObject({
      result: 'succeeded',
    });
    expect(facts.at(-1)).toMatchObject({ type: 'run.closed', status: 'succeeded' });
  });

  it('resume of a deployment killed with SIGKILL renders the Ink deployment view and finishes with exit 0', async () => {
    const stack = await localStack();
    const args = `-c ${stack.config} ${stack.vars.join(' ')}`;
    const first = new Terminal(stack.dir, `node ${bin} deploy ${args} --step`);
    cleanups.push(() => first.kill());
    await first.waitFor('Confirm stage data');
    first.keys('p');
    await first.waitFor('Confirm stage app');
    const [id] = await runIds(stack.dir);
    if (id === undefined) throw new Error('no deployment recorded');
    // The CLI this test started (checked), killed without a chance to close its journal.
    process.kill(await cliPid(stack.dir, id, 'deploy'), 'SIGKILL');
    expect(await first.exitCode()).toBe(137);
    await rm(first.exitFile); // both terminals write their exit code to the same file
    const killed = await readJournal(stack.dir, id);
    expect(killed.some((f) => f.type === 'run.closed')).toBe(false);
    expect(killed).toContainEqual(
      expect.objectContaining({ type: 'decision.taken', subject: 'data', choice: 'proceed' }),
    );

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
    // On a loaded machine api's p95 can miss its 200 ms budget: degraded, and `degraded: continue`.
    expect(final).toMatch(
      /(✔ deployment succeeded|▲ deployment succeeded with warnings) · exit code 0/,
    );
    expect(term.history()).toContain(`local-stack → local · ${id}`);
    expect(await term.exitCode()).toBe(0);

    // The resumed run appended to the same journal: the resume's plan, then the end, closed once.
    const facts = await readJournal(stack.dir, id);
    expect(facts.slice(0, killed.length)).toEqual(killed);
    expect(facts.slice(killed.length)).toContainEqual(
      expect.objectContaining({ type: 'resume.planned' }),
    );
    expect(facts.findLast((f) => f.type === 'deployment.finished')?.['result']).toMatch(
      /^succeeded(-with-warnings)?$/,
    );
    expect(facts.filter((f) => f.type === 'run.closed')).toEqual([
      expect.objectContaining({ status: 'succeeded' }),
    ]);
  });

  it('rollback asks first (y), then shows the Ink rollback screen: every service restored, exit 0', async () => {
    const stack = await localStack();
    for (const release of ['2026.11.25', '2026.11.26'])
      await run(
        'node',
        [bin, 'deploy', '-c', stack.config, '--yes', ...stack.vars, '--var', `RELEASE=${release}`],
        { cwd: stack.dir },
      );
    const before = await runIds(stack.dir);
    const term = new Terminal(
      stack.dir,
      `node ${bin} rollback -c ${stack.config} ${stack.vars.join(' ')} --var RELEASE=2026.11.26`,
    );
    cleanups.push(() => term.kill());
    await term.waitFor(
      /Roll local-stack → local back from 2026\.11\.26 to 2026\.11\.25 .*\[y\/N\]/s,
    );
    expect(await runIds(stack.dir)).toEqual(before);
    term.keys('y', 'Enter');
    const done = await term.waitFor('exit code 0', 60_000);
    expect(done).toContain('rollback to 2026.11.25');
    expect(done).toContain('✔ rolled back: everything restored');
    expect(done).toMatch(/api\s+restored/);
    expect(done).toMatch(/db\s+restored/);
    expect(await term.exitCode()).toBe(0);

    const [id, ...more] = await newRuns(stack.dir, before);
    expect(more).toEqual([]);
    const facts = await readJournal(stack.dir, id!);
    expect(facts[0]).toMatchObject({
      type: 'run.started',
      kind: 'rollback',
      target: { release: '2026.11.25' },
    });
    expect(facts).toContainEqual(
      expect.objectContaining({ type: 'release.recorded', release: '2026.11.25' }),
    );
    expect(facts.at(-1)).toMatchObject({ type: 'run.closed', status: 'succeeded' });
  });
});
