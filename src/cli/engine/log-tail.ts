/**
 * The last lines of a service's output for the UI: a process service's log in the state dir,
 * or the log of its last activation command.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

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
export function tailOfLog(
  stateDir: string,
  environment: string,
  logDir: string,
  service: string,
  lines = 10,
): string[] {
  return (
    tailOfFile(join(stateDir, 'logs', environment, `${service}.log`), 16_384, lines) ??
    tailOfFile(join(logDir, `${service}.activate.log`), 16_384, lines) ??
    []
  );
}
