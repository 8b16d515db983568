/**
 * One deployment run's durable session: state dir, lock, deployment record and journal. Opened
 * before the statechart starts and closed on every exit path (the lock is released by `close`,
 * by the synchronous exit hook, or taken over by `resume` when the process died).
 */
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import type { ResolvedPlan } from '../../config/plan-types.js';
import type { Journal } from '../../state/journal.js';
import {
  acquireLock,
  describeHolder,
  releaseLock,
  releaseLockSync,
  takeOverLock,
  type LockInfo,
  type LockResult,
} from '../../state/locks.js';
import {
  createDeployment,
  newDeploymentId,
  updateMeta,
  updateMetaSync,
  type DeploymentStatus,
} from '../../state/meta.js';
import { ensureStateDir } from '../../state/format.js';
import { statePaths } from '../../state/layout.js';
import type { Masker } from '../../core/mask.js';
import { EXIT } from '../exit-codes.js';

/** Bumped whenever a machine definition changes in a way that breaks restored snapshots. */
export const MACHINE_VERSION = 'deployment/1';

/** Who is running this: recorded in locks, decisions and history. */
export function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** An open deployment session. */
export interface Session {
  id: string;
  stateDir: string;
  dir: string;
  journal: Journal;
  logDir: string;
  journalPath: string;
  /** Marks the deployment finished (with the release it recorded, if any) and releases the lock. */
  close(
    status: DeploymentStatus,
    result: string,
    exitCode: number,
    extra?: { release?: string },
  ): Promise<void>;
  /** The stale lock this session took over (`--force-unlock`), if it did. */
  tookOver?: LockInfo;
  /** The synchronous last resort on process exit. */
  closeSync(status: DeploymentStatus): void;
}

/** Why a session could not be opened: the lock is held (exit 4). */
export interface LockedOutcome {
  locked: true;
  message: string;
  exitCode: typeof EXIT.locked;
}

/** How a session waits for, or takes over, the environment lock. */
export interface LockOptions {
  /** `--lock-wait`: keep trying this long while another deployment holds it. */
  waitMs?: number;
  /** `--force-unlock`: take over a stale lock (its pid is gone on this host); never a live one. */
  forceUnlock?: boolean;
  /** Told once when the lock is held and the session starts waiting for it. */
  onWait?: (holder: LockInfo) => void;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The lock record of this process running `command` for deployment `id`. */
export function lockInfo(environment: string, deploymentId: string, command: string): LockInfo {
  return {
    environment,
    deploymentId,
    user: operatorName(),
    host: hostname(),
    pid: process.pid,
    startedAt: new Date().toISOString(),
    command,
  };
}

/**
 * The session over an open journal, for a new deployment and for a resumed one alike: `close`
 * and `closeSync` record how it ended and release the environment lock, once.
 */
export function sessionOf(
  stateDir: string,
  environment: string,
  id: string,
  journal: Journal,
  tookOver?: LockInfo,
): Session {
  const dir = statePaths.deployment(stateDir, id);
  let closed = false;
  return {
    id,
    stateDir,
    dir,
    journal,
    logDir: join(dir, 'logs'),
    journalPath: statePaths.journal(stateDir, id),
    ...(tookOver === undefined ? {} : { tookOver }),
    async close(status, result, exitCode, extra) {
      if (closed) return;
      closed = true;
      await journal.append({ type: 'deployment.closed', status, result, exitCode });
      await journal.close();
      await updateMeta(stateDir, id, {
        status,
        result,
        exitCode,
        finishedAt: new Date().toISOString(),
        ...(extra?.release === undefined ? {} : { release: extra.release }),
      });
      await releaseLock(stateDir, environment, id);
    },
    closeSync(status) {
      if (closed) return;
      closed = true;
      try {
        journal.appendSync({ type: 'deployment.closed', status });
        updateMetaSync(stateDir, id, { status, finishedAt: new Date().toISOString() });
      } finally {
        releaseLockSync(stateDir, environment, id);
      }
    },
  };
}

/** Takes the lock as `opts` allow; on success, `tookOver` names the stale holder replaced. */
async function takeLock(
  stateDir: string,
  info: LockInfo,
  opts: LockOptions,
): Promise<LockResult & { tookOver?: LockInfo }> {
  const deadline = Date.now() + (opts.waitMs ?? 0);
  let told = false;
  for (;;) {
    let r: LockResult & { tookOver?: LockInfo } = await acquireLock(stateDir, info);
    if (!r.ok && r.stale && opts.forceUnlock === true) {
      const holder = r.holder;
      r = await takeOverLock(stateDir, info, { deploymentId: holder.deploymentId });
      if (r.ok) return { ok: true, tookOver: holder };
    }
    const left = deadline - Date.now();
    if (r.ok || left <= 0) return r;
    if (!told) opts.onWait?.(r.holder);
    told = true;
    await pause(Math.min(200, left));
  }
}

/** Opens the state dir, takes the environment lock and creates the deployment record. */
export async function openSession(
  plan: ResolvedPlan,
  stateDir: string,
  command: string,
  mask: Masker,
  lock: number | LockOptions = 0,
): Promise<Session | LockedOutcome> {
  await ensureStateDir(stateDir);
  const id = newDeploymentId();
  const info = lockInfo(plan.environment, id, command);
  const taken = await takeLock(stateDir, info, typeof lock === 'number' ? { waitMs: lock } : lock);
  if (!taken.ok) {
    const stale = taken.stale
      ? ' Its process is gone (stale lock): run `stagecraft unlock` to release it, or pass --force-unlock.'
      : ' Wait for it to finish, or pass --lock-wait DURATION.';
    return {
      locked: true,
      exitCode: EXIT.locked,
      message: `environment ${plan.environment} is locked by ${describeHolder(taken.holder)}.${stale}`,
    };
  }
  const { journal } = await createDeployment(
    stateDir,
    {
      id,
      environment: plan.environment,
      project: plan.project,
      startedAt: info.startedAt,
      user: info.user,
      host: info.host,
      pid: info.pid,
      command,
      configHash: plan.configHash,
      machineVersion: MACHINE_VERSION,
      status: 'running',
    },
    { mask },
  );
  if (taken.tookOver !== undefined)
    await journal.append({ type: 'lock.takenOver', from: taken.tookOver, reason: 'stale' });
  return sessionOf(stateDir, plan.environment, id, journal, taken.tookOver);
}
