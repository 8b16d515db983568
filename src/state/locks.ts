/**
 * The environment lock: one deployment per environment at a time, `<state-dir>/locks/<env>.json`.
 * Created atomically with its full content (a temporary file hard-linked into place, which fails
 * with EEXIST when the lock exists — O_EXCL semantics without a window where the lock is empty).
 * A lock whose pid is gone on this host is reported `stale`; it is never taken silently.
 */
import * as fs from 'node:fs';
import { link, lstat, open, rename, rm, rmdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { StagecraftError } from '../core/errors.js';
import { isAlive } from '../core/liveness.js';
import {
  ensureDir,
  fsyncDir,
  fsyncDirSync,
  isErrno,
  onPath,
  readJsonFile,
  readJsonFileSync,
  stateIoError,
} from './files.js';
import { checkFormat, ensureStateDir } from './format.js';
import { statePaths } from './layout.js';

/** Who holds an environment: recorded in the lock file. `startedAt` is ISO 8601. */
export interface LockInfo {
  environment: string;
  deploymentId: string;
  user: string;
  host: string;
  pid: number;
  startedAt: string;
  command: string;
}

/** The outcome of trying to take a lock. */
export type LockResult = { ok: true } | { ok: false; holder: LockInfo; stale: boolean };

/** Options of {@link acquireLock}. */
export interface AcquireOptions {
  /** Keep trying until this many ms have passed (default 0: one attempt). */
  waitMs?: number;
  /** Delay between attempts while waiting (default 200 ms). */
  pollMs?: number;
  /** Stops waiting early; the last refusal is returned. */
  signal?: AbortSignal;
}

/** True when the holder's process is gone on this very host (other hosts cannot be checked). */
function isStale(info: LockInfo): boolean {
  return info.host === hostname() && !isAlive(info.pid);
}

/**
 * The holder reported for a lock stagecraft cannot name: a lock file it cannot have written
 * (always stale), or a database session that holds the lock before saying who it is.
 */
export function unreadableHolder(environment: string, why = 'unreadable lock file'): LockInfo {
  return {
    environment,
    deploymentId: 'unknown',
    user: 'unknown',
    host: 'unknown',
    pid: 0,
    startedAt: '',
    command: `(${why})`,
  };
}

/** True when `raw` has the shape of a lock stagecraft writes (extra fields are allowed). */
function isLockInfo(raw: unknown): raw is LockInfo {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return false;
  const r = raw as Record<string, unknown>;
  const strings = ['environment', 'deploymentId', 'user', 'host', 'startedAt', 'command'];
  return (
    strings.every((key) => typeof r[key] === 'string') &&
    typeof r.pid === 'number' &&
    Number.isInteger(r.pid)
  );
}

/**
 * What is at the lock path when it is not a regular file (never read: a FIFO would block), or
 * `'absent'`; `undefined` for a regular file.
 */
async function oddEntry(lockPath: string): Promise<string | undefined> {
  let stat;
  try {
    stat = await lstat(lockPath);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return 'absent';
    throw stateIoError(error, lockPath, 'read');
  }
  if (stat.isFile()) return undefined;
  if (stat.isSymbolicLink()) return 'the lock file is a symbolic link';
  if (stat.isDirectory()) return 'the lock file is a folder';
  return 'the lock file is not a regular file';
}

/**
 * The current lock of an environment; `undefined` when it is free. Anything at the lock path
 * that stagecraft cannot have written (not JSON, not a lock's shape, a symbolic link, a folder)
 * is reported as a stale lock of holder `unknown`, so `unlock` removes it.
 */
export async function readLock(
  stateDir: string,
  environment: string,
): Promise<{ info: LockInfo; stale: boolean } | undefined> {
  if (!(await checkFormat(stateDir))) return undefined;
  const lockPath = statePaths.lock(stateDir, environment);
  const odd = await oddEntry(lockPath);
  if (odd === 'absent') return undefined;
  if (odd !== undefined) return { info: unreadableHolder(environment, odd), stale: true };
  let raw: unknown;
  try {
    raw = await readJsonFile(lockPath);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // Only a hand-edited file can be unreadable (locks are created whole); treat it as stale.
    return { info: unreadableHolder(environment), stale: true };
  }
  if (raw === undefined) return undefined;
  if (!isLockInfo(raw))
    return { info: unreadableHolder(environment, 'malformed lock file'), stale: true };
  return { info: raw, stale: isStale(raw) };
}

/** Write `info` to a private temporary file beside the lock, fsync'd, and return its path. */
async function writeCandidate(lockPath: string, info: LockInfo): Promise<string> {
  const tmp = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await onPath(lockPath, 'write', async () => {
    const handle = await open(tmp, 'wx', 0o644);
    try {
      await handle.writeFile(`${JSON.stringify(info, null, 2)}\n`);
      await handle.sync();
    } catch (error) {
      // A full disk must not leave a half-written candidate behind.
      await handle.close();
      await rm(tmp, { force: true });
      throw error;
    }
    await handle.close();
  });
  return tmp;
}

/** One attempt: link the candidate into place. `true` when we now hold the lock. */
async function tryCreate(lockPath: string, info: LockInfo): Promise<boolean> {
  const tmp = await writeCandidate(lockPath, info);
  try {
    await link(tmp, lockPath);
    await fsyncDir(dirname(lockPath));
    return true;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    throw stateIoError(error, lockPath, 'create');
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Released-and-retaken races in a row before giving up (each one is a real release). */
const MAX_RACES = 100;

async function attempt(stateDir: string, info: LockInfo): Promise<LockResult> {
  const lockPath = statePaths.lock(stateDir, info.environment);
  for (let race = 0; race < MAX_RACES; race += 1) {
    if (await tryCreate(lockPath, info)) return { ok: true };
    const current = await readLock(stateDir, info.environment);
    // Released between our attempt and our read: try again at once.
    if (current !== undefined) return { ok: false, holder: current.info, stale: current.stale };
  }
  throw new StagecraftError(
    'state-io',
    `cannot take the lock ${lockPath}: it exists but cannot be read; run \`stagecraft unlock\``,
    { path: lockPath },
  );
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Take the environment's lock. Exactly one of several concurrent callers (threads, processes)
 * wins. With `waitMs`, polls until the lock is free or the deadline passes. A stale lock is
 * reported (`stale: true`), not taken: use {@link takeOverLock} or {@link unlock}.
 */
export async function acquireLock(
  stateDir: string,
  info: LockInfo,
  options: AcquireOptions = {},
): Promise<LockResult> {
  await ensureStateDir(stateDir);
  await ensureDir(statePaths.locks(stateDir));
  const deadline = Date.now() + (options.waitMs ?? 0);
  const pollMs = options.pollMs ?? 200;
  for (;;) {
    const result = await attempt(stateDir, info);
    if (result.ok || options.signal?.aborted) return result;
    const left = deadline - Date.now();
    if (left <= 0) return result;
    await delay(Math.min(pollMs, left), options.signal);
  }
}

function owns(info: unknown, environment: string, deploymentId: string): boolean {
  return isLockInfo(info) && info.environment === environment && info.deploymentId === deploymentId;
}

/**
 * Remove the lock file if `expected` matches what is in it: the file is first moved aside by one
 * atomic rename, checked, and put back when it turned out to be someone else's (a race lost).
 */
async function removeIf(
  lockPath: string,
  expected: (info: LockInfo) => boolean,
): Promise<{ removed: boolean; found?: LockInfo }> {
  const grave = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.old`;
  try {
    await rename(lockPath, grave);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return { removed: false };
    throw error;
  }
  const odd = await oddEntry(grave);
  const moved =
    odd === undefined ? await readJsonFile(grave).catch((): unknown => undefined) : undefined;
  if (!isLockInfo(moved) || expected(moved)) {
    await discard(grave, lockPath);
    await fsyncDir(dirname(lockPath));
    return isLockInfo(moved) ? { removed: true, found: moved } : { removed: true };
  }
  await link(grave, lockPath).catch(() => undefined);
  await rm(grave, { force: true });
  return { removed: false, found: moved };
}

/**
 * Delete a lock moved aside. A folder is removed only when empty: its content is not
 * stagecraft's, so a full one is put back and named with the one command that clears it.
 */
async function discard(grave: string, lockPath: string): Promise<void> {
  try {
    await rm(grave, { force: true });
  } catch (error) {
    if (!isErrno(error, 'EISDIR') && !isErrno(error, 'ERR_FS_EISDIR')) throw error;
    try {
      await rmdir(grave);
    } catch (inner) {
      await rename(grave, lockPath).catch(() => undefined);
      if (!isErrno(inner, 'ENOTEMPTY') && !isErrno(inner, 'EEXIST')) throw inner;
      throw new StagecraftError(
        'state-corrupt',
        `the lock file ${lockPath} is a folder with files in it; look inside, then remove it with \`rm -r '${lockPath}'\``,
        { path: lockPath },
      );
    }
  }
}

function sameHolder(a: LockInfo): (b: LockInfo) => boolean {
  return (b) =>
    a.deploymentId === b.deploymentId &&
    a.pid === b.pid &&
    a.host === b.host &&
    a.startedAt === b.startedAt;
}

/** Remove the environment's lock if `deploymentId` holds it; someone else's lock is left alone. */
export async function releaseLock(
  stateDir: string,
  environment: string,
  deploymentId: string,
): Promise<void> {
  const lockPath = statePaths.lock(stateDir, environment);
  if ((await oddEntry(lockPath).catch(() => 'absent')) !== undefined) return;
  const current = await readJsonFile(lockPath).catch(() => undefined);
  if (!owns(current, environment, deploymentId)) return;
  await removeIf(lockPath, (info) => owns(info, environment, deploymentId));
}

/**
 * Synchronous {@link releaseLock}, for exit paths (signal handlers, `process.on('exit')`). With
 * `pid`, only a lock taken by that process goes (a resume racing another resume of the same id).
 */
export function releaseLockSync(
  stateDir: string,
  environment: string,
  deploymentId: string,
  pid?: number,
): void {
  const lockPath = statePaths.lock(stateDir, environment);
  let current: unknown;
  try {
    // Never read what is not a regular file (a FIFO would block the exit).
    if (!fs.lstatSync(lockPath).isFile()) return;
    current = readJsonFileSync(lockPath);
  } catch {
    return;
  }
  if (!owns(current, environment, deploymentId)) return;
  if (pid !== undefined && (current as LockInfo).pid !== pid) return;
  fs.rmSync(lockPath, { force: true });
  fsyncDirSync(dirname(lockPath));
}

/**
 * Replace the current holder by `info`: for `resume` (the same deployment, its owner dead) and
 * `unlock --force`/`--force-unlock`. Refuses a live holder unless `force`, and a holder other than
 * `expectedHolder.deploymentId` when given. A free lock is simply acquired. Two concurrent
 * takers cannot both win: the old lock is moved aside by one atomic rename first.
 */
export async function takeOverLock(
  stateDir: string,
  info: LockInfo,
  expectedHolder?: { deploymentId?: string },
  options: { force?: boolean } = {},
): Promise<LockResult> {
  await ensureStateDir(stateDir);
  await ensureDir(statePaths.locks(stateDir));
  const lockPath = statePaths.lock(stateDir, info.environment);
  const current = await readLock(stateDir, info.environment);
  if (current === undefined) return attempt(stateDir, info);
  const refuse: LockResult = { ok: false, holder: current.info, stale: current.stale };
  if (
    expectedHolder?.deploymentId !== undefined &&
    current.info.deploymentId !== expectedHolder.deploymentId
  )
    return refuse;
  if (!current.stale && options.force !== true) return refuse;
  const moved = await removeIf(
    lockPath,
    (found) => current.info.deploymentId === 'unknown' || sameHolder(current.info)(found),
  );
  if (!moved.removed && moved.found !== undefined) {
    // Someone took it over between our read and our move: theirs is back in place, we lost.
    const now = await readLock(stateDir, info.environment);
    return { ok: false, holder: now?.info ?? moved.found, stale: now?.stale ?? false };
  }
  return attempt(stateDir, info);
}

/** Outcome of {@link unlock}. */
export interface UnlockResult {
  removed: boolean;
  holder?: LockInfo;
  reason?: string;
}

/** Describe a holder for messages: `deployment X by user@host (pid N) since T: command`. */
export function describeHolder(info: LockInfo): string {
  if (info.deploymentId === 'unknown' && info.pid === 0)
    return info.command.includes('lock file')
      ? `a damaged lock file ${info.command}`
      : `a holder that cannot be named ${info.command}`;
  return `deployment ${info.deploymentId} by ${info.user}@${info.host} (pid ${info.pid}) since ${info.startedAt}: ${info.command}`;
}

/** `stagecraft unlock`: remove a stale lock; a live holder's only with `force`. */
export async function unlock(
  stateDir: string,
  environment: string,
  options: { force: boolean },
): Promise<UnlockResult> {
  const current = await readLock(stateDir, environment);
  if (current === undefined)
    return { removed: false, reason: `environment ${environment} is not locked` };
  if (!current.stale && !options.force) {
    const where =
      current.info.host === hostname()
        ? 'its process is still running'
        : `it was taken on another host (${current.info.host}) and cannot be checked from here`;
    return {
      removed: false,
      holder: current.info,
      reason: `environment ${environment} is locked by ${describeHolder(current.info)}; ${where}. Wait for it, or pass --force if you are sure it is gone`,
    };
  }
  const lockPath = statePaths.lock(stateDir, environment);
  const moved = await removeIf(
    lockPath,
    (found) => current.info.deploymentId === 'unknown' || sameHolder(current.info)(found),
  );
  if (!moved.removed) {
    return {
      removed: false,
      holder: moved.found,
      reason: moved.found
        ? `the lock changed hands meanwhile: ${describeHolder(moved.found)}`
        : 'the lock was released meanwhile',
    };
  }
  return {
    removed: true,
    holder: current.info,
    reason: current.stale ? 'its process is gone (stale lock)' : 'forced',
  };
}
