/**
 * One-shot commands on a host, over the pool's SSH connection: the remote mirror of
 * exec-core's runLocally, with the same outcome.
 *
 * Variables and secrets never travel on a command line (where `ps` on the host shows them): the
 * channel runs the fixed line {@link remoteEntry}, which reads a script from stdin and evals it;
 * the script exports the variables, changes directory and execs the command. The remote
 * environment is exactly the login environment plus `env` and the command's own: the
 * operator's process.env is never sent.
 *
 * Deadline and cancel: `signal('TERM')` on the channel (sshd signals the session's process
 * group), `signal('KILL')` and close after the grace. The outcome settles by deadline + grace +
 * {@link SETTLE_BOUND_MS} whatever the server does; one whose end was never seen is `lost`.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CommandSpec, HostSpec } from '../../config/plan-types.js';
import { Masker } from '../../core/mask.js';
import { MAX_TIMER_MS } from '../../core/timer-limit.js';
import type { CommandOutcome } from '../../machines/effects.js';
import { OutputTail } from '../output-tail.js';
import { ConnectionLostError, type Lease, type SshPool } from './pool.js';

/**
 * The only command line a remote command has: the script of `bytes` bytes comes on stdin. Its
 * length is given rather than an end of stdin sent: ssh2 sends no signal request on a channel
 * whose writing side was ended, and the deadline needs one.
 */
export function remoteEntry(bytes: number): string {
  return `exec /bin/sh -c 'eval "$(head -c ${bytes})"'`;
}

/** How to run one remote command (as ExecOptions, but `env` is the whole remote addition). */
export interface RemoteExecOptions {
  /** Variables and secrets to export on the host (process.env is never sent). */
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  logFile?: string;
  tailBytes?: number;
  graceMs?: number;
  mask?: Masker;
}

const DEFAULT_TAIL = 8 * 1024;
const DEFAULT_GRACE = 3000;
/** After KILL and close, how long the end of the channel is waited for. */
const SETTLE_BOUND_MS = 1000;
/** The exit code and line of a failed `cd` (the line tells it from the command's own exit). */
const CD_FAILED = 97;
const CD_MARK = 'stagecraft-remote: cannot cd: ';

/** `value` quoted for a POSIX shell. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The script the remote shell evals; throws (a usage problem) on a bad name or value. */
export function remoteScript(command: CommandSpec, env: Record<string, string>): string {
  const lines: string[] = [];
  for (const [name, value] of Object.entries({ ...env, ...command.env })) {
    if (!NAME.test(name)) throw new Error(`not a valid environment variable name: ${name}`);
    if (value.includes('\0')) throw new Error(`the value of ${name} contains a NUL byte`);
    lines.push(`export ${name}=${shellQuote(value)}`);
  }
  if (command.cwd !== '') {
    const dir = shellQuote(command.cwd);
    lines.push(
      `cd ${dir} 2>/dev/null || { printf '%s%s\\n' '${CD_MARK}' ${dir} >&2; exit ${CD_FAILED}; }`,
    );
  }
  // The command's stdin is /dev/null, as locally (the channel's stays open: see remoteEntry).
  lines.push('exec </dev/null');
  if (typeof command.run === 'string') lines.push(`exec /bin/sh -c ${shellQuote(command.run)}`);
  else {
    if (command.run.length === 0 || command.run[0] === '') throw new Error('empty command');
    lines.push(`exec ${command.run.map(shellQuote).join(' ')}`);
  }
  // One brace group: the shell parses it whole before running any of it, so a script cut short
  // (the connection lost while it was sent: `head` then sees an early end) runs nothing at all.
  return `{\n${lines.join('\n')}\n}\n`;
}

async function openLog(path: string): Promise<WriteStream> {
  await mkdir(dirname(path), { recursive: true });
  const stream = createWriteStream(path, { flags: 'a' });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  return stream;
}

/**
 * Run `command` on `command.host` to completion, to its deadline or to cancellation. Never
 * throws: a refused host key, a failed connect and a lost connection are values too.
 */
