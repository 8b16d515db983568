import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { tcpProbe } from '../../src/adapters/tcp-probe.js';
import { closedPort, fixture } from './effect-helpers.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((fn) => fn()));

async function openServer(): Promise<number> {
  const server: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => server.close());
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** A listener that never accepts, with its accept queue already full: connects to it hang. */
async function stalledPort(): Promise<number> {
  const child: ChildProcess = spawn(process.execPath, [fixture('stalled-listener.js')], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  cleanups.push(() => child.kill('SIGKILL'));
  const port = await new Promise<number>((resolve) =>
    child.stdout?.once('data', (d: Buffer) => resolve(Number(String(d).trim()))),
  );
  // Fill the one-slot backlog (Linux queues backlog + 1 connections).
  for (let i = 0; i < 5; i++) {
    if (!(await tcpProbe('127.0.0.1', port, 200)).ok) break;
  }
  return port;
}

describe('tcpProbe', () => {
  test('connects to an open port', async () => {
    const port = await openServer();
    expect(await tcpProbe('127.0.0.1', port, 1000)).toMatchObject({
      ok: true,
      detail: 'connected',
    });
  });

  test('reports ECONNREFUSED for a closed port', async () => {
    const port = await closedPort();
    expect(await tcpProbe('127.0.0.1', port, 1000)).toMatchObject({
      ok: false,
      detail: 'ECONNREFUSED',
    });
  });

  test('times out close to the deadline when the listener never accepts', async () => {
    const port = await stalledPort();
    const outcome = await tcpProbe('127.0.0.1', port, 300);
    expect(outcome).toMatchObject({ ok: false, detail: 'timeout after 300 ms' });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(290);
    expect(outcome.durationMs).toBeLessThan(800);
  });

  test('aborting the signal cancels a pending connect', async () => {
    const port = await stalledPort();
    const controller = new AbortController();
    const pending = tcpProbe('127.0.0.1', port, 10_000, controller.signal);
    controller.abort();
    const outcome = await pending;
    expect(outcome).toMatchObject({ ok: false, detail: 'canceled' });
    expect(outcome.durationMs).toBeLessThan(1000);
  });
});
