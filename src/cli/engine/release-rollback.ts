/**
 * `stagecraft rollback`: returns an environment to a recorded release with the rollback
 * statechart run as the root actor, under the environment lock, with its own deployment record
 * and journal. In reverse dependency order each service's `rollback` command runs with that
 * release's variables, and each `process` service is restarted with them (or stopped, when that
 * release did not run it) and health-checked again. On success the release is recorded again as
 * the environment's current one.
 */
import { createActor, type InspectionEvent } from 'xstate';
import { readSecrets } from '../../adapters/env.js';
import { Masker } from '../../core/mask.js';
import { recordRelease, type Release } from '../../state/releases.js';
import type { ResolvedPlan } from '../../config/plan-types.js';
import type { RollbackInput, RollbackOutput } from '../../machines/child-types.js';
import { rollbackSteps } from '../../machines/deployment-rollback.js';
import { composeRollback, realEffects } from '../compose.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { journalInspector } from './journal-inspector.js';
import { rollbackRun } from './rollback-run.js';
import { openSession } from './session.js';
import { loadUi } from '../load-ui.js';

/** What `rollback` reports. */
export interface ReleaseRollbackResult {
  exitCode: number;
  deploymentId?: string;
  output?: RollbackOutput;
}

/**
 * The rollback steps that return every service of the plan to `target`, in reverse order.
 * `interactive`: a failing step asks the operator (the terminal UI) instead of being recorded.
 */
export function releaseRollbackInput(
  plan: ResolvedPlan,
  target: Release,
  interactive = false,
): RollbackInput {
  const steps = rollbackSteps(plan, plan.rollbackOrder, {
    env: target.vars,
    running: target.running,
  });
  return {
    steps,
    cleanups: [],
    retries: plan.policy.retries,
    interactive,
    decisionTimeoutMs: plan.policy.decisionTimeoutMs,
  };
}

/** The rollback screen on a terminal (`stagecraft rollback` without --plain/--json). */
export interface RollbackTty {
  /** Who answers the prompts (recorded with each decision). */
  by: string;
  /** Ask on a failing step (false with --yes). */
  interactive: boolean;
}

/**
 * Runs the rollback to `target`; `say` receives one human line per service outcome (not called
 * while the terminal UI shows them instead).
 */
export async function rollbackToRelease(
  plan: ResolvedPlan,
  target: Release,
  opts: {
    stateDir: string;
    io: CliIo;
    command: string;
    say: (line: string) => void;
    tty?: RollbackTty;
  },
): Promise<ReleaseRollbackResult> {
  const secrets = readSecrets(plan.secretNames, opts.io.env).values;
  const session = await openSession(
    plan,
    opts.stateDir,
    opts.command,
    new Masker(Object.values(secrets)),
  );
  if ('locked' in session) {
    opts.io.stderr.write(`stagecraft: ${session.message}\n`);
    return { exitCode: session.exitCode };
  }
  const effects = realEffects({
    plan,
    deploymentId: session.id,
    stateDir: opts.stateDir,
    secrets,
    operatorEnv: opts.io.env,
    logDir: session.logDir,
  });
  // The rollback machine exactly as compose.ts binds it for deployments.
  const logic = composeRollback(effects);
  const journal = journalInspector(session.journal);
  const inspect = (ev: InspectionEvent): void => {
    journal(ev);
    if (ev.type !== '@xstate.event') return;
    const e = ev.event as { type: string; service?: string; state?: string; reason?: string };
    if (opts.tty !== undefined) return;
    if (e.type === 'service.update' && (e.state === 'rolled-back' || e.state === 'rollback-failed'))
      opts.say(`  ${e.service ?? '?'}: ${e.state}${e.reason ? ` (${e.reason})` : ''}`);
  };
  await session.journal.append({ type: 'rollback.target', release: target.label, from: target.id });
  const actor = createActor(logic, {
    input: releaseRollbackInput(plan, target, opts.tty?.interactive ?? false),
    inspect,
  });
  const rollback = rollbackRun(actor, session);
  const ui =
    opts.tty === undefined
      ? undefined
      : (await loadUi(() => import('../../ui/render-rollback.js'))).renderRollback(actor, {
          project: plan.project,
          environment: plan.environment,
          target: `${target.label} (deployment ${target.id})`,
          deploymentId: session.id,
          journalPath: session.journalPath,
          by: opts.tty.by,
          exitCode: (out) => (out.complete ? EXIT.ok : EXIT.manual),
          onInterrupt: rollback.interrupt,
        });
  try {
    const output = await rollback.run();
    // The screen shows its final summary, then unmounts itself.
    await ui?.waitUntilExit();
    if (output.complete) {
      await recordRelease(
        opts.stateDir,
        plan.environment,
        { ...target, id: session.id, at: new Date().toISOString() },
        { secretNames: plan.secretNames, mask: new Masker(Object.values(secrets)) },
      );
      await session.close('succeeded', 'rolled-back', EXIT.ok, { release: target.label });
      return { exitCode: EXIT.ok, deploymentId: session.id, output };
    }
    await session.close('rollback-incomplete', 'rollback-incomplete', EXIT.manual);
    return { exitCode: EXIT.manual, deploymentId: session.id, output };
  } catch (error) {
    ui?.unmount();
    await session.close('failed', 'bug', EXIT.manual);
    throw error;
  } finally {
    rollback.dispose();
  }
}
