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
import { killAllGroups } from '../../adapters/process-groups.js';
import { recordRelease, type Release } from '../../adapters/releases.js';
import type { ResolvedPlan } from '../../config/plan-types.js';
import type { RollbackInput, RollbackOutput } from '../../machines/child-types.js';
import type { rollbackMachine } from '../../machines/rollback.machine.js';
import { composeDeployment, realEffects } from '../compose.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { journalInspector } from './journal-inspector.js';
import { openSession } from './session.js';

/** What `rollback` reports. */
export interface ReleaseRollbackResult {
  exitCode: number;
  deploymentId?: string;
  output?: RollbackOutput;
}

/** The rollback steps that return every service of the plan to `target`, in reverse order. */
export function releaseRollbackInput(plan: ResolvedPlan, target: Release): RollbackInput {
  const steps = plan.rollbackOrder.flatMap((name) => {
    const service = plan.services[name];
    if (service === undefined) return [];
    const env = target.vars[name];
    return [
      {
        service,
        wasRunning: target.running.includes(name),
        ...(env === undefined ? {} : { previousEnv: env }),
      },
    ];
  });
  return { steps, cleanups: [], retries: plan.policy.retries, interactive: false };
}

/** Runs the rollback to `target`; `say` receives one human line per service outcome. */
export async function rollbackToRelease(
  plan: ResolvedPlan,
  target: Release,
  opts: { stateDir: string; io: CliIo; command: string; say: (line: string) => void },
): Promise<ReleaseRollbackResult> {
  const secrets = readSecrets(plan.secretNames, opts.io.env).values;
  const session = await openSession(plan, opts.stateDir, opts.command, Object.values(secrets));
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
  const logic = composeDeployment(effects).implementations.actors
    .rollback as unknown as typeof rollbackMachine;
  const journal = journalInspector(session.journal);
  const inspect = (ev: InspectionEvent): void => {
    journal(ev);
    if (ev.type !== '@xstate.event') return;
    const e = ev.event as { type: string; service?: string; state?: string; reason?: string };
    if (e.type === 'service.update' && (e.state === 'rolled-back' || e.state === 'rollback-failed'))
      opts.say(`  ${e.service ?? '?'}: ${e.state}${e.reason ? ` (${e.reason})` : ''}`);
  };
  await session.journal.append({ type: 'rollback.target', release: target.label, from: target.id });
  const actor = createActor(logic, {
    input: releaseRollbackInput(plan, target),
    inspect,
  });
  const onSignal = (): void => {
    actor.stop();
    killAllGroups();
    session.closeSync('interrupted');
    process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const output = await new Promise<RollbackOutput>((resolve, reject) => {
      actor.subscribe({
        complete: () =>
          resolve(
            actor.getSnapshot().output ?? {
              complete: false,
              restored: [],
              notRestored: [],
              aborted: true,
            },
          ),
        error: reject,
      });
      actor.start();
    });
    if (output.complete) {
      await recordRelease(
        opts.stateDir,
        plan.environment,
        { ...target, id: session.id, at: new Date().toISOString() },
        { secretNames: plan.secretNames, secretValues: Object.values(secrets) },
      );
      await session.close('succeeded', 'rolled-back', EXIT.ok);
      return { exitCode: EXIT.ok, deploymentId: session.id, output };
    }
    await session.close('rollback-incomplete', 'rollback-incomplete', EXIT.manual);
    return { exitCode: EXIT.manual, deploymentId: session.id, output };
  } catch (error) {
    await session.close('failed', 'bug', EXIT.manual);
    throw error;
  } finally {
    killAllGroups();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
