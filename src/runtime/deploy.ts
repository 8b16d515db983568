/**
 * `deploy` (and `deploy --dry-run`): opens the session, reads what was live before, and drives
 * the deployment statechart with real (or simulated) effects. Thin: the statechart decides, the
 * driver records, the presenter shows.
 */
import { hostname } from 'node:os';
import { withLayerStages } from '../config/resolve.js';
import type { ResolvedPlan } from '../config/plan-types.js';
import type { DeploymentInput } from '../machines/deployment/index.js';
import {
  FACTS_VERSION,
  MACHINE_VERSION,
  type Fact,
  type Outcome,
  type PendingDecision,
  type RunKind,
} from '../record/facts.js';
import { composeDeployment } from './compose.js';
import { drive, type Present, type ViewSource } from './driver.js';
import type { MonitoringRun } from './monitoring.js';
import { answeringPresent, dryRunEffects } from './effects/dry-run.js';
import { realEffects } from './effects/real.js';
import { planOutline } from './outline.js';
import { previousState } from './previous.js';
import { storeOf } from './store.js';
import { secretsOf } from './secrets.js';
import { openSession, operatorName, type LockOptions, type Session } from './session.js';

export { secretsOf };
import { describeHolder, type LockInfo } from '../state/locks.js';

/** What every run is started with. */
export interface RunOptions {
  plan: ResolvedPlan;
  stateDir: string;
  /** The operator's environment: secrets are read from it, commands inherit it. */
  env: NodeJS.ProcessEnv;
  /** The command line, for the lock and the record. */
  command: string;
  present: Present;
  /** Leaves the process at once (a third SIGINT); src/cli provides it. */
  hardExit: () => void;
  /** Write XState's inspection trace beside the journal. */
  trace?: boolean;
}

/** Options of a deployment. */
export interface DeployOptions extends RunOptions {
  /** A terminal and not --yes (a dry run: not --yes): decisions are asked. */
  interactive: boolean;
  /** --step: confirm before every stage. */
  step: boolean;
  lock?: LockOptions;
  dryRun?: boolean;
}

/** Where a run's files are, for the final screen and the messages. */
interface RunPlaces {
  deploymentId: string;
  journalPath?: string;
  logDir?: string;
}

/** The result of a run. */
export interface RunResult extends RunPlaces {
  outcome: Outcome;
  /** A dry run: the prompts it was asked (and answered), in order. */
  asked?: PendingDecision[];
  /** The stale lock this run took over, if it did. */
  tookOver?: LockInfo;
}

/** The fact that opens every run's record. */
export function startedFact(
  kind: RunKind,
  plan: ResolvedPlan,
  deploymentId: string,
  command: string,
  extra: Pick<Extract<Fact, { type: 'run.started' }>, 'previous' | 'target'> = {},
): Fact {
  return {
    type: 'run.started',
    kind,
    deploymentId,
    project: plan.project,
    environment: plan.environment,
    configHash: plan.configHash,
    factsVersion: FACTS_VERSION,
    machineVersion: MACHINE_VERSION,
    by: operatorName(),
    host: hostname(),
    pid: process.pid,
    command,
    plan: planOutline(plan),
    ...extra,
  };
}

/** The facts after `run.started` that say how the session was opened. */
export function sessionFacts(session: Session | undefined): Fact[] {
  return [
    ...(session?.tookOver === undefined
      ? []
      : [{ type: 'lock.takenOver' as const, from: describeHolder(session.tookOver) }]),
    ...(session?.hostTookOver === undefined
      ? []
      : [{ type: 'lock.takenOver' as const, from: session.hostTookOver }]),
    ...orphanFacts(session),
  ];
}

/** The commands of killed runs this session found still running, and how it stopped them. */
export function orphanFacts(session: Session | undefined): Fact[] {
  return (session?.orphans ?? []).map((o) => ({ type: 'orphan.stopped', ...o }));
}

