/**
 * Human reasons for the rollback and verification machines: one line each, saying what failed
 * and why, so the operator's "not restored" list needs no log digging.
 */
import type { CommandOutcome } from './contracts.js';

/** The last non-empty line of a command's output tail, or undefined. */
export function lastLine(outputTail: string): string | undefined {
  const lines = outputTail.split(/\r?\n/).map((l) => l.trim());
  return lines.filter((l) => l.length > 0).at(-1);
}

/** True when a command ran to completion with exit code 0. */
export function commandSucceeded(outcome: CommandOutcome): boolean {
  return (
    outcome.exitCode === 0 && !outcome.timedOut && !outcome.canceled && outcome.error === undefined
  );
}

/** Why a command failed: `exit code 2 (last: rm: permission denied)`, `timed out after 3.0 s`, ... */
export function describeCommandFailure(label: string, outcome: CommandOutcome): string {
  let what: string;
  if (outcome.error !== undefined) what = `could not start: ${outcome.error}`;
  else if (outcome.timedOut) what = `timed out after ${(outcome.durationMs / 1000).toFixed(1)} s`;
  else if (outcome.canceled) what = 'was canceled';
  else if (outcome.exitCode === null) what = `was killed by ${outcome.signal ?? 'a signal'}`;
  else what = `exited with code ${outcome.exitCode}`;
  const last = lastLine(outcome.outputTail);
  return last === undefined ? `${label} ${what}` : `${label} ${what} (last: ${last})`;
}

/** The message of whatever an effect actor rejected with (a bug or a cancellation). */
export function describeError(label: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `${label} failed: ${message}`;
}
