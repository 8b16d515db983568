/**
 * `stagecraft resume [id]`: continues an interrupted deployment (kill -9, power loss) from its
 * journal. The journal's facts are folded into the run's record; recovery.ts turns the record and
 * what it finds running now into an explicit resume plan, journaled as `resume.planned`; the same
 * statechart then runs again with that plan as input, under the same id, journal and lock. A run
 * stopped while rolling back continues its rollback. A journal written by another version of the
 * statecharts is refused unless `--force`; one of an unknown format always.
 */
import { hostname } from 'node:os';
import type { ResolvedPlan } from '../config/plan-types.js';
import { StagecraftError } from '../core/errors.js';
import { isSameProcess } from '../core/liveness.js';
import type { DeploymentInput } from '../machines/deployment/index.js';
import { FACTS_VERSION, MACHINE_VERSION, type Outcome, type StampedFact } from '../record/facts.js';
import { foldFacts, type RunRecord } from '../record/fold.js';
import { effectiveStatus, latestInterrupted, type DeploymentMeta } from '../state/meta.js';
import type { Store } from '../state/store.js';
import { composeDeployment, composeRollback } from './compose.js';
import { orphanFacts, secretsOf, type DeployOptions, type RunResult } from './deploy.js';
import { drive } from './driver.js';
import { commandVars, realEffects } from './effects/real.js';
import { hostOf, remoteServiceAlive, stopLeftoverRemoteCommands } from './effects/remote.js';
import { planRecovery } from './recovery.js';
import { rollbackRunOutcome } from './rollback.js';
import { operatorName, reopenSession, statusOf } from './session.js';
import { storeOf } from './store.js';

/** Options of `resume`. */
export interface ResumeOptions extends Omit<DeployOptions, 'step' | 'lock' | 'dryRun'> {
  /** The deployment to resume; default the environment's latest interrupted one. */
  id?: string;
  /** Resume although the config (or the statecharts' version) changed. */
  force: boolean;
}

/** What `resume` found when there was nothing to run. */
export interface NothingToResume {
  deploymentId: string;
  /** It had finished; its outcome (only its bookkeeping may have been cut short). */
  finished: Outcome | { result: string; interrupted: boolean };
  recordedNow: boolean;
}

async function pick(
  store: Store,
  environment: string,
  id: string | undefined,
): Promise<DeploymentMeta> {
  if (id === undefined) {
    const meta = latestInterrupted(await store.listDeployments(environment));
    if (meta === undefined)
      throw new StagecraftError(
        'not-found',
        `no interrupted deployment of ${environment} to resume (see \`stagecraft history\`)`,
      );
    return meta;
  }
  const meta = await store.readMeta(id);
  if (meta === undefined)
    throw new StagecraftError(
      'not-found',
      `no deployment ${id} in ${store.where} (see \`stagecraft history\`)`,
    );
  if (meta.environment !== environment)
    throw new StagecraftError(
      'usage',
      `deployment ${id} belongs to environment ${meta.environment}, not ${environment}: pass -e ${meta.environment}`,
    );
  return meta;
}

/** Refuses a journal this version cannot (or, without --force, should not) resume from. */
function checkVersions(meta: DeploymentMeta, record: RunRecord, force: boolean): void {
  const facts = record.factsVersion ?? meta.factsVersion;
  if (facts === undefined || facts > FACTS_VERSION)
    throw new StagecraftError(
      'state-format',
      `deployment ${meta.id} was journaled by ${facts === undefined ? 'an older' : 'a newer'} stagecraft in a format this one cannot read (${facts === undefined ? 'an inspection trace' : `facts version ${facts}`}); it cannot be resumed. Deploy again (\`stagecraft deploy\`)`,
      { path: meta.id },
    );
  const machine = record.machineVersion ?? meta.machineVersion;
  if (machine !== MACHINE_VERSION && !force)
    throw new StagecraftError(
      'state-format',
      `deployment ${meta.id} was run by statecharts version ${machine}, this stagecraft runs ${MACHINE_VERSION}: resuming could enter states that mean something else. Deploy again, or pass --force to resume anyway`,
    );
}