/** Runs a deployment to its end. */
export async function deploy(o: DeployOptions): Promise<RunResult> {
  // --step and `confirm: stages` gate a plan without stages at each dependency layer.
  const gated = o.step || o.plan.confirmStages ? withLayerStages(o.plan) : o.plan;
  // A dry run says the watch window, it does not wait it out.
  const watchMs = gated.monitoring?.watchMs;
  const plan =
    o.dryRun === true && watchMs !== undefined && gated.monitoring !== undefined
      ? { ...gated, monitoring: { ...gated.monitoring, watchMs: 0 } }
      : gated;
  const { secrets, mask } = secretsOf(plan, o.env);
  const store = o.dryRun === true ? undefined : await storeOf(plan, o.stateDir, o.env);
  const session =
    store === undefined
      ? undefined
      : await openSession(plan, o.stateDir, store, o.command, mask, o.lock);
  try {
    const id = session?.id ?? 'dry-run';
    const previous = session === undefined ? undefined : await previousState(plan, session);
    // A dry run collects the prompts it is asked and answers them.
    const asked: PendingDecision[] | undefined = session === undefined ? [] : undefined;
    const input: DeploymentInput = {
      plan,
      deploymentId: id,
      interactive: o.interactive,
      step: o.step,
      ...(previous === undefined ? {} : { previous }),
    };
    // Metrics, alerts and notifications, only when configured (prom-client is loaded only then).
    const monitored =
      session !== undefined && (plan.monitoring !== undefined || (plan.notify?.length ?? 0) > 0);
    const { monitoringFor } = monitored ? await import('./monitoring.js') : {};
    let monitoring: MonitoringRun | undefined;
    let view: ViewSource | undefined;
    const driven = await drive({
      compose: (record) => {
        if (session === undefined) return composeDeployment(dryRunEffects(plan, record), record);
        const effects = realEffects({
          plan,
          deploymentId: id,
          stateDir: o.stateDir,
          store: session.store,
          gate: session.gate,
          secrets,
          mask,
          operatorEnv: o.env,
          logDir: session.logDir,
          ...(session.hostLockProblem === undefined
            ? {}
            : { hostLockProblem: session.hostLockProblem }),
        });
        const m = monitoringFor?.(plan, {
          deploymentId: id,
          mask,
          env: o.env,
          record,
          view: () => view?.record(),
        });
        monitoring = m;
        return composeDeployment(
          m === undefined
            ? effects
            : { ...effects, notify: (n) => m.notify(n), report: (i, sig) => m.report(i, sig) },
          record,
        );
      },
      input,
      opening: [
        startedFact('deploy', plan, id, o.command, previous === undefined ? {} : { previous }),
        ...sessionFacts(session),
        ...(session === undefined && watchMs !== undefined && watchMs > 0
          ? [
              {
                type: 'dry-run.action' as const,
                text: `watch every service for ${watchMs / 1000} s after verification, before the release is recorded (on failure: ${gated.monitoring?.onWatchFailure ?? 'rollback'}); not simulated`,
              },
            ]
          : []),
      ],
      ...(session === undefined ? {} : { session }),
      mask,
      present: (source, run) => {
        view = source;
        const m = monitoring;
        if (m !== undefined) source.subscribe((fact) => m.observe(fact));
        return (asked === undefined ? o.present : answeringPresent(o.present, asked))(source, run);
      },
      outcome: (output) => output,
      hardExit: o.hardExit,
      ...(o.trace === undefined ? {} : { trace: o.trace }),
    });
    return {
      outcome: driven.outcome,
      deploymentId: id,
      ...(asked === undefined ? {} : { asked }),
      ...(session === undefined
        ? {}
        : { journalPath: session.journalPath, logDir: session.logDir }),
      ...(session?.tookOver === undefined ? {} : { tookOver: session.tookOver }),
    };
  } catch (error) {
    await session?.close(undefined, 'failed').catch(() => undefined);
    throw error;
  }
}
