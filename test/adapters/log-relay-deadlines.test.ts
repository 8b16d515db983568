/**
 * Every wait between stagecraft and a service's log relay has a deadline: the start waits a
 * bounded time for the relay's report (then kills it and fails saying so), the relay waits a
 * bounded time for its job on stdin, and a service that exits while something it left behind
 * holds its pipes ends the relay shortly after, with the service's exit code.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { isAlive, startService } from '../../src/adapters/process.js';
import { MASK } from '../../src/core/mask.js';
import { readOr, until } from './effect-helpers.js';
import { serviceSandbox } from './service-sandbox.js';

const SECRET = 'hunter2-very-secret';
const relaySource = fileURLToPath(new URL('../../src/adapters/log-relay.ts', import.meta.url));
const sb = serviceSandbox();

/** Rejects after `ms` with `what`: a test's own upper bound. */
function bound<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** The relay (from source) by hand, detached, so the test can kill its whole group afterwards. */
function runRelay(logFile: string, argv: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', relaySource, logFile, ...argv], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  if (child.pid !== undefined) sb.track(child.pid);
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, ended };
}

describe('deadlines between stagecraft and the log relay', () => {
  test('a relay that never reports fails the start within its deadline, and is killed', async () => {
    // The operator's NODE_OPTIONS applies to stagecraft's helpers: here it wedges the relay.
    const pidFile = join(sb.dir, 'relay.pid');
    const wedge = join(sb.dir, 'wedge.cjs');
    await writeFile(
      wedge,
      `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);\n`,
    );
    const before = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = `--require ${wedge}`;
    const started = Date.now();
    let start: Promise<unknown>;
    try {
      start = startService(
        { ...sb.opts, relayStartMs: 1500 },
        'wedged',
        { run: ['sleep', '1000'], cwd: sb.dir, env: {} },
        { TOKEN: SECRET },
        ['TOKEN'],
      );
      // The relay is spawned before the first await settles: restore at once after.
      await until('the relay is running', () => readOr(pidFile));
    } finally {
      if (before === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = before;
    }
    const relayPid = Number(await readFile(pidFile, 'utf8'));
    sb.track(relayPid);
    await expect(bound(start, 10_000, 'the start failing')).rejects.toThrow(
      /^cannot start service wedged \(sleep 1000\): the log relay did not report within 1500 ms that it started it; it was killed \(see .*wedged\.log\)$/,
    );
    expect(Date.now() - started).toBeLessThan(8000);
    expect(isAlive(relayPid)).toBe(false);
  });

  test('a relay whose job never comes on stdin gives up after its deadline', async () => {
    const logFile = join(sb.dir, 'nojob.log');
    const { ended } = runRelay(logFile, ['sleep', '30'], { STAGECRAFT_RELAY_JOB: '300' });
    expect(await bound(ended, 8000, 'the relay ending')).toEqual({ code: 2, signal: null });
  });

  test('a service that exits while its background child holds its output ends the relay shortly after, with its exit code', async () => {
    const logFile = join(sb.dir, 'left.log');
    const started = Date.now();
    const { ended } = runRelay(logFile, ['sh', '-c', 'echo "bye $TOKEN"; sleep 30 & exit 5'], {
      TOKEN: SECRET,
      STAGECRAFT_REDACT: 'TOKEN',
    });
    expect(await bound(ended, 10_000, 'the relay ending')).toEqual({ code: 5, signal: null });
    expect(Date.now() - started).toBeLessThan(8000);
    expect(await readFile(logFile, 'utf8')).toBe(`bye ${MASK}\n`);
  });
});
