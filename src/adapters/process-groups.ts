/**
 * Every detached process group stagecraft started in THIS orchestrator process for a one-shot
 * command. Detached groups escape execa's cleanup and the terminal's Ctrl-C (NOTES.md), so the CLI
 * calls {@link killAllGroups} on SIGINT, SIGTERM and exit. Long-running `process` services are
 * deliberately NOT tracked here: they must outlive the CLI and live in the process registry.
 */

const groups = new Set<number>();

/** Remember a process group (its leader's pid) so it can be killed on interruption. */
export function trackGroup(pid: number): void {
  groups.add(pid);
}

/** Forget a process group (it finished or was killed). */
export function untrackGroup(pid: number): void {
  groups.delete(pid);
}

/** The process groups currently tracked, by leader pid. */
export function trackedGroups(): number[] {
  return [...groups];
}

/**
 * Send `signal` to every tracked group and forget them. Synchronous, so it is usable from a
 * `process.on('exit')` handler. Defaults to SIGKILL: this is the last resort after graceful
 * cancellation (an AbortSignal passed to the command) had its chance.
 */
export function killAllGroups(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of groups) {
    signalGroup(pid, signal);
  }
  groups.clear();
}

/** Signal a whole process group; a group that is already gone is not an error. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}
