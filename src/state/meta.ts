/**
 * The deployments of a state directory: each one's meta.json (who, when, what, how it ended),
 * created with its journal, updated atomically, listed newest first.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StagecraftError } from '../core/errors.js';
import { Masker } from '../core/mask.js';
import { isAlive } from '../core/liveness.js';
import {
  fsyncDir,
  isErrno,
  onPath,
  readJsonFile,
  readJsonFileSync,
  readStateJson,
  serialized,
  writeFileAtomic,
  writeFileAtomicSync,
} from './files.js';
import { checkFormat, ensureStateDir } from './format.js';
import { Journal } from './journal.js';
import { statePaths } from './layout.js';

/** How a deployment ended, or `running` while (supposedly) in progress. */
export type DeploymentStatus =
  'running' | 'succeeded' | 'failed' | 'aborted' | 'rollback-incomplete' | 'interrupted';

/** meta.json of one deployment. Times are ISO 8601 strings. */
export interface DeploymentMeta {
  id: string;
  environment: string;
  project: string;
  startedAt: string;
  user: string;
  host: string;
  pid: number;
  command: string;
  configHash: string;
  /** The statecharts' version that wrote the journal (resume refuses another one). */
  machineVersion: string;
  /** The facts' format version of the journal (absent: an older journal of another format). */
  factsVersion?: number;
  status: DeploymentStatus;
  finishedAt?: string;
  /** The reported result, e.g. `succeeded-with-warnings`. */
  result?: string;
  /** SIGINT/SIGTERM took part in how it ended. */
  interrupted?: boolean;
  /** The exit code, as older versions recorded it. */
  exitCode?: number;
  /** Label of the release this deployment recorded. */
  release?: string;
}

/** A sortable deployment id in UTC: `20261126-081530-ab12`. */
export function newDeploymentId(now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}`;
  const time = `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${date}-${time}-${randomBytes(2).toString('hex')}`;
}

/** Create a deployment's folder and meta.json, and open its journal. */
export async function createDeployment(
  stateDir: string,
  meta: DeploymentMeta,
  options: { mask?: Masker } = {},
): Promise<{ dir: string; journal: Journal }> {
  await ensureStateDir(stateDir);
  const dir = statePaths.deployment(stateDir, meta.id);
  await onPath(dir, 'create the folder', async () => {
    await mkdir(statePaths.deployments(stateDir), { recursive: true });
    try {
      await mkdir(dir);
    } catch (error) {
      if (isErrno(error, 'EEXIST'))
        throw new StagecraftError('bug', `deployment ${meta.id} already exists in ${stateDir}`, {
          path: dir,
        });
      throw error;
    }
  });
  await fsyncDir(statePaths.deployments(stateDir));
  await writeFileAtomic(statePaths.meta(stateDir, meta.id), serialise(meta, options));
  const journal = await Journal.open(statePaths.journal(stateDir, meta.id), options);
  return { dir, journal };
}

function serialise(value: unknown, options: { mask?: Masker }): string {
  return `${JSON.stringify((options.mask ?? Masker.none).value(value), null, 2)}\n`;
}

/** Read one deployment's meta.json; `undefined` when there is no such deployment. */
export async function readMeta(stateDir: string, id: string): Promise<DeploymentMeta | undefined> {
  const path = statePaths.meta(stateDir, id);
  const raw = await readStateJson(
    path,
    'the deployment record is damaged: move its folder aside, or restore it',
  );
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || typeof (raw as DeploymentMeta).id !== 'string')
    throw new StagecraftError(
      'state-corrupt',
      `${path} is not a deployment record; move its folder aside, or restore it`,
      { path },
    );
  return raw as DeploymentMeta;
}

/** Merge `patch` into a deployment's meta.json, atomically (serialised per deployment in-process). */
export async function updateMeta(
  stateDir: string,
  id: string,
  patch: Partial<DeploymentMeta>,
  options: { mask?: Masker } = {},
): Promise<void> {
  const path = statePaths.meta(stateDir, id);
  await serialized(path, async () => {
    const current = await readMeta(stateDir, id);
    if (current === undefined)
      throw new StagecraftError('not-found', `no deployment ${id} in ${stateDir}`, { path });
    await writeFileAtomic(path, serialise({ ...current, ...patch, id: current.id }, options));
  });
}

/** Synchronous {@link updateMeta}, for exit paths. */
export function updateMetaSync(
  stateDir: string,
  id: string,
  patch: Partial<DeploymentMeta>,
  options: { mask?: Masker } = {},
): void {
  const path = statePaths.meta(stateDir, id);
  const current = readJsonFileSync(path) as DeploymentMeta | undefined;
  if (current === undefined)
    throw new StagecraftError('not-found', `no deployment ${id} in ${stateDir}`, { path });
  writeFileAtomicSync(path, serialise({ ...current, ...patch, id: current.id }, options));
}

/**
 * The status to show: a `running` deployment whose process on this host is gone is `interrupted`.
 * (A `running` one from another host cannot be checked and stays `running`.)
 */
export function effectiveStatus(meta: DeploymentMeta): DeploymentStatus {
  if (meta.status === 'running' && meta.host === hostname() && !isAlive(meta.pid))
    return 'interrupted';
  return meta.status;
}

/** Deployments in the state dir (optionally of one environment), newest first. */
export async function listDeployments(
  stateDir: string,
  environment?: string,
): Promise<DeploymentMeta[]> {
  if (!(await checkFormat(stateDir))) return [];
  let ids: string[];
  try {
    ids = await readdir(statePaths.deployments(stateDir));
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return [];
    throw error;
  }
  const metas: DeploymentMeta[] = [];
  for (const id of ids) {
    // A folder without a readable meta.json is a deployment that crashed while being created.
    const meta = await readJsonFile(join(statePaths.deployments(stateDir), id, 'meta.json')).catch(
      () => undefined,
    );
    if (meta === undefined) continue;
    const m = meta as DeploymentMeta;
    if (environment === undefined || m.environment === environment) metas.push(m);
  }
  return metas.sort((a, b) =>
    a.startedAt === b.startedAt ? cmp(b.id, a.id) : cmp(b.startedAt, a.startedAt),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The deployment `resume` without an id continues: the newest deployment of the environment that
 * is `interrupted` (or `running` with a dead process on this host) and that no later deployment
 * has superseded by finishing. `undefined` when there is none.
 */
export function latestInterrupted(
  newestFirst: readonly DeploymentMeta[],
): DeploymentMeta | undefined {
  for (const meta of newestFirst) {
    const status = effectiveStatus(meta);
    if (status === 'interrupted') return meta;
    if (status !== 'running') return undefined;
  }
  return undefined;
}
