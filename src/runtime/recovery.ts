/**
 * Recovery: what `resume` does with an interrupted run. From the run's record (its journal,
 * folded) and from observing the world now, it computes the explicit plan the statecharts follow:
 * - an activation journaled as succeeded is never run again: the service re-enters at checking
 *   health (probing is the re-check);
 * - a `process` instance this run started that is still running, and is the same process (its
 *   /proc start time; on its host for a placed one), re-enters at checking health; one that is
 *   gone is started again;
 * - an activation in flight at the interruption (started, no outcome journaled) is probed: found
 *   healthy, it is not run again; otherwise it runs again (activations should be idempotent);
 * - so is an instance whose outcome is unknown (its SSH connection was lost mid-command: the
 *   command may have finished on the host): its probe runs where the instance runs, on its host;
 *   found healthy it is reconciled (not run again, with a warning saying so);
 * - prepare steps journaled as done are not run again; a stage journaled as succeeded is skipped
 *   when every one of its services still answers its probes;
 * - a run stopped while rolling back continues its rollback instead.
 */
import { buildEnv } from '../adapters/env.js';
import { isSameProcess } from '../core/liveness.js';
import { runProbe } from '../adapters/probe.js';
import type { ProbeSpec, ResolvedPlan, ServiceSpec } from '../config/plan-types.js';
import { dataRecord, own } from '../core/own.js';
import { MAX_TIMER_MS } from '../core/timer-limit.js';
import type { ResumePlan } from '../machines/deployment/index.js';
import type { ProbeOutcome } from '../machines/effects.js';
import type { RollbackStep } from '../machines/rollback/index.js';
import { rollbackSteps } from '../machines/deployment/index.js';
import type { ResumeSummary } from '../record/facts.js';
import type { RunRecord } from '../record/fold.js';

/** Runs one probe where it runs (the operator's machine, or the instance's host over SSH). */
export type RecoveryProbe = (probe: ProbeSpec, signal: AbortSignal) => Promise<ProbeOutcome>;

/** Probes a service once (primary probe, then readiness); the reason it is not healthy, if not. */
async function probeOnce(spec: ServiceSpec, probe: RecoveryProbe): Promise<string | undefined> {
  for (const p of [...(spec.health ? [spec.health] : []), ...spec.readiness]) {
    const r = await probe(p, AbortSignal.timeout(Math.min(p.timeoutMs + 500, MAX_TIMER_MS))).catch(
      (e: unknown) => ({ ok: false, detail: String(e) }),
    );
    if (!r.ok) return `${p.label}: ${r.detail}`;
  }
  return undefined;
}

/**
 * Whether a `process` instance's recorded process still runs (default: on this machine, by pid
 * and /proc start time; resume passes one that looks on the instance's host for a placed one).
 */
export type RecoveryLiveness = (
  service: string,
  pid: number,
  procStart: number | undefined,
) => Promise<boolean>;

/** Whether the row's last outcome is unknown: its command's SSH connection was lost. */
const outcomeUnknown = (row: { failure?: { kind: string; lost?: boolean } }): boolean =>
  row.failure?.kind === 'command' && row.failure.lost === true;

const hasProbe = (spec: ServiceSpec): boolean =>
  spec.health !== undefined || spec.readiness.length > 0;

/** How a resumed deployment continues. */
export type Recovery =
  | {
      kind: 'deploy';
      plan: ResumePlan;
      summary: ResumeSummary;
      /** Instances whose unknown outcome a probe reconciled (journaled as warnings). */
      warnings: string[];
    }
  | {
      kind: 'rollback';
      steps: RollbackStep[];
      cleanups: ResolvedPlan['prepare'];
      restored: string[];
      reason: string | undefined;
      summary: ResumeSummary;
    };

/**
 * The recovery of `record` (an unfinished run of `plan`), observing the world now; `probe` runs
 * one probe (default: on this machine, with `vars`; resume passes the run's effects, which run an
 * instance's command probes on its host).
 */
