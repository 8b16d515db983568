/**
 * How a run is shown: the Ink UI on a real terminal outside CI, otherwise one line per fact
 * (`--plain`) or NDJSON (`--json`). The choice is the CLI's; the presenters read the run's view
 * source only.
 */
import type { ResolvedPlan } from '../config/plan-types.js';
import { escapeControls } from '../core/control-chars.js';
import type { Present } from '../runtime/driver.js';
import { logTailFor, runPaths } from '../runtime/log-tail.js';
import { startReporter } from '../runtime/reporters/reporter.js';
import { secretsOf } from '../runtime/secrets.js';
import { operatorName } from '../runtime/session.js';
import { exitCodeOf } from './exit-codes.js';
import type { CliIo } from './io.js';
import { loadUi } from './load-ui.js';

/** The three ways to show a run. */
export type OutputMode = 'tty' | 'plain' | 'json';

/** Whether the Ink UI can run: stdin and stdout are terminals, and CI is unset. */
export function isTerminal(io: CliIo): boolean {
  return io.isTTY === true && process.stdin.isTTY && io.env.CI === undefined;
}

/** How output is shown: the Ink UI only on a real terminal outside CI. */
export function outputMode(opts: { json?: boolean; plain?: boolean }, io: CliIo): OutputMode {
  if (opts.json === true) return 'json';
  return opts.plain === true || !isTerminal(io) ? 'plain' : 'tty';
}

/**
 * Why a run will not prompt although it could (`--plain` or `--json` on a terminal, without
 * `--yes`), or undefined: the CLI says so in one line, so prompts are never turned off silently.
 */
export function promptsOff(
  opts: { json?: boolean; plain?: boolean; yes?: boolean },
  io: CliIo,
): string | undefined {
  if (opts.yes === true || !isTerminal(io)) return undefined;
  if (opts.json === true) return '--json does not prompt';
  return opts.plain === true ? '--plain does not prompt' : undefined;
}

/** Colour for line output: on a terminal without NO_COLOR. */
function colourWanted(mode: OutputMode, io: CliIo): boolean {
  return mode === 'tty' || (io.isTTY === true && io.env.NO_COLOR === undefined);
}

/** A line or JSON reporter of the run. */
export function reporterPresent(
  io: CliIo,
  mode: 'plain' | 'json',
  plan: ResolvedPlan,
  stateDir: string | undefined,
): Present {
  const { mask } = secretsOf(plan, io.env);
  return (source, run) => ({
    warn: (text) => io.stderr.write(text),
    ...startReporter(source, {
      write: (t) => io.stdout.write(t),
      format: mode,
      colour: colourWanted(mode, io),
      mask,
      exitCodeOf,
      ...(stateDir === undefined
        ? {}
        : { logTail: logTailFor(stateDir, plan.environment, run.deploymentId, 5) }),
    }),
  });
}

/** The presenter of a deployment (deploy, resume): the Ink UI or a reporter. */
export function deploymentPresent(
  io: CliIo,
  mode: OutputMode,
  plan: ResolvedPlan,
  stateDir: string | undefined,
): Present {
  if (mode !== 'tty') return reporterPresent(io, mode, plan, stateDir);
  const { mask } = secretsOf(plan, io.env);
  return async (source, run) => {
    const { renderDeployment } = await loadUi(() => import('../ui/deploy/render.js'));
    const tail =
      stateDir === undefined ? undefined : logTailFor(stateDir, plan.environment, run.deploymentId);
    const ui = renderDeployment(source, {
      exitCodeOf,
      by: operatorName(),
      ...(stateDir === undefined
        ? {}
        : runPaths(stateDir, run.deploymentId, { plan, env: io.env })),
      ...(tail === undefined
        ? {}
        : { logTail: (s: string) => tail(s).map((l) => escapeControls(mask.text(l))) }),
    });
    return {
      // The terminal is gone: stop drawing (and reading keys) now, not at the end of the run.
      detach: () => ui.unmount(),
      warn: (text) => io.stderr.write(text),
      finish: async () => {
        // The app exits itself once it rendered the final screen; a short bound in case it cannot.
        await Promise.race([ui.waitUntilExit(), new Promise((r) => setTimeout(r, 2000))]);
        ui.unmount();
        await ui.waitUntilExit().catch(() => undefined);
      },
    };
  };
}
