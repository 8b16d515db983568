/** Shared helpers for adapter tests: condition gates with deadlines, servers on port 0, temp dirs. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of a fixture program. */
export const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/programs/${name}`, import.meta.url));

/** Poll `check` until it returns a truthy value or the deadline passes (then throw with `what`). */
export async function until<T>(
  what: string,
  check: () => T | Promise<T>,
  deadlineMs = 5000,
): Promise<NonNullable<T>> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Read a file, or '' when it does not exist yet. */
export async function readOr(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}

/** A fresh temp dir, and its removal. */
export async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'stagecraft-adapters-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A real node:http server on 127.0.0.1, OS-chosen port. */
export interface TestServer {
  url: string;
  port: number;
  server: Server;
  close: () => Promise<void>;
}

/** Start a server with `handler`; `close` drops every connection first. */
export async function startServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TestServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = await startServer(() => undefined);
  await s.close();
  return s.port;
}
