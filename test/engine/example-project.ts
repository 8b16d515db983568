/**
 * A private copy of an example project in a temp dir, with free ports, so end-to-end tests can
 * run in parallel without sharing state dirs, marker files or ports. `cleanup` stops whatever the
 * deployment left running (via the CLI's own `down`, then by pid and by working directory as a
 * last resort).
 */
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { BIN, ROOT } from '../cli/helpers.js';
import { copyProjectFolder } from '../shared/copy-project.js';
import { killEverythingIn } from './proc-watch.js';

/** A port the OS just handed out (free at the time of the call). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface ExampleProject {
  dir: string;
  /** `--var` arguments that give this copy its own ports. */
  vars: string[];
  cleanup(): Promise<void>;
}

/**
 * Copies examples/<name> to a temp dir (never its `.stagecraft/`) and allocates ports for the
 * given variables.
 */
export async function copyExample(name: string, portVars: string[]): Promise<ExampleProject> {
  const dir = await copyProjectFolder(join(ROOT, 'examples', name));
  const vars: string[] = [];
  for (const v of portVars) vars.push('--var', `${v}=${await freePort()}`);
  return {
    dir,
    vars,
    async cleanup() {
      await runCli(['down', '--yes', '-c', dir, ...vars]).catch(() => undefined);
      await killEverythingIn(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI to completion (deadline `timeoutMs`), without a terminal. */
export function runCli(
  args: string[],
  opts: {
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
    onStdout?: (chunk: string, child: ReturnType<typeof spawn>) => void;
  } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, CI: 'true', NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      opts.onStdout?.(d, child);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
