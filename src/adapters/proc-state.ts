/**
 * Process liveness from /proc. In this sandbox (and in containers without an init that reaps),
 * a killed orphan stays a zombie forever and `process.kill(pid, 0)` still succeeds, so the state
 * letter in /proc/<pid>/stat is the truth: `Z` (zombie) and `X` (dead) count as gone.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';

/** Parsed fields of /proc/<pid>/stat that stagecraft needs. */
export interface ProcStat {
  state: string;
  ppid: number;
  pgrp: number;
  /** Start time in clock ticks after boot: with the pid, identifies a process across pid reuse. */
  startTime: number;
}

const hasProc = existsSync('/proc/self/stat');

/** Read /proc/<pid>/stat; undefined when the process does not exist (or /proc is absent). */
export function readProcStat(pid: number): ProcStat | undefined {
  if (!hasProc) return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    state: rest[0] ?? '?',
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    startTime: Number(rest[19]),
  };
}

/** True while the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (hasProc) {
    const stat = readProcStat(pid);
    return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Live (non-zombie) members of a process group. Without /proc, the leader only, if alive. */
export function groupMembers(pgid: number): number[] {
  if (!hasProc) return isAlive(pgid) ? [pgid] : [];
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readProcStat(pid);
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') members.push(pid);
  }
  return members;
}

/** Poll until `done()` holds or the deadline passes; resolves with the final `done()`. */
export async function waitFor(
  done: () => boolean,
  deadlineMs: number,
  everyMs = 20,
): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (!done()) {
    if (Date.now() >= until) return done();
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return true;
}

/**
 * Process groups whose leader carries `NAME=value` in its environment (/proc/<pid>/environ).
 * How stagecraft finds a service instance it started but had no time to record (the orchestrator
 * was killed between the spawn and the registry write). Without /proc: none.
 */
export function groupsTagged(name: string, value: string): number[] {
  if (!hasProc) return [];
  const needle = `${name}=${value}\0`;
  const leaders: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readProcStat(pid);
    if (!stat || stat.pgrp !== pid || stat.state === 'Z' || stat.state === 'X') continue;
    try {
      if (`${readFileSync(`/proc/${pid}/environ`, 'latin1')}\0`.includes(needle)) leaders.push(pid);
    } catch {
      // not ours to read, or gone
    }
  }
  return leaders;
}
