/**
 * `stagecraft deploy`: the whole deployment (PRODUCT.md §4). The Ink UI when stdin and stdout are
 * terminals and CI is unset; otherwise line output (`--plain`) or NDJSON (`--json`). Without a
 * terminal and without `--yes`, a plan that would need a confirmation refuses to start (exit 2).
 */
import { parseDuration } from '../../config/units.js';
import type { ResolvedPlan } from '../../config/plan-types.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadPlan } from '../load-plan.js';
import type { CommonOptions } from '../options.js';
import { stateDirFor } from '../state-dir.js';
import { UsageError } from '../usage-error.js';

/** Options of `deploy`. */
export interface DeployOptions extends CommonOptions {
  yes?: boolean;
  plain?: boolean;
  step?: boolean;
  dryRun?: boolean;
  lockWait?: string;
  /** Take over a stale lock (its process is gone on this host) and proceed. */
  forceUnlock?: boolean;
}

/** True when the run would stop to ask the operator before a stage. */
export function needsConfirmation(plan: ResolvedPlan, step: boolean): boolean {
  return step || plan.confirmStages || plan.stages.some((s) => s.confirm);
}

/** How output is shown: the Ink UI only on a real terminal outside CI. */
export function outputMode(opts: DeployOptions, io: CliIo): 'tty' | 'plain' | 'json' {
  if (opts.json === true) return 'json';
  const terminal = io.isTTY === true && process.stdin.isTTY && io.env.CI === undefined;
  return opts.plain === true || !terminal ? 'plain' : 'tty';
}

export async function deployCommand(opts: DeployOptions, io: CliIo): Promise<number> {
  const plan = await loadPlan(opts, io);
  const output = outputMode(opts, io);
  const interactive = output === 'tty' && opts.yes !== true;
  const step = opts.step === true;
  if (!interactive && opts.yes !== true && opts.dryRun !== true && needsConfirmation(plan, step)) {
    throw new UsageError(
      'this deployment asks for confirmation before a stage, and there is no terminal to ask on: pass --yes to confirm every stage',
    );
  }
  let lockWaitMs = 0;
  if (opts.lockWait !== undefined) {
    const ms = parseDuration(opts.lockWait);
    if (ms === undefined)
      throw new UsageError(`--lock-wait: "${opts.lockWait}" is not a duration (e.g. 30s, 5m)`);
    lockWaitMs = ms;
  }
  const stateDir = stateDirFor(plan, io.cwd, opts.stateDir);
  const { runDeployment } = await import('../engine/run-deployment.js');
  if (opts.dryRun === true) {
    const { dryRunEffects, printRollbackPaths } = await import('../engine/dry-run.js');
    io.stdout.write(`dry run: nothing is started, stopped or written\n`);
    const code = await runDeployment({
      plan,
      stateDir,
      io,
      output: output === 'json' ? 'json' : 'plain',
      interactive: false,
      step,
      colour: false,
      lockWaitMs,
      command: 'deploy --dry-run',
      dryRun: true,
      effects: () => dryRunEffects(plan, (line) => io.stdout.write(`  would ${line}\n`)),
    });
    if (output !== 'json') printRollbackPaths(plan, (line) => io.stdout.write(`${line}\n`));
    return code;
  }
  return runDeployment({
    plan,
    stateDir,
    io,
    output,
    interactive,
    step,
    colour: output === 'tty' || (io.isTTY === true && io.env.NO_COLOR === undefined),
    lockWaitMs,
    forceUnlock: opts.forceUnlock === true,
    command: ['deploy', ...process.argv.slice(3)].join(' '),
  });
}

export { EXIT };
