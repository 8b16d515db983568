/**
 * The last lines of a service's output for the UI: a process service's log in the state dir,
 * or the log of its last activation command.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { statePaths } from '../state/layout.js';

function tailOfFile(path: string, maxBytes: number, lines: number): string[] | undefined {
  try {
    const size = statSync(path).size;
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, buf, 0, buf.length, start);
    } finally {
      closeSync(fd);
    }
    return buf
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '')
      .slice(-lines);
  } catch {
    return undefined;
  }
}

/** Up to `lines` last lines of the service's output. */
function tailOfLog(
  stateDir: string,
  environment: string,
  logDir: string,
  service: string,
  lines = 10,
): string[] {
  return (
    tailOfFile(statePaths.serviceLog(stateDir, environment, service), 16_384, lines) ??
    tailOfFile(statePaths.commandLog(logDir, `${service}.activate`), 16_384, lines) ??
    []
  );
}

/** The output tail reader of one run's services (for the UI and the reporters). */
export function logTailFor(
  stateDir: string,
  environment: string,
  deploymentId: string,
  lines = 10,
): (service: string) => string[] {
  const logDir = statePaths.commandLogs(stateDir, deploymentId);
  return (service) => tailOfLog(stateDir, environment, logDir, service, lines);
}

/** Where a run's command logs and journal are (for the final screen). */
export function runPaths(
  stateDir: string,
  deploymentId: string,
): { logDir: string; journalPath: string } {
  return {
    logDir: statePaths.commandLogs(stateDir, deploymentId),
    journalPath: statePaths.journal(stateDir, deploymentId),
  };
}
