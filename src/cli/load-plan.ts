import type { ResolvedPlan } from '../config/plan-types.js';
import type { CliIo } from './io.js';
import type { CommonOptions } from './options.js';

/**
 * Loads the config (`-c` or discovery from the cwd) and resolves it for `-e` with `--var`s.
 * Throws the config layer's ConfigError for anything the operator can fix; run() formats it.
 */
export async function loadPlan(opts: CommonOptions, io: CliIo): Promise<ResolvedPlan> {
  const [{ configTimeoutMs, loadConfig }, { resolvePlan }] = await Promise.all([
    import('../config/load.js'),
    import('../config/resolve.js'),
  ]);
  const loaded = await loadConfig({
    ...(opts.config !== undefined ? { configPath: opts.config } : {}),
    cwd: io.cwd,
    timeoutMs: configTimeoutMs(io.env),
  });
  return resolvePlan(loaded, {
    ...(opts.env !== undefined ? { env: opts.env } : {}),
    vars: opts.var,
    secretsFrom: io.env,
  });
}
