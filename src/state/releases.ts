/**
 * Releases: what each successful deployment left running in an environment, kept in
 * `<state-dir>/releases/<environment>.json` (a JSON array, oldest first), so a rollback can run
 * with the variables of the release that was live before. Secret values are never stored.
 */
import type { ServiceChecks } from '../config/plan-types.js';
import { StagecraftError } from '../core/errors.js';
import { Masker } from '../core/mask.js';
import { ensureDir, readStateJson, serialized, writeFileAtomic } from './files.js';
import { checkFormat, ensureStateDir } from './format.js';
import { statePaths } from './layout.js';

/** One release of an environment. `id` is the deployment id that recorded it; `at` is ISO 8601. */
export interface Release {
  id: string;
  label: string;
  at: string;
  configHash: string;
  /** Resolved variables per service, secret values excluded. */
  vars: Record<string, Record<string, string>>;
  /** The services that were running (process services stagecraft started) in this release. */
  running: string[];
  /**
   * Each service's checks with this release's variables (probe addresses): a rollback to it probes
   * them. Absent in releases recorded before stagecraft kept them: the current plan's are used.
   */
  checks?: Record<string, ServiceChecks>;
  /**
   * Services skipped in this deployment (an operator's decision after they failed): not part of the
   * release. A rollback to it undoes them without restarting or re-checking them.
   */
  skipped?: string[];
}

/** How to keep secrets out of a recorded release. */
export interface ReleaseSecrets {
  /** Variable names that hold secrets: dropped from `vars`. */
  secretNames?: string[];
  /** Masks secret values wherever they still occur. */
  mask?: Masker;
}

async function readAll(stateDir: string, environment: string): Promise<Release[]> {
  const path = statePaths.release(stateDir, environment);
  const raw = await readStateJson(path, 'restore it or move it aside');
  if (raw === undefined) return [];
  if (!Array.isArray(raw))
    throw new StagecraftError(
      'state-corrupt',
      `${path} is not a list of releases; restore it or move it aside`,
      { path },
    );
  return raw as Release[];
}

/**
 * Record a release of `environment` (atomic replace of the file). Recording the same deployment
 * id again replaces its entry, so a resumed deployment that finalises twice leaves one release.
 */
/** A release as it is kept: secret variables dropped, secret values masked wherever they are. */
export function cleanRelease(release: Release, secrets: ReleaseSecrets = {}): Release {
  const names = new Set(secrets.secretNames ?? []);
  const vars = Object.fromEntries(
    Object.entries(release.vars).map(([service, v]) => [
      service,
      Object.fromEntries(Object.entries(v).filter(([k]) => !names.has(k))),
    ]),
  );
  return (secrets.mask ?? Masker.none).value({ ...release, vars });
}

/**
 * Record a release of `environment` (atomic replace of the file). Recording the same deployment
 * id again replaces its entry, so a resumed deployment that finalises twice leaves one release.
 */
export async function recordRelease(
  stateDir: string,
  environment: string,
  release: Release,
  secrets: ReleaseSecrets = {},
): Promise<void> {
  const path = statePaths.release(stateDir, environment);
  const clean = cleanRelease(release, secrets);
  await serialized(path, async () => {
    await ensureStateDir(stateDir);
    await ensureDir(statePaths.releases(stateDir));
    const all = (await readAll(stateDir, environment)).filter((r) => r.id !== clean.id);
    all.push(clean);
    await writeFileAtomic(path, `${JSON.stringify(all, null, 2)}\n`);
  });
}

/** The environment's releases, newest first (empty when none). */
export async function listReleases(stateDir: string, environment: string): Promise<Release[]> {
  if (!(await checkFormat(stateDir))) return [];
  return (await readAll(stateDir, environment)).reverse();
}

/**
 * Without `beforeId`: the latest release (the one live now, to return to when the current
 * deployment fails). With `beforeId`: the newest release recorded before that one (for
 * `stagecraft rollback`); when `beforeId` names no release (e.g. a failed deployment), the newest
 * release whose deployment id sorts before it (ids are sortable by time).
 */
export function previousRelease(
  newestFirst: readonly Release[],
  beforeId?: string,
): Release | undefined {
  if (beforeId === undefined) return newestFirst[0];
  const index = newestFirst.findIndex((r) => r.id === beforeId);
  if (index >= 0) return newestFirst[index + 1];
  return newestFirst.find((r) => r.id < beforeId);
}
