/** What the log relay (log-relay.ts, a program of its own) and its starter (process.ts) share. */

/** The variable that names (comma-separated) the secrets the log relay must mask. */
export const REDACT_VAR = 'STAGECRAFT_REDACT';
