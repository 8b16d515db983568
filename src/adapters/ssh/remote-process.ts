/**
 * Long-running services on a host: started detached in a session (and process group) of their
 * own with `setsid`, output appended to `~/.stagecraft/<project>/<env>/logs/<service>.log`, and a
 * pid record `~/.stagecraft/<project>/<env>/run/<service>.json` holding the pid and its /proc
 * start time. The service's variables and secrets travel as every remote command's do: on stdin
 * (remote-exec.ts), never on a command line nor on disk. Its output reaches the log through a
 * masker in its session (the recorded pid leads both), so no secret value is written unmasked.
 *
 * Liveness skips zombies (a detached service's parent is init, which may reap late). A pid is
 * signalled only while the recorded start time still matches /proc/<pid>/stat: a pid
 * the kernel handed to someone else since is never signalled. Each operation is one remote
 * command (a short sh script), so it costs one channel on the host's connection.
 */
import type { CommandSpec, HostSpec } from '../../config/plan-types.js';
import type { Masker } from '../../core/mask.js';
import type { CommandOutcome } from '../../machines/effects.js';
import type { SshPool } from './pool.js';
import { commandRecordDir, runRemoteCommand } from './remote-exec.js';
import { maskedRunner, maskerEnv } from './remote-masker.js';

/** Which service, of which project and environment, on which host. */
export interface RemoteServiceRef {
  host: HostSpec;
  project: string;
  environment: string;
  service: string;
}

