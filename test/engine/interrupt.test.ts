import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  engineStack,
  journalOf,
  lockHeld,
  markerPids,
  ndjson,
  type CliChild,
  type EngineStack,
} from './engine-stack.js';
import { isGone, pgrpOf, until } from './proc-watch.js';

const stacks: EngineStack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.cleanup()));
});

async function interruptStack(): Promise<EngineStack> {
  const s = await engineStack('interrupt', ['DB_PORT']);
  stacks.push(s);
  return s;
}

/** Starts the deploy and resolves once `slow`'s activation runs with both sleep grandchildren. */
async function deployUntilActivating(
  s: EngineStack,
  format: '--plain' | '--json',
): Promise<CliChild> {
  const c = s.start(['deploy', '--yes', format]);
  expect(await until(() => s.marker('slow.pids').length >= 3)).toBe(true);
  c.watcher.sample();
  return c;
}

describe('interrupting a deployment during activation', () => {
  test('the first SIGINT kills the activation tree, rolls back, releases the lock and exits 130', async () => {
    const s = await interruptStack();
    const c = await deployUntilActivating(s, '--plain');
    const grandchildren = markerPids(s.dir);
    expect(grandchildren.every((pid) => !isGone(pid))).toBe(true);

    process.kill(c.pid, 'SIGINT');
    expect(await c.exited).toBe(130);

    expect(grandchildren.filter((pid) => !isGone(pid))).toEqual([]);
    expect(c.watcher.survivors()).toEqual([]);
    expect(s.registryPids()).toEqual([]);
    expect(c.stdout()).toMatch(/── rolling-back/);
    expect(c.stdout()).toMatch(/db: rolled-back/);
    expect(c.stdout()).toMatch(/\(exit 130\)/);
    expect(s.hasMarker('slow.rolled-back')).toBe(true);
    expect(s.hasMarker('prepare.cleaned')).toBe(true);
    expect(lockHeld(s.stateDir)).toBe(false);

    const journal = await journalOf(s.stateDir);
    const interrupt = journal.findIndex((e) => e.type === 'interrupted' && e.count === 1);
    expect(interrupt).toBeGreaterThan(0);
    expect(
      journal.slice(interrupt).some((e) => e.type === 'phase' && e.phase === 'rolling-back'),
    ).toBe(true);
    expect(journal.at(-2)).toMatchObject({
      type: 'deployment.finished',
      result: 'failed',
      interrupted: true,
    });
    expect(journal.at(-1)).toMatchObject({ type: 'run.closed', status: 'failed' });
  });

  test('a second SIGINT during the rollback leaves things as they are: exit 130, aborted, no one-shot orphan, services still registered for down', async () => {
    const s = await interruptStack();
    await writeFile(join(s.dir, 'hold-rollback'), '');
    const c = await deployUntilActivating(s, '--json');
    const registered = s.registryPids();
    expect(registered).toHaveLength(1);

    process.kill(c.pid, 'SIGINT');
    // Signals of one kind coalesce while pending: the second is sent once the first is handled
    // and the rollback step (held on a sleep child) is running.
    expect(await until(() => s.marker('slow-rollback.pids').length >= 2)).toBe(true);
    c.watcher.sample();
    process.kill(c.pid, 'SIGINT');
    expect(await c.exited).toBe(130);
    expect(s.hasMarker('slow.rolled-back')).toBe(false);

    const events = ndjson(c.stdout());
    expect(events.at(-1)).toMatchObject({
      type: 'deployment.finished',
      result: 'aborted',
      exitCode: 130,
    });
    expect(lockHeld(s.stateDir)).toBe(false);
    expect(markerPids(s.dir).filter((pid) => !isGone(pid))).toEqual([]);
    // Only the registered process service (its whole group) may still run.
    const groups = new Set(s.registryPids());
    expect(groups).toEqual(new Set(registered));
    const services = new Set([...c.watcher.seen].filter((pid) => groups.has(pgrpOf(pid) ?? -1)));
    expect(services.size).toBeGreaterThan(0);
    expect(c.watcher.survivors(services)).toEqual([]);
    const journal = await journalOf(s.stateDir);
    expect(journal.at(-2)).toMatchObject({
      type: 'deployment.finished',
      result: 'aborted',
      interrupted: true,
    });
    expect(journal.at(-1)).toMatchObject({ type: 'run.closed', status: 'aborted' });

    const down = await s.run(['down', '--yes']);
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/db: stopped/);
    expect(await until(() => [...services].every(isGone), 5000)).toBe(true);
    expect(s.registryPids()).toEqual([]);
  });

  test('SIGTERM is handled like SIGINT: tree killed, rolled back, exit 130 as the last JSON line', async () => {
    const s = await interruptStack();
    const c = await deployUntilActivating(s, '--json');
    process.kill(c.pid, 'SIGTERM');
    expect(await c.exited).toBe(130);
    expect(c.watcher.survivors()).toEqual([]);
    expect(markerPids(s.dir).filter((pid) => !isGone(pid))).toEqual([]);
    const events = ndjson(c.stdout());
    expect(events.at(-1)).toMatchObject({ type: 'deployment.finished', exitCode: 130 });
    expect(events.filter((e) => e.state === 'rolled-back').map((e) => e.service)).toContain('db');
    expect(lockHeld(s.stateDir)).toBe(false);
  });

  test('a second deploy of a locked environment exits 4 naming the live holder, and starts nothing', async () => {
    const s = await interruptStack();
    const holder = await deployUntilActivating(s, '--plain');
    const runs = s.marker('slow.runs').length;

    const second = await s.run(['deploy', '--yes', '--plain']);
    expect(second.code).toBe(4);
    expect(second.stderr).toMatch(
      new RegExp(`locked by deployment \\S+ by .+ \\(pid ${holder.pid}\\)`),
    );
    expect(second.stderr).not.toMatch(/\n\s+at /);
    expect(s.marker('slow.runs')).toHaveLength(runs);
    expect(second.watcher.survivors()).toEqual([]);

    process.kill(holder.pid, 'SIGINT');
    expect(await holder.exited).toBe(130);
    expect(lockHeld(s.stateDir)).toBe(false);
  });
});
