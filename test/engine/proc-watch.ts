/**
 * Process accounting for end-to-end tests, from /proc (NOTES.md: in this sandbox a killed orphan
 * stays a zombie, so `Z` counts as dead). A watcher samples every descendant of a running CLI, so
 * that after it exits the test can check that each pid it ever saw is gone.
 */
import { readFileSync, readdirSync } from 'node:fs';

interface Stat {
  state: string;
  ppid: number;
  pgrp: number;
}

function stat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0] ?? '?', ppid: Number(rest[1]), pgrp: Number(rest[2]) };
}

/** The command line of a pid (for failure messages), or '' when it is gone. */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** The process group of a live pid, or undefined. */
export function pgrpOf(pid: number): number | undefined {
  return stat(pid)?.pgrp;
}

/** True when the process no longer exists or is a zombie. */
export function isGone(pid: number): boolean {
  const s = stat(pid);
  return s === undefined || s.state === 'Z' || s.state === 'X';
}

/** Every live descendant of `root` (children, grandchildren, ... through ppid links). */
export function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    if (s !== undefined && s.state !== 'Z' && s.state !== 'X') parentOf.set(pid, s.ppid);
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
export async function until(check: () => boolean, deadlineMs = 10_000): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
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
export function groupAlive(pgid: number): boolean {
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    if (s !== undefined && s.pgrp === pgid && s.state !== 'Z' && s.state !== 'X') return true;
  }
  return false;
}
