/**
 * The shared frame of machine tests: fake timers around every test of the calling file, and the
 * actors a test started stopped after it (before real timers return), so no test leaks a timer
 * or a running actor into the next.
 */
import { afterEach, beforeEach, vi } from 'vitest';

type FakeTimerOptions = Parameters<typeof vi.useFakeTimers>[0];

/**
 * Installs the hooks; returns `track`, which registers what a test started (and returns it) so
 * that `stop` runs on it after the test.
 */
export function fakeTimeFor<T>(
  stop: (value: T) => void,
  timers?: FakeTimerOptions,
): (value: T) => T {
  const tracked: T[] = [];
  beforeEach(() => {
    vi.useFakeTimers(timers);
  });
  afterEach(() => {
    for (const value of tracked.splice(0)) stop(value);
    vi.useRealTimers();
  });
  return (value) => {
    tracked.push(value);
    return value;
  };
}
