/**
 * A terminal that hangs up (an ssh connection dropped: SIGHUP to the shell, then to the CLI and
 * its command runner) never abandons a deployment: the built CLI runs in a real terminal (tmux),
 * the test kills the terminal in the middle of a slow activation or while a prompt waits, and
 * reads from the state (history, show --json) that the run finished — per policy — with its lock
 * released and nothing of it left running but the services it registered.
 */
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  isGone,
  killEverythingIn,
  pgrpOf,
  processesIn,
  registeredIn,
} from '../engine/proc-watch.js';
import { Terminal, bin, cliPid, readJournal, runIds } from '../ui/tmux-kit.js';
import { makeProject, runBuilt } from './helpers.js';

const terminals: Terminal[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const t of terminals.splice(0)) t.kill();
  for (const dir of dirs.splice(0)) {
    await killEverythingIn(dir);
    await rm(dir, { recursive: true, force: true });
  }
});

/** A project in a temp dir (removed, with what its runs left, after the test). */
async function project(config: string): Promise<string> {
  const dir = await makeProject({ 'stagecraft.config.yaml': config });
  dirs.push(dir);
  return dir;
}

/** Polls `check` every 100 ms until it returns a value; fails after `ms` with `what`. */
async function poll<T>(what: string, check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The only run recorded in `dir`, once its journal opened with `run.started`. */
const onlyRun = (dir: string): Promise<string> =>
  poll('the run to start', async () => {
    const [id] = await runIds(dir);
    if (id === undefined) return undefined;
    const [first] = await readJournal(dir, id).catch(() => []);
    return first?.type === 'run.started' ? id : undefined;
  });

/** Waits until the journal of run `id` holds a fact matching `match`. */
const journalHas = (dir: string, id: string, match: (f: Record<string, unknown>) => boolean) =>
  poll('a fact in the journal', async () =>
    (await readJournal(dir, id).catch(() => [])).some(match) ? true : undefined,
  );

interface Shown {
  result: string;
  exitCode: number;
  warnings: string[];
  decisions?: { kind: string; choice: string; by: string }[];
  services: { name: string; steps: { state: string }[] }[];
}

/** Kills the terminal, waits for the CLI `pid` to end, and returns what `show --json` says. */
async function hangUp(t: Terminal, dir: string, id: string, pid: number): Promise<Shown> {
  t.kill();
  await poll('the CLI to end after the hangup', () =>
    Promise.resolve(isGone(pid) ? true : undefined),
  );
  // Said once where stderr still goes (a file here): the first write to the dead terminal fails
  // (EIO) or SIGHUP comes first. Nothing else: no stack trace, no Node abort at exit (only the
  // cursor Ink's restore-cursor shows on stderr at every exit).
  const err = (await readFile(join(dir, 'err.txt'), 'utf8')).replace('\u001b[?25h', '');
  expect(err).toMatch(
    /^stagecraft: the terminal hung up \((SIGHUP|EIO)\), continuing without it: the exit code tells the outcome\n$/,
  );
  const shown = await runBuilt(['show', id, '--json'], { cwd: dir });
  expect(shown.code).toBe(0);
  return JSON.parse(shown.stdout) as Shown;
}

/** The lock files left in `dir`'s state folder. */
const locks = (dir: string): Promise<string[]> =>
  readdir(join(dir, '.stagecraft', 'locks')).catch(() => []);

const HUNG_UP =
  'the terminal hung up (SIGHUP): the run went on without it, its prompts took their default';

describe('a terminal that hangs up during a deployment', { timeout: 90_000 }, () => {
  test('in the middle of a slow activation: the deployment finishes, the lock is released, nothing is left but its services', async () => {
    const dir = await project(`name: hup
services:
  a: { process: 'sleep 1000' }
  slow: { activate: 'sleep 2', dependsOn: [a] }
  b: { process: 'sleep 1000', dependsOn: [slow] }
`);
    const t = new Terminal(dir, `node ${bin} deploy 2> err.txt`);
    terminals.push(t);
    const id = await onlyRun(dir);
    const pid = await cliPid(dir, id, 'deploy');
    await journalHas(dir, id, (f) => f['service'] === 'slow' && f['state'] === 'activating');

    const shown = await hangUp(t, dir, id, pid);
    expect([shown.result, shown.exitCode]).toEqual(['succeeded', 0]);
    expect(shown.warnings).toContain(HUNG_UP);
    // The activation in flight was not cut off (its runner ignored the hangup): one attempt.
    const slow = shown.services.find((s) => s.name === 'slow');
    expect(slow?.steps.filter((s) => s.state === 'activating')).toHaveLength(1);
    expect(await locks(dir)).toEqual([]);
    // Nothing is left but the two registered services (each a process group of its own).
    const services = registeredIn(dir);
    expect(services).toHaveLength(2);
    expect(processesIn(dir).filter((p) => !services.includes(pgrpOf(p) ?? p))).toEqual([]);
    const down = await runBuilt(['down', '--yes', '--plain'], { cwd: dir });
    expect(down.code).toBe(0);
    expect(processesIn(dir)).toEqual([]);
  });

  test('while a prompt waits: it takes its default at once (by hangup) and the run rolls back', async () => {
    const dir = await project(`name: hup
policy: { onFailure: ask, retries: 0, decisionTimeout: 10m }
services:
  a: { process: 'sleep 1000' }
  bad:
    process: 'sleep 1000'
    dependsOn: [a]
    health: { command: 'false', interval: 100ms, timeout: 1s, retries: 1 }
`);
    // The shell ignores the hangup and outlives it, so the exit code can be read.
    const t = new Terminal(dir, `trap '' HUP; node ${bin} deploy 2> err.txt`);
    terminals.push(t);
    const id = await onlyRun(dir);
    const pid = await cliPid(dir, id, 'deploy');
    await journalHas(dir, id, (f) => f['type'] === 'decision.requested');
    await t.waitFor('roll back (default)');

    const started = Date.now();
    const shown = await hangUp(t, dir, id, pid);
    expect(Date.now() - started).toBeLessThan(20_000);
    // Failed and rolled back: exit 1, as a run without a terminal ends.
    expect([shown.result, shown.exitCode]).toEqual(['failed', 1]);
    expect(await t.exitCode(10_000)).toBe(1);
    expect(shown.warnings).toContain(HUNG_UP);
    const journal = await readJournal(dir, id);
    expect(journal.filter((f) => f.type === 'decision.taken')).toEqual([
      expect.objectContaining({ kind: 'failure', choice: 'rollback', by: 'hangup' }),
    ]);
    expect(journal.some((f) => f.type === 'rollback.started')).toBe(true);
    expect(await locks(dir)).toEqual([]);
    expect(processesIn(dir)).toEqual([]);
  });
});

describe('a terminal that hangs up at the first question of rollback', { timeout: 60_000 }, () => {
  test('takes its default (no): nothing is rolled back, exit 0, no crash', async () => {
    const dir = await project(`name: hup
services:
  a: { activate: 'true' }
`);
    for (let i = 0; i < 2; i += 1)
      expect((await runBuilt(['deploy', '--yes', '--plain'], { cwd: dir })).code).toBe(0);
    const before = await runIds(dir);
    const t = new Terminal(dir, `trap '' HUP; node ${bin} rollback 2> err.txt`);
    terminals.push(t);
    await t.waitFor('[y/N]');
    t.kill();
    expect(await t.exitCode(10_000)).toBe(0);
    const err = (await readFile(join(dir, 'err.txt'), 'utf8')).replace('\u001b[?25h', '');
    expect(err).toMatch(
      /^(stagecraft: the terminal hung up \((SIGHUP|EIO)\), continuing without it: the exit code tells the outcome\n)?$/,
    );
    expect(await runIds(dir)).toEqual(before);
  });
});
