/**
 * `stagecraft rollback [--to <id>]`: rolls the environment back to the release before the current
 * one (or the release recorded by deployment `<id>`), health-checked, with its own journal and
 * lock. On a terminal it asks first unless `--yes` (without one it runs as asked, as in CI).
 * Exit 0 when every service is restored (or the operator said no), 3 when some are not (listed),
 * 4 when locked.
 */
import { confirm } from '../confirm.js';
import { EXIT, exitCodeOf } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadPlan } from '../load-plan.js';
import { loadUi } from '../load-ui.js';
import type { CommonOptions } from '../options.js';
import { isTerminal, outputMode, promptsOff, reporterPresent } from '../present.js';
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
  const { current, target } = await rollbackTarget(plan, stateDir, io.env, opts.to);
  const mode = outputMode(opts, io);
  const what = `${plan.project} → ${plan.environment} back from ${current.label} to ${target.label} (release of deployment ${target.id})`;
  if (opts.yes !== true && isTerminal(io)) {
    const out = mode === 'json' ? process.stderr : process.stdout;
    if (!(await confirm(`Roll ${what}?`, out))) {
      out.write('nothing rolled back\n');
      return EXIT.ok;
    }
  }
  const off = promptsOff(opts, io);
  if (off !== undefined)
    io.stderr.write(
      `stagecraft: ${off}: a rollback step that keeps failing is recorded as not restored; drop it to be asked\n`,
    );
  if (mode !== 'json') io.stdout.write(`rolling ${what}\n`);
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
              journalPath: runPaths(stateDir, run.deploymentId, { plan, env: io.env }).journalPath,
              by: operatorName(),
              exitCodeOf,
            });
            return { finish: () => ui.waitUntilExit() };
          }
        : reporterPresent(io, mode, plan, stateDir),
  });
  return exitCodeOf(result.outcome);
}
