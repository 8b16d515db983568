/**
 * How the process services this stagecraft process started end. The spawn adapter hands every
 * child here; {@link watchInstance} resolves when an instance exits, with its exit code or signal
 * and the tail of its log. An instance another stagecraft process started (found running on
 * `resume`) is not our child: its end is seen by polling /proc, without an exit status.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { isSameProcess } from '../core/liveness.js';
import type { ProcessExit, ProcessInfo } from '../machines/effects.js';

/** How often an instance that is not our child is looked at. */
const POLL_MS = 200;

interface Ended {
  exitCode: number | null;
  signal?: string;
  at: number;
}

/** What `child_process` gives for a spawned child (only its exit is needed here). */
interface Exiting {
  once(
    event: 'exit',
    listener: (code: number | null, signal: NodeJS.Signals | null) => void,
  ): unknown;
}

/** The end of every child spawned in this process, by pid. */
const ends = new Map<number, Promise<Ended>>();

/** Remembers how `child` (a service just spawned as `pid`) ends. */
export function trackExit(pid: number, child: Exiting): void {
  ends.set(
    pid,
    new Promise<Ended>((resolve) => {
      child.once('exit', (code, signal) =>
        resolve({ exitCode: code, ...(signal === null ? {} : { signal }), at: Date.now() }),
      );
    }),
  );
}

/**
 * Up to `lines` last non-blank lines of a file, read from its last `maxBytes`; undefined when it
 * cannot be read (missing: a caller may look elsewhere).
 */
export function fileTail(path: string, lines = 10, maxBytes = 16_384): string[] | undefined {
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
      .filter((l) => l.trim() !== '')
      .slice(-lines);
  } catch {
    return undefined;
  }
}

/** Up to `lines` last lines of a log file ([] when it cannot be read). */
export function logTail(path: string, lines = 10, maxBytes = 16_384): string[] {
  return fileTail(path, lines, maxBytes) ?? [];
}

/** Polls until the instance is gone (not our child: no exit status). */
function polled(info: ProcessInfo, signal: AbortSignal): Promise<Ended> {
  return new Promise<Ended>((resolve) => {
    const look = (): void => {
      if (signal.aborted) return;
      if (!isSameProcess(info.pid, info.procStart)) {
        resolve({ exitCode: null, at: Date.now() });
        return;
      }
      setTimeout(look, POLL_MS).unref();
    };
    look();
  });
}

/**
 * Resolves when the instance has exited (at once when it already has): how it ended and the
 * tail of its log. Never rejects; after `signal` aborts it never resolves.
 */
export async function watchInstance(info: ProcessInfo, signal: AbortSignal): Promise<ProcessExit> {
  const own = ends.get(info.pid);
  const ended = await (own ?? polled(info, signal));
  if (signal.aborted) return new Promise<ProcessExit>(() => undefined);
  return {
    pid: info.pid,
    exitCode: ended.exitCode,
    ...(ended.signal === undefined ? {} : { signal: ended.signal }),
    statusKnown: own !== undefined,
    ranMs: Math.max(0, ended.at - info.startedAt),
    logFile: info.logFile,
    tail: logTail(info.logFile),
  };
}
