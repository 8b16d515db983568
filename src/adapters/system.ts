/** Hardware facts for the `prerequisites.hardware` checks (node:os and fs.statfs). */
import { statfs } from 'node:fs/promises';
import { availableParallelism, totalmem } from 'node:os';

/** Free space of one path: bytes available to an unprivileged user, or an error text. */
export interface DiskFact {
  path: string;
  freeBytes: number | null;
  error?: string;
}

/** CPU count, total memory and the free space of each path. Never throws for a bad path. */
export async function systemFacts(
  paths: string[],
): Promise<{ cpus: number; memoryBytes: number; disks: DiskFact[] }> {
  const disks = await Promise.all(
    paths.map(async (path): Promise<DiskFact> => {
      try {
        const fs = await statfs(path);
        return { path, freeBytes: fs.bavail * fs.bsize };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const reason = code === 'ENOENT' ? 'path does not exist' : (error as Error).message;
        return { path, freeBytes: null, error: `cannot read free space of ${path}: ${reason}` };
      }
    }),
  );
  return { cpus: availableParallelism(), memoryBytes: totalmem(), disks };
}