/** A service's pid record, as written on the host. */
export interface RemotePidRecord {
  pid: number;
  procStart: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;
const OP_TIMEOUT_MS = 10_000;

function checkRef(ref: RemoteServiceRef): void {
  for (const [what, v] of [
    ['project', ref.project],
    ['environment', ref.environment],
    ['service', ref.service],
  ] as const)
    if (!NAME.test(v) || v.includes('..'))
      throw new Error(`not a name usable in a remote path (${what}): ${v}`);
}

/** Shell lines that set `base`, `log` and `rec` for a service (names are checked first). */
function paths(ref: RemoteServiceRef): string {
  checkRef(ref);
  const base = `"$HOME/.stagecraft/${ref.project}/${ref.environment}"`;
  return [
    `base=${base}`,
    `log="$base/logs/${ref.service}.log"`,
    `rec="$base/run/${ref.service}.json"`,
  ].join('\n');
}

/** A shell function: the /proc start time of pid $1 (field 22 of its stat), empty if gone. */
const START_OF = `start_of() {
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  set -- \${s##*) }
  shift 19
  printf '%s' "$1"
}
group_alive() {
  for f in /proc/[0-9]*/stat; do
    read -r s <"$f" 2>/dev/null || continue
    set -- \${s##*) }
    [ "$3" = "$pid" ] && [ "$1" != Z ] && [ "$1" != X ] && return 0
  done
  return 1
}
state_of() {
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  set -- \${s##*) }
  printf '%s' "$1"
}
recorded() {
  [ -f "$rec" ] || return 1
  pid=$(sed -n 's/.*"pid":\\([0-9]*\\).*/\\1/p' "$rec")
  want=$(sed -n 's/.*"procStart":\\([0-9]*\\).*/\\1/p' "$rec")
  [ -n "$pid" ] && [ -n "$want" ] && [ "$(start_of "$pid")" = "$want" ]
}
owned() {
  recorded || return 1
  st=$(state_of "$pid")
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}`;

const quote = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;

async function op(
  pool: SshPool,
  host: HostSpec,
  script: string,
  opts: { env?: Record<string, string>; cwd?: string; mask?: Masker; timeoutMs?: number } = {},
): Promise<CommandOutcome> {
  const command: CommandSpec = { run: script, cwd: opts.cwd ?? '', env: {}, host };
  return runRemoteCommand(pool, command, {
    env: opts.env ?? {},
    timeoutMs: opts.timeoutMs ?? OP_TIMEOUT_MS,
    ...(opts.mask === undefined ? {} : { mask: opts.mask }),
  });
}

function failure(what: string, ref: RemoteServiceRef, o: CommandOutcome): Error {
  const detail = o.error ?? `exit ${o.exitCode ?? o.signal ?? '?'}: ${o.outputTail.trim()}`;
  return new Error(`${what} ${ref.service} on ${ref.host.name}: ${detail}`);
}

/**
 * Start `run` detached on the host (its own session), with `env` exported. Resolves with its pid
 * record once written; throws with the remote reason when it could not be started.
 */
export async function startRemote(
  pool: SshPool,
  ref: RemoteServiceRef,
  spec: { run: string | string[]; cwd: string; env: Record<string, string>; mask?: Masker },
): Promise<RemotePidRecord> {
  const exec =
    typeof spec.run === 'string' ? `/bin/sh -c ${quote(spec.run)}` : spec.run.map(quote).join(' ');
  const masking = maskerEnv(spec.mask);
  const runner = maskedRunner(exec, Object.keys(masking));
  const script = `${paths(ref)}
${START_OF}
if owned; then echo "already running: pid $pid" >&2; exit 3; fi
mkdir -p "$base/logs" "$base/run" || exit 4
setsid /bin/sh -c ${quote(runner)} stagecraft-service </dev/null >>"$log" 2>&1 &
pid=$!
start=$(start_of "$pid")
[ -n "$start" ] || { echo "the service exited at once; see $log" >&2; exit 5; }
printf '{"pid":%s,"procStart":%s}\\n' "$pid" "$start" >"$rec.tmp" && mv "$rec.tmp" "$rec" || exit 4
printf '{"pid":%s,"procStart":%s}\\n' "$pid" "$start"`;
  const o = await op(pool, ref.host, script, {
    env: { ...spec.env, ...masking },
    cwd: spec.cwd,
    ...(spec.mask === undefined ? {} : { mask: spec.mask }),
  });
  const line = o.outputTail.trim().split('\n').at(-1) ?? '';
  if (o.exitCode !== 0 || !line.startsWith('{')) throw failure('cannot start', ref, o);
  return JSON.parse(line) as RemotePidRecord;
}

/** What stopRemote did. */
export type RemoteStopResult = 'stopped' | 'killed' | 'not-running' | 'stale-record';

/**
 * Stop the service: TERM its process group, KILL after `graceMs` — only while the pid record's
 * start time still matches the process (a stale record is removed, nothing is signalled).
 */
export async function stopRemote(
  pool: SshPool,
  ref: RemoteServiceRef,
  opts: { graceMs?: number } = {},
): Promise<RemoteStopResult> {
  const rounds = Math.max(1, Math.ceil((opts.graceMs ?? 3000) / 100));
  const script = `${paths(ref)}
${START_OF}
[ -f "$rec" ] || { echo not-running; exit 0; }
# A zombie leader still holds its pid (so its group's id): what is left of its group is stopped.
recorded && { owned || group_alive; } || { rm -f "$rec"; echo stale-record; exit 0; }
kill -s TERM -- "-$pid" 2>/dev/null
i=0
while [ $i -lt ${rounds} ] && group_alive; do sleep 0.1; i=$((i+1)); done
if group_alive; then kill -s KILL -- "-$pid" 2>/dev/null; r=killed; else r=stopped; fi
rm -f "$rec"
echo $r`;
  const o = await op(pool, ref.host, script, { timeoutMs: rounds * 100 + OP_TIMEOUT_MS });
  const result = o.outputTail.trim().split('\n').at(-1) ?? '';
  if (o.exitCode !== 0 || !['stopped', 'killed', 'not-running', 'stale-record'].includes(result))
    throw failure('cannot stop', ref, o);
  return result as RemoteStopResult;
}

/** Whether the service's recorded process is alive and still the one recorded. */
export async function remoteAlive(pool: SshPool, ref: RemoteServiceRef): Promise<boolean> {
  const o = await op(
    pool,
    ref.host,
    `${paths(ref)}\n${START_OF}\nif owned; then echo yes; else echo no; fi`,
  );
  if (o.exitCode !== 0) throw failure('cannot check', ref, o);
  return o.outputTail.trim() === 'yes';
}

/** The last `lines` lines of the service's log on the host ('' when there is none). */
export async function remoteLogTail(
  pool: SshPool,
  ref: RemoteServiceRef,
  lines: number,
  mask?: Masker,
): Promise<string> {
  const n = Math.max(1, Math.floor(lines));
  const o = await op(
    pool,
    ref.host,
    `${paths(ref)}\n[ -f "$log" ] && tail -n ${n} "$log"; exit 0`,
    {
      ...(mask === undefined ? {} : { mask }),
    },
  );
  if (o.exitCode !== 0) throw failure('cannot read the log of', ref, o);
  return o.outputTail;
}

/** The services with a pid record for a project and environment on a host, and whether alive. */
export async function listRemote(
  pool: SshPool,
  host: HostSpec,
  project: string,
  environment: string,
): Promise<Array<{ service: string; pid: number; alive: boolean }>> {
  const base = paths({ host, project, environment, service: 'x' });
  const script = `${base}
${START_OF}
for rec in "$base"/run/*.json; do
  [ -f "$rec" ] || continue
  svc=$(basename "$rec" .json)
  if owned; then a=1; else a=0; fi
  printf '%s %s %s\\n' "$svc" "\${pid:-0}" "$a"
done`;
  const o = await op(pool, host, script);
  if (o.exitCode !== 0)
    throw new Error(`cannot list services on ${host.name}: ${o.error ?? o.outputTail.trim()}`);
  return o.outputTail
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f.length === 3)
    .map(([service, pid, alive]) => ({
      service: service ?? '',
      pid: Number(pid),
      alive: alive === '1',
    }));
}

