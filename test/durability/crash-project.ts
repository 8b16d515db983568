/**
 * Helpers for the durability tests: a private copy of test/fixtures/crash-stack with a free port,
 * marker counts, the journal, and spawning the built CLI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { readJournal, type JournalEntry } from '../../src/state/journal.js';
import { readRegistry, registryPath } from '../../src/state/registry.js';
import { isAlive } from '../../src/core/liveness.js';
import { BIN, ROOT } from '../cli/helpers.js';
import { killEverythingIn } from '../engine/proc-watch.js';
import { freePort, runCli } from '../engine/example-project.js';
import { copyProjectFolder } from '../shared/copy-project.js';

export { runCli };

/** A copy of the crash stack. */
export interface CrashProject {
  dir: string;
  port: number;
  /** `-c dir --var WEB_PORT=port`, plus extra args. */
  args(...extra: string[]): string[];
  count(service: string): Promise<number>;
  stateDir: string;
  cleanup(): Promise<void>;
}

/** Copies the crash stack to a temp dir with its own port. */
export async function crashProject(): Promise<CrashProject> {
  const dir = await copyProjectFolder(join(ROOT, 'test', 'fixtures', 'crash-stack'));
  const port = await freePort();
  const stateDir = join(dir, '.stagecraft');
  const args = (...extra: string[]) => [...extra, '-c', dir, '--var', `WEB_PORT=${port}`];
  return {
    dir,
    port,
    stateDir,
    args,
    async count(service) {
      const text = await readFile(join(dir, 'markers', `${service}.count`), 'utf8').catch(() => '');
      return text.split('\n').filter((l) => l !== '').length;
    },
    async cleanup() {
      // A CLI a failed test left running would go on starting services: it goes first.
      await Promise.all([...running].filter((r) => r.args.includes(dir)).map((r) => r.stop()));
      // `down` stops what the runs left up; a service the CLI was killed before recording (or a
      // down refused by a stale lock) is killed by registry pid and by working directory.
      await runCli(['down', '--yes', ...args()], { timeoutMs: 20_000 }).catch(() => undefined);
      await killEverythingIn(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A factory of crash-stack copies for the calling test file: every copy it made is cleaned up
 * (its CLI runs, services and anything else running in it stopped, the dir removed) after the
 * test that made it.
 */
export function crashProjects(): () => Promise<CrashProject> {
  const made: CrashProject[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((p) => p.cleanup()));
  });
  return async () => {
    const p = await crashProject();
    made.push(p);
    return p;
  };
}

/** Every pid in the environment's process registry. */
async function registeredPids(stateDir: string, environment = 'default'): Promise<number[]> {
  const reg = await readRegistry(registryPath(stateDir, environment)).catch(() => ({
    services: {},
  }));
  return Object.values(reg.services).map((e) => e.pid);
}

/** True when no registered pid is alive (per /proc/<pid>/stat). */
export async function noRegisteredProcessAlive(stateDir: string): Promise<boolean> {
  return (await registeredPids(stateDir)).every((pid) => !isAlive(pid));
}

/** The only deployment id in the state dir. */
export async function onlyDeployment(stateDir: string): Promise<string> {
  const ids = await readdir(join(stateDir, 'deployments'));
  if (ids.length !== 1 || ids[0] === undefined)
    throw new Error(`expected one deployment, found ${ids.join(', ')}`);
  return ids[0];
}

/** The journal's entries. */
export async function journalOf(stateDir: string, id: string): Promise<JournalEntry[]> {
  return (await readJournal(join(stateDir, 'deployments', id, 'journal.jsonl'))).entries;
}

/** Services whose activation was journaled as succeeded (the command exited 0). */
export function journaledActivated(entries: JournalEntry[]): string[] {
  const out = new Set<string>();
  for (const e of entries) if (e.type === 'service.activated') out.add(String(e.service));
  return [...out];
}

/** The last journaled state of each service. */
export function lastStates(entries: JournalEntry[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) if (e.type === 'service.state') out[String(e.service)] = String(e.state);
  return out;
}

/** A running CLI child, its output so far, and a promise of its exit. */
export interface Spawned {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stdout (or `stream`) matches (or rejects after `ms`). */
  waitFor(re: RegExp, ms?: number, stream?: 'stdout' | 'stderr'): Promise<void>;
}

/** CLI children still running, with their arguments (a project's cleanup stops its own). */
const running = new Set<{ args: string[]; stop(): Promise<unknown> }>();

/** Spawns the built CLI without a terminal. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: 'true', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of waiters) w();
  });
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    for (const w of waiters) w();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const entry = {
    args,
    stop: () => {
      child.kill('SIGKILL');
      return exited;
    },
  };
  running.add(entry);
  void exited.then(() => running.delete(entry));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(re, ms = 20_000, stream = 'stdout') {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (re.test(stream === 'stdout' ? out : err)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const text = stream === 'stdout' ? out : err;
          reject(new Error(`timed out waiting for ${re} in: ${text.slice(-500)}`));
        }, ms);
        waiters.add(check);
        void exited.then(() => setTimeout(check, 0));
        check();
      });
    },
  };
}
