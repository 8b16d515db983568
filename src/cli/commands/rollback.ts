/**
 * `stagecraft rollback [--to <id>]`: rolls the environment back to the release before the current
 * one (or the release recorded by deployment `<id>`), health-checked, with its own journal and
 * lock. Exit 0 when every service is restored, 3 when some are not (listed), 4 when locked.
 */
import { findRelease, listReleases } from '../../state/releases.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadPlan } from '../load-plan.js';
import type { CommonOptions } from '../options.js';
import { stateDirFor } from '../state-dir.js';
import { UsageError } from '../usage-error.js';
import { operatorName } from '../engine/session.js';
import { outputMode } from './deploy.js';

/** Options of `rollback`. */
export interface RollbackOptions extends CommonOptions {
  to?: string;
  yes?: boolean;
  plain?: boolean;
}

/** Runs `rollback`. */
export async function rollbackCommand(opts: RollbackOptions, io: CliIo): Promise<number> {
  const plan = await loadPlan(opts, io);
  const stateDir = stateDirFor(plan, io.cwd, opts.stateDir);
  const releases = await listReleases(stateDir, plan.environment);
  const current = releases[0];
  if (current === undefined)
    throw new UsageError(
      `no release of ${plan.environment} is recorded yet: there is nothing to roll back to`,
    );
  const target =
    opts.to === undefined ? releases[1] : await findRelease(stateDir, plan.environment, opts.to);
  if (target === undefined) {
    throw new UsageError(
      opts.to === undefined
        ? `${plan.environment} has only one recorded release (${current.label}, deployment ${current.id}): there is no previous one to roll back to`
        : `deployment ${opts.to} recorded no release of ${plan.environment}; releases: ${releases.map((r) => `${r.id} (${r.label})`).join(', ')}`,
    );
  }
  const json = opts.json === true;
  const say = (line: string) => {
    if (!json) io.stdout.write(`${line}\n`);
  };
  say(
    `rolling ${plan.project} → ${plan.environment} back from ${current.label} to ${target.label} (release of deployment ${target.id})`,
  );
  const { rollbackToRelease } = await import('../engine/release-rollback.js');
  const command = ['rollback', ...process.argv.slice(3)].join(' ');
  // On a terminal the Ink screen shows each service and asks when a step keeps failing.
  const tty =
    outputMode(opts, io) === 'tty'
      ? { by: operatorName(), interactive: opts.yes !== true }
      : undefined;
  const r = await rollbackToRelease(plan, target, {
    stateDir,
    io,
    command,
    say,
    ...(tty === undefined ? {} : { tty }),
  });
  if (r.output === undefined) return r.exitCode;
  const notRestored = r.output.notRestored;
  if (json) {
    io.stdout.write(
      `${JSON.stringify({ type: 'rollback.finished', deploymentId: r.deploymentId, release: target.label, from: target.id, restored: r.output.restored, notRestored, exitCode: r.exitCode })}\n`,
    );
  } else if (r.exitCode === EXIT.ok) {
    say(`rolled back to ${target.label} (exit 0)`);
  } else {
    say(
      `rollback incomplete (exit ${r.exitCode}): restored ${r.output.restored.join(', ') || 'nothing'}`,
    );
    for (const n of notRestored)
      io.stderr.write(`stagecraft: not restored: ${n.name}: ${n.reason}\n`);
  }
  return r.exitCode;
}
