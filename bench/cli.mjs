// Spawning the built CLI for the scale and readiness benches.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..');
export const generatedDir = join(here, '.generated');
const bin = join(root, 'bin', 'stagecraft.js');
const preload = pathToFileURL(join(here, 'usage-preload.mjs')).href;

/** Runs `cmd args` to completion in `cwd`; wall time in ms. Throws with its stderr unless it exits 0. */
export function timed(cmd, args, { cwd = root, env = process.env } = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  if (r.status !== 0) {
    const how = r.signal ? `was killed by ${r.signal}` : `exited ${r.status}`;
    throw new Error(`${cmd} ${args.join(' ')} ${how}:\n${r.stderr}`);
  }
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs `node bin/stagecraft.js ...args`. With `usageFile`, under bench/usage-preload.mjs, and
 * returns the orchestrator's own process.resourceUsage() as `usage` (its children excluded).
 */
export function stagecraft(args, { usageFile } = {}) {
  if (!usageFile) return timed(process.execPath, [bin, ...args]);
  rmSync(usageFile, { force: true });
  const env = { ...process.env, BENCH_USAGE_FILE: usageFile };
  const r = timed(process.execPath, ['--import', preload, bin, ...args], { env });
  if (!existsSync(usageFile))
    throw new Error(`stagecraft ${args[0]} exited 0 but wrote no resource usage to ${usageFile}`);
  return { ...r, usage: JSON.parse(readFileSync(usageFile, 'utf8')) };
}
