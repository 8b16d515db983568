/**
 * Fixture stacks for the end-to-end hardening tests: `test/fixtures/engine/<name>.yaml` copied as
 * `stagecraft.config.yaml` into a private temp dir together with the small programs in
 * `test/fixtures/engine/programs/`, with free ports. The built CLI runs as a child whose
 * descendants are watched, so a test can prove that nothing it started is left alive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { cp, copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT } from '../cli/helpers.js';
import { freePort } from './example-project.js';
import {
  ProcessWatcher,
  isGone,
  killEverythingIn,
  killGroup,
  registeredIn,
  until,
} from './proc-watch.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'engine');

/** A running (or finished) CLI child. */
export interface CliChild {
  child: ChildProcess;
  pid: number;
  watcher: ProcessWatcher;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  exited: Promise<number | null>;
}

/** A private copy of a fixture stack. */
export interface EngineStack {
  dir: string;
  stateDir: string;
  /** `--var NAME=port` arguments. */
  vars: string[];
  /** Starts `stagecraft <args> -c dir <vars>` without a terminal. */
  start(args: string[], env?: NodeJS.ProcessEnv): CliChild;
  /** Runs to completion. */
  run(
    args: string[],
    env?: NodeJS.ProcessEnv,
  ): Promise<{ code: number | null; stdout: string; stderr: string; watcher: ProcessWatcher }>;
  /** Lines of a marker file (markers/<name>), [] when absent. */
  marker(name: string): string[];
  /** True when markers/<name> exists. */
  hasMarker(name: string): boolean;
  /** Pids recorded in the process registries of the stack's state dir. */
  registryPids(): number[];
  /** Text of every file under the state dir, by path. */
  stateFiles(): Promise<Map<string, string>>;
  cleanup(): Promise<void>;
}

/** Base environment of every CLI run: no terminal, CI set, colour off unless a test says so. */
function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', NO_COLOR: '1' };
  delete env.API_TOKEN;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Copies fixture `name` and allocates a free port for each of `portVars`. */
export async function engineStack(name: string, portVars: string[] = []): Promise<EngineStack> {
  const dir = await mkdtemp(join(tmpdir(), `stagecraft-e2e-${name}-`));
  await cp(join(FIXTURES, 'programs'), dir, { recursive: true });
  await copyFile(join(FIXTURES, `${name}.yaml`), join(dir, 'stagecraft.config.yaml'));
  const vars: string[] = [];
  for (const v of portVars) vars.push('--var', `${v}=${await freePort()}`);
  const stateDir = join(dir, '.stagecraft');
  const children: CliChild[] = [];

  const start = (args: string[], env?: NodeJS.ProcessEnv): CliChild => {
    const child = spawn(process.execPath, [BIN, ...args, '-c', dir, ...vars], {
      cwd: dir,
      env: cliEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
    const watcher = new ProcessWatcher(child.pid ?? -1);
    const exited = new Promise<number | null>((resolve) => {
      child.on('close', (code) => {
        watcher.stop();
        resolve(code);
      });
    });
    const handle: CliChild = {
      child,
      pid: child.pid ?? -1,
      watcher,
      stdout: () => out,
      stderr: () => err,
      exited,
    };
    children.push(handle);
    return handle;
  };

  const registryPids = (): number[] => registeredIn(dir);

  return {
    dir,
    stateDir,
    vars,
    start,
    async run(args, env) {
      const c = start(args, env);
      const timer = setTimeout(() => c.child.kill('SIGKILL'), 25_000);
      const code = await c.exited;
      clearTimeout(timer);
      return { code, stdout: c.stdout(), stderr: c.stderr(), watcher: c.watcher };
    },
    marker(m) {
      const file = join(dir, 'markers', m);
      return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    },
    hasMarker: (m) => existsSync(join(dir, 'markers', m)),
    registryPids,
    async stateFiles() {
      const files = new Map<string, string>();
      const walk = async (d: string): Promise<void> => {
        for (const e of await readdir(d, { withFileTypes: true })) {
          const p = join(d, e.name);
          if (e.isDirectory()) await walk(p);
          else files.set(p, await readFile(p, 'utf8'));
        }
      };
      if (existsSync(stateDir)) await walk(stateDir);
      return files;
    },
    async cleanup() {
      for (const c of children) {
        if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
        await c.exited;
        for (const pid of c.watcher.seen) if (!isGone(pid)) killGroup(pid);
      }
      for (const pid of registryPids()) killGroup(pid);
      for (const pid of markerPids(dir)) if (!isGone(pid)) killGroup(pid);
      await until(() => children.every((c) => [...c.watcher.seen].every(isGone)), 5000);
      await killEverythingIn(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Every pid written to markers/*.pids by hang.sh. */
export function markerPids(dir: string): number[] {
  const folder = join(dir, 'markers');
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => f.endsWith('.pids'))
    .flatMap((f) => readFileSync(join(folder, f), 'utf8').split('\n').filter(Boolean).map(Number));
}

/** Parses NDJSON output (every line must parse). */
export function ndjson(out: string): Array<Record<string, unknown>> {
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Journal entries of the only deployment in the state dir. */
export async function journalOf(stateDir: string): Promise<Array<Record<string, unknown>>> {
  const [id] = await readdir(join(stateDir, 'deployments'));
  const text = await readFile(join(stateDir, 'deployments', id ?? '', 'journal.jsonl'), 'utf8');
  return ndjson(text);
}

/** The environment lock file exists. */
export function lockHeld(stateDir: string): boolean {
  return existsSync(join(stateDir, 'locks', 'default.json'));
}
