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
 * {@link SETTLE_BOUND_MS} whatever the server does; one whose end was never seen is `lost`. A
 * channel that ends under a running command (this process killed, the connection dropped) ends
 * the command on the host too: see {@link remoteEntry}.
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

/** Where a running remote command's group is recorded on its host (names already checked). */
export interface RemoteCommandRecord {
  project: string;
  environment: string;
  deploymentId: string;
  /** The step (the command's label); made safe for a file name. */
  step: string;
}

const RECORD_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;

/** The folder of a deployment's command records on a host, relative to its home. */
export function commandRecordDir(r: Omit<RemoteCommandRecord, 'step'>): string {
  for (const v of [r.project, r.environment, r.deploymentId])
    if (!RECORD_NAME.test(v) || v.includes('..'))
      throw new Error(`not a name usable in a remote path: ${v}`);
  return `.stagecraft/${r.project}/${r.environment}/run/commands/${r.deploymentId}`;
}

/** A step label as a file name: anything but letters, digits and `._@-` becomes `_`. */
const safeStep = (step: string): string =>
  step
    .replace(/[^A-Za-z0-9._@-]/g, '_')
    .replace(/^\./, '_')
    .slice(0, 120);

/**
 * The only command line a remote command has: the script of `bytes` bytes comes on stdin. Its
 * length is given rather than an end of stdin sent: ssh2 sends no signal request on a channel
 * whose writing side was ended, and the deadline needs one.
 *
 * The command runs in the session's process group (sshd made it for this channel), so the
 * channel's TERM and KILL reach all of it; it is not moved to a group of its own, which the
 * channel's KILL would miss. A watcher in a session of its own keeps reading stdin after the
 * script: at its end (the channel closed: the orchestrator died or the connection dropped, which
 * sshd does not signal to a non-pty command) it sends TERM, then KILL after {@link ORPHAN_GRACE_S},
 * to the group. With `record`, the group's pgid and /proc start time are written under
 * `~/.stagecraft/<project>/<env>/run/commands/<deployment>/` while it runs, so that `resume`
 * can stop one left running. The script stays in the shell's memory: never on a command line.
 */
export function remoteEntry(bytes: number, record?: RemoteCommandRecord): string {
  const rec =
    record === undefined
      ? ''
      : `rec="$HOME/${commandRecordDir(record)}/${safeStep(record.step)}.$$.json"`;
  // Only as the leader of its group (as sshd starts it) is the group the command's alone. A
  // signal the channel sends waits for the command's end (which it reached too), then ends the
  // wrapper the same way: so the record is removed and the exit is the command's.
  const wrapper = `s=$(head -c ${bytes})
read -r st </proc/$$/stat; set -- \${st##*) }; pg=$3; start=\${20}
w=
rec=
if [ "$pg" = "$$" ]; then
  ${
    rec === ''
      ? ':'
      : `${rec}
  mkdir -p "\${rec%/*}" && printf '{"pgid":%s,"procStart":%s}\\n' "$pg" "$start" >"$rec.tmp" && mv "$rec.tmp" "$rec"`
  }
  exec 3<&0
  setsid /bin/sh -c ${shellQuote(WATCHER)} stagecraft-watch "$pg" "$rec" <&3 >/dev/null 2>&1 &
  w=$!
  exec 3<&-
fi
sig=
for n in TERM INT HUP; do trap "sig=$n" $n; done
( eval "$s" )
rc=$?
[ -z "$w" ] || kill -s KILL -- "-$w" 2>/dev/null
[ -z "$rec" ] || rm -f "$rec"
[ -z "$sig" ] || { trap - "$sig"; kill -s "$sig" $$; }
exit $rc`;
  return `exec /bin/sh -c ${shellQuote(wrapper)}`;
}

/** Seconds between TERM and KILL when the channel ended under a running command. */
const ORPHAN_GRACE_S = 3;

/**
 * The watcher ($1: the group, $2: the record or empty): waits for the end of stdin, then stops
 * what is left of the group. A zombie is not a member left.
 */
const WATCHER = `while IFS= read -r _; do :; done
left() {
  for f in /proc/[0-9]*/stat; do
    read -r s <"$f" 2>/dev/null || continue
    set -- \${s##*) }
    [ "$3" = "$g" ] && [ "$1" != Z ] && [ "$1" != X ] && return 0
  done
  return 1
}
g=$1
r=$2
if left; then
  kill -s TERM -- "-$g" 2>/dev/null
  i=0
  while [ $i -lt ${ORPHAN_GRACE_S * 10} ] && left; do sleep 0.1; i=$((i+1)); done
  left && kill -s KILL -- "-$g" 2>/dev/null
fi
[ -z "$r" ] || rm -f "$r"`;

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
  /** Record the running group on the host (for `resume`): which run and step it belongs to. */
  record?: RemoteCommandRecord;
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
  let entry: string;
  try {
    script = remoteScript(command, opts.env);
    entry = remoteEntry(Buffer.byteLength(script), opts.record);
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
  const leased = pool.exec(host, entry).then(
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
