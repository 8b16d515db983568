/**
 * `stagecraft dashboard`: the Grafana dashboard of stagecraft's metrics for every environment
 * of the config, as JSON ready for Grafana's import. It goes to `-o FILE`, else to
 * `monitoring.dashboard.file`, else stdout. A config without `monitoring:` gets the defaults
 * (title `stagecraft · <project>`, the `${DS_PROMETHEUS}` import input, refresh 30s).
 */
import { resolve } from 'node:path';
import { writeOutput } from '../write-output.js';
import type { DashboardSpec } from '../../config/plan-monitoring.js';
import type { ResolvedPlan } from '../../config/plan-types.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { CommonOptions } from '../options.js';

/** Options of `dashboard`. */
export interface DashboardOptions extends CommonOptions {
  output?: string;
}

/** The plan of `-e` (else the first environment) and every environment name of the config. */
async function loadForDashboard(
  opts: DashboardOptions,
  io: CliIo,
): Promise<{ plan: ResolvedPlan; environments: string[] }> {
  const [{ configTimeoutMs, loadConfig }, { resolvePlan }, { listEnvironments }] =
    await Promise.all([
      import('../../config/load.js'),
      import('../../config/resolve.js'),
      import('../../config/environments.js'),
    ]);
  const loaded = await loadConfig({
    ...(opts.config !== undefined ? { configPath: opts.config } : {}),
    cwd: io.cwd,
    timeoutMs: configTimeoutMs(io.env),
  });
  const all = listEnvironments(loaded.config);
  const plan = await resolvePlan(loaded, {
    env: opts.env ?? all[0],
    vars: opts.var,
    secretsFrom: io.env,
  });
  // The chosen environment first: it is the dashboard variable's default.
  return { plan, environments: [plan.environment, ...all.filter((e) => e !== plan.environment)] };
}

/** The dashboard settings of the plan, or the defaults when the config has none. */
async function dashboardSpec(plan: ResolvedPlan): Promise<DashboardSpec> {
  if (plan.monitoring?.dashboard !== undefined) return plan.monitoring.dashboard;
  const { MONITORING_DEFAULTS } = await import('../../config/schema-monitoring.js');
  return {
    title: `stagecraft · ${plan.project}`,
    datasource: MONITORING_DEFAULTS.datasource,
    refresh: MONITORING_DEFAULTS.refresh,
  };
}

/** Prints or writes the dashboard; exit 0, config and path errors exit 2. */
export async function dashboardCommand(opts: DashboardOptions, io: CliIo): Promise<number> {
  const { plan, environments } = await loadForDashboard(opts, io);
  const spec = await dashboardSpec(plan);
  const [{ dashboardFor }, { metricNames }] = await Promise.all([
    import('../../adapters/metrics/dashboard.js'),
    import('../../adapters/metrics/names.js'),
  ]);
  const text = `${JSON.stringify(dashboardFor(spec, metricNames, environments), null, 2)}\n`;
  const target = opts.output !== undefined ? resolve(io.cwd, opts.output) : spec.file;
  if (target === undefined) {
    io.stdout.write(text);
    return EXIT.ok;
  }
  await writeOutput(target, text);
  io.stderr.write(`wrote the dashboard to ${target}\n`);
  return EXIT.ok;
}
