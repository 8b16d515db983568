/**
 * One-shot commands, run by this process (in stagecraft: by the command runner, exec-runner.ts).
 * A command runs detached in its own process group so that a timeout or a cancel kills the whole
 * tree, not just `sh`; when it ends, whatever it left in its group is killed too.
 *
 * Output: with a log file and no secrets to mask, the command writes straight into its log file
 * (no pipes: about 0.7 ms of CPU less per command here) and the tail is read back from the file.
 * Otherwise it is streamed through pipes: a bounded tail stays in memory, everything goes (masked)
 * to the log file when one is given. A deadline holds whoever keeps the output pipes open: once
 * the command has exited or been killed, its pipes are given a short grace and then closed from
 * this side.
 *
 * `node:child_process` directly, not execa: measured here, execa costs about 2 ms of CPU more per
 * command and 25 MB of memory, and the cost of every spawn grows with the orchestrator's memory.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import type { CommandSpec } from '../config/plan-types.js';
import { Masker, type StreamMasker } from '../core/mask.js';
import type { CommandOutcome } from '../machines/effects.js';
import { isAlive, readProcStat } from '../core/liveness.js';
import { MAX_TIMER_MS } from '../core/timer-limit.js';
import { buildEnv } from './env.js';
import { COMMAND_TAG, commandTag, type CommandOwner } from './orphans.js';
import { OutputTail } from './output-tail.js';
import {
  checkIdentity,
  groupAlive,
  killTrackedGroups,
  processesTagged,
  processesTaggedShared,
  signalGroup,
  signalProcess,
  trackGroup,
  untrackGroup,
  waitFor,
} from './proc.js';

/** How a command's process group is proven to be its own: its leader's start time, its tag. */
export interface SpawnIdentity {
  procStart?: number;
  tag: { name: string; value: string };
}

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
  /** Told the command's pid (its process group) once it is spawned, and how to prove it is. */
  onSpawn?: (pid: number, identity: SpawnIdentity) => void;
  /** `env` is the whole environment already (the runner gets it so): do not add process.env. */
  wholeEnv?: boolean;
  /** The deployment and step it runs for: named in its tag, so a later resume finds it. */
  owner?: CommandOwner;
  /** Written to the command's stdin, which is then closed (absent: stdin is /dev/null). */
  input?: string;
}

const DEFAULT_TAIL = 8 * 1024;
const DEFAULT_GRACE = 3000;
/** How long the output pipes may stay open after the command ended (a detached grandchild). */
const PIPE_GRACE_MS = 250;

/*
 * Every command carries a tag of its own in its environment (COMMAND_TAG, orphans.ts), and so
 * does everything it starts, unless it clears its environment: how its processes are found once
 * they left its process group (`setsid`, a double fork), to be killed with it — and, naming its
 * deployment and step, how a resume finds it after the run that started it was killed.
 */

/** The commands running now: process group → tag, when it started, its leader's start time. */
const running = new Map<number, { tag: string; at: number; procStart?: number }>();

/**
 * A command this old may have seen the pids wrap around (32768 of them on many machines):
 * its strays are looked for among all pids, not only those handed out since it started.
 */
const WRAP_SAFE_MS = 1000;

/** Where the strays of command `pgid` are looked for: pids handed out since it, while recent. */
function strayRange(pgid: number): number | undefined {
  const at = running.get(pgid)?.at ?? 0;
  return performance.now() - at < WRAP_SAFE_MS ? pgid : undefined;
}

/** The processes of command `pgid` (tag `tag`) that left its group, still alive. */
function strays(pgid: number, tag: string): number[] {
  return processesTagged(COMMAND_TAG, tag, strayRange(pgid));
}

/**
 * Whether process group `pgid` is still the command's: its leader has the start time recorded at
 * the spawn, or (the leader gone) a member carries the command's tag. A group id the kernel may
 * have handed to someone else since is never signalled.
 */
function provenGroup(pgid: number, tag: string): boolean {
  const procStart = running.get(pgid)?.procStart;
  return (
    checkIdentity({
      pid: pgid,
      ...(procStart === undefined ? {} : { procStart }),
      tag: { name: COMMAND_TAG, value: tag },
    }).verdict === 'ours'
  );
}