export async function planRecovery(
  plan: ResolvedPlan,
  record: RunRecord,
  vars: Record<string, string>,
  tornTail: boolean,
  probe?: RecoveryProbe,
  liveness?: RecoveryLiveness,
): Promise<Recovery> {
  const alive: RecoveryLiveness =
    liveness ?? ((_service, pid, procStart) => Promise.resolve(isSameProcess(pid, procStart)));
  const env = buildEnv(vars);
  const prober: RecoveryProbe = probe ?? ((p, signal) => runProbe(p, env, signal));
  const phase = record.phase;
  const rb = record.rollback;
  if (rb !== undefined) {
    const restored = rb.steps
      .filter((s) => s.state === 'restored' || s.state === 'resolved-by-hand')
      .map((s) => s.name);
    const remaining = rb.steps.filter((s) => !restored.includes(s.name)).map((s) => s.name);
    const cleanedUp = rb.cleanups.filter((c) => c.state === 'restored').map((c) => c.name);
    const cleanups = plan.prepare
      .filter((p) => p.cleanup !== undefined && !cleanedUp.includes(`prepare.${p.name}`))
      .filter(() => rb.scope === 'all')
      .reverse();
    return {
      kind: 'rollback',
      steps: rollbackSteps(plan, remaining, record.previous),
      cleanups,
      restored,
      reason: rb.reason,
      summary: {
        phase,
        prepared: [],
        stagesDone: [],
        services: [],
        rollback: { restored, remaining },
        tornTail,
      },
    };
  }

  const services: ResumePlan['services'] = dataRecord();
  const summary: ResumeSummary['services'] = [];
  const healthy = new Set<string>();
  const warnings: string[] = [];
  await Promise.all(
    record.started.map(async (name) => {
      const spec = own(plan.services, name);
      const row = own(record.services, name);
      if (spec === undefined || row === undefined) return;
      if (spec.kind === 'process') {
        const p = row.process;
        if (p !== undefined && (await alive(name, p.pid, p.procStart))) {
          services[name] = { process: p };
          summary.push({
            service: name,
            entry: 'health',
            why: `its process from this run is running (pid ${p.pid})`,
          });
        } else
          summary.push({
            service: name,
            entry: 'activate',
            why:
              p === undefined ? 'it was being started' : 'its process from this run is not running',
          });
        return;
      }
      if (row.activated !== undefined) {
        services[name] = { activated: true };
        summary.push({
          service: name,
          entry: 'health',
          why: 'its activation was journaled as succeeded',
        });
        return;
      }
      // In flight (or failed, or of unknown outcome): probe before running it again.
      const failed = hasProbe(spec) ? await probeOnce(spec, prober) : 'no probe to check it with';
      const unknown = outcomeUnknown(row);
      const was = unknown
        ? 'its outcome was unknown (connection lost)'
        : 'in flight at the interruption';
      if (failed === undefined) {
        services[name] = { activated: true };
        healthy.add(name);
        summary.push({ service: name, entry: 'health', why: `${was}, found healthy by probing` });
        if (unknown)
          warnings.push(
            `${name}: its outcome was unknown (connection lost); reconciled by probe: found healthy, not run again`,
          );
      } else
        summary.push({
          service: name,
          entry: 'activate',
          why: `${was}, not healthy now (${failed})`,
        });
    }),
  );
  summary.sort((a, b) => record.started.indexOf(a.service) - record.started.indexOf(b.service));

  // A stage journaled as succeeded is skipped only while every one of its services answers.
  const stagesDone: string[] = [];
  for (const stage of record.stages) {
    if (!stage.gate || stage.status !== 'succeeded') break;
    const specs = stage.services.flatMap((n) => {
      const spec = own(plan.services, n);
      return spec === undefined ? [] : [spec];
    });
    const down = await Promise.all(
      specs.map((s) => (hasProbe(s) ? probeOnce(s, prober) : Promise.resolve(undefined))),
    );
    if (down.some((d) => d !== undefined)) break;
    stagesDone.push(stage.name);
  }
  const doneServices = new Set(
    record.stages.filter((s) => stagesDone.includes(s.name)).flatMap((s) => s.services),
  );
  const prepared = record.prepare
    .filter((p) => p.status === 'succeeded' || p.status === 'skipped')
    .map((p) => p.name);
  const running = record.stages.find((s) => s.status === 'running' || s.status === 'verifying');
  const pending = record.pendingDecision;
  const resumePlan: ResumePlan = {
    prepared,
    stagesDone,
    started: [...record.started],
    activated: record.serviceOrder.filter((n) => doneServices.has(n)),
    services,
    ...(running?.deadline === undefined
      ? {}
      : { stageDeadline: { stage: running.name, at: running.deadline } }),
    ...(pending === undefined
      ? {}
      : { decision: { kind: pending.kind, subject: pending.subject, deadline: pending.deadline } }),
  };
  return {
    kind: 'deploy',
    plan: resumePlan,
    summary: { phase, prepared, stagesDone, services: summary, tornTail },
    warnings: warnings.sort(),
  };
}
