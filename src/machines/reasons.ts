/**
 * How the statecharts word failures: what ran, how it ended, the attempt against the cap and the
 * last line of output. Pure functions; the machines keep the text in their context.
 */
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

/** How a command ended, e.g. `exited with code 1`, `timed out after 120.0 s`. */
function commandEnding(out: CommandOutcome, timeoutMs = out.durationMs): string {
  if (out.error !== undefined) return `could not start: ${out.error}`;
  if (out.timedOut) return `timed out after ${(timeoutMs / 1000).toFixed(1)} s`;
  if (out.canceled) return 'was canceled';
  if (out.exitCode === null) return `was killed by ${out.signal ?? 'a signal'}`;
  return `exited with code ${out.exitCode}`;
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
  const notes: string[] = [];
  if (attempt) notes.push(`attempt ${attempt.n}/${attempt.cap}`);
  const line = lastLine(out.outputTail);
  if (line !== undefined) notes.push(`last output: "${line}"`);
  if (out.logFile !== undefined) notes.push(`log: ${out.logFile}`);
  const suffix = notes.length > 0 ? ` (${notes.join('; ')})` : '';
  return `${label} ${commandEnding(out, timeoutMs)}${suffix}`;
}

/** The reason an effect actor rejected (a bug or an adapter that could not run at all). */
export function effectFailure(
  label: string,
  message: string,
  attempt?: { n: number; cap: number },
): string {
  const at = attempt ? ` (attempt ${attempt.n}/${attempt.cap})` : '';
  return `${label} failed: ${message}${at}`;
}