/** Signal a command's whole tree: its group (while proven to be its) and whatever left it. */
function signalTree(pgid: number, tag: string, signal: NodeJS.Signals): void {
  if (provenGroup(pgid, tag)) signalGroup(pgid, signal);
  for (const pid of strays(pgid, tag)) signalProcess(pid, signal);
}

/**
 * Kill every command running now, its group and the processes that left it, with SIGKILL: the
 * runner's last act when the orchestrator is gone. Synchronous.
 */
export function killRunningCommands(): void {
  for (const [pgid, { tag }] of running) signalTree(pgid, tag, 'SIGKILL');
  running.clear();
  killTrackedGroups('SIGKILL');
}

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

/** A log file the command writes into directly, and where its output starts in it. */
interface DirectLog {
  file: FileHandle;
  start: number;
}

async function openDirect(path: string): Promise<DirectLog> {
  await mkdir(dirname(path), { recursive: true });
  const file = await open(path, 'a+');
  try {
    return { file, start: (await file.stat()).size };
  } catch (error) {
    await file.close();
    throw error;
  }
}

/** The last `limit` bytes (and one more: a cut tail is marked so) the command wrote to its log. */
async function tailOf(log: DirectLog, limit: number): Promise<Buffer> {
  const end = (await log.file.stat()).size;
  const length = Math.max(0, Math.min(end - log.start, limit + 1));
  if (length === 0) return Buffer.alloc(0);
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await log.file.read(buffer, 0, length, end - length);
  return buffer.subarray(0, bytesRead);
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
  masker: StreamMasker,
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
    source.on('data', (chunk: Buffer) => {
      const bytes = masker.push(chunk);
      tail.push(bytes);
      if (!log || !writable || log.write(bytes) || waiting) return;
      waiting = true;
      live.forEach((s) => s.pause());
      log.once('drain', resume);
    });
  }
}

/** How the leader ended, from its `exit` (or `error`) event. */
interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  spawnError?: NodeJS.ErrnoException;
}

/**
 * Run a command to completion, to its deadline or to cancellation. Never throws for command
 * failures: non-zero exits, timeouts, cancels and spawn failures are all values.
 */
