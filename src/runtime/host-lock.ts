/**
 * The deploy lock kept on the fleet (Kamal-style): while a run of an environment with hosts holds
 * its local lock, it also holds `~/.stagecraft/<project>/<env>/lock.d` on the FIRST host services
 * are placed on (inventory order), so two operators on different machines (two state dirs)
 * cannot deploy the same environment at once. `mkdir` is the atomic step; `holder.json` inside
 * names the holder (the local lock's record: user, machine, pid, command, start, deployment id;
 * masked, never a secret). Released at the end of the run; a holder killed with SIGKILL leaves
 * it behind, and `--force-unlock` takes it over.
 *
 * It is taken on the run's shared connection to the host (sshPool: phase 1 and the run then
 * reuse it, so the lock costs no handshake of its own at the start) and released on a connection
 * of its own (the shared ones may be closed by then). The holder record reaches the host on the
 * script's standard input (remote-exec), never on a command line.
 */
import { hostname } from 'node:os';
import { SshPool } from '../adapters/ssh/pool.js';
import { runRemoteCommand } from '../adapters/ssh/remote-exec.js';
import type { HostSpec, ResolvedPlan } from '../config/plan-types.js';
import { isAlive } from '../core/liveness.js';
import type { LockInfo } from '../state/locks.js';
import { closeSshPool, sshPool } from './effects/remote.js';
import { hostsInUse } from './hosts-in-use.js';

/** Deadline of one lock command (connecting included). */
const LOCK_COMMAND_MS = 15_000;
/** How long the release may take at the end of a run. */
const RELEASE_MS = 5000;

/** The lock folder, relative to the deploy user's home. */
export function hostLockPath(plan: Pick<ResolvedPlan, 'project' | 'environment'>): string {
  return `~/.stagecraft/${plan.project}/${plan.environment}/lock.d`;
}

/** The host the lock lives on: the first host of the inventory some service is placed on. */
function lockHost(plan: ResolvedPlan): HostSpec | undefined {
  return hostsInUse(plan).used[0];
}

/**
 * A lock held on a host: `release()` removes it if it is still ours (bounded, never throws); it
 * resolves with what went wrong when the lock could not be removed (the host is unreachable).
 */
export interface HostLock {
  host: HostSpec;
  release(): Promise<string | undefined>;
}

/** The outcome of taking the host lock. */
export type HostLockResult =
  | { ok: true; lock: HostLock; tookOver?: LockInfo }
  | { ok: false; host: HostSpec; holder: LockInfo | undefined; stale: boolean }
  | { ok: false; host: HostSpec; error: string };

// The scripts read P (project), E (environment), ID (deployment id) and HOLDER (the JSON record)
// from their environment. `$HOME` is the deploy user's.
const DIR = 'd="$HOME/.stagecraft/$P/$E"';
const ACQUIRE = `${DIR}
mkdir -p "$d" || exit 1
if mkdir "$d/lock.d" 2>/dev/null; then
  printf '%s\\n' "$HOLDER" > "$d/lock.d/holder.json" && echo stagecraft-lock:acquired
else
  echo stagecraft-lock:held
  cat "$d/lock.d/holder.json" 2>/dev/null
fi`;
// Moved aside by one rename (only one taker wins it), checked to be the holder the operator was
// shown, then recreated as ours; someone else's is put back.
const TAKE_OVER = `${DIR}
g="$d/lock.d.old.$$"
mv "$d/lock.d" "$g" 2>/dev/null || { echo stagecraft-lock:gone; exit 0; }
if grep -q "\\"deploymentId\\": *\\"$OLD\\"" "$g/holder.json" 2>/dev/null; then
  rm -rf "$g"
  if mkdir "$d/lock.d" 2>/dev/null; then
    printf '%s\\n' "$HOLDER" > "$d/lock.d/holder.json" && echo stagecraft-lock:acquired
  else
    echo stagecraft-lock:held
    cat "$d/lock.d/holder.json" 2>/dev/null
  fi
else
  mv "$g" "$d/lock.d" 2>/dev/null || rm -rf "$g"
  echo stagecraft-lock:held
  cat "$d/lock.d/holder.json" 2>/dev/null
fi`;
const RELEASE = `${DIR}
if grep -q "\\"deploymentId\\": *\\"$ID\\"" "$d/lock.d/holder.json" 2>/dev/null; then
  rm -f "$d/lock.d/holder.json" && rmdir "$d/lock.d"
fi`;

function parseHolder(text: string): LockInfo | undefined {
  try {
    const raw = JSON.parse(text) as Partial<LockInfo>;
    if (typeof raw.deploymentId !== 'string' || typeof raw.pid !== 'number') return undefined;
    return raw as LockInfo;
  } catch {
    return undefined;
  }
}

