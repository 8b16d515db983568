/**
 * What a resume may signal, and how one-shot command groups are proven before they are: a
 * process is found as a killed run's command only by the tag naming that run, only when it started
 * after the run began, and a tracked group is signalled only while its leader is the process
 * started (its start time) or its members carry the command's tag.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readProcStat } from '../../src/core/liveness.js';
import {
  commandTag,
  findOrphanCommands,
  ownerOfTag,
  startedSince,
  stopOrphanCommand,
} from '../../src/adapters/orphans.js';
import { killTrackedGroups, trackGroup, untrackGroup } from '../../src/adapters/proc.js';
import { isGone, killGroup, until } from '../engine/proc-watch.js';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.pid !== undefined) killGroup(child.pid);
});

/** Starts `script` under sh in a process group of its own, with `env` added. */
function startGroup(script: string, env: Record<string, string> = {}): number {
  const child = spawn('sh', ['-c', script], {
    env: { ...process.env, ...env },
    stdio: 'ignore',
    detached: true,
  });
  started.push(child);
  if (child.pid === undefined) throw new Error('spawn failed');
  return child.pid;
}

/** Waits until `pid` shows in /proc; its start time. */
async function running(pid: number): Promise<number> {
  expect(await until(() => readProcStat(pid)?.startTime !== undefined, 5000)).toBe(true);
  return readProcStat(pid)?.startTime ?? -1;
}

/** A deployment id of its own for each test (a killed process of the last one may linger). */
let RUN = '';
let serial = 0;
beforeEach(() => {
  serial += 1;
  RUN = `20261202-070000-t${serial}${process.pid}`;
});

describe('the commands a killed run left running', () => {
  test('a tag names the deployment and the step; a tag without them names no run', () => {
    expect(ownerOfTag(commandTag({ deploymentId: RUN, step: 'web.activate' }, 'u-1'))).toEqual({
      deploymentId: RUN,
      step: 'web.activate',
    });
    expect(ownerOfTag(commandTag(undefined, '5f0c0a8e-0000-4000-8000-000000000000'))).toBe(
      undefined,
    );
  });

  test('are found by the tag naming their run, one command per tag, its group leader known', async () => {
    const tag = commandTag({ deploymentId: RUN, step: 'a.activate' }, 'one');
    const leader = startGroup('sleep 30 & wait', { STAGECRAFT_COMMAND: tag });
    const other = startGroup('sleep 30', {
      STAGECRAFT_COMMAND: commandTag({ deploymentId: 'another-run', step: 'a.activate' }, 'x'),
    });
    await running(leader);
    await running(other);
    await until(() => findOrphanCommands((id) => id === RUN)[0]?.processes.length === 2, 5000);
    const found = findOrphanCommands((id) => id === RUN);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ deploymentId: RUN, step: 'a.activate', tag, leader });
    expect(found[0]?.processes.map((p) => p.pid)).toContain(leader);
    expect(found[0]?.processes.map((p) => p.pid)).not.toContain(other);
  });

  test('a tagged process that started before its run began is not taken for one of its commands', async () => {
    const tag = commandTag({ deploymentId: RUN, step: 'a.activate' }, 'early');
    const pid = startGroup('exec sleep 30', { STAGECRAFT_COMMAND: tag });
    await running(pid);
    const [command] = findOrphanCommands((id) => id === RUN);
    expect(command).toBeDefined();
    if (command === undefined) return;
    expect(startedSince(command, Date.now() - 60_000)?.processes.map((p) => p.pid)).toEqual([pid]);
    // The run "began" a minute after the process did: not its command.
    expect(startedSince(command, Date.now() + 60_000)).toBe(undefined);
  });

  test('are stopped with SIGTERM, and one that ignores it with SIGKILL after the grace', async () => {
    const polite = startGroup('exec sleep 30', {
      STAGECRAFT_COMMAND: commandTag({ deploymentId: RUN, step: 'a.activate' }, 'polite'),
    });
    const stubborn = startGroup("trap '' TERM; sleep 30 & wait; sleep 30", {
      STAGECRAFT_COMMAND: commandTag({ deploymentId: RUN, step: 'b.activate' }, 'stubborn'),
    });
    await running(polite);
    await running(stubborn);
    await until(() => findOrphanCommands((id) => id === RUN).length === 2, 5000);
    const stops = await Promise.all(
      findOrphanCommands((id) => id === RUN).map((c) => stopOrphanCommand(c, 300, 2000)),
    );
    expect(stops.sort((a, b) => a.step.localeCompare(b.step))).toEqual([
      { deploymentId: RUN, step: 'a.activate', pid: polite, how: 'stopped' },
      { deploymentId: RUN, step: 'b.activate', pid: stubborn, how: 'killed' },
    ]);
    expect(isGone(polite) && isGone(stubborn)).toBe(true);
  });
});

describe('a tracked one-shot command group', () => {
  test('is not signalled on exit once its leader is another process than the one started', async () => {
    const pid = startGroup('exec sleep 30');
    const procStart = await running(pid);
    // As if the pid had been handed to another process: the recorded start time differs.
    trackGroup(pid, {
      procStart: procStart + 1,
      tag: { name: 'STAGECRAFT_COMMAND', value: 'not-its-tag' },
    });
    killTrackedGroups('SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    expect(isGone(pid)).toBe(false);
    untrackGroup(pid);
  });

  test('is signalled on exit while its leader is the one started', async () => {
    const pid = startGroup('exec sleep 30');
    const procStart = await running(pid);
    trackGroup(pid, { procStart, tag: { name: 'STAGECRAFT_COMMAND', value: 'its-tag' } });
    killTrackedGroups('SIGKILL');
    expect(await until(() => isGone(pid), 3000)).toBe(true);
  });
});
