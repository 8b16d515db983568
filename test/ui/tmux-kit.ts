/**
 * Runs the built CLI inside a real terminal (tmux) and reads the screen with capture-pane; copies
 * an example into a temp dir (never its `.stagecraft/` state folder), reads the run's journal
 * there, and cleans up only what the test itself started.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { groupMembers, waitFor } from '../../src/adapters/proc.js';
import { isAlive, readProcStat } from '../../src/core/liveness.js';
import { STATE_FOLDER, copyProjectFolder } from '../shared/copy-project.js';

/** The repository root. */
export const root = resolve(import.meta.dirname, '../..');
/** The built CLI. */
export const bin = join(root, 'bin', 'stagecraft.js');

/** A port the OS says is free now. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/** The state folder of a project (default `.stagecraft/` beside the config). */
const stateFolder = STATE_FOLDER;

/**
 * A copy of an example in a temp dir, without the example's `.stagecraft/` state folder (someone
 * may have run the example in place: its journals, locks and process registry are theirs), with
 * optional config edits. The run's own state dir then lands in the temp dir.
 */
export function copyExample(
  name: string,
  edit: (config: string) => string = (c) => c,
): Promise<string> {
  return copyProject(join(root, 'examples', name), edit);
}

/** A copy of the project folder `source` in a temp dir, without its state folder; see copyExample. */
export async function copyProject(
  source: string,
  edit: (config: string) => string = (c) => c,
): Promise<string> {
  const dir = await copyProjectFolder(source);
  const config = join(dir, 'stagecraft.config.yaml');
  await writeFile(config, edit(await readFile(config, 'utf8')));
  return dir;
}

/** One journal line: a deployment fact with its time and sequence number. */
export interface JournalLine {
  type: string;
  ts: number;
  seq: number;
  [key: string]: unknown;
}

/** The ids of the runs recorded in `dir`'s state folder. */
export async function runIds(dir: string): Promise<string[]> {
  return readdir(join(dir, stateFolder, 'deployments')).catch(() => []);
}

