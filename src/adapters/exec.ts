/**
 * One-shot commands (the only execa import). A command runs detached in its own process group so
 * that a timeout or a cancel kills the whole tree, not just `sh` (NOTES.md). Output is streamed:
 * a bounded tail stays in memory, everything goes to the log file when one is given.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import type { CommandSpec } from '../config/plan-types.js';
import type { CommandOutcome } from '../machines/effects.js';
import { buildEnv } from './env.js';
import { OutputTail } from './output-tail.js';
import { Masker, type StreamMasker } from '../core/mask.js';
import { groupAlive, signalGroup, trackGroup, untrackGroup, waitFor } from './proc.js';

/** How to run one command. */
export interface ExecOptions {
  /** Variables and secrets added ON TOP of process.env (the command's own `env` comes last). */
  env: Record<string, string>;
  /** Effective deadline: the smaller of this and `command.timeoutMs`. */
  timeoutMs: number;
  /** Cancel: kills the whole process tree. */
  signal?: AbortSignal;
  /** Full combined output is appended here (directories are created). */
  logFile?: string;
  /** Bounded tail kept in memory; default 8 KiB. */
  tailBytes?: number;
  /** SIGTERM → SIGKILL grace; default 3000 ms. */
  graceMs?: number;
  /** Masks secret values in the log and the tail as the output is written. */
  mask?: Masker;
}

const DEFAULT_TAIL = 8 * 1024;
const DEFAULT_GRACE = 3000;

/** A string runs through `sh -c`; an array as argv, with no shell. */
function argvOf(run: string | string[]): [string, string[]] {
  if (typeof run === 'string') return ['sh', ['-c', run]];
  const [file, ...args] = run;
  return [file ?? '', args];
}