export async function runLocally(command: CommandSpec, opts: ExecOptions): Promise<CommandOutcome> {
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
  let direct: DirectLog | undefined;
  try {
    if (opts.logFile !== undefined && opts.mask?.active !== true)
      direct = await openDirect(opts.logFile);
    else log = opts.logFile ? await openLog(opts.logFile) : undefined;
  } catch (error) {
    return {
      ...base,
      exitCode: null,
      durationMs: elapsed(),
      error: `cannot open log file ${opts.logFile}: ${(error as Error).message}`,
    };
  }

  const tag = commandTag(opts.owner, randomUUID());
  const child = spawn(file, args, {
    cwd: command.cwd,
    env: {
      ...(opts.wholeEnv === true
        ? { ...opts.env, ...command.env }
        : buildEnv(opts.env, command.env)),
      [COMMAND_TAG]: tag,
    },
    detached: true,
    stdio:
      direct === undefined
        ? [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']
        : [opts.input === undefined ? 'ignore' : 'pipe', direct.file.fd, direct.file.fd],
  });
  if (opts.input !== undefined && child.stdin) {
    // A command that exits without reading its input closes the pipe: EPIPE is not a failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input);
  }
  const pid = child.pid;
  if (pid !== undefined) {
    // The leader is this process's child until its exit is seen: its start time is read now.
    const procStart = readProcStat(pid)?.startTime;
    const identity = {
      ...(procStart === undefined ? {} : { procStart }),
      tag: { name: COMMAND_TAG, value: tag },
    };
    trackGroup(pid, identity);
    running.set(pid, {
      tag,
      at: performance.now(),
      ...(procStart === undefined ? {} : { procStart }),
    });
    opts.onSpawn?.(pid, identity);
  }
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));

  let timedOut = false;
  let canceled = false;
  let killTimer: NodeJS.Timeout | undefined;
  let pipeTimer: NodeJS.Timeout | undefined;
  /** Closes the output pipes from this side (a grandchild outside the group may hold them). */
  const closePipes = (): void => {
    child.stdout?.destroy();
    child.stderr?.destroy();
  };
  const terminate = (): void => {
    if (pid === undefined || killTimer) return;
    signalTree(pid, tag, 'SIGTERM');
    killTimer = setTimeout(() => {
      signalTree(pid, tag, 'SIGKILL');
      pipeTimer ??= setTimeout(closePipes, PIPE_GRACE_MS);
    }, graceMs);
  };
  const deadline =
    timeoutMs < MAX_TIMER_MS
      ? setTimeout(() => {
          timedOut = true;
          terminate();
        }, timeoutMs)
      : undefined;
  const onAbort = (): void => {
    canceled = true;
    terminate();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const masker = (opts.mask ?? Masker.none).stream();
  drainOutput([child.stdout, child.stderr], tail, log, masker);
  const ended = await new Promise<Ended>((resolve) => {
    child.once('error', (spawnError: NodeJS.ErrnoException) =>
      resolve({ code: null, signal: null, spawnError }),
    );
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  // The leader is gone: what it left, in its group or out of it, is killed, then the pipes get a
  // short grace (a process that cleared its environment may hold them) and are closed from here.
  if (ended.spawnError === undefined && pid !== undefined) await reapLeftovers(pid, tag, graceMs);
  await Promise.race([
    closed,
    new Promise<void>((resolve) => {
      pipeTimer ??= setTimeout(() => {
        closePipes();
        resolve();
      }, PIPE_GRACE_MS);
    }),
  ]);
  clearTimeout(deadline);
  clearTimeout(killTimer);
  clearTimeout(pipeTimer);
  opts.signal?.removeEventListener('abort', onAbort);
  if (pid !== undefined) {
    untrackGroup(pid);
    running.delete(pid);
  }
  const rest = masker.end();
  tail.push(rest);
  if (rest.length > 0 && log && !log.destroyed) log.write(rest);
  await closeLog(log);
  if (direct !== undefined) {
    tail.push(await tailOf(direct, opts.tailBytes ?? DEFAULT_TAIL).catch(() => Buffer.alloc(0)));
    await direct.file.close().catch(() => undefined);
  }

  const outputTail = tail.text();
  const exitCode = ended.code;
  const outcome: CommandOutcome = {
    ...base,
    exitCode,
    durationMs: elapsed(),
    timedOut,
    canceled,
    outputTail,
  };
  if (ended.signal) outcome.signal = ended.signal;
  const error = spawnError(ended.spawnError, exitCode, outputTail, command.run);
  if (error && !timedOut && !canceled) outcome.error = error;
  return outcome;
}

/**
 * The leader exited, but members of its group may live on (a background job that redirected its
 * output), and so may processes that left the group (`setsid`). Nothing stagecraft starts may be
 * orphaned: TERM, then KILL after the grace (the strays are looked up again: a pid is signalled
 * only while it carries the command's tag).
 */
async function reapLeftovers(pgid: number, tag: string, graceMs: number): Promise<void> {
  // One /proc read shared with the other commands that end now (the bench's largest cost).
  const left = await processesTaggedShared(COMMAND_TAG, tag, strayRange(pgid));
  if (!groupAlive(pgid) && left.length === 0) return;
  if (provenGroup(pgid, tag)) signalGroup(pgid, 'SIGTERM');
  for (const pid of left) signalProcess(pid, 'SIGTERM');
  const gone = (): boolean => !groupAlive(pgid) && left.every((p) => !isAlive(p));
  if (!(await waitFor(gone, graceMs))) signalTree(pgid, tag, 'SIGKILL');
  // A stray may have started another one while it was being stopped.
  for (const pid of strays(pgid, tag)) signalProcess(pid, 'SIGKILL');
}

function spawnError(
  error: NodeJS.ErrnoException | undefined,
  exitCode: number | null,
  outputTail: string,
  run: string | string[],
): string | undefined {
  const lastLine = outputTail.trimEnd().split('\n').at(-1) ?? '';
  const first = nameOf(run).split(' ')[0];
  if (error?.code === 'ENOENT') return `command not found: ${first}`;
  if (error?.code === 'EACCES') return `permission denied: ${first}`;
  if (error !== undefined) return `cannot start ${nameOf(run)}: ${error.message}`;
  if (typeof run === 'string' && exitCode === 127)
    return `command not found (exit 127): ${lastLine || run}`;
  if (typeof run === 'string' && exitCode === 126)
    return `command not executable (exit 126): ${lastLine || run}`;
  return undefined;
}
