/**
 * The sweep for the processes that left a one-shot command's group (`setsid`), run when the
 * command ends: commands ending within a few milliseconds of each other share one read of /proc
 * (the 500-service bench's largest cost), and the sharing keeps the guarantee — a process that
 * carries a command's tag when the lookup is made is found, also one that started just before.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { processesTaggedShared } from '../../src/adapters/proc.js';
import { readProcStat } from '../../src/core/liveness.js';
import { killGroup, until } from '../engine/proc-watch.js';

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  return { ...real, readdirSync: vi.fn(real.readdirSync) };
});

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.pid !== undefined) killGroup(child.pid);
});

/** A `sleep` in a session of its own (as `setsid` leaves it), tagged `value`. */
async function escaped(value: string): Promise<number> {
  const child = spawn('sleep', ['30'], {
    env: { ...process.env, STAGECRAFT_COMMAND: value },
    stdio: 'ignore',
    detached: true,
  });
  started.push(child);
  const pid = child.pid ?? -1;
  expect(await until(() => readProcStat(pid) !== undefined, 5000)).toBe(true);
  return pid;
}

/** How often /proc was listed since `mark`. */
const procReads = (mark: number): number =>
  vi
    .mocked(fs.readdirSync)
    .mock.calls.slice(mark)
    .filter(([path]) => path === '/proc').length;

describe('the shared sweep for escaped processes', () => {
  test('lookups made together share one read of /proc, and each finds its own processes', async () => {
    const a = await escaped(`sweep-a-${process.pid}`);
    const b = await escaped(`sweep-b-${process.pid}`);
    const mark = vi.mocked(fs.readdirSync).mock.calls.length;
    const [foundA, foundB, none] = await Promise.all([
      processesTaggedShared('STAGECRAFT_COMMAND', `sweep-a-${process.pid}`),
      processesTaggedShared('STAGECRAFT_COMMAND', `sweep-b-${process.pid}`, a),
      processesTaggedShared('STAGECRAFT_COMMAND', `sweep-none-${process.pid}`),
    ]);
    expect(foundA).toEqual([a]);
    expect(foundB).toEqual([b]);
    expect(none).toEqual([]);
    expect(procReads(mark)).toBe(1);
  });

  test('a lookup made after a sweep is not answered by it: a process started in between is found', async () => {
    const tag = `sweep-late-${process.pid}`;
    expect(await processesTaggedShared('STAGECRAFT_COMMAND', tag)).toEqual([]);
    const late = await escaped(tag);
    expect(await processesTaggedShared('STAGECRAFT_COMMAND', tag)).toEqual([late]);
  });

  test('a lookup joining an armed sweep finds a process started after the sweep was armed', async () => {
    const tag = `sweep-armed-${process.pid}`;
    const first = processesTaggedShared('STAGECRAFT_COMMAND', `sweep-other-${process.pid}`);
    const child = spawn('sleep', ['30'], {
      env: { ...process.env, STAGECRAFT_COMMAND: tag },
      stdio: 'ignore',
      detached: true,
    });
    started.push(child);
    const second = processesTaggedShared('STAGECRAFT_COMMAND', tag);
    await first;
    expect(await second).toEqual([child.pid]);
  });
});
