/**
 * What the end-to-end monitoring tests share: tmp projects with a tiny HTTP service, the built
 * CLI run with a deadline of the test's choosing, bounded waits, and the cleanup of every process
 * a deploy left running.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { environOf } from '../../src/core/liveness.js';
import { BIN, ROOT, makeProject, removeProject, type CliResult } from '../cli/helpers.js';

/**
 * A service for the tests: answers every request with `ok`, and `/die` by exiting (a service that
 * dies when the test says so). Listens on 127.0.0.1:$APP_PORT.
 */
const APP_SERVER = `const http = require('node:http');
const server = http.createServer((req, res) => {
  if (req.url === '/die') {
    res.end('bye\\n');
    setTimeout(() => process.exit(0), 20);
    return;
  }
  res.end('ok\\n');
});
server.listen(Number(process.env.APP_PORT), '127.0.0.1');
`;

/** Runs the BUILT CLI with a clean environment and a deadline (default 40 s). */
export function runCli(
  args: string[],
  opts: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...opts.env },
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: opts.timeoutMs ?? 40_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** `deploy --yes --plain -c dir` on the built CLI. */
export function deploy(
  dir: string,
  opts: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  return runCli(['deploy', '--yes', '--plain', '-c', dir], opts);
}

/** Polls `probe` every 100 ms until it returns a value (not undefined), at most `ms`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 10_000,
): Promise<T> {
  const until = Date.now() + ms;
  let last: string | undefined;
  for (let i = 0; i < 1000 && Date.now() < until; i++) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not seen within ${ms} ms${last === undefined ? '' : ` (${last})`}`);
}

/** GET url: status and text (a refused connection throws). */
export async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return { status: res.status, text: await res.text() };
}

/** The projects made by {@link project}, for {@link cleanProjects}. */
const made: string[] = [];

/** A tmp project with `stagecraft.config.yaml` and the service script `server.cjs`. */
export async function project(config: string): Promise<string> {
  const dir = await makeProject({ 'stagecraft.config.yaml': config, 'server.cjs': APP_SERVER });
  made.push(dir);
  return dir;
}

/** The pids of the process services a deploy in `dir` left registered. */
async function registered(dir: string): Promise<number[]> {
  const path = join(dir, '.stagecraft', 'processes', 'default.json');
  const text = await readFile(path, 'utf8').catch(() => '{"services":{}}');
  const services = (JSON.parse(text) as { services: Record<string, { pid: number }> }).services;
  return Object.values(services).map((e) => e.pid);
}

/**
 * Kills the process groups the CLI runs of the projects started (only those carrying
 * stagecraft's instance tag) and removes the projects.
 */
export async function cleanProjects(): Promise<void> {
  for (const dir of made.splice(0)) {
    for (const pid of await registered(dir))
      if (pid > 1 && environOf(pid)?.STAGECRAFT_INSTANCE !== undefined) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    await removeProject(dir);
  }
}

/** The service script run by the test itself (a service brought back after it died). */
export function startApp(dir: string, port: number): ChildProcess {
  return spawn(process.execPath, [join(dir, 'server.cjs')], {
    env: { APP_PORT: String(port) },
    stdio: 'ignore',
  });
}

/** Kills a child the test started and waits (at most 5 s) for it to be gone. */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGKILL');
  });
}

/** True once a journal of the project's deployments holds a fact of `type`. */
export async function journaled(dir: string, type: string): Promise<true | undefined> {
  const root = join(dir, '.stagecraft', 'deployments');
  for (const id of await readdir(root).catch(() => [])) {
    const text = await readFile(join(root, id, 'journal.jsonl'), 'utf8').catch(() => '');
    if (text.includes(`"type":"${type}"`)) return true;
  }
  return undefined;
}
