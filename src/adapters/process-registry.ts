/**
 * The registry of `process` services stagecraft started, one JSON file per environment:
 * `<stateDir>/processes/<environment>.json`. Written atomically (tmp + rename); updates from
 * parallel starts in the same orchestrator are serialised per file.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

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
}

/** The file's shape. */
export interface RegistryFile {
  version: 1;
  services: Record<string, RegistryEntry>;
}

/** Path of an environment's registry file. */
export function registryPath(stateDir: string, environment: string): string {
  return join(stateDir, 'processes', `${environment}.json`);
}

/** Read the registry; a missing file is an empty registry, an unreadable one an Error naming the file. */
export async function readRegistry(path: string): Promise<RegistryFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, services: {} };
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<RegistryFile>;
    return { version: 1, services: parsed.services ?? {} };
  } catch {
    throw new Error(`process registry ${path} is not valid JSON: fix or delete it`);
  }
}

const queues = new Map<string, Promise<unknown>>();

/** Apply `change` to the registry under a per-file lock and write the result atomically. */
export async function updateRegistry<T>(
  path: string,
  change: (registry: RegistryFile) => T,
): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve();
  const next = previous
    .catch(() => undefined)
    .then(async () => {
      const registry = await readRegistry(path);
      const result = change(registry);
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(tmp, `${JSON.stringify(registry, null, 2)}\n`, { mode: 0o600 });
      await rename(tmp, path);
      return result;
    });
  queues.set(path, next);
  try {
    return await next;
  } finally {
    if (queues.get(path) === next) queues.delete(path);
  }
}
