/**
 * What a case left on the machine: processes that carry the case's unique tag in their
 * environment (everything its CLI runs started, whatever left its process group) or that run in
 * the case's folder, found through /proc; and its lock files.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { processesTagged, waitFor } from '../../src/adapters/proc.js';
import { isAlive } from '../../src/core/liveness.js';
import { processesIn } from '../engine/proc-watch.js';

/** The environment variable that tags every process of one case. */
export const TAG_VAR = 'ATTACK_TAG';

/** Live pids of the case: tagged, or working in `dir`. Never the test runner itself. */
function caseProcesses(tag: string, dir: string): number[] {
  const pids = new Set([...processesTagged(TAG_VAR, tag), ...processesIn(dir)]);
  pids.delete(process.pid);
  return [...pids].filter(isAlive);
}

/**
 * Waits up to `graceMs` for the case's processes to be gone; returns those still alive, each
 * with its command line, and SIGKILLs them (they carry the case's own tag or run in its folder:
 * this case started them).
 */
export async function reapOrphans(tag: string, dir: string, graceMs: number): Promise<string[]> {
  await waitFor(() => caseProcesses(tag, dir).length === 0, graceMs);
  const left = caseProcesses(tag, dir);
  const described = left.map((pid) => `${pid} ${cmdline(pid)}`);
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  }
  await waitFor(() => caseProcesses(tag, dir).length === 0, 2000);
  return described;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim().slice(0, 160);
  } catch {
    return '';
  }
}

/** Entries of the state folder's locks/ (a lock file, or whatever was planted there). */
export function locksLeft(stateDir: string): string[] {
  try {
    return readdirSync(join(stateDir, 'locks'));
  } catch {
    return [];
  }
}
