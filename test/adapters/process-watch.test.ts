/**
 * The observations a process service's verdict rests on, against real processes and sockets:
 * how a started instance ends (exit code or signal, log tail), and who holds a port.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import type { CommandSpec } from '../../src/config/plan-types.js';
import { portHolder } from '../../src/adapters/port-holder.js';
import { startService } from '../../src/adapters/process.js';
import { watchInstance } from '../../src/adapters/process-exits.js';
import { serviceSandbox } from './service-sandbox.js';

const sb = serviceSandbox();
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

const node = (code: string): CommandSpec => ({
  run: [process.execPath, '-e', code],
  cwd: process.cwd(),
  env: {},
});

/** A listening server on 127.0.0.1 with an OS-chosen port. */
async function listening(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** Resolves within `ms` or rejects: every wait has a deadline. */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)),
  ]);
}

describe('watching a started process service', () => {
  test('resolves with its exit code and the tail of its log when it exits', async () => {
    const info = await startService(
      sb.opts,
      'api',
      node('console.error("fatal: bad port argument: x"); process.exit(2)'),
      {},
    );
    sb.track(info.pid);
    const exit = await within(10_000, watchInstance(info, new AbortController().signal));
    expect(exit).toMatchObject({
      pid: info.pid,
      exitCode: 2,
      statusKnown: true,
      logFile: info.logFile,
      tail: ['fatal: bad port argument: x'],
    });
    expect(exit.signal).toBeUndefined();
  });

  test('resolves with the signal that killed it', async () => {
    const info = await startService(sb.opts, 'api', node('setInterval(() => {}, 1000)'), {});
    sb.track(info.pid);
    const watch = watchInstance(info, new AbortController().signal);
    process.kill(info.pid, 'SIGKILL');
    expect(await within(10_000, watch)).toMatchObject({ exitCode: null, signal: 'SIGKILL' });
  });

  test('sees the end of an instance it did not start (found on resume), without a status', async () => {
    // Started by someone else (here: directly, not by startService): its end is polled from /proc.
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      stdio: 'ignore',
    });
    const pid = other.pid ?? -1;
    sb.track(pid);
    const info = { pid, logFile: '/nonexistent/other.log', startedAt: Date.now() };
    const watch = watchInstance(info, new AbortController().signal);
    let settled = false;
    void watch.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    other.kill('SIGKILL');
    expect(await within(10_000, watch)).toMatchObject({
      pid,
      statusKnown: false,
      exitCode: null,
      tail: [],
    });
  });
});

describe('who holds a port', () => {
  test('names the process that listens on a port of this machine', async () => {
    const port = await listening();
    expect(portHolder('127.0.0.1', port)).toMatchObject({
      pid: process.pid,
      command: expect.stringContaining('node') as string,
    });
    expect(portHolder('localhost', port)?.pid).toBe(process.pid);
  });

  test('says nothing listens on a free port, and cannot know about another host', async () => {
    const port = await listening();
    await new Promise((done) => servers.pop()?.close(done));
    expect(portHolder('127.0.0.1', port)).toBeUndefined();
    expect(portHolder('192.0.2.1', port)).toBeNull();
  });
});