/** A command of a run found still running on a host, and what stopping it took. */
export interface LeftoverCommand {
  step: string;
  pgid: number;
  result: 'stopped' | 'killed';
}

/**
 * Stop the one-shot commands of deployment `deploymentId` still running on `host` (their groups
 * recorded by the remote entry: remote-exec.ts): TERM, KILL after `graceMs`, only while the
 * recorded leader's start time still matches; every record of the run is removed.
 */
export async function stopLeftoverCommands(
  pool: SshPool,
  host: HostSpec,
  run: { project: string; environment: string; deploymentId: string },
  opts: { graceMs?: number } = {},
): Promise<LeftoverCommand[]> {
  const rounds = Math.max(1, Math.ceil((opts.graceMs ?? 3000) / 100));
  const script = `dir="$HOME/${commandRecordDir(run)}"
${START_OF}
[ -d "$dir" ] || exit 0
for rec in "$dir"/*.json; do
  [ -f "$rec" ] || continue
  step=$(basename "$rec" .json)
  pid=$(sed -n 's/.*"pgid":\\([0-9]*\\).*/\\1/p' "$rec")
  want=$(sed -n 's/.*"procStart":\\([0-9]*\\).*/\\1/p' "$rec")
  if [ -n "$pid" ] && [ -n "$want" ] && [ "$(start_of "$pid")" = "$want" ] && group_alive; then
    kill -s TERM -- "-$pid" 2>/dev/null
    i=0
    while [ $i -lt ${rounds} ] && group_alive; do sleep 0.1; i=$((i+1)); done
    if group_alive; then kill -s KILL -- "-$pid" 2>/dev/null; r=killed; else r=stopped; fi
    printf 'left %s %s %s\\n' "$r" "$pid" "\${step%.*}"
  fi
  rm -f "$rec"
done
rmdir "$dir" 2>/dev/null
exit 0`;
  const o = await op(pool, host, script, { timeoutMs: rounds * 100 * 8 + OP_TIMEOUT_MS });
  if (o.exitCode !== 0)
    throw new Error(
      `cannot check ${host.name} for commands left running: ${o.error ?? o.outputTail.trim()}`,
    );
  return o.outputTail
    .split('\n')
    .map((l) => /^left (stopped|killed) (\d+) (.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({
      step: m[3] ?? '',
      pgid: Number(m[2]),
      result: m[1] === 'killed' ? 'killed' : 'stopped',
    }));
}