/** Runs `resume`; a run it continued, or what it found when there was nothing to continue. */
export async function resume(o: ResumeOptions): Promise<RunResult | NothingToResume> {
  const plan: ResolvedPlan = o.plan;
  const store = await storeOf(plan, o.stateDir, o.env);
  const meta = await pick(store, plan.environment, o.id);
  const status = effectiveStatus(meta);
  if (status === 'running') {
    const where =
      store.kind === 'postgres'
        ? `host ${meta.host}, pid ${meta.pid}: it holds the environment's lock in ${store.where}`
        : meta.host === hostname()
          ? `pid ${meta.pid}`
          : `host ${meta.host}, pid ${meta.pid}, which cannot be checked from here`;
    throw new StagecraftError(
      'lock-held',
      `deployment ${meta.id} is still running (${where}); it cannot be resumed while its process lives`,
    );
  }
  if (status !== 'interrupted') {
    const lock = await store.readLock(meta.environment);
    if (lock?.info.deploymentId === meta.id && lock.stale)
      await store.releaseLock(meta.environment, meta.id);
    return {
      deploymentId: meta.id,
      finished: { result: meta.result ?? status, interrupted: meta.interrupted ?? false },
      recordedNow: false,
    };
  }
  if (meta.configHash !== plan.configHash && !o.force)
    throw new StagecraftError(
      'usage',
      `the config changed since deployment ${meta.id} started (config hash ${meta.configHash.slice(0, 12)} then, ${plan.configHash.slice(0, 12)} now): resuming would mix two configs. Deploy again, or pass --force to resume with the current config`,
    );
  const { entries, tornTail } = await store.readJournal(meta.id);
  const history = entries as unknown as StampedFact[];
  const record = foldFacts(history);
  checkVersions(meta, record, o.force);

  const { secrets, mask } = secretsOf(plan, o.env);
  const session = await reopenSession(o.stateDir, store, meta, o.command, mask, plan);
  try {
    if (record.outcome !== undefined) {
      // It had finished; only the bookkeeping was cut short.
      await session.close(record.outcome, statusOf(record.outcome), record.release);
      return { deploymentId: meta.id, finished: record.outcome, recordedNow: true };
    }
    const vars = commandVars({ plan, deploymentId: meta.id, secrets });
    const effects = realEffects({
      plan,
      deploymentId: meta.id,
      stateDir: o.stateDir,
      store,
      gate: session.gate,
      secrets,
      mask,
      operatorEnv: o.env,
      logDir: session.logDir,
    });
    // A step the interrupted run left running on a host is stopped before anything is re-run.
    const leftovers = await stopLeftoverRemoteCommands(plan, meta.id);
    // Probes run where the run runs them: an instance's command probe on its host.
    // A placed `process` instance is looked for on its host (its pid record there).
    const recovery = await planRecovery(
      plan,
      record,
      vars,
      tornTail,
      (probe, signal) => effects.runProbe({ label: `${probe.label}.resume`, probe }, signal),
      (service, pid, procStart) => {
        const host = hostOf(plan, service);
        if (host === undefined) return Promise.resolve(isSameProcess(pid, procStart));
        return remoteServiceAlive(plan, service, host).catch(() => false);
      },
    );
    const planned = {
      type: 'resume.planned' as const,
      by: `${operatorName()}@${hostname()}`,
      pid: process.pid,
      summary: recovery.summary,
    };
    const reconciled = [...leftovers, ...(recovery.kind === 'deploy' ? recovery.warnings : [])].map(
      (message) => ({ type: 'warning' as const, message }),
    );
    const common = {
      history,
      opening: [...orphanFacts(session), planned, ...reconciled],
      session,
      mask,
      present: o.present,
      hardExit: o.hardExit,
      ...(o.trace === undefined ? {} : { trace: o.trace }),
    };
    if (recovery.kind === 'rollback') {
      const reason = `${recovery.reason ?? 'failed'}; rollback resumed after an interruption`;
      const driven = await drive({
        ...common,
        compose: (rec) => composeRollback(effects, rec),
        input: {
          steps: recovery.steps,
          cleanups: recovery.cleanups,
          retries: plan.policy.retries,
          // Nobody may be at the terminal that started it: a failing step is recorded (exit 3).
          interactive: false,
          decisionTimeoutMs: plan.policy.decisionTimeoutMs,
          reason,
        },
        outcome: (out) => {
          const o2 = rollbackRunOutcome(out, reason);
          const restored = [...recovery.restored, ...out.restored];
          return o2.result === 'succeeded'
            ? { result: 'failed', interrupted: false, reason, restored, notRestored: [] }
            : { ...o2, restored };
        },
      });
      return { outcome: driven.outcome, deploymentId: meta.id, journalPath: session.journalPath };
    }
    const input: DeploymentInput = {
      plan,
      deploymentId: meta.id,
      interactive: o.interactive,
      step: false,
      ...(record.previous === undefined ? {} : { previous: record.previous }),
      resume: recovery.plan,
    };
    const driven = await drive({
      ...common,
      compose: (rec) => composeDeployment(effects, rec),
      input,
      outcome: (out) => out,
    });
    return {
      outcome: driven.outcome,
      deploymentId: meta.id,
      journalPath: session.journalPath,
      logDir: session.logDir,
    };
  } catch (error) {
    await session.close(undefined, 'interrupted').catch(() => undefined);
    throw error;
  }
}
