// Spawning the built CLI for the scale and readiness benches.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..');
export const generatedDir = join(here, '.generated');
const bin = join(root, 'bin', 'stagecraft.js');
const preload = pathToFileURL(join(here, 'usage-preload.mjs')).href;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

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
  return { ms, endedAt: Date.now(), stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs `node bin/stagecraft.js ...args`. With `usageFile`, under bench/usage-preload.mjs: returns
 * the stagecraft process's own process.resourceUsage() as `usage`, and the CPU time and peak RSS
 * of the Node helpers it started (command runner, log relays) as `helpers`. The commands it runs
 * (here `sleep`) are not counted, as make's are not.
 */
export function stagecraft(args, { usageFile } = {}) {
  if (!usageFile) return timed(process.execPath, [bin, ...args]);
  const dir = dirname(usageFile);
  const helperFiles = () =>
    readdirSync(dir)
      .filter((f) => f.startsWith(`${basename(usageFile)}.helper.`))
      .map((f) => join(dir, f));
  rmSync(usageFile, { force: true });
  for (const f of helperFiles()) rmSync(f, { force: true });
  const env = {
    ...process.env,
    BENCH_USAGE_FILE: usageFile,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${preload}`.trim(),
  };
  const r = timed(process.execPath, [bin, ...args], { env });
  if (!existsSync(usageFile))
    throw new Error(`stagecraft ${args[0]} exited 0 but wrote no resource usage to ${usageFile}`);
  const own = JSON.parse(readFileSync(usageFile, 'utf8'));
  // The runner ends when stagecraft's end closes its stdin: give it a moment to write its usage.
  const until = Date.now() + 2000;
  while (helperFiles().length === 0 && Date.now() < until) Atomics.wait(sleeper, 0, 0, 20);
  Atomics.wait(sleeper, 0, 0, 100);
  const helpers = helperFiles().map((f) => JSON.parse(readFileSync(f, 'utf8')));
  for (const f of helperFiles()) rmSync(f, { force: true });
  const cpu = (u) => u.userCPUTime + u.systemCPUTime;
  return {
    ...r,
    usage: own,
    helpers: {
      count: helpers.length,
      cpuMicros: helpers.reduce((t, u) => t + cpu(u), 0),
      maxRSS: Math.max(0, ...helpers.map((u) => u.maxRSS)),
    },
  };
}
