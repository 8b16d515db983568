/**
 * Reopens the durable session of an interrupted deployment for `resume`: takes over the lock of
 * that very deployment (its owner is dead), reopens its journal (a torn last line is cut off; the
 * sequence continues) and marks it running again under this process.
 */
import { Journal } from '../../state/journal.js';
import { describeHolder, takeOverLock } from '../../state/locks.js';
import { updateMeta, type DeploymentMeta } from '../../state/meta.js';
import { statePaths } from '../../state/layout.js';
import type { Masker } from '../../core/mask.js';
import { EXIT } from '../exit-codes.js';
import { lockInfo, sessionOf, type LockedOutcome, type Session } from './session.js';

/** Takes over the deployment's lock and reopens its journal; `locked` when someone else holds it. */
export async function reopenSession(
  stateDir: string,
  meta: DeploymentMeta,
  command: string,
  mask: Masker,
): Promise<Session | LockedOutcome> {
  const { id, environment } = meta;
  const info = lockInfo(environment, id, command);
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
  const journal = await Journal.open(statePaths.journal(stateDir, id), { mask });
  await updateMeta(
    stateDir,
    id,
    { status: 'running', pid: process.pid, host: info.host },
    { mask },
  );
  return sessionOf(stateDir, environment, id, journal);
}
