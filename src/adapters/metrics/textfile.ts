/**
 * Writes a run's metrics for node_exporter's textfile collector: `<path>.tmp`, then a rename
 * over `<path>`, so the collector never reads half a file (it reads only `*.prom`). A missing
 * folder is made.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MetricsOutcome, MetricsSource } from './names.js';

/** Writes the source's metrics to `path` atomically; the outcome says where, or why not. */
export async function writeTextfile(source: MetricsSource, path: string): Promise<MetricsOutcome> {
  const tmp = `${path}.tmp`;
  try {
    // Its folder is made as needed (a state folder's `metrics/`, say), as the collector's is not.
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, await source.text(), { mode: 0o644 });
    await rename(tmp, path);
    return { ok: true, detail: `wrote ${path}` };
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const err = error as NodeJS.ErrnoException;
    return {
      ok: false,
      detail: `metrics textfile ${path} not written: ${err.code ?? err.message}`,
    };
  }
}
