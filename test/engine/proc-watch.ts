/**
 * Process accounting for end-to-end tests, on top of the adapter's /proc reader (NOTES.md: in
 * this sandbox a killed orphan stays a zombie, so `Z` counts as dead). A watcher samples every
 * descendant of a running CLI, so that after it exits the test can check that each pid it ever
 * saw is gone; `killEverythingIn` is the last resort of every cleanup that ran the CLI in a
 * temp dir.
 */
import { readFileSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { groupMembers, waitFor } from '../../src/adapters/proc.js';
import { isAlive, readProcStat } from '../../src/core/liveness.js';

/** The command line of a pid (for failure messages), or '' when it is gone. */
function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** The process group of a live pid, or undefined. */
export function pgrpOf(pid: number): number | undefined {
  return readProcStat(pid)?.pgrp;
}

/** True when the process no longer exists or is a zombie. */
export function isGone(pid: number): boolean {
  return !isAlive(pid);
}

/** Every live pid on the machine. */
function livePids(): number[] {
  return readdirSync('/proc')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && isAlive(pid));
}

/** Every live descendant of `root` (children, grandchildren, ... through ppid links). */
function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const pid of livePids()) {
    const s = readProcStat(pid);
    if (s !== undefined) parentOf.set(pid, s.ppid);
  }
  const out: number[] = [];
  for (const pid of parentOf.keys()) {
    let p = parentOf.get(pid);
    for (let hops = 0; p !== undefined && p > 1 && hops < 64; hops += 1) {
      if (p === root) {
        out.push(pid);
        break;
      }
      p = parentOf.get(p);
    }
  }
  return out;
}

/** Samples the descendants of `root` until stopped. */
export class ProcessWatcher {
  readonly seen = new Set<number>();
  private timer: NodeJS.Timeout;

  constructor(private readonly root: number) {
    this.sample();
    this.timer = setInterval(() => this.sample(), 20);
  }

  /** Takes one sample now (also call it right before signalling the CLI). */
  sample(): void {
    for (const pid of descendants(this.root)) this.seen.add(pid);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Pids seen that are still alive, with their command lines. */
  survivors(except: ReadonlySet<number> = new Set()): string[] {
    return [...this.seen]
      .filter((pid) => !except.has(pid) && !isGone(pid))
      .map((pid) => `${pid} ${cmdline(pid)}`);
  }
}

/** Polls `check` until it holds or `deadlineMs` passes; resolves with whether it held. */
export function until(check: () => boolean, deadlineMs = 10_000): Promise<boolean> {
  return waitFor(check, deadlineMs);
}

/** Kills a whole process group, ignoring one that is gone. */
export function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** Live members of the process group led by `pgid`. */
function groupAlive(pgid: number): boolean {
  return groupMembers(pgid).length > 0;
}

/** Whether `path` (a working directory, maybe deleted) is `dir` or below it. */
function inDir(dir: string, path: string): boolean {
  let real = dir;
  try {
    real = realpathSync(dir);
  } catch {
    /* already removed: match the path as given */
  }
  const p = path.replace(/ \(deleted\)$/, '');
  return [dir, real].some((d) => p === d || p.startsWith(`${d}/`));
}

/** Live pids whose working directory is `dir` or below it (also after `dir` was deleted). */
export function processesIn(dir: string): number[] {
  return livePids().filter((pid) => {
    try {
      return pid !== process.pid && inDir(dir, readlinkSync(`/proc/${pid}/cwd`));
    } catch {
      return false;
    }
  });
}

/** A registry entry as far as the tests read it. */
interface Registered {
  pid?: unknown;
  procStart?: unknown;
  cwd?: unknown;
}

/** Every pid recorded in the process registries of the state dir `dir/.stagecraft`. */
export function registeredIn(dir: string): number[] {
  return registryEntries(dir).flatMap((e) => (typeof e.pid === 'number' ? [e.pid] : []));
}

/**
 * The registered pids a run in `dir` started: the entry's working directory is inside `dir` and
 * the pid still has the recorded /proc start time (never a process started elsewhere, never a
 * reused pid). Only these may be killed by a cleanup.
 */
function startedIn(dir: string): number[] {
  return registryEntries(dir).flatMap((e) =>
    typeof e.pid === 'number' &&
    typeof e.cwd === 'string' &&
    inDir(dir, e.cwd) &&
    (typeof e.procStart !== 'number' || readProcStat(e.pid)?.startTime === e.procStart)
      ? [e.pid]
      : [],
  );
}

function registryEntries(dir: string): Registered[] {
  const folder = join(dir, '.stagecraft', 'processes');
  let files: string[];
  try {
    files = readdirSync(folder).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.flatMap((f) => {
    try {
      const reg = JSON.parse(readFileSync(join(folder, f), 'utf8')) as {
        services?: Record<string, Registered>;
      };
      return Object.values(reg.services ?? {});
    } catch {
      return [];
    }
  });
}

/**
 * The last resort of a cleanup: SIGKILLs the groups of every service a run in `dir` registered
 * in its state dir and of every process running in `dir` (a service the registry never saw, because
 * the CLI was killed between spawning and recording it), then waits until they are gone.
 * Never signals the test runner's own process group. Resolves with what was still alive.
 */
export async function killEverythingIn(dir: string, deadlineMs = 5000): Promise<string[]> {
  const own = pgrpOf(process.pid);
  const targets = new Set<number>();
  for (const pid of [...startedIn(dir), ...processesIn(dir)]) {
    if (isGone(pid) && !groupAlive(pid)) continue;
    const group = pgrpOf(pid) ?? pid;
    if (group !== own) targets.add(-group);
    else if (pid !== process.pid) targets.add(pid);
  }
  for (const t of targets) {
    try {
      process.kill(t, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  const left = (): number[] =>
    [...targets].flatMap((t) => (t < 0 ? groupMembers(-t) : isAlive(t) ? [t] : []));
  await waitFor(() => left().length === 0, deadlineMs);
  return left().map((pid) => `${pid} ${cmdline(pid)}`);
}
