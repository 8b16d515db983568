/**
 * Reopens the durable session of an interrupted deployment for `resume`: takes over the lock of
 * that very deployment (its owner is dead), reopens its journal (a torn last line is cut off; the
 * sequence continues) and marks it running again under this process.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../adapters/journal.js';
import {
  describeHolder,
  releaseLock,
  releaseLockSync,
  takeOverLock,
  type LockInfo,
} from '../../adapters/lock.js';
import {
  statePaths,
  updateMeta,
  updateMetaSync,
  type DeploymentMeta,
} from '../../adapters/store.js';
import { EXIT } from '../exit-codes.js';
import { operatorName, type LockedOutcome, type Session } from './session.js';

/** Takes over the deployment's lock and reopens its journal; `locked` when someone else holds it. */
export async function reopenSession(
  stateDir: string,
  meta: DeploymentMeta,
  command: string,
  secretValues: string[],
): Promise<Session | LockedOutcome> {
  const { id, environment } = meta;
  const info: LockInfo = {
    environment,
    deploymentId: id,
    user: operatorName(),
    host: hostname(),
    pid: process.pid,
    startedAt: new Date().toISOString(),
    command,
  };
  const lock = await takeOverLock(stateDir, info, { deploymentId: id });
  if (!lock.ok) {
    const mine = lock.holder.deploymentId === id;
    const why = mine
      ? lock.stale
        ? 'its lock changed hands meanwhile; try again'
        : 'it is still running (or being resumed) in another process'
      : `the environment is locked by another deployment: ${describeHolder(lock.holder)}`;
    return {
      locked: true,
      exitCode: EXIT.locked,
      message: `cannot resume ${id}: ${mine ? `${why} (${describeHolder(lock.holder)})` : why}`,
    };
  }
  const journal = await Journal.open(statePaths.journal(stateDir, id), { secretValues });
  await updateMeta(
    stateDir,
    id,
    { status: 'running', pid: process.pid, host: info.host },
    { secretValues },
  );
  const dir = statePaths.deployment(stateDir, id);
  let closed = false;
  return {
    id,
    stateDir,
    dir,
    journal,
    logDir: join(dir, 'logs'),
    journalPath: statePaths.journal(stateDir, id),
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