/** True when the holder provably is gone: it ran on this machine and its pid is dead. */
function provablyDead(holder: LockInfo): boolean {
  return holder.host === hostname() && !isAlive(holder.pid);
}

async function runScript(
  pool: SshPool,
  host: HostSpec,
  script: string,
  env: Record<string, string>,
  timeoutMs = LOCK_COMMAND_MS,
): Promise<{ ok: true; output: string } | { ok: false; error: string }> {
  const out = await runRemoteCommand(
    pool,
    { run: script, cwd: '', env: {}, host },
    { env, timeoutMs, graceMs: 1000 },
  );
  if (out.exitCode === 0) return { ok: true, output: out.outputTail };
  const why =
    out.error ??
    (out.timedOut ? `no answer within ${timeoutMs} ms` : `exit ${out.exitCode ?? out.signal}`);
  return { ok: false, error: `${why}${out.outputTail.trim() ? `: ${out.outputTail.trim()}` : ''}` };
}

/**
 * Takes the lock on the plan's first host in use for `info` (the local lock's record). A lock held
 * by someone else is reported with its holder; with `forceUnlock` it is taken over when its
 * holder is provably gone (this machine, pid dead) or ran on another machine (which cannot be
 * checked from here: `--force-unlock` is the operator saying it is gone). A live holder on this
 * machine is never taken over. With `resumes`, the lock of the same deployment (left by its
 * killed run) is taken over likewise without `forceUnlock`.
 */
export async function acquireHostLock(
  plan: ResolvedPlan,
  info: LockInfo,
  opts: { forceUnlock?: boolean; resumes?: boolean } = {},
): Promise<HostLockResult | undefined> {
  const host = lockHost(plan);
  if (host === undefined) return undefined;
  const pool = sshPool();
  const env = {
    P: plan.project,
    E: plan.environment,
    ID: info.deploymentId,
    HOLDER: JSON.stringify(info),
  };
  const lock: HostLock = {
    host,
    release: async () => {
      const own = new SshPool();
      const r = await runScript(own, host, RELEASE, env, RELEASE_MS).catch((error: unknown) => ({
        ok: false as const,
        error: String(error),
      }));
      await own.close().catch(() => undefined);
      return r.ok
        ? undefined
        : `the deploy lock on host ${host.name} (${hostLockPath(plan)}) could not be removed (${r.error}): ` +
            `it stays until a run from this machine takes it over with --force-unlock (its process is gone)`;
    },
  };
  const attempt = async (script: string, extra: Record<string, string> = {}) => {
    const r = await runScript(pool, host, script, { ...env, ...extra });
    if (!r.ok) return { kind: 'error' as const, error: r.error };
    const [mark, ...rest] = r.output.trim().split('\n');
    if (mark === 'stagecraft-lock:acquired') return { kind: 'acquired' as const };
    if (mark === 'stagecraft-lock:gone') return { kind: 'gone' as const };
    return { kind: 'held' as const, holder: parseHolder(rest.join('\n')) };
  };
  // No run follows a refusal: the shared connection opened for it is closed (or it would keep
  // the process alive).
  const fail = async (result: HostLockResult): Promise<HostLockResult> => {
    await closeSshPool().catch(() => undefined);
    return result;
  };
  let first = await attempt(ACQUIRE);
  if (first.kind === 'gone') first = await attempt(ACQUIRE);
  if (first.kind === 'acquired') return { ok: true, lock };
  if (first.kind === 'error')
    return fail({ ok: false, host, error: `cannot take the deploy lock: ${first.error}` });
  const holder = first.kind === 'held' ? first.holder : undefined;
  const stale = holder === undefined || provablyDead(holder);
  // A resume takes over the lock its own killed run left (the same deployment id).
  const mayTake =
    (opts.forceUnlock === true ||
      (opts.resumes === true && holder?.deploymentId === info.deploymentId)) &&
    holder !== undefined &&
    (provablyDead(holder) || holder.host !== hostname());
  if (!mayTake) return fail({ ok: false, host, holder, stale });
  const taken = await attempt(TAKE_OVER, { OLD: holder.deploymentId });
  if (taken.kind === 'acquired') return { ok: true, lock, tookOver: holder };
  if (taken.kind === 'error')
    return fail({ ok: false, host, error: `cannot take over the deploy lock: ${taken.error}` });
  const now = taken.kind === 'held' ? taken.holder : undefined;
  return fail({ ok: false, host, holder: now, stale: now !== undefined && provablyDead(now) });
}
