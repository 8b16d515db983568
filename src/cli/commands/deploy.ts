/**
 * `stagecraft deploy`: the whole deployment. The Ink UI when stdin and stdout are terminals and
 * CI is unset; otherwise line output (`--plain`) or NDJSON (`--json`). Without a terminal and
 * without `--yes`, a plan that would need a confirmation refuses to start (exit 2).
 */
import type { ResolvedPlan } from '../../config/plan-types.js';
import { parseDuration } from '../../config/units.js';
import { MONITORING_DEFAULTS } from '../../config/schema-monitoring.js';
import { usageError } from '../../core/errors.js';
import { exitCodeOf } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadPlan } from '../load-plan.js';
import type { CommonOptions } from '../options.js';
import { deploymentPresent, outputMode, promptsOff, reporterPresent } from '../present.js';
import { hardExit, commandLine, tookOverMessage } from '../run-helpers.js';
import { stateDirFor } from '../state-dir.js';

/** Options of `deploy`. */
export interface DeployOptions extends CommonOptions {
  yes?: boolean;
  plain?: boolean;
  step?: boolean;
  dryRun?: boolean;
  lockWait?: string;
  /** Take over a stale lock (its process is gone on this host) and proceed. */
  forceUnlock?: boolean;
  trace?: boolean;
  /** Overrides `monitoring.watch` for this run. */
  watch?: string;
}

/** The plan with `--watch` in place of `monitoring.watch` (the other monitoring keys as written). */
function withWatch(plan: ResolvedPlan, watch: string | undefined): ResolvedPlan {
  if (watch === undefined) return plan;
  const ms = parseDuration(watch);
  if (ms === undefined)
    throw usageError(`--watch: "${watch}" is not a duration (e.g. 30s, 5m; 0 for no watch)`);
  const monitoring = plan.monitoring ?? {
    onWatchFailure: MONITORING_DEFAULTS.onWatchFailure,
    watchIntervalMs: MONITORING_DEFAULTS.watchIntervalMs,
  };
  return { ...plan, monitoring: { ...monitoring, watchMs: ms } };
}

/** True when the run would stop to ask the operator before a stage. */
function needsConfirmation(plan: ResolvedPlan, step: boolean): boolean {
  return step || plan.confirmStages || plan.stages.some((s) => s.confirm);
}

/** Refuses a run that would ask for a confirmation when there is nobody to ask. */
export function requireAnswerable(
  plan: ResolvedPlan,
  interactive: boolean,
  yes: boolean,
  step: boolean,
  why = 'there is no terminal to ask on',
): void {
  if (!interactive && !yes && needsConfirmation(plan, step))
    throw usageError(
      `this deployment asks for confirmation before a stage, and ${why}: pass --yes to confirm every stage`,
    );
}

/**
 * Says in one line that this run will not prompt although it runs on a terminal (`--plain`,
 * `--json`), and what decides instead.
 */
export function sayPromptsOff(off: string | undefined, io: CliIo): void {
  if (off !== undefined)
    io.stderr.write(
      `stagecraft: ${off}: failures follow policy.onFailure (ask acts as rollback) and other questions take their default; drop it to be asked\n`,
    );
}

export async function deployCommand(opts: DeployOptions, io: CliIo): Promise<number> {
  // The command runner starts while the config loads, and is gone when the command returns.
  const warm = opts.dryRun === true ? undefined : await import('../../runtime/warm-up.js');
  warm?.warmUp();
  try {
    return await runDeploy(opts, io);
  } finally {
    await warm?.coolDown();
  }
}

async function runDeploy(opts: DeployOptions, io: CliIo): Promise<number> {
  const plan = withWatch(await loadPlan(opts, io), opts.watch);
  const mode = outputMode(opts, io);
  const interactive = mode === 'tty' && opts.yes !== true;
  const step = opts.step === true;
  const dryRun = opts.dryRun === true;
  const off = promptsOff(opts, io);
  if (!dryRun) {
    requireAnswerable(plan, interactive, opts.yes === true, step, off);
    sayPromptsOff(off, io);
  }
  let lockWaitMs = 0;
  if (opts.lockWait !== undefined) {
    const ms = parseDuration(opts.lockWait);
    if (ms === undefined)
      throw usageError(`--lock-wait: "${opts.lockWait}" is not a duration (e.g. 30s, 5m)`);
    lockWaitMs = ms;
  }
  const stateDir = stateDirFor(plan, io.cwd, opts.stateDir);
  if (!dryRun) {
    // The store connects while the statecharts load (its failure is reported by the run).
    const { storeOf } = await import('../../runtime/store.js');
    storeOf(plan, stateDir, io.env).catch(() => undefined);
  }
  const { deploy } = await import('../../runtime/deploy.js');
  const { describeHolder } = await import('../../runtime/history.js');
  if (dryRun && mode !== 'json')
    io.stdout.write('dry run: nothing is started, stopped or written\n');
  const present =
    dryRun || mode !== 'tty'
      ? reporterPresent(io, mode === 'json' ? 'json' : 'plain', plan, dryRun ? undefined : stateDir)
      : deploymentPresent(io, mode, plan, stateDir);
  const result = await deploy({
    plan,
    stateDir,
    env: io.env,
    command: dryRun ? 'deploy --dry-run' : commandLine('deploy'),
    present,
    hardExit,
    // A dry run previews the interactive run (its prompts answered), or the --yes one.
    interactive: dryRun ? opts.yes !== true : interactive,
    step,
    dryRun,
    trace: opts.trace === true,
    lock: {
      waitMs: lockWaitMs,
      forceUnlock: opts.forceUnlock === true,
      onWait: (holder) =>
        io.stderr.write(
          `stagecraft: environment ${plan.environment} is locked by ${describeHolder(holder)}; waiting up to ${Math.round(lockWaitMs / 1000)} s (--lock-wait)\n`,
        ),
      onTookOver: (holder) => io.stderr.write(tookOverMessage(describeHolder(holder))),
      onHostTookOver: (host, holder, why) =>
        io.stderr.write(
          `stagecraft: took over the deploy lock on host ${host} from ${describeHolder(holder)} (${why}; --force-unlock)\n`,
        ),
    },
  });
  if (!dryRun) {
    const { removedNotice } = await import('../../runtime/down.js');
    for (const line of await removedNotice(plan, stateDir))
      io.stderr.write(`stagecraft: ${line}\n`);
  }
  if (dryRun && mode !== 'json') {
    const { dryRunSummary } = await import('../../runtime/effects/dry-run.js');
    for (const line of dryRunSummary(plan, result.asked ?? [], opts.yes === true))
      io.stdout.write(`${line}\n`);
  }
  return exitCodeOf(result.outcome);
}
