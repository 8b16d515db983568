/**
 * `stagecraft rollback [--to <id>]`: rolls the environment back to the release before the current
 * one (or the release recorded by deployment `<id>`), health-checked, with its own journal and
 * lock. Exit 0 when every service is restored, 3 when some are not (listed), 4 when locked.
 */
import { exitCodeOf } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadPlan } from '../load-plan.js';
import { loadUi } from '../load-ui.js';
import type { CommonOptions } from '../options.js';
import { outputMode, reporterPresent } from '../present.js';
import { commandLine, hardExit } from '../run-helpers.js';
import { stateDirFor } from '../state-dir.js';

/** Options of `rollback`. */
export interface RollbackOptions extends CommonOptions {
  to?: string;
  yes?: boolean;
  plain?: boolean;
  trace?: boolean;
}

/** Runs `rollback`. */
export async function rollbackCommand(opts: RollbackOptions, io: CliIo): Promise<number> {
  const plan = await loadPlan(opts, io);
  const stateDir = stateDirFor(plan, io.cwd, opts.stateDir);
  const { rollbackTarget, rollbackToRelease } = await import('../../runtime/rollback.js');
  const { operatorName } = await import('../../runtime/session.js');
  const { runPaths } = await import('../../runtime/log-tail.js');
  const { current, target } = await rollbackTarget(plan, stateDir, opts.to);
  const mode = outputMode(opts, io);
  if (mode !== 'json')
    io.stdout.write(
      `rolling ${plan.project} → ${plan.environment} back from ${current.label} to ${target.label} (release of deployment ${target.id})\n`,
    );
  const result = await rollbackToRelease({
    plan,
    stateDir,
    env: io.env,
    command: commandLine('rollback'),
    target,
    // On a terminal a step that keeps failing is asked about (unless --yes).
    interactive: mode === 'tty' && opts.yes !== true,
    hardExit,
    trace: opts.trace === true,
    present:
      mode === 'tty'
        ? async (source, run) => {
            const { renderRollback } = await loadUi(() => import('../../ui/rollback/render.js'));
            const ui = renderRollback(source, {
              target: `${target.label} (deployment ${target.id})`,
              journalPath: runPaths(stateDir, run.deploymentId).journalPath,
              by: operatorName(),
              exitCodeOf,
            });
            return { finish: () => ui.waitUntilExit() };
          }
        : reporterPresent(io, mode, plan, stateDir),
  });
  return exitCodeOf(result.outcome);
}
