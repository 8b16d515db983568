import { realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { CommandSpec } from '../../src/config/plan-types.js';
import { runCommand } from '../../src/adapters/exec.js';
import { isAlive } from '../../src/adapters/process.js';
import { fixture, readOr, tempDir, until } from './effect-helpers.js';

let dir: string;
let remove: () => Promise<void>;
const spawned: number[] = [];

beforeEach(async () => {
  ({ dir, remove } = await tempDir());
});
afterEach(async () => {
  for (const pid of spawned.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await remove();
});

const cmd = (run: string | string[], extra: Partial<CommandSpec> = {}): CommandSpec => ({
  run,
  cwd: dir,
  env: {},
  ...extra,
});
const pidsIn = (text: string): number[] =>
  [...text.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));

describe('runCommand', () => {
  test('reports exit code 0 and the output of a successful command', async () => {
    const outcome = await runCommand(cmd('echo hello'), { env: {}, timeoutMs: 5000 });
    expect(outcome).toMatchObject({
      exitCode: 0,
      timedOut: false,
      canceled: false,
      outputTail: 'hello\n',
    });
    expect(outcome.error).toBeUndefined();
  });

  test('reports a non-zero exit code as a value, with stderr in the tail', async () => {
    const outcome = await runCommand(cmd('echo broken >&2; exit 7'), { env: {}, timeoutMs: 5000 });
    expect(outcome.exitCode).toBe(7);
    expect(outcome.outputTail).toContain('broken');
    expect(outcome.error).toBeUndefined();
  });

  test('runs an array as argv with no shell: spaces and $HOME stay literal', async () => {
    const outcome = await runCommand(
      cmd([process.execPath, fixture('print-argv.js'), 'a b', '$HOME', '*']),
      { env: {}, timeoutMs: 5000 },
    );
    expect(JSON.parse(outcome.outputTail)).toEqual(['a b', '$HOME', '*']);
  });

  test('passes variables on top of process.env, the command env winning', async () => {
    process.env.STAGECRAFT_TEST_INHERITED = 'inherited';
    try {
      const outcome = await runCommand(
        cmd('echo "$STAGECRAFT_TEST_INHERITED $FOO $BAR"', { env: { BAR: 'from-command' } }),
        {
          env: { FOO: 'from-vars', BAR: 'from-vars' },
          timeoutMs: 5000,
        },
      );
      expect(outcome.outputTail).toBe('inherited from-vars from-command\n');
    } finally {
      delete process.env.STAGECRAFT_TEST_INHERITED;
    }
  });

  test('runs in the command cwd', async () => {
    const outcome = await runCommand(cmd('pwd'), { env: {}, timeoutMs: 5000 });
    expect(outcome.outputTail.trim()).toBe(await realpath(dir));
  });

  test('a missing cwd is an error value, not a throw', async () => {
    const outcome = await runCommand(cmd('true', { cwd: join(dir, 'nope') }), {
      env: {},
      timeoutMs: 5000,
    });
    expect(outcome.exitCode).toBeNull();
    expect(outcome.error).toContain('working directory does not exist');
  });

  test('a timeout kills the whole process tree quickly, grandchildren included', async () => {
    const outcome = await runCommand(
      cmd('sleep 1000 & echo pid=$!; sleep 1000 & echo pid=$!; wait'),
      {
        env: {},
        timeoutMs: 300,
        graceMs: 2000,
      },
    );
    const pids = pidsIn(outcome.outputTail);
    spawned.push(...pids);
    expect(outcome.timedOut).toBe(true);
    expect(outcome.canceled).toBe(false);
    expect(outcome.exitCode).toBeNull();
    expect(outcome.durationMs).toBeLessThan(1500);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  test('the command timeoutMs wins when smaller than the caller deadline', async () => {
    const outcome = await runCommand(cmd('sleep 1000', { timeoutMs: 200 }), {
      env: {},
      timeoutMs: 60_000,
    });
    expect(outcome.timedOut).toBe(true);
    expect(outcome.durationMs).toBeLessThan(1500);
  });

  test('aborting the signal cancels the command and kills its tree', async () => {
    const logFile = join(dir, 'logs', 'cancel.log');
    const controller = new AbortController();
    const running = runCommand(cmd('sleep 1000 & echo pid=$!; wait'), {
      env: {},
      timeoutMs: 60_000,
      signal: controller.signal,
      logFile,
    });
    const [pid] = await until('the grandchild pid in the log', async () => {
      const pids = pidsIn(await readOr(logFile));
      return pids.length > 0 ? pids : undefined;
    });
    spawned.push(pid!);
    controller.abort();
    const outcome = await running;
    expect(outcome).toMatchObject({ canceled: true, timedOut: false, exitCode: null });
    expect(isAlive(pid!)).toBe(false);
  });

  test('an already aborted signal starts nothing', async () => {
    const outcome = await runCommand(cmd('touch started'), {
      env: {},
      timeoutMs: 5000,
      signal: AbortSignal.abort(),
    });
    expect(outcome.canceled).toBe(true);
    await expect(stat(join(dir, 'started'))).rejects.toThrow();
  });

  test('a child that ignores SIGTERM is SIGKILLed after the grace period', async () => {
    const outcome = await runCommand(
      cmd("trap '' TERM; echo pid=$$; while :; do sleep 0.05; done"),
      { env: {}, timeoutMs: 200, graceMs: 400 },
    );
    const [pid] = pidsIn(outcome.outputTail);
    expect(outcome.timedOut).toBe(true);
    expect(outcome.signal).toBe('SIGKILL');
    expect(outcome.durationMs).toBeGreaterThanOrEqual(550);
    expect(outcome.durationMs).toBeLessThan(2500);
    expect(isAlive(pid!)).toBe(false);
  });

  test('a background job left behind after the command exits is killed, not orphaned', async () => {
    const outcome = await runCommand(cmd('sleep 1000 >/dev/null 2>&1 & echo pid=$!'), {
      env: {},
      timeoutMs: 5000,
      graceMs: 1000,
    });
    const [pid] = pidsIn(outcome.outputTail);
    spawned.push(pid!);
    expect(outcome.exitCode).toBe(0);
    expect(isAlive(pid!)).toBe(false);
  });

  // `setsid` leaves the command's process group: a group kill misses it, and it holds stdout.
  const ESCAPE = "setsid sh -c 'exec sleep 60' & echo $! > escaped.pid";
  /** The escaped pid, recorded for the clean-up only when it is a real one (never 0 or 1). */
  const escapedPid = async (): Promise<number> => {
    const pid = Number(await readOr(join(dir, 'escaped.pid')));
    expect(pid).toBeGreaterThan(1);
    spawned.push(pid);
    return pid;
  };

  test('a timeout holds while a setsid grandchild keeps stdout open, and the grandchild is killed', async () => {
    const started = Date.now();
    const outcome = await runCommand(cmd(`${ESCAPE}; sleep 30`), {
      env: {},
      timeoutMs: 2000,
      graceMs: 1000,
    });
    const elapsed = Date.now() - started;
    const pid = await escapedPid();
    expect(outcome.timedOut).toBe(true);
    expect(elapsed).toBeLessThan(6000);
    expect(isAlive(pid)).toBe(false);
  });

  test('a command that exits 0 leaves no setsid child behind', async () => {
    // The pause lets setsid leave the group before the command exits.
    const outcome = await runCommand(cmd(`${ESCAPE}; sleep 0.3`), {
      env: {},
      timeoutMs: 10_000,
      graceMs: 1000,
    });
    const pid = await escapedPid();
    expect(outcome.exitCode).toBe(0);
    expect(outcome.durationMs).toBeLessThan(4000);
    expect(isAlive(pid)).toBe(false);
  });

  test('a setsid grandchild that ignores SIGTERM is SIGKILLed within the grace', async () => {
    const outcome = await runCommand(
      cmd(`setsid sh -c "trap '' TERM; exec sleep 60" & echo $! > escaped.pid; sleep 30`),
      { env: {}, timeoutMs: 500, graceMs: 500 },
    );
    const pid = await escapedPid();
    expect(outcome.timedOut).toBe(true);
    expect(outcome.durationMs).toBeLessThan(4000);
    expect(isAlive(pid)).toBe(false);
  });

  test('100 MB of output keeps memory bounded, the tail small and the log file complete', async () => {
    const logFile = join(dir, 'big.log');
    const before = process.memoryUsage().rss;
    const outcome = await runCommand(
      cmd("head -c 100000000 /dev/zero | tr '\\0' 'x'; echo; echo last line"),
      {
        env: {},
        timeoutMs: 60_000,
        tailBytes: 4096,
        logFile,
      },
    );
    const growth = process.memoryUsage().rss - before;
    expect(outcome.exitCode).toBe(0);
    expect(Buffer.byteLength(outcome.outputTail)).toBeLessThanOrEqual(4096);
    expect(outcome.outputTail.endsWith('last line\n')).toBe(true);
    expect(outcome.logFile).toBe(logFile);
    expect((await stat(logFile)).size).toBe(100_000_000 + '\nlast line\n'.length);
    expect(growth).toBeLessThan(50 * 1024 * 1024);
  });

  test('a missing program in argv form is reported as command not found', async () => {
    const outcome = await runCommand(cmd(['stagecraft-no-such-program', '--version']), {
      env: {},
      timeoutMs: 5000,
    });
    expect(outcome.exitCode).toBeNull();
    expect(outcome.error).toBe('command not found: stagecraft-no-such-program');
  });

  test('a missing program in a shell command is reported as command not found (exit 127)', async () => {
    const outcome = await runCommand(cmd('stagecraft-no-such-program --version'), {
      env: {},
      timeoutMs: 5000,
    });
    expect(outcome.exitCode).toBe(127);
    expect(outcome.error).toMatch(/^command not found \(exit 127\)/);
  });

  test('writes input to stdin and closes it, with and without a log file', async () => {
    const piped = await runCommand(cmd('cat'), { env: {}, timeoutMs: 5000, input: '{"a":1}' });
    expect(piped.outputTail).toBe('{"a":1}');
    const logFile = join(dir, 'input.log');
    const logged = await runCommand(cmd('cat; echo'), {
      env: {},
      timeoutMs: 5000,
      input: 'to the log',
      logFile,
    });
    expect(logged.exitCode).toBe(0);
    expect(await readOr(logFile)).toBe('to the log\n');
  });

  test('stdin stays /dev/null without input: a reader sees end of file at once', async () => {
    const outcome = await runCommand(cmd('cat; echo done'), { env: {}, timeoutMs: 5000 });
    expect(outcome.outputTail).toBe('done\n');
  });
});
