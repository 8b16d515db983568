/**
 * The state directory (default `.stagecraft/` beside the config): its versioned format, and the
 * deployments in it — meta.json, journal.jsonl, snapshot.json. Node built-ins only.
 *
 * ```
 * <state-dir>/format.json                     { "format": 1 }
 * <state-dir>/locks/<environment>.json        see lock.ts
 * <state-dir>/deployments/<id>/meta.json      DeploymentMeta
 * <state-dir>/deployments/<id>/journal.jsonl  JournalEntry per line
 * <state-dir>/deployments/<id>/snapshot.json  StampedSnapshot
 * <state-dir>/releases/<environment>.json     see releases.ts
 * ```
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  fsyncDir,
  isErrno,
  processIsGone,
  readJsonFile,
  readJsonFileSync,
  writeFileAtomic,
  writeFileAtomicSync,
} from './fs-atomic.js';
import { Journal, redactSecrets } from './journal.js';

/** The state-directory format this version reads and writes. */
export const STATE_FORMAT = 1;

/** A problem with the state directory the operator can act on (never a stack trace). */
export class StoreError extends Error {
  constructor(
    readonly kind: 'state-format' | 'state-corrupt' | 'deployment-exists' | 'deployment-missing',
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

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
  machineVersion: string;
  status: DeploymentStatus;
  finishedAt?: string;
  /** The reported result, e.g. `succeeded-with-warnings`. */
  result?: string;
  exitCode?: number;
  /** Label of the release this deployment recorded. */
  release?: string;
}

/** A persisted XState snapshot, stamped so `resume` can refuse a changed config or machine. */
export interface StampedSnapshot {
  machineVersion: string;
  configHash: string;
  savedAt: string;
  snapshot: unknown;
}

/** Options for writes that may carry secrets. */
export interface RedactOptions {
  secretValues?: string[];
}

/** Paths inside a state directory. */
export const statePaths = {
  format: (stateDir: string) => join(stateDir, 'format.json'),
  locks: (stateDir: string) => join(stateDir, 'locks'),
  lock: (stateDir: string, environment: string) =>
    join(stateDir, 'locks', `${fileName(environment)}.json`),
  deployments: (stateDir: string) => join(stateDir, 'deployments'),
  deployment: (stateDir: string, id: string) => join(stateDir, 'deployments', fileName(id)),
  meta: (stateDir: string, id: string) => join(statePaths.deployment(stateDir, id), 'meta.json'),
  journal: (stateDir: string, id: string) =>
    join(statePaths.deployment(stateDir, id), 'journal.jsonl'),
  snapshot: (stateDir: string, id: string) =>
    join(statePaths.deployment(stateDir, id), 'snapshot.json'),
  releases: (stateDir: string) => join(stateDir, 'releases'),
  release: (stateDir: string, environment: string) =>
    join(stateDir, 'releases', `${fileName(environment)}.json`),
};

/** A name safe as one file name: kept when plain, percent-encoded otherwise. */
function fileName(name: string): string {
  return /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name)
    ? name
    : encodeURIComponent(name).replace(/\./g, '%2E');
}

