/**
 * One deployment run's durable session: state dir, lock, deployment record and journal. Opened
 * before the statechart starts and closed on every exit path (the lock is released by `close`,
 * by the synchronous exit hook, or taken over by `resume` when the process died).
 */
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import type { ResolvedPlan } from '../../config/plan-types.js';
import type { Journal } from '../../adapters/journal.js';
import {
  acquireLock,
  describeHolder,
  releaseLock,
  releaseLockSync,
  type LockInfo,
} from '../../adapters/lock.js';
import {
  createDeployment,
  ensureStateDir,
  newDeploymentId,
  statePaths,
  updateMeta,
  updateMetaSync,
  type DeploymentStatus,
} from '../../adapters/store.js';
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
  /** Marks the deployment finished and releases the lock. */
  close(status: DeploymentStatus, result: string, exitCode: number): Promise<void>;
  /** The synchronous last resort on process exit. */
  closeSync(status: DeploymentStatus): void;
}

/** Why a session could not be opened: the lock is held (exit 4). */
export interface LockedOutcome {
  locked: true;
  message: string;
  exitCode: typeof EXIT.locked;
}

/** Opens the state dir, takes the environment lock and creates the deployment record. */
export async function openSession(
  plan: ResolvedPlan,
  stateDir: string,
  command: string,
  secretValues: string[],
  lockWaitMs = 0,
): Promise<Session | LockedOutcome> {
  await ensureStateDir(stateDir);
  const id = newDeploymentId();
  const info: LockInfo = {
    environment: plan.environment,
    deploymentId: id,
    user: operatorName(),
    host: hostname(),
    pid: process.pid,
    startedAt: new Date().toISOString(),
    command,
  };
  const lock = await acquireLock(stateDir, info, { waitMs: lockWaitMs });
  if (!lock.ok) {
    const stale = lock.stale
      ? ' Its process is gone (stale lock): run `stagecraft unlock` to release it.'
      : ' Wait for it to finish, or pass --lock-wait DURATION.';
    return {
      locked: true,
      exitCode: EXIT.locked,
      message: `environment ${plan.environment} is locked by ${describeHolder(lock.holder)}.${stale}`,
    };
  }
  const { dir, journal } = await createDeployment(
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
    { secretValues },
  );
  let closed = false;
  return {
    id,
    stateDir,
    dir,
    journal,
    logDir: join(dir, 'logs'),
    journalPath: statePaths.journal(stateDir, id),
    async close(status, result, exitCode) {
      if (closed) return;
      closed = true;
      await journal.append({ type: 'deployment.closed', status, result, exitCode });
      await journal.close();
      await updateMeta(stateDir, id, {
        status,
        result,
        exitCode,
        finishedAt: new Date().toISOString(),
      });
      await releaseLock(stateDir, plan.environment, id);
    },
    closeSync(status) {
      if (closed) return;
      closed = true;
      try {
        journal.appendSync({ type: 'deployment.closed', status });
        updateMetaSync(stateDir, id, { status, finishedAt: new Date().toISOString() });
      } finally {
        releaseLockSync(stateDir, plan.environment, id);
      }
    },
  };
}
