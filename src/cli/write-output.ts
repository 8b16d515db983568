/** Writing a command's output file (`graph -o`, `dashboard -o`): a path that cannot be written is the operator's to fix. */
import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoCode, errorMessage, usageError } from '../core/errors.js';

/** Writes `text` to `path`; a usage error (exit 2) saying why it cannot. */
export async function writeOutput(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (error) {
    const code = errnoCode(error);
    const why =
      code === 'ENOENT'
        ? `the folder ${dirname(path)} does not exist: create it first`
        : code === 'EISDIR'
          ? 'it is a folder: name a file'
          : code === 'ENOTDIR'
            ? 'a part of the path is a file, not a folder'
            : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
              ? 'permission denied: choose a folder you can write to'
              : errorMessage(error);
    throw usageError(`cannot write ${path}: ${why}`);
  }
}