/** A sortable deployment id in UTC: `20261126-081530-ab12`. */
export function newDeploymentId(now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}`;
  const time = `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${date}-${time}-${randomBytes(2).toString('hex')}`;
}

/** Check format.json of an existing state dir; `false` when the dir has none yet. */
async function checkFormat(stateDir: string): Promise<boolean> {
  const path = statePaths.format(stateDir);
  let raw: unknown;
  try {
    raw = await readJsonFile(path);
  } catch (error) {
    if (isErrno(error, 'ENOTDIR'))
      throw new StoreError(
        'state-corrupt',
        `the state directory ${stateDir} is not a directory; pass another --state-dir`,
        stateDir,
      );
    throw new StoreError(
      'state-corrupt',
      `${path} is not valid JSON; restore it or move the state directory aside`,
      path,
    );
  }
  if (raw === undefined) return false;
  const format: unknown =
    typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).format : undefined;
  if (typeof format !== 'number' || !Number.isInteger(format) || format < 1) {
    throw new StoreError(
      'state-corrupt',
      `${path} has no valid "format" number; restore it or move the state directory aside`,
      path,
    );
  }
  if (format > STATE_FORMAT) {
    throw new StoreError(
      'state-format',
      `the state directory ${stateDir} uses format ${format}, but this stagecraft understands format ${STATE_FORMAT} only; upgrade stagecraft (or pass another --state-dir)`,
      path,
    );
  }
  return true;
}

/** Create the state directory if needed and check its format; throws {@link StoreError}. */
export async function ensureStateDir(stateDir: string): Promise<void> {
  if (await checkFormat(stateDir)) return;
  await mkdir(stateDir, { recursive: true });
  await writeFileAtomic(
    statePaths.format(stateDir),
    `${JSON.stringify({ format: STATE_FORMAT })}\n`,
  );
}

/** Check the format of a state directory before reading it; a missing one reads as empty. */
export async function checkStateDir(stateDir: string): Promise<boolean> {
  return checkFormat(stateDir);
}

/** Create a deployment's folder and meta.json, and open its journal. */
export async function createDeployment(
  stateDir: string,
  meta: DeploymentMeta,
  options: RedactOptions = {},
): Promise<{ dir: string; journal: Journal }> {
  await ensureStateDir(stateDir);
  await mkdir(statePaths.deployments(stateDir), { recursive: true });
  const dir = statePaths.deployment(stateDir, meta.id);
  try {
    await mkdir(dir);
  } catch (error) {
    if (isErrno(error, 'EEXIST'))
      throw new StoreError(
        'deployment-exists',
        `deployment ${meta.id} already exists in ${stateDir}`,
        dir,
      );
    throw error;
  }
  await fsyncDir(statePaths.deployments(stateDir));
  await writeFileAtomic(statePaths.meta(stateDir, meta.id), serialise(meta, options));
  const journal = await Journal.open(statePaths.journal(stateDir, meta.id), options);
  return { dir, journal };
}

function serialise(value: unknown, options: RedactOptions): string {
  return `${JSON.stringify(redactSecrets(value, options.secretValues ?? []), null, 2)}\n`;
}

/**
 * A JSON file of the state dir; `undefined` when it is absent. One that does not parse is a
 * `state-corrupt` StoreError naming the file, followed by `hint` (what the operator can do).
 */
export async function readStateJson(path: string, hint?: string): Promise<unknown> {
  try {
    return await readJsonFile(path);
  } catch {
    const what = `${path} is not valid JSON`;
    throw new StoreError('state-corrupt', hint === undefined ? what : `${what}; ${hint}`, path);
  }
}

/** Read one deployment's meta.json; `undefined` when there is no such deployment. */
export async function readMeta(stateDir: string, id: string): Promise<DeploymentMeta | undefined> {
  return (await readStateJson(statePaths.meta(stateDir, id))) as DeploymentMeta | undefined;
}

const metaQueues = new Map<string, Promise<unknown>>();

/** Merge `patch` into a deployment's meta.json, atomically (serialised per deployment in-process). */
export async function updateMeta(
  stateDir: string,
  id: string,
  patch: Partial<DeploymentMeta>,
  options: RedactOptions = {},
): Promise<void> {
  const path = statePaths.meta(stateDir, id);
  const run = async () => {
    const current = await readMeta(stateDir, id);
    if (current === undefined)
      throw new StoreError('deployment-missing', `no deployment ${id} in ${stateDir}`, path);
    await writeFileAtomic(path, serialise({ ...current, ...patch, id: current.id }, options));
  };
  const next = (metaQueues.get(path) ?? Promise.resolve()).then(run, run);
  metaQueues.set(path, next);
  try {
    await next;
  } finally {
    if (metaQueues.get(path) === next) metaQueues.delete(path);
  }
}

/** Synchronous {@link updateMeta}, for exit paths. */
export function updateMetaSync(
  stateDir: string,
  id: string,
  patch: Partial<DeploymentMeta>,
  options: RedactOptions = {},
): void {
  const path = statePaths.meta(stateDir, id);
  const current = readJsonFileSync(path) as DeploymentMeta | undefined;
  if (current === undefined)
    throw new StoreError('deployment-missing', `no deployment ${id} in ${stateDir}`, path);
  writeFileAtomicSync(path, serialise({ ...current, ...patch, id: current.id }, options));
}

/** Persist the latest snapshot atomically: a crash leaves the previous one intact. */
export async function writeSnapshot(
  stateDir: string,
  id: string,
  stamped: StampedSnapshot,
  options: RedactOptions = {},
): Promise<void> {
  await writeFileAtomic(
    statePaths.snapshot(stateDir, id),
    `${JSON.stringify(redactSecrets(stamped, options.secretValues ?? []))}\n`,
  );
}

/** The latest persisted snapshot of a deployment; `undefined` when none was written. */
export async function readSnapshot(
  stateDir: string,
  id: string,
): Promise<StampedSnapshot | undefined> {
  const path = statePaths.snapshot(stateDir, id);
  const raw = await readStateJson(path, 'the deployment cannot be resumed');
  if (raw === undefined) return undefined;
  const s = raw as Partial<StampedSnapshot>;
  if (
    typeof s.machineVersion !== 'string' ||
    typeof s.configHash !== 'string' ||
    !('snapshot' in s)
  ) {
    throw new StoreError('state-corrupt', `${path} is not a stamped snapshot`, path);
  }
  return raw as StampedSnapshot;
}

/**
 * The status to show: a `running` deployment whose process on this host is gone is `interrupted`.
 * (A `running` one from another host cannot be checked and stays `running`.)
 */
export function effectiveStatus(meta: DeploymentMeta): DeploymentStatus {
  if (meta.status === 'running' && meta.host === hostname() && processIsGone(meta.pid))
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
export async function latestInterrupted(
  stateDir: string,
  environment: string,
): Promise<DeploymentMeta | undefined> {
  for (const meta of await listDeployments(stateDir, environment)) {
    const status = effectiveStatus(meta);
    if (status === 'interrupted') return meta;
    if (status !== 'running') return undefined;
  }
  return undefined;
}
