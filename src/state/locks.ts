/**
 * The environment lock: one deployment per environment at a time, `<state-dir>/locks/<env>.json`.
 * Created atomically with its full content (a temporary file hard-linked into place, which fails
 * with EEXIST when the lock exists — O_EXCL semantics without a window where the lock is empty).
 * A lock whose pid is gone on this host is reported `stale`; it is never taken silently.
 */
import * as fs from 'node:fs';
import { link, open, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { isAlive } from '../core/liveness.js';
import {
  ensureDir,
  fsyncDir,
  fsyncDirSync,
  isErrno,
  readJsonFile,
  readJsonFileSync,
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

function unreadableHolder(environment: string): LockInfo {
  return {
    environment,
    deploymentId: 'unknown',
    user: 'unknown',
    host: 'unknown',
    pid: 0,
    startedAt: '',
    command: '(unreadable lock file)',
  };
}

/** The current lock of an environment; `undefined` when it is free. */
export async function readLock(
  stateDir: string,
  environment: string,
): Promise<{ info: LockInfo; stale: boolean } | undefined> {
  if (!(await checkFormat(stateDir))) return undefined;
  let raw: unknown;
  try {
    raw = await readJsonFile(statePaths.lock(stateDir, environment));
  } catch {
    // Only a hand-edited file can be unreadable (locks are created whole); treat it as stale.
    return { info: unreadableHolder(environment), stale: true };
  }
  if (raw === undefined) return undefined;
  const info = raw as LockInfo;
  return { info, stale: isStale(info) };
}

/** Write `info` to a private temporary file beside the lock, fsync'd, and return its path. */
async function writeCandidate(lockPath: string, info: LockInfo): Promise<string> {
  const tmp = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o644);
  try {
    await handle.writeFile(`${JSON.stringify(info, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
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
    throw error;
  } finally {
    await rm(tmp, { force: true });
  }
}

async function attempt(stateDir: string, info: LockInfo): Promise<LockResult> {
  const lockPath = statePaths.lock(stateDir, info.environment);
  for (;;) {
    if (await tryCreate(lockPath, info)) return { ok: true };
    const current = await readLock(stateDir, info.environment);
    // Released between our attempt and our read: try again at once.
    if (current !== undefined) return { ok: false, holder: current.info, stale: current.stale };
  }
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

function owns(info: LockInfo | undefined, environment: string, deploymentId: string): boolean {
  return (
    info !== undefined && info.environment === environment && info.deploymentId === deploymentId
  );
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
  const moved = (await readJsonFile(grave).catch(() => undefined)) as LockInfo | undefined;
  if (moved === undefined || expected(moved)) {
    await rm(grave, { force: true });
    await fsyncDir(dirname(lockPath));
    return { removed: true, found: moved };
  }
  await link(grave, lockPath).catch(() => undefined);
  await rm(grave, { force: true });
  return { removed: false, found: moved };
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
  const current = (await readJsonFile(lockPath).catch(() => undefined)) as LockInfo | undefined;
  if (!owns(current, environment, deploymentId)) return;
  await removeIf(lockPath, (info) => owns(info, environment, deploymentId));
}

/** Synchronous {@link releaseLock}, for exit paths (signal handlers, `process.on('exit')`). */
export function releaseLockSync(stateDir: string, environment: string, deploymentId: string): void {
  const lockPath = statePaths.lock(stateDir, environment);
  let current: LockInfo | undefined;
  try {
    current = readJsonFileSync(lockPath) as LockInfo | undefined;
  } catch {
    return;
  }
  if (!owns(current, environment, deploymentId)) return;
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
