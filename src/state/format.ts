/**
 * The state directory's format version (`format.json`): a directory written by a newer
 * stagecraft is refused with one clear message, never misread.
 */
import { StagecraftError } from '../core/errors.js';
import { ensureDir, isErrno, readJsonFile, writeFileAtomic } from './files.js';
import { statePaths } from './layout.js';

/** The state-directory format this version reads and writes. */
const STATE_FORMAT = 1;

/** Check format.json of an existing state dir; `false` when the dir has none yet. */
export async function checkFormat(stateDir: string): Promise<boolean> {
  const path = statePaths.format(stateDir);
  let raw: unknown;
  try {
    raw = await readJsonFile(path);
  } catch (error) {
    if (isErrno(error, 'ENOTDIR') || isErrno(error, 'EISDIR'))
      throw new StagecraftError(
        'state-io',
        `the state directory ${stateDir} is not a directory; pass another --state-dir`,
        { path: stateDir },
      );
    if (error instanceof StagecraftError) throw error;
    throw new StagecraftError(
      'state-corrupt',
      `${path} is not valid JSON; restore it or move the state directory aside`,
      { path },
    );
  }
  if (raw === undefined) return false;
  const format: unknown =
    typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).format : undefined;
  if (typeof format !== 'number' || !Number.isInteger(format) || format < 1) {
    throw new StagecraftError(
      'state-corrupt',
      `${path} has no valid "format" number; restore it or move the state directory aside`,
      { path },
    );
  }
  if (format > STATE_FORMAT) {
    throw new StagecraftError(
      'state-format',
      `the state directory ${stateDir} uses format ${format}, but this stagecraft understands format ${STATE_FORMAT} only; upgrade stagecraft (or pass another --state-dir)`,
      { path },
    );
  }
  return true;
}

/** Create the state directory if needed and check its format. */
export async function ensureStateDir(stateDir: string): Promise<void> {
  if (await checkFormat(stateDir)) return;
  await ensureDir(stateDir);
  await writeFileAtomic(
    statePaths.format(stateDir),
    `${JSON.stringify({ format: STATE_FORMAT })}\n`,
  );
}
