/**
 * The registry of `process` services stagecraft started, one JSON file per environment
 * (`<state-dir>/processes/<environment>.json`): enough to find, stop and restart exactly those
 * instances later (down, rollback, the next deploy). Written atomically through the state
 * directory's one write queue; secrets are never stored in it.
 */
import { dirname } from 'node:path';
import { StagecraftError } from '../core/errors.js';
import { isSameProcess } from '../core/liveness.js';
import { Masker } from '../core/mask.js';
import { own } from '../core/own.js';
import { ensureDir, readStateJson, serialized, writeFileAtomic } from './files.js';
import { statePaths } from './layout.js';

/** What is remembered about one running service: enough to stop it, and to restart it on rollback. */
export interface RegistryEntry {
  pid: number;
  startedAt: number;
  /** /proc start time of the pid, to recognise pid reuse (absent where /proc is missing). */
  procStart?: number;
  command: string | string[];
  cwd: string;
  /** Non-secret environment the service was started with (variables + the command's env). */
  env: Record<string, string>;
  logFile: string;
  /**
   * The state directory (absolute) and project folder that started it: a registry copied with
   * its folder still names the original, whose processes the copy must not stop.
   */
  stateDir?: string;
  projectDir?: string;
}

/**
 * An earlier instance of `service` that stagecraft refused to stop (its identity could not be
 * proven: no or another start time, no instance tag, a malformed entry) when a new one was
 * started: kept, so that it is neither signalled nor forgotten, and reported until it is gone.
 */
export interface UnprovenEntry {
  service: string;
  entry: RegistryEntry;
  /** When the new instance took its place (ms since the epoch). */
  keptAt: number;
}

/** The file's shape. */
export interface RegistryFile {
  version: 1;
  services: Record<string, RegistryEntry>;
  /** Earlier instances that could not be proven (see {@link UnprovenEntry}); absent when none. */
  unproven?: UnprovenEntry[];
}

/**
 * Records `entry` as the instance of `service`. An entry still recorded for it with another pid
 * is one that stopping refused to forget (its process may live, unproven): it is kept among the
 * `unproven` entries instead of being overwritten. Unproven entries whose process is gone are
 * dropped.
 */
export function recordInstance(
  registry: RegistryFile,
  service: string,
  entry: RegistryEntry,
  now = Date.now(),
): void {
  const earlier = own(registry.services, service);
  const kept = liveUnproven(registry);
  if (earlier !== undefined && earlier.pid !== entry.pid)
    kept.push({ service, entry: earlier, keptAt: now });
  if (kept.length > 0) registry.unproven = kept;
  else delete registry.unproven;
  registry.services[service] = entry;
}

/** The unproven entries whose process may still run (alive, and no other start time recorded). */
export function liveUnproven(registry: RegistryFile): UnprovenEntry[] {
  return (registry.unproven ?? []).filter(
    (u) =>
      typeof u.entry.pid === 'number' &&
      u.entry.pid > 1 &&
      isSameProcess(
        u.entry.pid,
        typeof u.entry.procStart === 'number' ? u.entry.procStart : undefined,
      ),
  );
}

/**
 * What is wrong with one entry as read from the file (undefined when it is well formed): a
 * malformed entry is reported and never acted on. A pid must be a whole number above 1 (0, 1 and
 * negative numbers address whole process groups or every process).
 */
export function entryProblem(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    return 'is not an object';
  const e = entry as Record<string, unknown>;
  if (typeof e.pid !== 'number' || !Number.isInteger(e.pid) || e.pid <= 1)
    return `has pid ${JSON.stringify(e.pid) ?? 'missing'}, which no service stagecraft started can have`;
  if (
    e.procStart !== undefined &&
    (typeof e.procStart !== 'number' || !Number.isInteger(e.procStart) || e.procStart < 0)
  )
    return `has a start time (procStart) that is not a whole number`;
  const command = e.command;
  if (
    typeof command !== 'string' &&
    !(Array.isArray(command) && command.every((c) => typeof c === 'string'))
  )
    return 'has no command';
  for (const key of ['cwd', 'logFile'] as const)
    if (typeof e[key] !== 'string') return `has no ${key}`;
  if (typeof e.env !== 'object' || e.env === null || Array.isArray(e.env)) return 'has no env';
  return undefined;
}

/** Path of an environment's registry file. */
export function registryPath(stateDir: string, environment: string): string {
  return statePaths.registry(stateDir, environment);
}

/** Read the registry; a missing file is an empty registry, a damaged one a `state-corrupt` error. */
export async function readRegistry(path: string): Promise<RegistryFile> {
  const hint = `fix or delete it (the services it lists are then no longer stopped by stagecraft)`;
  const raw = await readStateJson(path, hint);
  if (raw === undefined) return { version: 1, services: {} };
  const services: unknown =
    typeof raw === 'object' && raw !== null ? (raw as { services?: unknown }).services : undefined;
  if (typeof services !== 'object' || services === null || Array.isArray(services))
    throw new StagecraftError('state-corrupt', `${path} is not a process registry; ${hint}`, {
      path,
    });
  for (const [name, entry] of Object.entries(services)) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw new StagecraftError(
        'state-corrupt',
        `${path}: the entry of ${JSON.stringify(name)} is not a process record; ${hint}`,
        { path },
      );
  }
  // Unproven earlier instances are kept as they are; what is not one is dropped (never acted on).
  const kept: unknown = (raw as { unproven?: unknown }).unproven;
  const unproven = Array.isArray(kept)
    ? kept.filter(
        (u): u is UnprovenEntry =>
          typeof u === 'object' &&
          u !== null &&
          typeof (u as UnprovenEntry).service === 'string' &&
          typeof (u as UnprovenEntry).entry === 'object' &&
          (u as UnprovenEntry).entry !== null,
      )
    : [];
  return {
    version: 1,
    services: services as Record<string, RegistryEntry>,
    ...(unproven.length === 0 ? {} : { unproven }),
  };
}

/**
 * Apply `change` to the registry and write the result atomically, after every earlier update of
 * the same file (parallel starts in one orchestrator never lose each other's entries).
 */
export async function updateRegistry<T>(
  path: string,
  change: (registry: RegistryFile) => T,
  mask: Masker = Masker.none,
): Promise<T> {
  return serialized(path, async () => {
    const registry = await readRegistry(path);
    const result = change(registry);
    await ensureDir(dirname(path));
    await writeFileAtomic(path, `${JSON.stringify(mask.value(registry), null, 2)}\n`);
    return result;
  });
}
