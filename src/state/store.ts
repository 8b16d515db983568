/**
 * Where a project's durable record lives: the environment lock, the deployments with their
 * journals, and the releases. Two back ends keep one contract — the state directory beside the
 * config (the default, for one operator; {@link directoryStore}) and a PostgreSQL database shared
 * by a team (pg/store.ts). What stays on the machine whatever the store (a process service's pid
 * record and output, one-shot command logs, the inspection trace) is not part of it.
 */
import type { Masker } from '../core/mask.js';
import type { JournalInput, JournalRead } from './journal.js';
import { Journal, readJournal } from './journal.js';
import { statePaths } from './layout.js';
import type { LockInfo, LockResult, UnlockResult } from './locks.js';
import {
  acquireLock,
  readLock,
  releaseLock,
  releaseLockSync,
  takeOverLock,
  unlock,
} from './locks.js';
import type { DeploymentMeta } from './meta.js';
import { createDeployment, listDeployments, readMeta, updateMeta, updateMetaSync } from './meta.js';
import type { Release, ReleaseSecrets } from './releases.js';
import { listReleases, recordRelease } from './releases.js';

/** A deployment's journal opened for appending (see journal.ts for the file one). */
export interface JournalWriter {
  /** Durable when the promise resolves. */
  append(entry: JournalInput): Promise<void>;
  /**
   * The last resort on exit. A store that cannot write synchronously (a database) drops it: the
   * run then reads as interrupted because its lock is gone, which is what this entry would say.
   */
  appendSync(entry: JournalInput): void;
  close(): Promise<void>;
}

/** An answer to a pending decision given from another terminal (`stagecraft decide`). */
export interface RemoteAnswer {
  /** Increasing per store: answers after `seq` are the new ones. */
  seq: number;
  decisionId: string;
  choice: string;
  by: string;
}

/** The contract both back ends keep. Environments are those of the store's one project. */
export interface Store {
  readonly kind: 'directory' | 'postgres';
  /** Where it is, for messages: the state directory, or the database URL without its password. */
  readonly where: string;
  /** Makes sure the store can be used (a database: connects and checks the schema). */
  ready(): Promise<void>;

  acquireLock(info: LockInfo): Promise<LockResult>;
  /** For resume and `--force-unlock`: see locks.ts. A free lock is simply acquired. */
  takeOverLock(
    info: LockInfo,
    expectedHolder?: { deploymentId?: string },
    options?: { force?: boolean },
  ): Promise<LockResult>;
  releaseLock(environment: string, deploymentId: string): Promise<void>;
  releaseLockSync(environment: string, deploymentId: string, pid?: number): void;
  readLock(environment: string): Promise<{ info: LockInfo; stale: boolean } | undefined>;
  unlock(environment: string, options: { force: boolean }): Promise<UnlockResult>;
  /**
   * Tells `listener` when a lock this process holds is lost (the database connection holding it
   * went away): the run must start nothing more. The state directory never loses one.
   */
  onLockLost(listener: (why: string) => void): () => void;

  createDeployment(meta: DeploymentMeta, options: { mask?: Masker }): Promise<JournalWriter>;
  openJournal(id: string, options: { mask?: Masker }): Promise<JournalWriter>;
  readJournal(id: string): Promise<JournalRead>;
  /** `undefined` when there is no such deployment. */
  readMeta(id: string): Promise<DeploymentMeta | undefined>;
  updateMeta(
    id: string,
    patch: Partial<DeploymentMeta>,
    options?: { mask?: Masker },
  ): Promise<void>;
  /** See {@link JournalWriter.appendSync}: a database store drops it. */
  updateMetaSync(id: string, patch: Partial<DeploymentMeta>): void;
  /**
   * Deployments (of one environment), newest first. A database store reports a `running` one
   * whose holder's lock is gone as `interrupted` (the lock tells who is alive, not the row).
   */
  listDeployments(environment?: string): Promise<DeploymentMeta[]>;

  recordRelease(environment: string, release: Release, secrets?: ReleaseSecrets): Promise<void>;
  /** Newest first. */
  listReleases(environment: string): Promise<Release[]>;

  /** Records an answer to deployment `id`'s pending decision; a directory store has none. */
  postAnswer?(id: string, answer: Omit<RemoteAnswer, 'seq'>): Promise<void>;
  /** Answers to deployment `id` after `afterSeq`, oldest first. */
  answersSince?(id: string, afterSeq: number): Promise<RemoteAnswer[]>;

  /** Closes what the store holds open (connections); a held lock goes with them. */
  close(): Promise<void>;
}

/** The state directory as a store. */
export function directoryStore(stateDir: string): Store {
  return {
    kind: 'directory',
    where: stateDir,
    // Nothing to open: what writes creates the folder (a read-only command leaves none behind).
    ready: () => Promise.resolve(),
    acquireLock: (info) => acquireLock(stateDir, info),
    takeOverLock: (info, expected, options) => takeOverLock(stateDir, info, expected, options),
    releaseLock: (environment, id) => releaseLock(stateDir, environment, id),
    releaseLockSync: (environment, id, pid) => releaseLockSync(stateDir, environment, id, pid),
    readLock: (environment) => readLock(stateDir, environment),
    unlock: (environment, options) => unlock(stateDir, environment, options),
    onLockLost: () => () => undefined,
    createDeployment: async (meta, options) =>
      (await createDeployment(stateDir, meta, options)).journal,
    openJournal: (id, options) => Journal.open(statePaths.journal(stateDir, id), options),
    readJournal: (id) => readJournal(statePaths.journal(stateDir, id)),
    readMeta: (id) => readMeta(stateDir, id),
    updateMeta: (id, patch, options) => updateMeta(stateDir, id, patch, options),
    updateMetaSync: (id, patch) => updateMetaSync(stateDir, id, patch),
    listDeployments: (environment) => listDeployments(stateDir, environment),
    recordRelease: (environment, release, secrets) =>
      recordRelease(stateDir, environment, release, secrets),
    listReleases: (environment) => listReleases(stateDir, environment),
    close: () => Promise.resolve(),
  };
}