export async function runRemoteCommand(
  pool: SshPool,
  command: CommandSpec,
  opts: RemoteExecOptions,
): Promise<CommandOutcome> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const base = {
    durationMs: 0,
    timedOut: false,
    canceled: false,
    outputTail: '',
    ...(opts.logFile ? { logFile: opts.logFile } : {}),
  };
  const mask = opts.mask ?? Masker.none;
  const fail = (error: string, extra: Partial<CommandOutcome> = {}): CommandOutcome => ({
    ...base,
    exitCode: null,
    durationMs: elapsed(),
    error: mask.text(error),
    ...extra,
  });
  const host: HostSpec | undefined = command.host;
  if (host === undefined) return fail('bug: runRemoteCommand needs a command with a host');
  if (opts.signal?.aborted) return fail('canceled before start', { canceled: true });
  let script: string;
  try {
    script = remoteScript(command, opts.env);
  } catch (error) {
    return fail((error as Error).message);
  }
  let log: WriteStream | undefined;
  try {
    log = opts.logFile ? await openLog(opts.logFile) : undefined;
  } catch (error) {
    return fail(`cannot open log file ${opts.logFile}: ${(error as Error).message}`);
  }
  const timeoutMs = Math.min(command.timeoutMs ?? Infinity, opts.timeoutMs);
  const graceMs = opts.graceMs ?? DEFAULT_GRACE;
  const tail = new OutputTail(opts.tailBytes ?? DEFAULT_TAIL);
  const masker = mask.stream();

  let timedOut = false;
  let canceled = false;
  let lease: Lease | undefined;
  const timers: NodeJS.Timeout[] = [];
  let finish: (how: { code?: number | null; signal?: string; lost?: string }) => void = () => {};
  const ended = new Promise<{ code?: number | null; signal?: string; lost?: string }>(
    (resolve) => (finish = resolve),
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    const ch = lease?.channel;
    if (ch === undefined) return;
    ch.signal('TERM');
    timers.push(
      setTimeout(() => {
        ch.signal('KILL');
        ch.close();
        timers.push(
          setTimeout(
            () =>
              finish({
                lost: `the end of the command on ${host.name} was not seen ${graceMs + SETTLE_BOUND_MS} ms after TERM (the server ignored the signals?): it may still be running`,
              }),
            SETTLE_BOUND_MS,
          ),
        );
      }, graceMs),
    );
  };
  if (timeoutMs < MAX_TIMER_MS)
    timers.push(
      setTimeout(() => {
        timedOut = true;
        stop();
        // Still connecting or waiting for a channel: the deadline ends it all the same.
        if (lease === undefined) finish({ code: null });
      }, timeoutMs),
    );
  const onAbort = (): void => {
    canceled = true;
    stop();
    if (lease === undefined) finish({ code: null });
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const cleanup = async (): Promise<void> => {
    timers.forEach(clearTimeout);
    opts.signal?.removeEventListener('abort', onAbort);
    const rest = masker.end();
    tail.push(rest);
    if (log && !log.destroyed) {
      if (rest.length > 0) log.write(rest);
      await new Promise<void>((resolve) => log.end(() => resolve()));
    }
  };

  let startError: string | undefined;
  const leased = pool.exec(host, remoteEntry(Buffer.byteLength(script))).then(
    (l) => {
      if (stopping && lease === undefined) {
        // Deadline or cancel before the channel opened: end it at once.
        l.channel.close();
        l.release();
        return;
      }
      lease = l;
      l.onLost((error: ConnectionLostError) => finish({ lost: error.message }));
      const ch = l.channel;
      let exit: { code: number | null; signal?: string } | undefined;
      ch.on('exit', (code: number | null, signal?: string) => {
        exit = signal ? { code: null, signal } : { code };
      });
      ch.on('close', () => {
        l.release();
        if (exit) finish(exit);
        else
          finish({
            lost: `connection to ${host.name} lost: the channel closed without an exit status`,
          });
      });
      const sink = (chunk: Buffer): void => {
        const bytes = masker.push(chunk);
        tail.push(bytes);
        if (log && !log.destroyed && !log.write(bytes)) {
          ch.pause();
          log.once('drain', () => ch.resume());
        }
      };
      ch.on('data', sink);
      ch.stderr.on('data', sink);
      ch.on('error', () => undefined);
      ch.write(script);
      if (stopping) stop();
    },
    (error: Error) => {
      // Queued behind the channel cap when the connection was lost: lost too (as the brief of
      // the pool says: every pending command on a lost connection ends lost).
      if (error instanceof ConnectionLostError) finish({ lost: error.message });
      startError = error.message;
      finish({ code: null });
    },
  );
  // Not `leased`: a connect still under way at the deadline is ended by its own handler.
  void leased;
  const how = await ended;
  await cleanup();
  const outputTail = tail.text();
  const outcome: CommandOutcome = {
    ...base,
    exitCode: how.code ?? null,
    durationMs: elapsed(),
    timedOut,
    canceled,
    outputTail,
  };
  if (how.signal) outcome.signal = how.signal;
  if (how.lost !== undefined) {
    outcome.lost = true;
    outcome.error = mask.text(how.lost);
  } else if (startError !== undefined && !timedOut && !canceled) {
    outcome.error = mask.text(startError);
  } else if (lease === undefined && (timedOut || canceled)) {
    outcome.error = `${timedOut ? 'timed out' : 'canceled'} before the command started on ${host.name} (connecting, or waiting for a channel)`;
  } else if (how.code === CD_FAILED && outputTail.includes(CD_MARK)) {
    outcome.exitCode = null;
    outcome.error = `working directory does not exist on ${host.name}: ${command.cwd}`;
  } else if (typeof command.run === 'string' && how.code === 127 && !timedOut && !canceled) {
    const last = outputTail.trimEnd().split('\n').at(-1) ?? '';
    outcome.error = `command not found (exit 127) on ${host.name}: ${last || command.run}`;
  }
  return outcome;
}
