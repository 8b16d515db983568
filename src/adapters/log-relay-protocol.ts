/** What the log relay (log-relay.ts, a program of its own) and its starter (process.ts) share. */
import { closeSync, readSync } from 'node:fs';
import { formatBytes } from '../core/format-bytes.js';
import { openRegularSync } from '../state/files.js';

/** The variable that names (comma-separated) the secrets the log relay must mask (run by hand). */
export const REDACT_VAR = 'STAGECRAFT_REDACT';

/**
 * Set in the relay's own environment by its starter: the service's job ({@link RelayJob}) comes
 * on the relay's stdin, as one JSON object, within this many milliseconds. The service's
 * environment (the config's variables, its secrets) thus never becomes the relay's own: a
 * `NODE_OPTIONS` or `NODE_PATH` of the config applies to the service, never to stagecraft's Node.
 */
export const JOB_VAR = 'STAGECRAFT_RELAY_JOB';

/** What the relay runs: the service's whole environment, its folder, the secrets to mask. */
export interface RelayJob {
  env: Record<string, string>;
  cwd: string;
  /** Names of variables of `env` whose values are masked in the log. */
  redact: string[];
}

/** How long the relay waits for its job on stdin. */
export const RELAY_JOB_MS = 10_000;
/** How long the starter waits for the relay to report that the service was spawned. */
export const RELAY_START_MS = 15_000;
/**
 * After the service exited, how long the relay keeps relaying output of what it left behind (a
 * background child holding its stdout) before it ends with the service's exit status.
 */
export const RELAY_DRAIN_MS = 2_000;

/**
 * The relay's state record beside the log (`<log>.relay.json`): whether the log cannot be
 * written (a full disk) and how much output was dropped. A fixed-size record rewritten in place,
 * so that updating it needs no new space on the full disk it reports.
 */
export interface RelayState {
  /** True while output is being dropped. */
  dropping: boolean;
  /** Bytes of output dropped so far (this instance). */
  dropped: number;
  /** When the last dropping started, and ended (epoch ms). */
  since?: number;
  until?: number;
  /** The write error (`ENOSPC`, `EFBIG`, `EDQUOT`, `EIO`). */
  error?: string;
}

/** The size of the state record, in bytes (JSON padded with spaces, then a newline). */
const RELAY_STATE_BYTES = 256;

/** Where the relay of the service logging to `logFile` keeps its state record. */
export function relayStatePath(logFile: string): string {
  return `${logFile}.relay.json`;
}

/** The record as it is written: exactly {@link RELAY_STATE_BYTES} bytes. */
export function encodeRelayState(state: RelayState): Buffer {
  const json = JSON.stringify({ ...state, error: state.error?.slice(0, 32) });
  return Buffer.from(`${json.padEnd(RELAY_STATE_BYTES - 1)}\n`.slice(0, RELAY_STATE_BYTES));
}

/** The relay's state record for `logFile`, when there is a readable one. */
export function readRelayState(logFile: string): RelayState | undefined {
  let fd: number | undefined;
  try {
    fd = openRegularSync(relayStatePath(logFile), 'r');
    const buf = Buffer.alloc(RELAY_STATE_BYTES);
    const n = readSync(fd, buf, 0, RELAY_STATE_BYTES, 0);
    const parsed = JSON.parse(buf.subarray(0, n).toString('utf8')) as Partial<RelayState>;
    if (typeof parsed.dropping !== 'boolean' || typeof parsed.dropped !== 'number')
      return undefined;
    return parsed as RelayState;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** What an operator should know about the log of a service (undefined: nothing to say). */
export function logTrouble(logFile: string): string | undefined {
  const state = readRelayState(logFile);
  if (state === undefined || state.dropped === 0) return undefined;
  const at = (ms: number | undefined): string =>
    ms === undefined ? '?' : new Date(ms).toISOString();
  const why = state.error === undefined ? '' : ` (${state.error})`;
  return state.dropping
    ? `its log cannot be written${why}: output dropped since ${at(state.since)}, ${formatBytes(state.dropped)} so far (${logFile})`
    : `${formatBytes(state.dropped)} of its output could not be written to its log${why}, last from ${at(state.since)} to ${at(state.until)}: a marker in ${logFile} says where`;
}
