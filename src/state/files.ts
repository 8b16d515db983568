/**
 * Durable file helpers for the state directory (node built-ins only): atomic writes (temporary
 * file, fsync, rename, fsync of the folder), JSON reads, the one per-file write queue, and the
 * translation of file-system failures into errors the operator can act on.
 */
import * as fs from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { errnoCode, StagecraftError } from '../core/errors.js';

/** The temporary name used while writing `path` atomically; leftovers end in `.tmp`. */
function tmpPathFor(path: string): string {
  return join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
}

/** True when `error` is a Node system error with the given code. */
export function isErrno(error: unknown, code: string): boolean {
  return errnoCode(error) === code;
}

const ioReasons: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  ENAMETOOLONG: 'the name is too long for the file system',
  EMFILE: 'too many open files',
};

/**
 * A file-system failure on `path` as an operator's problem (`state-io`): what, where and what to
 * do. Errors without a known errno code are returned as they are (they are bugs).
 */
export function stateIoError(error: unknown, path: string, doing = 'write'): unknown {
  const code = errnoCode(error);
  const reason = code === undefined ? undefined : ioReasons[code];
  if (reason === undefined) return error;
  return new StagecraftError(
    'state-io',
    `cannot ${doing} ${path}: ${reason} (${code}); fix the state folder or pass --state-dir PATH`,
    { path, cause: error },
  );
}

/** Runs `fn`, turning a file-system failure on `path` into a `state-io` error. */
export async function onPath<T>(path: string, doing: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw stateIoError(error, path, doing);
  }
}

/** fsync a folder, so a rename or a new file in it survives a power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Synchronous {@link fsyncDir}, for exit paths. */
export function fsyncDirSync(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** `mkdir -p`, as an operator's problem when it fails. */
export async function ensureDir(dir: string): Promise<void> {
  await onPath(dir, 'create the folder', () => mkdir(dir, { recursive: true }));
}

/**
 * Replace `path` with `data` atomically: a reader sees either the old content or the new one,
 * never a mix, even after a crash (tmp + fsync + rename + fsync(dir)).
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = tmpPathFor(path);
  await onPath(path, 'write', async () => {
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } catch (error) {
      await handle.close();
      await rm(tmp, { force: true });
      throw error;
    }
    await handle.close();
    try {
      await rename(tmp, path);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    await fsyncDir(dirname(path));
  });
}

/** Synchronous {@link writeFileAtomic}, for exit paths (signal handlers). */
export function writeFileAtomicSync(path: string, data: string): void {
  const tmp = tmpPathFor(path);
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeFileSync(fd, data, 'utf8');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path);
  fsyncDirSync(dirname(path));
}

/** Read and parse a JSON file; `undefined` when it does not exist. Parse errors are thrown. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw stateIoError(error, path, 'read');
  }
  return JSON.parse(text) as unknown;
}

/** Synchronous {@link readJsonFile}. */
export function readJsonFileSync(path: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
  return JSON.parse(text) as unknown;
}

/**
 * A JSON file of the state dir; `undefined` when it is absent. One that does not parse is a
 * `state-corrupt` error naming the file, followed by `hint` (what the operator can do).
 */
export async function readStateJson(path: string, hint?: string): Promise<unknown> {
  let raw: unknown;
  try {
    raw = await readJsonFile(path);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const what = `${path} is not valid JSON`;
    throw new StagecraftError('state-corrupt', hint === undefined ? what : `${what}; ${hint}`, {
      path,
    });
  }
  return raw;
}

const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` after every earlier call for the same `key` (a file path) has settled: the one write
 * queue of the state directory, so read-modify-write updates from parallel effects of one
 * orchestrator never lose each other's changes.
 */
export async function serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(fn, fn);
  queues.set(key, next);
  try {
    return await next;
  } finally {
    if (queues.get(key) === next) queues.delete(key);
  }
}

const OPEN_FLAGS = {
  r: fs.constants.O_RDONLY,
  w: fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC,
  a: fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND,
} as const;

/**
 * Opens a state file that must be a regular file: a FIFO, device or symlink planted at its path
 * is refused at once (an open of a FIFO blocks until someone opens its other end, and stopped a
 * whole command while it held the lock). Throws an error with code ENOTREG for those.
 */
export function openRegularSync(path: string, mode: keyof typeof OPEN_FLAGS): number {
  let fd: number;
  try {
    fd = fs.openSync(
      path,
      OPEN_FLAGS[mode] | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK,
      0o644,
    );
  } catch (error) {
    throw symlinkRefused(path, error);
  }
  if (!fs.fstatSync(fd).isFile()) {
    fs.closeSync(fd);
    throw notRegular(path);
  }
  return fd;
}

/** {@link openRegularSync}, as a promise of a FileHandle. */
export async function openRegular(
  path: string,
  mode: keyof typeof OPEN_FLAGS,
): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(
      path,
      OPEN_FLAGS[mode] | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK,
      0o644,
    );
  } catch (error) {
    throw symlinkRefused(path, error);
  }
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    throw notRegular(path);
  }
  return handle;
}

function notRegular(path: string, what = 'a FIFO, device or folder'): Error {
  return Object.assign(new Error(`${path} is not a regular file (${what}): remove it`), {
    code: 'ENOTREG',
  });
}

/** O_NOFOLLOW's ELOOP names a symlink at the path itself: said as such, not as a loop. */
function symlinkRefused(path: string, error: unknown): unknown {
  return (error as NodeJS.ErrnoException).code === 'ELOOP'
    ? notRegular(path, 'a symbolic link, which state files never follow')
    : error;
}
