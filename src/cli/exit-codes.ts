/**
 * Exit codes of every stagecraft command, and the one map from an outcome or an error to them.
 * Only src/cli decides an exit code; the statecharts and the runtime report what happened.
 */
import type { ErrorKind } from '../core/errors.js';
import type { Outcome } from '../record/facts.js';

export const EXIT = {
  /** Success (warnings allowed). */
  ok: 0,
  /** Failed and rolled back, or stopped before changing anything (prerequisites, an abort). */
  failed: 1,
  /** Invalid usage or config, or a state folder to fix; nothing changed. */
  usage: 2,
  /** Failed and the rollback is incomplete, the operator aborted, or a bug: manual intervention needed. */
  manual: 3,
  /** The environment is locked by another deployment. */
  locked: 4,
  /** Interrupted by SIGINT/SIGTERM (after the interruption handling has run). */
  interrupted: 130,
} as const;

/** One of the documented exit codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code of a run's outcome. */
export function exitCodeOf(
  outcome: Pick<Outcome, 'result' | 'interrupted' | 'unchanged'>,
): ExitCode {
  switch (outcome.result) {
    case 'succeeded':
    case 'succeeded-with-warnings':
      return EXIT.ok;
    case 'rollback-incomplete':
      // Manual intervention needed matters more than how it was stopped.
      return EXIT.manual;
    case 'failed':
      return outcome.interrupted ? EXIT.interrupted : EXIT.failed;
    case 'aborted':
      // Left as it is: nothing to look at when nothing had changed yet.
      return outcome.interrupted
        ? EXIT.interrupted
        : outcome.unchanged === true
          ? EXIT.failed
          : EXIT.manual;
    default:
      // A result this version does not know (a record from another version): not a success.
      return EXIT.failed;
  }
}

/**
 * The exit code of an error. A bug is 3: stagecraft cannot vouch for what it was doing when it
 * stopped, so a human should look (the message says to report it).
 */
export function exitCodeOfError(kind: ErrorKind): ExitCode {
  switch (kind) {
    case 'lock-held':
      return EXIT.locked;
    case 'bug':
      return EXIT.manual;
    default:
      return EXIT.usage;
  }
}
