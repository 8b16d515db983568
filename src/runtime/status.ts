/**
 * `stagecraft status`: every service's health now (primary probe, then readiness), with the
 * process stagecraft started for it when there is one. A `process` service is healthy only while
 * that process runs (the same process: its /proc start time) and, where /proc tells, holds the
 * port its health check reaches: a registered process that is gone is `not running`, whatever a
 * probe of its port says.
 */
import { buildEnv } from '../adapters/env.js';
import { portHolder } from '../adapters/port-holder.js';
import { runProbe } from '../adapters/probe.js';
import { listServices, type ServiceListing } from '../adapters/process.js';
import { logTail } from '../adapters/process-exits.js';
import type { ProbeSpec, ResolvedPlan, ServiceSpec } from '../config/plan-types.js';
import type { ProbeOutcome } from '../machines/effects.js';
import { own } from '../core/own.js';
import { MAX_TIMER_MS } from '../core/timer-limit.js';
import { headline } from '../record/failures.js';
import { probePort } from './effects/probe-port.js';
import { closeSshPool, hostOf, remoteEffects, remoteServiceAlive } from './effects/remote.js';
import { secretsOf } from './deploy.js';

/** One service's verdict now. */
export interface StatusRow {
  service: string;
  verdict: 'healthy' | 'unhealthy' | 'not running' | 'no probe';
  detail: string;
  pid?: number;
}

/** The verdicts that make `status` fail. */
export const failingVerdicts: ReadonlySet<StatusRow['verdict']> = new Set([
  'unhealthy',
  'not running',
]);

type Prober = (p: ProbeSpec, signal: AbortSignal) => Promise<ProbeOutcome>;

async function probeService(s: ServiceSpec, probe: Prober): Promise<StatusRow> {
  const probes = [...(s.health ? [s.health] : []), ...s.readiness];
  if (probes.length === 0) return { service: s.name, verdict: 'no probe', detail: '' };
  for (const p of probes) {
    // Each probe has its own timeout (p.timeoutMs, measured from its request); this is only a
    // safety net, wide enough to include loading the probe's module on a busy machine (with
    // +1 s a loaded machine said "canceled" of a service that answers in 13 ms).
    const r = await probe(p, AbortSignal.timeout(Math.min(2 * p.timeoutMs + 5000, MAX_TIMER_MS)));
    if (!r.ok) return { service: s.name, verdict: 'unhealthy', detail: `${p.label}: ${r.detail}` };
  }
  return { service: s.name, verdict: 'healthy', detail: probes.map((p) => p.label).join(', ') };
}

/** A process service whose process is not running: why, from the registry and its log. */
function notRunning(name: string, p: ServiceListing | undefined): StatusRow {
  if (p === undefined)
    return { service: name, verdict: 'not running', detail: 'no process of it is recorded' };
  const last = headline(logTail(p.logFile));
  const started = new Date(p.startedAt).toISOString();
  return {
    service: name,
    verdict: 'not running',
    detail:
      `its process (pid ${p.pid}, started ${started}) is gone; log: ${p.logFile}` +
      (last === undefined ? '' : `; last output: "${last}"`),
  };
}

/**
 * A running process service whose check passed: the port the check reached must be held by its
 * process group (when /proc tells who holds it).
 */
function heldByOther(
  spec: ServiceSpec,
  row: StatusRow,
  p: ServiceListing,
  all: ServiceListing[],
): StatusRow {
  const target = spec.health === undefined ? undefined : probePort(spec.health);
  if (row.verdict !== 'healthy' || target === undefined) return row;
  const holder = portHolder(target.host, target.port, p.pid);
  if (holder === null || holder === undefined || holder.pgrp === undefined) return row;
  // Its own group, or another service stagecraft runs (a proxy the check goes through).
  if (all.some((other) => other.alive && other.pid === holder.pgrp)) return row;
  const who =
    holder.command === undefined ? `pid ${holder.pid}` : `pid ${holder.pid} (${holder.command})`;
  return {
    ...row,
    verdict: 'unhealthy',
    detail: `port ${target.port} on ${target.host} is held by ${who}, not by its process group`,
  };
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
  const listed = await listServices({ stateDir, environment: plan.environment });
  const procs = new Map(listed.map((p) => [p.service, p]));
  const masked = (row: StatusRow): StatusRow => ({ ...row, detail: mask.text(row.detail) });
  const remote = remoteEffects({ plan, vars: { ...vars, ...secrets }, mask, logFile: () => '' });
  // A command probe of an instance on a host runs there; http and tcp probes run from here.
  const probe: Prober = (p, signal) =>
    p.kind === 'command' && p.command?.host !== undefined
      ? remote.runProbe(p, signal)
      : runProbe(p, env, signal);
  try {
    return await Promise.all(
      plan.activationOrder.flatMap((name) => {
        const spec = own(plan.services, name);
        if (spec === undefined) return [];
        const host = hostOf(plan, name);
        if (host !== undefined) return [remoteRow(plan, spec, host, probe).then(masked)];
        const p = procs.get(name);
        if (spec.kind === 'process' && p?.alive !== true)
          return [Promise.resolve(masked(notRunning(name, p)))];
        return [
          probeService(spec, probe).then((row) => {
            if (p === undefined) return masked(row);
            const checked = spec.kind === 'process' ? heldByOther(spec, row, p, listed) : row;
            const noted =
              p.logTrouble === undefined
                ? checked
                : {
                    ...checked,
                    detail: [checked.detail, p.logTrouble].filter((d) => d !== '').join('; '),
                  };
            return { ...masked(noted), pid: p.pid };
          }),
        ];
      }),
    );
  } finally {
    await closeSshPool();
  }
}

/**
 * An instance on a host: a process service must run there (its pid record proven by its start
 * time) before its probes count; a host that cannot be reached is said so.
 */
async function remoteRow(
  plan: ResolvedPlan,
  spec: ServiceSpec,
  host: NonNullable<ReturnType<typeof hostOf>>,
  probe: Prober,
): Promise<StatusRow> {
  if (spec.kind === 'process') {
    const alive = await remoteServiceAlive(plan, spec.name, host).catch(
      (error: unknown) => `cannot reach ${host.name}: ${(error as Error).message}`,
    );
    if (typeof alive === 'string')
      return { service: spec.name, verdict: 'unhealthy', detail: alive };
    if (!alive)
      return {
        service: spec.name,
        verdict: 'not running',
        detail: `no process of it runs on ${host.name} (its pid record is missing or stale)`,
      };
  }
  return probeService(spec, probe);
}
