/**
 * A usage problem a command finds itself (not commander): a bad flag combination, a missing
 * file given on the command line. run() prints `stagecraft: <message>` and exits 2.
 */
export class UsageError extends Error {
  readonly kind = 'usage';
}
