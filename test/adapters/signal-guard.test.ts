/**
 * The one guard before stagecraft signals a process it recorded (checkIdentity): it never lets
 * pid 0, 1, a negative number, stagecraft's own process or group, or a process whose identity
 * cannot be proven through. Only the test's own detached sentinels are ever alive here, and the
 * guard only answers: nothing in this file sends a signal other than the cleanup of its sentinels.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, test } from 'vitest';
import { checkIdentity } from '../../src/adapters/proc.js';
import { isAlive, readProcStat } from '../../src/core/liveness.js';

const TAG = { name: 'STAGECRAFT_INSTANCE', value: 'guard-test/default/web' };

/** Sentinels this test started, with their start times (so a reused pid is never hit). */
const sentinels: Array<{ pid: number; start: number | undefined }> = [];
afterEach(() => {
  for (const s of sentinels.splice(0))
    if (readProcStat(s.pid)?.startTime === s.start) process.kill(-s.pid, 'SIGKILL');
});

/** A detached `sleep` (its own process group leader), optionally carrying the instance tag. */
function sentinel(tagged: boolean): { pid: number; start: number } {
  const child = spawn('sleep', ['60'], {
    detached: true,
    stdio: 'ignore',
    env: { PATH: process.env.PATH ?? '', ...(tagged ? { [TAG.name]: TAG.value } : {}) },
  });
  child.unref();
  const pid = child.pid ?? -1;
  const start = readProcStat(pid)?.startTime ?? -1;
  sentinels.push({ pid, start });
  return { pid, start };
}

describe('checkIdentity: the guard before any recorded process is signalled', () => {
  test.each([0, 1, -5, -1, 1.5, Number.NaN])('refuses pid %s without looking further', (pid) => {
    const verdict = checkIdentity({ pid, procStart: 1, tag: TAG });
    expect(verdict.verdict).toBe('refused');
    expect(verdict.verdict === 'refused' && verdict.reason).toContain('cannot be a process');
  });

  test("refuses stagecraft's own process and its own process group", () => {
    const own = readProcStat(process.pid);
    for (const pid of [process.pid, own?.pgrp ?? process.pid]) {
      const verdict = checkIdentity({ pid, procStart: readProcStat(pid)?.startTime ?? 0 });
      expect(verdict).toMatchObject({ verdict: 'refused' });
      expect(verdict.verdict === 'refused' && verdict.reason).toContain('own process');
    }
  });

  test('refuses a live process with no recorded start time and no instance tag', () => {
    const s = sentinel(false);
    const verdict = checkIdentity({ pid: s.pid, tag: TAG });
    expect(verdict).toMatchObject({ verdict: 'refused', forget: false });
    expect(verdict.verdict === 'refused' && verdict.reason).toContain('no recorded start time');
    expect(isAlive(s.pid)).toBe(true);
  });

  test('refuses a live process whose start time is not the recorded one (a reused pid)', () => {
    const s = sentinel(false);
    const verdict = checkIdentity({ pid: s.pid, procStart: s.start + 1, tag: TAG });
    expect(verdict).toMatchObject({ verdict: 'refused', forget: true });
    expect(verdict.verdict === 'refused' && verdict.reason).toContain('now another process');
    expect(isAlive(s.pid)).toBe(true);
  });

  test('refuses a process carrying another instance tag and no matching start time', () => {
    const s = sentinel(true);
    const verdict = checkIdentity({ pid: s.pid, tag: { name: TAG.name, value: 'another' } });
    expect(verdict.verdict).toBe('refused');
  });

  test("allows the test's own live process with the recorded start time", () => {
    const s = sentinel(false);
    expect(checkIdentity({ pid: s.pid, procStart: s.start })).toEqual({ verdict: 'ours' });
  });

  test('allows a live process that carries the instance tag, even without a start time', () => {
    const s = sentinel(true);
    expect(checkIdentity({ pid: s.pid, tag: TAG })).toEqual({ verdict: 'ours' });
  });

  test('a pid with nothing left of it is gone, not ours', async () => {
    const child = spawn('true', { detached: true, stdio: 'ignore' });
    const pid = child.pid ?? -1;
    await new Promise((r) => child.once('exit', r));
    expect(checkIdentity({ pid, procStart: 1 })).toEqual({ verdict: 'gone' });
  });
});
