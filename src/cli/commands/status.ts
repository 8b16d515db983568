/**
 * `stagecraft status`: probes every service's health now (primary probe, then readiness) and
 * prints the verdicts. Exit 0 only when every probed service is healthy; a service without a
 * probe is shown as "no probe" and does not count as a failure.
 */
import { buildEnv, readSecrets } from '../../adapters/env.js';
import { runProbe } from '../../adapters/probe.js';
import { listServices } from '../../adapters/process.js';
import type { ServiceSpec } from '../../config/plan-types.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadPlan } from '../load-plan.js';
import type { CommonOptions } from '../options.js';
import { stateDirFor } from '../state-dir.js';

interface Row {
  service: string;
  verdict: 'healthy' | 'unhealthy' | 'no probe';
  detail: string;
  pid?: number;
}

async function probeService(s: ServiceSpec, env: Record<string, string>): Promise<Row> {
  const probes = [...(s.health ? [s.health] : []), ...s.readiness];
  if (probes.length === 0) return { service: s.name, verdict: 'no probe', detail: '' };
  for (const p of probes) {
    const r = await runProbe(p, env, AbortSignal.timeout(p.timeoutMs + 1000));
    if (!r.ok) return { service: s.name, verdict: 'unhealthy', detail: `${p.label}: ${r.detail}` };
  }
  return { service: s.name, verdict: 'healthy', detail: probes.map((p) => p.label).join(', ') };
}

export async function statusCommand(opts: CommonOptions, io: CliIo): Promise<number> {
  const plan = await loadPlan(opts, io);
  const vars: Record<string, string> = { ENV: plan.environment };
  for (const [k, v] of Object.entries(plan.vars)) vars[k] = v.value;
  const env = buildEnv(vars, readSecrets(plan.secretNames, io.env).values);
  const stateDir = stateDirFor(plan, io.cwd, opts.stateDir);
  const procs = new Map(
    (await listServices({ stateDir, environment: plan.environment })).map((p) => [p.service, p]),
  );
  const rows = await Promise.all(
    plan.activationOrder.map(async (name) => {
      const row = await probeService(plan.services[name] as ServiceSpec, env);
      const p = procs.get(name);
      return p?.alive ? { ...row, pid: p.pid } : row;
    }),
  );
  const ok = rows.every((r) => r.verdict !== 'unhealthy');
  if (opts.json === true) {
    io.stdout.write(`${JSON.stringify({ environment: plan.environment, ok, services: rows })}\n`);
  } else {
    io.stdout.write(`${plan.project} → ${plan.environment}\n`);
    const width = Math.max(...rows.map((r) => r.service.length), 7);
    for (const r of rows) {
      const pid = r.pid === undefined ? '' : ` (pid ${r.pid})`;
      io.stdout.write(`  ${r.service.padEnd(width)}  ${r.verdict.padEnd(9)}  ${r.detail}${pid}\n`);
    }
  }
  return ok ? EXIT.ok : EXIT.failed;
}
