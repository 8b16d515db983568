/**
 * Whether a process lives and whether it is the one stagecraft started: the one place that
 * decides it (the state directory's locks and records ask it; so do the process adapters). In
 * this sandbox (and in containers without an init that reaps), a killed orphan stays a zombie and
 * `process.kill(pid, 0)` still succeeds, so the state letter in /proc/<pid>/stat is the truth: `Z`
 * (zombie) and `X` (dead) count as gone. Without /proc (macOS), `kill(pid, 0)` is the fallback.
 * Read-only: signalling processes is src/adapters/proc.ts's.
 */
import { existsSync, readFileSync } from 'node:fs';

/** Parsed fields of /proc/<pid>/stat that stagecraft needs. */
export interface ProcStat {
  state: string;
  ppid: number;
  pgrp: number;
  /** Start time in clock ticks after boot: with the pid, identifies a process across pid reuse. */
  startTime: number;
}

/** Whether this system has /proc. */
export const hasProc = existsSync('/proc/self/stat');

/** Read /proc/<pid>/stat; undefined when the process does not exist (or /proc is absent). */
export function readProcStat(pid: number): ProcStat | undefined {
  if (!hasProc || !Number.isInteger(pid) || pid <= 0) return undefined;
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

/** Whether a /proc state letter means the process is gone (zombie or dead). */
export const dead = (state: string): boolean => state === 'Z' || state === 'X' || state === 'x';

/** True while the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (hasProc) {
    const stat = readProcStat(pid);
    return stat !== undefined && !dead(stat.state);
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `pid` is alive and is still the process that had start time `startTime` (not a reused
 * pid). Without a recorded start time (or without /proc) only liveness can be checked.
 */
export function isSameProcess(pid: number, startTime: number | undefined): boolean {
  if (!isAlive(pid)) return false;
  if (startTime === undefined || !hasProc) return true;
  return readProcStat(pid)?.startTime === startTime;
}

/**
 * The environment `pid` was started with (/proc/<pid>/environ); undefined when it cannot be read
 * (gone, another user's, or no /proc).
 */
export function environOf(pid: number): Record<string, string> | undefined {
  if (!hasProc || !Number.isInteger(pid) || pid <= 0) return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return undefined;
  }
  const env: Record<string, string> = {};
  for (const pair of text.split('\0')) {
    const eq = pair.indexOf('=');
    if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** The /proc start time of `pid`, when it can be read. */
export function startTimeOf(pid: number): number | undefined {
  return readProcStat(pid)?.startTime;
}
