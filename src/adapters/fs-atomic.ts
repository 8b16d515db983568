/**
 * Low-level durable file helpers for the state directory (node built-ins only): atomic writes
 * (temporary file, fsync, rename, fsync of the folder), JSON reads, and "is this pid gone?".
 */
import * as fs from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** The temporary name used while writing `path` atomically; leftovers end in `.tmp`. */
function tmpPathFor(path: string): string {
  return join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
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

/**
 * Replace `path` with `data` atomically: a reader sees either the old content or the new one,
 * never a mix, even after a crash (tmp + fsync + rename + fsync(dir)).
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = tmpPathFor(path);
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
    throw error;
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

/** True when `error` is a Node system error with the given code. */
export function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/**
 * True when process `pid` on this host is gone: no `/proc/<pid>` or a zombie (`Z`/`X`).
 * `kill(pid, 0)` is not enough: killed orphans stay zombies where init does not reap (NOTES.md).
 * Without /proc (macOS), falls back to `kill(pid, 0)`.
 */
export function processIsGone(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  if (fs.existsSync('/proc/self/stat')) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return true;
    }
    // "pid (comm) S ...": comm may hold spaces and parentheses, so take the state after the last ')'.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X' || state === 'x';
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return isErrno(error, 'ESRCH');
  }
}