/** The journal of run `id` in `dir`'s state folder: one fact per line. */
export async function readJournal(dir: string, id: string): Promise<JournalLine[]> {
  const text = await readFile(join(dir, stateFolder, 'deployments', id, 'journal.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as JournalLine);
}

let sessions = 0;

/** One tmux server (own socket) running one command in a pane of `size` (default 100x30). */
export class Terminal {
  readonly socket = `stagecraft-e2e-${process.pid}-${++sessions}`;
  readonly exitFile: string;

  constructor(
    readonly dir: string,
    command: string,
    size: { columns: number; rows: number } = { columns: 100, rows: 30 },
  ) {
    this.exitFile = join(dir, 'exit-code.txt');
    const script = `unset CI; export NO_COLOR=1; ${command}; echo EXIT:$? > ${this.exitFile}`;
    this.tmux(
      'new-session',
      '-d',
      '-x',
      String(size.columns),
      '-y',
      String(size.rows),
      '-c',
      dir,
      'sh',
      '-c',
      script,
      ';',
      'set-option',
      '-w',
      'remain-on-exit',
      'on',
    );
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** The visible screen as text. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-J');
  }

  /** The screen plus its scrollback. */
  history(): string {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-2000');
  }

  /** Send tmux key names (`b`, `Enter`, `C-c`). */
  keys(...names: string[]): void {
    this.tmux('send-keys', ...names);
  }

  /** Poll the screen until it matches; fail with the last screen after `ms`. */
  async waitFor(pattern: string | RegExp, ms = 30_000): Promise<string> {
    const end = Date.now() + ms;
    for (;;) {
      const text = this.screen();
      if (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) return text;
      if (Date.now() > end)
        throw new Error(`timed out waiting for ${String(pattern)}; screen:\n${text}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Wait for the command's exit code. */
  async exitCode(ms = 30_000): Promise<number> {
    const end = Date.now() + ms;
    for (;;) {
      const text = await readFile(this.exitFile, 'utf8').catch(() => '');
      const m = /EXIT:(\d+)/.exec(text);
      if (m?.[1] !== undefined) return Number(m[1]);
      if (Date.now() > end)
        throw new Error(`no exit code after ${ms} ms; screen:\n${this.screen()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Kill this test's own tmux server (and with it the pane's process). */
  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
    const dir = process.env['TMUX_TMPDIR'] ?? '/tmp';
    rmSync(join(dir, `tmux-${process.getuid?.() ?? 0}`, this.socket), { force: true });
  }
}

/** Whether `path` (a process's cwd, maybe deleted) is `dir` or below it. */
function inside(dir: string, path: string): boolean {
  let real = dir;
  try {
    real = realpathSync(dir);
  } catch {
    // already removed: match the path as given
  }
  const p = path.replace(/ \(deleted\)$/, '');
  return [dir, real].some((d) => p === d || p.startsWith(`${d}/`));
}

/** Live pids other than this one whose working directory is `dir` or below it. */
function processesIn(dir: string): number[] {
  return readdirSync('/proc')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid !== process.pid && isAlive(pid))
    .filter((pid) => {
      try {
        return inside(dir, readlinkSync(`/proc/${pid}/cwd`));
      } catch {
        return false;
      }
    });
}

/**
 * The process services the test's runs registered in `dir`'s state folder that are still the very
 * process registered (same /proc start time: not a reused pid) and were started inside `dir`.
 */
function registeredIn(dir: string): number[] {
  const folder = join(dir, stateFolder, 'processes');
  let files: string[];
  try {
    files = readdirSync(folder).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.flatMap((f) => {
    try {
      const reg = JSON.parse(readFileSync(join(folder, f), 'utf8')) as {
        services?: Record<string, { pid?: unknown; procStart?: unknown; cwd?: unknown }>;
      };
      return Object.values(reg.services ?? {}).flatMap((e) =>
        typeof e.pid === 'number' &&
        typeof e.procStart === 'number' &&
        typeof e.cwd === 'string' &&
        inside(dir, e.cwd) &&
        readProcStat(e.pid)?.startTime === e.procStart
          ? [e.pid]
          : [],
      );
    } catch {
      return [];
    }
  });
}

/**
 * Remove a temp dir the test created, after stopping what its runs left there (the last resort
 * after `down`, which a stale lock or a failed test may have kept from working). Only processes
 * the test started are signalled: those running in the temp dir, and the services its runs
 * registered there (checked against their recorded start time); never the test runner's group.
 */
export async function removeDir(dir: string): Promise<void> {
  const own = readProcStat(process.pid)?.pgrp;
  const groups = new Set<number>();
  for (const pid of new Set([...registeredIn(dir), ...processesIn(dir)])) {
    const group = readProcStat(pid)?.pgrp;
    if (group === undefined) continue;
    // A service is its own group leader (detached); anything else is signalled alone.
    const target = group !== own && group > 1 && group === pid ? -group : pid;
    groups.add(target);
  }
  for (const t of groups) {
    try {
      process.kill(t, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const left = (): number[] =>
    [...groups].flatMap((t) => (t < 0 ? groupMembers(-t) : isAlive(t) ? [t] : []));
  await waitFor(() => left().length === 0, 5000);
  await rm(dir, { recursive: true, force: true });
}

/**
 * The pid of the CLI process running run `id` in `dir`, from the run's `run.started` fact, after
 * checking it is still that CLI (its cwd is `dir`, its command line the built CLI's `command`).
 */
export async function cliPid(dir: string, id: string, command: string): Promise<number> {
  const [first] = await readJournal(dir, id);
  if (first?.type !== 'run.started' || typeof first['pid'] !== 'number')
    throw new Error(`the journal of ${id} does not start with run.started`);
  const pid = first['pid'];
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  if (
    !inside(dir, readlinkSync(`/proc/${pid}/cwd`)) ||
    !cmdline.includes(bin) ||
    !cmdline.includes(command)
  )
    throw new Error(`pid ${pid} is not the CLI this test started: ${cmdline.join(' ')}`);
  return pid;
}
