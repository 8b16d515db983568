/**
 * Resume re-checks before it re-runs (PRODUCT.md §4.7): every service that began activating in
 * the interrupted deployment is probed now. A service found healthy is not activated again — its
 * activation (or process start) is answered from what is already there, once — and the
 * statechart then confirms it with its normal health check. A service not found healthy is
 * activated again, so activation commands must be idempotent. Completed `prepare` steps are not
 * run again either.
 */
import { buildEnv } from '../../adapters/env.js';
import { runProbe } from '../../adapters/probe.js';
import { listServices, type ServiceListing } from '../../adapters/process.js';
import type { ResolvedPlan, ServiceSpec } from '../../config/plan-types.js';
import type { CommandOutcome } from '../../machines/contracts.js';
import type { Effects } from '../compose.js';
import type { ResumeFacts } from './resume-analysis.js';

/** What resume found already done. */
export interface AlreadyDone {
  /** Services found healthy now: not activated again. */
  services: string[];
  /** Services that began activating but must be activated again, with why. */
  again: Array<{ service: string; why: string }>;
  prepared: string[];
  /** Process services found running, by name (their pid and log are reused). */
  running: Record<string, ServiceListing>;
}

async function probeOnce(
  spec: ServiceSpec,
  env: Record<string, string>,
): Promise<string | undefined> {
  for (const p of [...(spec.health ? [spec.health] : []), ...spec.readiness]) {
    const r = await runProbe(p, env, AbortSignal.timeout(p.timeoutMs + 500)).catch(
      (e: unknown) => ({ ok: false, detail: String(e) }),
    );
    if (!r.ok) return `${p.label}: ${r.detail}`;
  }
  return undefined;
}

/**
 * Probes every started service. `since` is the deployment's start (epoch ms): a process service
 * counts only if the instance running now was started by this deployment, not the old release's.
 */
export async function findAlreadyDone(
  plan: ResolvedPlan,
  facts: ResumeFacts,
  opts: { stateDir: string; since: number; vars: Record<string, string> },
): Promise<AlreadyDone> {
  const listing = new Map(
    (await listServices({ stateDir: opts.stateDir, environment: plan.environment })).map((s) => [
      s.service,
      s,
    ]),
  );
  const env = buildEnv(opts.vars);
  const done: AlreadyDone = { services: [], again: [], prepared: [...facts.prepared], running: {} };
  await Promise.all(
    facts.started.map(async (name) => {
      const spec = plan.services[name];
      if (spec === undefined) return;
      const seen = facts.seenHealthy.includes(name);
      const proc = listing.get(name);
      if (
        spec.kind === 'process' &&
        (proc === undefined || !proc.alive || proc.startedAt < opts.since)
      ) {
        done.again.push({ service: name, why: 'its process from this deployment is not running' });
        return;
      }
      if (spec.kind === 'activate' && !seen) {
        done.again.push({ service: name, why: 'its activation had not been seen healthy' });
        return;
      }
      const hasProbe = spec.health !== undefined || spec.readiness.length > 0;
      const failed = hasProbe
        ? await probeOnce(spec, env)
        : seen
          ? undefined
          : 'no probe, and not seen healthy';
      if (failed !== undefined) {
        done.again.push({ service: name, why: `not healthy now (${failed})` });
        return;
      }
      done.services.push(name);
      if (proc !== undefined && spec.kind === 'process') done.running[name] = proc;
    }),
  );
  done.services.sort((a, b) => facts.started.indexOf(a) - facts.started.indexOf(b));
  return done;
}

const skipped = (what: string): CommandOutcome => ({
  exitCode: 0,
  durationMs: 0,
  timedOut: false,
  canceled: false,
  outputTail: `${what}: already done before the interruption (found healthy), not run again`,
});

/**
 * Effects that answer, once each, the activation of a service found healthy and the completed
 * prepare steps; everything else (health checks included) goes to the real effects.
 */
export function skipAlreadyDone(effects: Effects, done: AlreadyDone): Effects {
  const commands = new Set([
    ...done.services.map((s) => `${s}.activate`),
    ...done.prepared.map((p) => `prepare.${p}`),
  ]);
  const processes = new Map(Object.entries(done.running));
  return {
    ...effects,
    runCommand: async (input, signal) => {
      if (commands.delete(input.label)) return skipped(input.label);
      return effects.runCommand(input, signal);
    },
    startProcess: async (input) => {
      const p = processes.get(input.service);
      if (p !== undefined) {
        processes.delete(input.service);
        return { pid: p.pid, logFile: p.logFile, startedAt: p.startedAt };
      }
      return effects.startProcess(input);
    },
  };
}
