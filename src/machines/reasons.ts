/**
 * Failures of commands and effect actors as data (src/record/failures.ts words them): what ran,
 * how it ended, the attempt against the cap and the last line of output. Pure functions.
 */
import { wordFailure, type Failure } from '../record/failures.js';
import type { CommandOutcome } from './effects.js';

/** The last non-empty line of an output tail, trimmed to a sane width. */
function lastLine(tail: string): string | undefined {
  const line = tail
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .at(-1);
  return line === undefined ? undefined : line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** A command that failed, as data. */
export function commandFailed(
  label: string,
  out: CommandOutcome,
  timeoutMs: number,
  attempt?: { n: number; cap: number },
): Failure {
  const line = lastLine(out.outputTail);
  return {
    kind: 'command',
    label,
    exitCode: out.exitCode,
    ...(out.signal === undefined ? {} : { signal: out.signal }),
    timedOut: out.timedOut,
    canceled: out.canceled,
    ...(out.error === undefined ? {} : { error: out.error }),
    ...(out.lost === true ? { lost: true } : {}),
    durationMs: out.durationMs,
    timeoutMs,
    ...(line === undefined ? {} : { lastLine: line }),
    ...(out.logFile === undefined ? {} : { logFile: out.logFile }),
    ...(attempt === undefined ? {} : { attempt }),
  };
}

/**
 * The reason a command failed, e.g.
 * `api.activate exited with code 1 (attempt 3/3; last output: "migration failed")`.
 */
export function commandFailure(
  label: string,
  out: CommandOutcome,
  timeoutMs: number,
  attempt?: { n: number; cap: number },
): string {
  return wordFailure(commandFailed(label, out, timeoutMs, attempt));
}

/** An effect actor that rejected (a bug, or an adapter that could not run at all), as data. */
export function effectFailed(
  label: string,
  message: string,
  attempt?: { n: number; cap: number },
): Failure {
  return { kind: 'effect', label, message, ...(attempt === undefined ? {} : { attempt }) };
}

/** The reason an effect actor rejected. */
export function effectFailure(
  label: string,
  message: string,
  attempt?: { n: number; cap: number },
): string {
  return wordFailure(effectFailed(label, message, attempt));
}
