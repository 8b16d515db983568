/**
 * `stagecraft resume [id]`: continues an interrupted deployment (kill -9, power loss) from its
 * journal: the resume plan (what is re-checked by probing, what runs again) is journaled and
 * shown, then the deployment goes on under the same id, journal and lock. Without an id: the
 * environment's latest interrupted deployment. A changed config refuses (exit 2) unless --force.
 */
import { exitCodeOf } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadPlan } from '../load-plan.js';
import type { CommonOptions } from '../options.js';
import { deploymentPresent, outputMode, promptsOff } from '../present.js';
import { commandLine, hardExit } from '../run-helpers.js';
import { stateDirFor } from '../state-dir.js';
import { requireAnswerable, sayPromptsOff } from './deploy.js';

/** Options of `resume`. */
export interface ResumeOptions extends CommonOptions {
  yes?: boolean;
  plain?: boolean;
  force?: boolean;
  trace?: boolean;
}

/** Runs `resume`; returns the resumed deployment's exit code. */
export async function resumeCommand(
  id: string | undefined,
  opts: ResumeOptions,
  io: CliIo,
): Promise<number> {
  // The command runner starts while the config loads, and is gone when the command returns.
  const warm = await import('../../runtime/warm-up.js');
  warm.warmUp();
  try {
    return await runResume(id, opts, io);
  } finally {
    await warm.coolDown();
  }
}

async function runResume(id: string | undefined, opts: ResumeOptions, io: CliIo): Promise<number> {
  const plan = await loadPlan(opts, io);
  const stateDir = stateDirFor(plan, io.cwd, opts.stateDir);
  const mode = outputMode(opts, io);
  const interactive = mode === 'tty' && opts.yes !== true;
  const off = promptsOff(opts, io);
  requireAnswerable(plan, interactive, opts.yes === true, false, off);
  sayPromptsOff(off, io);
  const { resume } = await import('../../runtime/resume.js');
  const r = await resume({
    plan,
    stateDir,
    env: io.env,
    command: commandLine('resume'),
    present: deploymentPresent(io, mode, plan, stateDir),
    hardExit,
    interactive,
    force: opts.force === true,
    trace: opts.trace === true,
    ...(id === undefined ? {} : { id }),
  });
  if ('finished' in r) {
    const { finished } = r;
    if (mode !== 'json')
      io.stdout.write(
        r.recordedNow
          ? `deployment ${r.deploymentId} had finished (${finished.result}) before it stopped; recorded\n`
          : `deployment ${r.deploymentId} already finished: ${finished.result}; nothing to resume\n`,
      );
    const result = finished.result as Parameters<typeof exitCodeOf>[0]['result'];
    return exitCodeOf({ result, interrupted: finished.interrupted });
  }
  return exitCodeOf(r.outcome);
}
