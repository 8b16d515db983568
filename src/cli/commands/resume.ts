/**
 * `stagecraft resume [id]`: continues an interrupted deployment (kill -9, power loss) from its
 * journal and last snapshot, at stage granularity: the statechart starts again with the same id,
 * journal and lock; services found healthy now are not activated again, completed prepare steps
 * are not re-run, the stage that was running keeps its absolute deadline, and a decision that was
 * pending is asked again when the run reaches it, with its original deadline. A deployment killed
 * while rolling back continues that rollback instead (src/cli/engine/resume-rollback.ts). Without
 * an id: the environment's latest interrupted deployment. A changed config refuses (exit 2) unless
 * --force.
 */
import { hostname } from 'node:os';
import { readSecrets } from '../../adapters/env.js';
import { readJournal } from '../../state/journal.js';
import { readLock, releaseLock } from '../../state/locks.js';
import {
  effectiveStatus,
  latestInterrupted,
  readMeta,
  readSnapshot,
  type DeploymentMeta,
} from '../../state/meta.js';
import { statePaths } from '../../state/layout.js';
import { Masker } from '../../core/mask.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadPlan } from '../load-plan.js';
import type { CommonOptions } from '../options.js';
import { stateDirFor } from '../state-dir.js';
import { UsageError } from '../usage-error.js';
import { operatorName } from '../engine/session.js';
import { needsConfirmation, outputMode } from './deploy.js';

/** Options of `resume`. */
export interface ResumeOptions extends CommonOptions {
  yes?: boolean;
  plain?: boolean;
  force?: boolean;
}

async function pick(
  stateDir: string,
  environment: string,
  id: string | undefined,
): Promise<DeploymentMeta> {
  if (id === undefined) {
    const meta = await latestInterrupted(stateDir, environment);
    if (meta === undefined)
      throw new UsageError(
        `no interrupted deployment of ${environment} to resume (see \`stagecraft history\`)`,
      );
    return meta;
  }
  const meta = await readMeta(stateDir, id);
  if (meta === undefined)
    throw new UsageError(`no deployment ${id} in ${stateDir} (see \`stagecraft history\`)`);
  if (meta.environment !== environment)
    throw new UsageError(
      `deployment ${id} belongs to environment ${meta.environment}, not ${environment}: pass -e ${meta.environment}`,
    );
  return meta;
}

/** A finished deployment is not resumed: say how it ended, and free a lock it left behind. */
async function alreadyFinished(meta: DeploymentMeta, stateDir: string, io: CliIo): Promise<number> {
  const lock = await readLock(stateDir, meta.environment);
  if (lock?.info.deploymentId === meta.id && lock.stale)
    await releaseLock(stateDir, meta.environment, meta.id);
  io.stdout.write(
    `deployment ${meta.id} already finished: ${meta.result ?? meta.status}; nothing to resume\n`,
  );
  return meta.exitCode ?? (meta.status === 'succeeded' ? EXIT.ok : EXIT.failed);
}

