import { afterEach, describe, expect, test } from 'vitest';
import { runCommand } from '../../src/adapters/exec.js';
import { isAlive } from '../../src/adapters/process.js';
import {
  killTrackedGroups,
  trackGroup,
  trackedGroups,
  untrackGroup,
} from '../../src/adapters/proc.js';
import { until } from './effect-helpers.js';

afterEach(() => {
  killTrackedGroups('SIGKILL');
});

describe('process groups', () => {
  test('a running command is tracked and untracked when it finishes', async () => {
    const running = runCommand(
      { run: 'sleep 0.2', cwd: process.cwd(), env: {} },
      { env: {}, timeoutMs: 5000 },
    );
    await until('the command group to be tracked', () => trackedGroups().length === 1);
    await running;
    expect(trackedGroups()).toEqual([]);
  });

  test('killTrackedGroups kills every running command tree and clears the set', async () => {
    const commands = [1, 2].map(() =>
      runCommand(
        { run: 'sleep 1000 & echo pid=$!; wait', cwd: process.cwd(), env: {} },
        { env: {}, timeoutMs: 60_000 },
      ),
    );
    await until('both groups to be tracked', () => trackedGroups().length === 2);
    const groups = trackedGroups();
    killTrackedGroups('SIGTERM');
    expect(trackedGroups()).toEqual([]);
    const outcomes = await Promise.all(commands);
    for (const outcome of outcomes) {
      expect(outcome.signal).toBe('SIGTERM');
      const pid = Number(/pid=(\d+)/.exec(outcome.outputTail)?.[1]);
      expect(isAlive(pid)).toBe(false);
    }
    for (const pid of groups) expect(isAlive(pid)).toBe(false);
  });

  test('untrackGroup forgets a group without signalling it', () => {
    trackGroup(999_999_991);
    untrackGroup(999_999_991);
    expect(trackedGroups()).not.toContain(999_999_991);
  });
});
