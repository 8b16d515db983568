/**
 * `stagecraft rollback [--to <id>]`: returns an environment to a recorded release with the
 * rollback statechart as the root, under the environment lock, with its own record and journal.
 * In reverse dependency order each service's `rollback` command runs with that release's
 * variables, and each `process` service is restarted with them (or stopped, when that release did
 * not run it) and health-checked again. On success the release is recorded again as the
 * environment's current one. A resumed deployment that was rolling back continues here too.
 */
import type { ResolvedPlan } from '../config/plan-types.js';
import { StagecraftError } from '../core/errors.js';
import { rollbackSteps } from '../machines/deployment/index.js';
import type { RollbackInput, RollbackOutput } from '../machines/rollback/index.js';
import type { Outcome } from '../record/facts.js';
import type { Release } from '../state/releases.js';
import { composeRollback } from './compose.js';
import { secretsOf, sessionFacts, startedFact, type RunOptions, type RunResult } from './deploy.js';
import { drive } from './driver.js';
import { realEffects } from './effects/real.js';
import { openSession } from './session.js';
import { storeOf } from './store.js';

/**
 * The rollback steps that return every service of the plan to `target`, in reverse order.
 * `interactive`: a failing step asks the operator instead of being recorded.
 */
function releaseRollbackInput(
  plan: ResolvedPlan,
  target: Pick<Release, 'vars' | 'running' | 'checks' | 'skipped'>,
  interactive = false,
): RollbackInput {
  const steps = rollbackSteps(plan, plan.rollbackOrder, {
    env: target.vars,
    running: target.running,
    ...(target.checks === undefined ? {} : { checks: target.checks }),
    ...(target.skipped === undefined ? {} : { skipped: target.skipped }),
  });
  return {
    steps,
    cleanups: [],
    retries: plan.policy.retries,
    interactive,
    decisionTimeoutMs: plan.policy.decisionTimeoutMs,
  };
}

/** The outcome of a rollback run from its output. */
export function rollbackRunOutcome(out: RollbackOutput, reason?: string): Outcome {
  if (out.complete)
    return {
      result: 'succeeded',
      interrupted: false,
      restored: out.restored,
      ...(reason === undefined ? {} : { reason }),
    };
  return {
    result: 'rollback-incomplete',
    interrupted: out.interrupted,
    reason: reason === undefined ? 'rollback incomplete' : `${reason}; rollback incomplete`,
    restored: out.restored,
    notRestored: out.notRestored,
  };
}

/** The release `rollback` returns to: the one before the current one, or deployment `to`'s. */
export async function rollbackTarget(
  plan: ResolvedPlan,
  stateDir: string,
  env: NodeJS.ProcessEnv,
  to: string | undefined,
): Promise<{ current: Release; target: Release }> {
  const releases = await (await storeOf(plan, stateDir, env)).listReleases(plan.environment);
  const current = releases[0];
  if (current === undefined)
    throw new StagecraftError(
      'not-found',
      `no release of ${plan.environment} is recorded yet: there is nothing to roll back to`,
    );
  const target = to === undefined ? releases[1] : releases.find((r) => r.id === to);
  if (target === undefined)
    throw new StagecraftError(
      'not-found',
      to === undefined
        ? `${plan.environment} has only one recorded release (${current.label}, deployment ${current.id}): there is no previous one to roll back to`
        : `deployment ${to} recorded no release of ${plan.environment}; releases: ${releases.map((r) => `${r.id} (${r.label})`).join(', ')}`,
    );
  return { current, target };
}

/** Options of a rollback to a release. */
export interface RollbackOptions extends RunOptions {
  target: Release;
  /** Ask on a step that keeps failing (a terminal, not --yes). */
  interactive: boolean;
}

/** Runs the rollback to `target` under its own session. */
export async function rollbackToRelease(o: RollbackOptions): Promise<RunResult> {
  const { plan, target } = o;
  const { secrets, mask } = secretsOf(plan, o.env);
  const store = await storeOf(plan, o.stateDir, o.env);
  const session = await openSession(plan, o.stateDir, store, o.command, mask);
  const driven = await drive({
    compose: (record) =>
      composeRollback(
        realEffects({
          plan,
          deploymentId: session.id,
          stateDir: o.stateDir,
          store,
          gate: session.gate,
          secrets,
          mask,
          operatorEnv: o.env,
          logDir: session.logDir,
        }),
        record,
      ),
    input: releaseRollbackInput(plan, target, o.interactive),
    opening: [
      startedFact('rollback', plan, session.id, o.command, {
        target: { release: target.label, from: target.id },
      }),
      ...sessionFacts(session),
    ],
    session,
    mask,
    present: o.present,
    outcome: (out) => rollbackRunOutcome(out),
    finalize: async (out, record) => {
      if (!out.complete) return;
      await store.recordRelease(
        plan.environment,
        { ...target, id: session.id, at: new Date().toISOString() },
        { secretNames: plan.secretNames, mask },
      );
      record({ type: 'release.recorded', release: target.label });
    },
    hardExit: o.hardExit,
    ...(o.trace === undefined ? {} : { trace: o.trace }),
  });
  return { outcome: driven.outcome, deploymentId: session.id, journalPath: session.journalPath };
}
