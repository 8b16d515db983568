/**
 * The one error model (errors that cross a boundary are typed data with a kind): every
 * problem the operator can fix is a {@link StagecraftError} with a `kind`, a message that says
 * what, where and what to do, and optionally the path it concerns. Anything else thrown is a bug.
 * src/cli maps a kind to an exit code in exactly one place.
 */

/** What went wrong, as far as the operator is concerned. */
export type ErrorKind =
  /** The config file (or `-e`, `--var`) is wrong: src/config's ConfigError. */
  | 'config-invalid'
  /** A bad flag combination or argument. */
  | 'usage'
  /** The state directory was written by a newer (or unknown) stagecraft. */
  | 'state-format'
  /** A file of the state directory cannot be read as what it should be. */
  | 'state-corrupt'
  /** The state directory cannot be used: read-only, full, not a directory. */
  | 'state-io'
  /** The environment is locked by another deployment. */
  | 'lock-held'
  /** A deployment, release or file named on the command line does not exist. */
  | 'not-found'
  /** An internal error: report it. */
  | 'bug';

/** A problem with a kind; `path` names the file or config path it concerns, when there is one. */
export class StagecraftError extends Error {
  readonly kind: ErrorKind;
  readonly path: string | undefined;

  constructor(kind: ErrorKind, message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StagecraftError';
    this.kind = kind;
    this.path = options.path;
  }
}

/** True for a {@link StagecraftError} (also across module copies: duck-typed on `kind`). */
export function isStagecraftError(error: unknown): error is StagecraftError {
  return (
    error instanceof StagecraftError ||
    (error instanceof Error && typeof (error as { kind?: unknown }).kind === 'string')
  );
}

/** Shorthand for a usage error. */
export function usageError(message: string): StagecraftError {
  return new StagecraftError('usage', message);
}

/** The message of anything thrown, as text. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : String(error);
}

/** Node's system error code (`ENOENT`, `EACCES` ...) of `error`, if it has one. */
export function errnoCode(error: unknown): string | undefined {
  const code =
    typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}
