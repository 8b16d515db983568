/**
 * Exit codes of every stagecraft command (PRODUCT.md §2). Only src/cli maps outcomes to these.
 */
export const EXIT = {
  /** Success (warnings allowed). */
  ok: 0,
  /** Deployment failed and was rolled back, or stopped before changing anything (prerequisites). */
  failed: 1,
  /** Invalid usage or config; nothing changed. */
  usage: 2,
  /** Failed and the rollback is incomplete, or the operator aborted: manual intervention needed. */
  manual: 3,
  /** The environment is locked by another deployment. */
  locked: 4,
  /** Interrupted by SIGINT/SIGTERM. */
  interrupted: 130,
} as const;

/** One of the documented exit codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * Exit code of an unexpected exception (a bug). PRODUCT.md has no dedicated code for bugs, so
 * it is reported as a plain failure with a one-line "this is a bug" message.
 */
export const EXIT_BUG = EXIT.failed;
