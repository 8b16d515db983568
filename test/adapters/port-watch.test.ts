import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { whenListening } from '../../src/adapters/port-watch.js';
import { closedPort } from './effect-helpers.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((fn) => fn()));

function watch(port: number): { fired: Promise<boolean>; stop: () => void } {
  const controller = new AbortController();
  cleanups.push(() => controller.abort());
  const fired = whenListening('127.0.0.1', port, controller.signal).then(() => true);
  return { fired, stop: () => controller.abort() };
}

/** Resolves false after `ms` unless `p` resolved first. */
function within(p: Promise<boolean>, ms: number): Promise<boolean> {
  return Promise.race([p, new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
}

/** Binds a server on `port`; resolves as soon as it listens. */
function listenOn(port: number): Promise<void> {
  const server: Server = createServer((socket) => socket.destroy());
  cleanups.push(() => server.close());
  return new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
}

describe('whenListening', () => {
  test('fires when a port starts listening after the watch began', async () => {
    const port = await closedPort();
    const w = watch(port);
    await new Promise((r) => setTimeout(r, 30));
    const server = createServer();
    server.listen(port, '127.0.0.1');
    cleanups.push(() => server.close());
    expect(await within(w.fired, 2000)).toBe(true);
  });

  test('does not fire for a port that was already listening (another program)', async () => {
    const port = await closedPort();
    await listenOn(port);
    await new Promise((r) => setTimeout(r, 30));
    expect(await within(watch(port).fired, 300)).toBe(false);
  });

  test('fires for a port that starts listening just before a watch joins a running poll', async () => {
    // Another watch keeps the poller running; the port binds after its last look and before
    // this watch starts, so this watch's first look must not count it as "already listening".
    const idle = await closedPort();
    watch(idle);
    await new Promise((r) => setTimeout(r, 25));
    let fired = false;
    for (let i = 0; i < 5 && !fired; i++) {
      const port = await closedPort();
      await listenOn(port);
      fired = await within(watch(port).fired, 1000);
    }
    expect(fired).toBe(true);
  });
});