/** A printable name of the command, for error messages. */
function nameOf(run: string | string[]): string {
  return typeof run === 'string' ? run : run.join(' ');
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

async function closeLog(stream: WriteStream | undefined): Promise<void> {
  if (!stream || stream.destroyed) return;
  await new Promise<void>((resolve) => stream.end(() => resolve()));
}

/** Feed both output streams into the tail and the log, pausing them while the log catches up. */
function drainOutput(
  sources: Array<Readable | null>,
  tail: OutputTail,
  log: WriteStream | undefined,
  redactor: StreamMasker,
): void {
  const live = sources.filter((s): s is Readable => s !== null);
  let writable = log !== undefined;
  let waiting = false;
  const resume = (): void => {
    waiting = false;
    live.forEach((s) => s.resume());
  };
  // A log that fails (disk full) must not crash the run nor stall the command: stop logging.
  log?.on('error', () => {
    writable = false;
    resume();
  });
  for (const source of live) {
    source.on('data', (chunk: Buffer | string) => {
      const bytes = redactor.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      tail.push(bytes);
      if (!log || !writable || log.write(bytes) || waiting) return;
      waiting = true;
      live.forEach((s) => s.pause());
      log.once('drain', resume);
    });
  }
}

/**
 * Run a command to completion, to its deadline or to cancellation. Never throws for command
 * failures: non-zero exits, timeouts, cancels and spawn failures are all values.
 */
export async function runCommand(command: CommandSpec, opts: ExecOptions): Promise<CommandOutcome> {
  const started = performance.now();
  const timeoutMs = Math.min(command.timeoutMs ?? Infinity, opts.timeoutMs);
  const graceMs = opts.graceMs ?? DEFAULT_GRACE;
  const tail = new OutputTail(opts.tailBytes ?? DEFAULT_TAIL);
  const base = {
    durationMs: 0,
    timedOut: false,
    canceled: false,
    outputTail: '',
    ...(opts.logFile ? { logFile: opts.logFile } : {}),
  };
  const elapsed = (): number => Math.round(performance.now() - started);

  if (opts.signal?.aborted)
    return { ...base, exitCode: null, canceled: true, error: 'canceled before start' };
  const cwdError = await stat(command.cwd).then(
    (s) => (s.isDirectory() ? undefined : `working directory is not a directory: ${command.cwd}`),
    () => `working directory does not exist: ${command.cwd}`,
  );
  if (cwdError) return { ...base, exitCode: null, durationMs: elapsed(), error: cwdError };
  const [file, args] = argvOf(command.run);
  if (!file) return { ...base, exitCode: null, durationMs: elapsed(), error: 'empty command' };

  let log: WriteStream | undefined;
  try {
    log = opts.logFile ? await openLog(opts.logFile) : undefined;
  } catch (error) {
    return {
      ...base,
      exitCode: null,
      durationMs: elapsed(),
      error: `cannot open log file ${opts.logFile}: ${(error as Error).message}`,
    };
  }

  const subprocess = execa(file, args, {
    cwd: command.cwd,
    env: buildEnv(opts.env, command.env),
    extendEnv: false,
    detached: true,
    buffer: false,
    stdin: 'ignore',
    reject: false,
    forceKillAfterDelay: false,
  });
  const pid = subprocess.pid;
  if (pid !== undefined) trackGroup(pid);

  let timedOut = false;
  let canceled = false;
  let killTimer: NodeJS.Timeout | undefined;
  const terminate = (): void => {
    if (pid === undefined || killTimer) return;
    signalGroup(pid, 'SIGTERM');
    killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
  };
  const deadline = setTimeout(
    () => {
      timedOut = true;
      terminate();
    },
    timeoutMs === Infinity ? 2 ** 31 - 1 : timeoutMs,
  );
  const onAbort = (): void => {
    canceled = true;
    terminate();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const redactor = (opts.mask ?? Masker.none).stream();
  drainOutput([subprocess.stdout, subprocess.stderr], tail, log, redactor);
  const result = await subprocess;
  clearTimeout(deadline);
  opts.signal?.removeEventListener('abort', onAbort);
  if (pid !== undefined) await reapLeftovers(pid, killTimer, graceMs);
  const rest = redactor.end();
  tail.push(rest);
  if (rest.length > 0 && log && !log.destroyed) log.write(rest);
  await closeLog(log);

  const outputTail = tail.text();
  const exitCode = typeof result.exitCode === 'number' ? result.exitCode : null;
  const outcome: CommandOutcome = {
    ...base,
    exitCode,
    durationMs: elapsed(),
    timedOut,
    canceled,
    outputTail,
  };
  if (result.signal) outcome.signal = result.signal;
  const error = spawnError(result, exitCode, outputTail, command.run);
  if (error && !timedOut && !canceled) outcome.error = error;
  return outcome;
}

/**
 * The leader exited and the pipes closed, but members of its group may live on (a background
 * job that redirected its output). Nothing stagecraft starts may be orphaned: TERM, then KILL.
 */
async function reapLeftovers(
  pid: number,
  killTimer: NodeJS.Timeout | undefined,
  graceMs: number,
): Promise<void> {
  if (groupAlive(pid)) {
    signalGroup(pid, 'SIGTERM');
    if (!(await waitFor(() => !groupAlive(pid), graceMs))) signalGroup(pid, 'SIGKILL');
  }
  clearTimeout(killTimer);
  untrackGroup(pid);
}

function spawnError(
  result: { code?: string; originalMessage?: string },
  exitCode: number | null,
  outputTail: string,
  run: string | string[],
): string | undefined {
  const lastLine = outputTail.trimEnd().split('\n').at(-1) ?? '';
  if (result.code === 'ENOENT') return `command not found: ${nameOf(run).split(' ')[0]}`;
  if (result.code === 'EACCES') return `permission denied: ${nameOf(run).split(' ')[0]}`;
  if (result.code) return `cannot start ${nameOf(run)}: ${result.originalMessage ?? result.code}`;
  if (typeof run === 'string' && exitCode === 127)
    return `command not found (exit 127): ${lastLine || run}`;
  if (typeof run === 'string' && exitCode === 126)
    return `command not executable (exit 126): ${lastLine || run}`;
  return undefined;
}
