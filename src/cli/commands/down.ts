/**
 * `stagecraft down`: stops the environment's services in reverse dependency order — each
 * service's `stop` command, and the `process` services stagecraft started. Asks first on a
 * terminal unless `--yes`; takes the environment lock like a deployment.
 */
import { usageError } from '../../core/errors.js';
import { own } from '../../core/own.js';
import { confirm } from '../confirm.js';
import { EXIT, exitCodeOf } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadPlan } from '../load-plan.js';
import { loadUi } from '../load-ui.js';
import type { CommonOptions } from '../options.js';
import { isTerminal, outputMode, reporterPresent } from '../present.js';
import { commandLine, hardExit } from '../run-helpers.js';
import { stateDirFor } from '../state-dir.js';

/** Options of `down`. */
export interface DownOptions extends CommonOptions {
  yes?: boolean;
  plain?: boolean;
  trace?: boolean;
}

export async function downCommand(opts: DownOptions, io: CliIo): Promise<number> {
  const plan = await loadPlan(opts, io);
  const terminal = isTerminal(io);
  if (opts.yes !== true && !terminal)
    throw usageError('down stops every service of the environment: pass --yes to confirm');
  const mode = outputMode(opts, io);
  const stateDir = stateDirFor(plan, io.cwd, opts.stateDir);
  const { down, removedServices } = await import('../../runtime/down.js');
  // Services deployed earlier and since removed from the config are stopped with the rest.
  const removed = await removedServices(plan, stateDir);
  const also = removed.length === 0 ? '' : ` (and ${removed.join(', ')}, no longer in the config)`;
  // On a terminal: the Ink confirmation and a row per service; otherwise lines.
  const ui =
    mode === 'tty'
      ? (await loadUi(() => import('../../ui/down/render.js'))).renderDown({
          project: plan.project,
          environment: plan.environment,
          services: [
            ...removed,
            ...plan.rollbackOrder.filter((n) => own(plan.services, n) !== undefined),
          ],
          confirm: opts.yes !== true,
          exitCodeOf,
        })
      : undefined;
  if (opts.yes !== true) {
    const yes =
      ui === undefined
        ? await confirm(
            `Stop every service of ${plan.project} → ${plan.environment}${also}?`,
            mode === 'json' ? process.stderr : process.stdout,
          )
        : await ui.confirmed;
    if (!yes) {
      await ui?.close();
      if (ui === undefined) io.stdout.write('nothing stopped\n');
      return EXIT.ok;
    }
  }
  try {
    const result = await down({
      plan,
      stateDir,
      env: io.env,
      command: commandLine('down'),
      hardExit,
      trace: opts.trace === true,
      present:
        ui === undefined
          ? reporterPresent(io, mode === 'json' ? 'json' : 'plain', plan, stateDir)
          : (source) => {
              ui.attach(source);
              return { finish: () => ui.finish() };
            },
    });
    for (const n of result.outcome.notRestored ?? [])
      io.stderr.write(`stagecraft: ${n.name}: ${n.reason}\n`);
    // The screen truncates its rows: what was left running is said in full below it.
    if (ui !== undefined && result.outcome.result === 'succeeded-with-warnings')
      io.stderr.write(`stagecraft: ${result.outcome.reason ?? 'finished with warnings'}\n`);
    return exitCodeOf(result.outcome);
  } catch (error) {
    await ui?.close();
    throw error;
  }
}
