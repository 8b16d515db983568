/**
 * The one way tests copy a project folder (an example, a fixture stack) into a temp dir: never
 * its `.stagecraft/` state folder, at any depth. Someone may have deployed the example in place
 * (the README's own set-up does): its journals, locks and process registry are theirs, and a test
 * that copied them would read their runs and stop their services. The copy is checked afterwards,
 * so a change to the filter cannot let one through silently.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve, sep } from 'node:path';

/** The state folder stagecraft keeps beside a config file by default. */
export const STATE_FOLDER = '.stagecraft';

/** Paths below `dir` (relative to it) that are named like a state folder. */
export function stateFoldersIn(dir: string): string[] {
  const found: string[] = [];
  const walk = (at: string): void => {
    for (const e of readdirSync(at, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const path = join(at, e.name);
      if (e.name === STATE_FOLDER) found.push(relative(dir, path));
      else walk(path);
    }
  };
  walk(dir);
  return found;
}

/**
 * Copies the project folder `source` into a fresh temp dir (`stagecraft-<name>-XXXX`) without any
 * state folder, and returns the copy's path. Throws when `source` is not a folder, or when the
 * copy holds a state folder after all.
 */
export async function copyProjectFolder(source: string): Promise<string> {
  const from = resolve(source);
  if (!existsSync(from) || !statSync(from).isDirectory())
    throw new Error(`copyProjectFolder: ${from} is not a folder`);
  const dir = await mkdtemp(join(tmpdir(), `stagecraft-${basename(from)}-`));
  await cp(from, dir, {
    recursive: true,
    filter: (path) => !relative(from, path).split(sep).includes(STATE_FOLDER),
  });
  const leaked = stateFoldersIn(dir);
  if (leaked.length > 0)
    throw new Error(`copyProjectFolder: the copy of ${from} holds ${leaked.join(', ')}`);
  return dir;
}
