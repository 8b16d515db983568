/** Test helpers: throwaway config projects in temp dirs, and ConfigError capture. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { resolvePlan } from '../../src/config/resolve.js';
import type { ResolveOptions } from '../../src/config/resolve.js';

const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Writes `files` (relative path → text) into a fresh temp dir and returns the dir. */
export async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-config-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  }
  return dir;
}

/** The ConfigError `work` rejects with; fails when it resolves or throws anything else. */
export async function configError(work: Promise<unknown>): Promise<ConfigError> {
  try {
    await work;
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError, but it succeeded');
}

/** Loads a YAML config text and resolves its plan. */
export async function planOf(
  yaml: string,
  opts: ResolveOptions = {},
  extra: Record<string, string> = {},
) {
  const dir = await project({ 'stagecraft.config.yaml': yaml, ...extra });
  return resolvePlan(await loadConfig({ cwd: dir }), opts);
}

/** The ConfigError of loading + resolving a YAML config text. */
export async function errorOf(
  yaml: string,
  opts: ResolveOptions = {},
  extra: Record<string, string> = {},
) {
  return configError(planOf(yaml, opts, extra));
}

/** A minimal valid service block. */
export const ONE_SERVICE = 'services:\n  api:\n    activate: "true"\n';
