/**
 * `stagecraft status`: every service's health now (primary probe, then readiness), with the
 * process stagecraft started for it when there is one.
 */
import { buildEnv } from '../adapters/env.js';
import { runProbe } from '../adapters/probe.js';
import { listServices } from '../adapters/process.js';
import type { ResolvedPlan, ServiceSpec } from '../config/plan-types.js';
import { secretsOf } from './deploy.js';

/** One service's verdict now. */
export interface StatusRow {
  service: string;
  verdict: 'healthy' | 'unhealthy' | 'no probe';
  detail: string;
  pid?: number;
}

async function probeService(s: ServiceSpec, env: Record<string, string>): Promise<StatusRow> {
  const probes = [...(s.health ? [s.health] : []), ...s.readiness];
  if (probes.length === 0) return { service: s.name, verdict: 'no probe', detail: '' };
  for (const p of probes) {
    const r = await runProbe(p, env, AbortSignal.timeout(p.timeoutMs + 1000));
    if (!r.ok) return { service: s.name, verdict: 'unhealthy', detail: `${p.label}: ${r.detail}` };
  }
  return { service: s.name, verdict: 'healthy', detail: probes.map((p) => p.label).join(', ') };
}

/** The environment's services now, in activation order. */
export async function status(
  plan: ResolvedPlan,
  stateDir: string,
  operatorEnv: NodeJS.ProcessEnv,
): Promise<StatusRow[]> {
  const vars: Record<string, string> = { ENV: plan.environment };
  for (const [k, v] of Object.entries(plan.vars)) vars[k] = v.value;
  const { secrets, mask } = secretsOf(plan, operatorEnv);
  const env = buildEnv(vars, secrets);
  const procs = new Map(
    (await listServices({ stateDir, environment: plan.environment })).map((p) => [p.service, p]),
  );
  return Promise.all(
    plan.activationOrder.flatMap((name) => {
      const spec = plan.services[name];
      if (spec === undefined) return [];
      return [
        probeService(spec, env).then((row) => {
          const p = procs.get(name);
          const masked = { ...row, detail: mask.text(row.detail) };
          return p?.alive ? { ...masked, pid: p.pid } : masked;
        }),
      ];
    }),
  );
}