/** Runs `resume`; returns the resumed deployment's exit code. */
export async function resumeCommand(
  id: string | undefined,
  opts: ResumeOptions,
  io: CliIo,
): Promise<number> {
  const loaded = await loadPlan(opts, io);
  const stateDir = stateDirFor(loaded, io.cwd, opts.stateDir);
  const meta = await pick(stateDir, loaded.environment, id);
  const status = effectiveStatus(meta);
  if (status === 'running') {
    const where =
      meta.host === hostname()
        ? `pid ${meta.pid}`
        : `host ${meta.host}, pid ${meta.pid}, which cannot be checked from here`;
    io.stderr.write(
      `stagecraft: deployment ${meta.id} is still running (${where}); it cannot be resumed while its process lives\n`,
    );
    return EXIT.locked;
  }
  if (status !== 'interrupted') return alreadyFinished(meta, stateDir, io);
  if (meta.configHash !== loaded.configHash && opts.force !== true) {
    throw new UsageError(
      `the config changed since deployment ${meta.id} started (config hash ${meta.configHash.slice(0, 12)} then, ${loaded.configHash.slice(0, 12)} now): resuming would mix two configs. Deploy again, or pass --force to resume with the current config`,
    );
  }
  const output = outputMode(opts, io);
  const interactive = output === 'tty' && opts.yes !== true;
  if (!interactive && opts.yes !== true && needsConfirmation(loaded, false))
    throw new UsageError(
      'this deployment asks for confirmation before a stage, and there is no terminal to ask on: pass --yes to confirm every stage',
    );

  const secrets = readSecrets(loaded.secretNames, io.env).values;
  const secretValues = Object.values(secrets);
  const [{ entries, tornTail }, stamped] = await Promise.all([
    readJournal(statePaths.journal(stateDir, meta.id)),
    readSnapshot(stateDir, meta.id).catch(() => undefined),
  ]);
  const { analyseJournal, resumeDeadlines } = await import('../engine/resume-analysis.js');
  const facts = analyseJournal(loaded, entries, stamped?.snapshot);
  const { reopenSession } = await import('../engine/resume-session.js');
  const command = ['resume', ...process.argv.slice(3)].join(' ');
  const session = await reopenSession(stateDir, meta, command, new Masker(secretValues));
  if ('locked' in session) {
    io.stderr.write(`stagecraft: ${session.message}\n`);
    return session.exitCode;
  }
  try {
    if (facts.finished !== undefined) {
      // It had finished; only the bookkeeping was cut short.
      const st =
        facts.finished.result === 'succeeded-with-warnings' ? 'succeeded' : facts.finished.result;
      await session.close(
        st as DeploymentMeta['status'],
        facts.finished.result,
        facts.finished.exitCode,
      );
      io.stdout.write(
        `deployment ${meta.id} had finished (${facts.finished.result}) before it stopped; recorded\n`,
      );
      return facts.finished.exitCode;
    }
    const { findAlreadyDone, skipAlreadyDone } = await import('../engine/resume-effects.js');
    const { resumePrevious } = await import('../engine/resume-previous.js');
    const vars: Record<string, string> = {
      ENV: loaded.environment,
      STAGECRAFT_DEPLOYMENT_ID: meta.id,
      ...secrets,
    };
    for (const [k, v] of Object.entries(loaded.vars)) vars[k] = v.value;
    const since = Date.parse(meta.startedAt);
    const previous = facts.previous ?? (await resumePrevious(loaded, stateDir, meta.id, since));
    const colour = output === 'tty' || (io.isTTY === true && io.env.NO_COLOR === undefined);
    // Who resumed, from where, and what this resume found (the journal's record of it).
    const journalResume = (found: Record<string, unknown>) =>
      session.journal.append({
        type: 'resume',
        by: `${operatorName()}@${hostname()}`,
        pid: process.pid,
        phase: facts.phase,
        tornTail,
        ...found,
      });
    if (facts.rollback !== undefined) {
      // It stopped while rolling back: finish that rollback, do not deploy again.
      const rb = facts.rollback;
      await journalResume({ rollbackRestored: rb.restored });
      if (output !== 'json')
        io.stdout.write(
          `resuming ${meta.id} (stopped while rolling back): continuing the rollback; already restored: ${rb.restored.join(', ') || 'none'}\n`,
        );
      const { continueRollback } = await import('../engine/resume-rollback.js');
      return await continueRollback({
        plan: loaded,
        facts: rb,
        previous,
        session,
        stateDir,
        io,
        secrets,
        output,
        colour,
      });
    }
    const done = await findAlreadyDone(loaded, facts, { stateDir, since, vars });
    await journalResume({
      probedHealthy: done.services,
      again: done.again,
      prepared: done.prepared,
      ...(facts.pendingDecision === undefined
        ? {}
        : { pendingDecision: facts.pendingDecision.message }),
    });
    if (output !== 'json') {
      io.stdout.write(`resuming ${meta.id} (stopped while ${facts.phase})\n`);
      io.stdout.write(
        `  found healthy, not activated again: ${done.services.join(', ') || 'none'}\n`,
      );
      for (const a of done.again) io.stdout.write(`  ${a.service}: activated again: ${a.why}\n`);
      if (facts.pendingDecision !== undefined)
        io.stdout.write(
          `  a decision was pending (${facts.pendingDecision.message}): it is asked again when reached\n`,
        );
    }
    const { runDeployment } = await import('../engine/run-deployment.js');
    const deadlines = resumeDeadlines(facts);
    return await runDeployment({
      plan: loaded,
      stateDir,
      io,
      output,
      interactive,
      step: false,
      colour,
      lockWaitMs: 0,
      command,
      resume: {
        session,
        previous,
        wrapEffects: (e) => skipAlreadyDone(e, done),
        ...(deadlines === undefined ? {} : { deadlines }),
      },
    });
  } catch (error) {
    await session.close('interrupted', 'resume-failed', EXIT.failed).catch(() => undefined);
    throw error;
  }
}
