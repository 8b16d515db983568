/**
 * What the `stagecraft watch` tests share: a real HTTP server on 127.0.0.1 (port 0) whose health
 * the test switches off by closing it, a tmp project probing it, and the built CLI spawned with
 * its output collected as it comes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BIN, makeProject } from './helpers.js';

/** A running HTTP server that answers 200 (503 while switched off) until closed. */
export interface Upstream {
  port: number;
  /** The gate the test flips: false answers 503. */
  setHealthy(healthy: boolean): void;
  close(): Promise<void>;
}

/** Starts the server the watched services probe. */
export function startUpstream(): Promise<Upstream> {
  let healthy = true;
  const server: Server = createServer((_req, res) => {
    res.statusCode = healthy ? 200 : 503;
    res.end(healthy ? 'ok' : 'down');
  });
  return new Promise((done) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      done({
        port,
        setHealthy: (h) => (healthy = h),
        close: () =>
          new Promise<void>((closed) => {
            server.closeAllConnections();
            server.close(() => closed());
          }),
      });
    });
  });
}

/** A tmp project whose `api` (HTTP) and `web` (TCP) probe the upstream every 200 ms. */
export function watchProject(port: number): Promise<string> {
  return makeProject({
    'stagecraft.config.yaml': `name: wshop
monitoring: { watchInterval: 200ms }
services:
  api:
    activate: "true"
    health: { http: "http://127.0.0.1:${port}/" }
  web:
    activate: "true"
    health: { tcp: "127.0.0.1:${port}" }
`,
  });
}

/** A spawned `stagecraft watch`, its output so far and its end. */
export interface Watching {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout matches (rejects after `ms`). */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  exited: Promise<number>;
}

/** Spawns the built CLI's `watch` in `dir` with `args`. */
export function spawnWatch(dir: string, args: string[]): Watching {
  const child = spawn(process.execPath, [BIN, 'watch', ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<number>((done) =>
    child.once('exit', (code, signal) => done(code ?? (signal === null ? -1 : 128))),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor: async (pattern, ms = 8000) => {
      const end = Date.now() + ms;
      while (!pattern.test(out)) {
        if (Date.now() > end)
          throw new Error(`timed out waiting for ${String(pattern)}; stdout:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    exited,
  };
}
