/**
 * Resume of a deployment that was killed while it rolled back: the rollback is continued, not the
 * deployment re-run. The services it had not yet restored are rolled back in the order the
 * rollback had (reverse activation), each with the previous release's variables (a process
 * service is restarted with them, or stopped when that release did not run it); the step that was
 * in flight runs again, so rollback commands should be idempotent. The deployment then ends as a
 * rolled-back failure (exit 1), or rollback-incomplete (exit 3) when a step fails.
 */
import { createActor, type InspectionEvent } from 'xstate';
import type { ResolvedPlan } from '../../config/plan-types.js';
import type { RollbackInput, RollbackOutput } from '../../machines/child-types.js';
import type { PreviousRelease } from '../../machines/deployment-context.js';
import { rollbackSteps } from '../../machines/deployment-rollback.js';
import type { ServiceUpdateEvent } from '../../machines/events.js';
import type { DeploymentOutput } from '../../machines/view-types.js';
import type { ViewEvent } from '../../machines/view-events.js';
import { composeRollback, realEffects } from '../compose.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { formatLine, painter } from '../reporters/line-format.js';
import { journalInspector } from './journal-inspector.js';
import type { RollbackFacts } from './resume-analysis.js';
import { rollbackRun } from './rollback-run.js';
import type { Session } from './session.js';

/** The rest of an interrupted rollback: what it had not restored yet, as it had them. */
export function remainingRollbackInput(
  plan: ResolvedPlan,
  facts: RollbackFacts,
  previous: PreviousRelease | undefined,
): RollbackInput {
  const remaining = facts.targets.filter((name) => !facts.restored.includes(name));
  const steps = rollbackSteps(plan, remaining, previous);
  const cleanups =
    facts.scope === 'all'
      ? plan.prepare
          .filter((p) => p.cleanup !== undefined && !facts.cleanedUp.includes(p.name))
          .reverse()
      : [];
  // Nobody answers a rollback-step prompt here: a failing step is recorded (exit 3).
  return { steps, cleanups, retries: plan.policy.retries, interactive: false };
}

/** What the continued rollback needs. */
export interface ContinueRollbackOptions {
  plan: ResolvedPlan;
  facts: RollbackFacts;
  previous: PreviousRelease | undefined;
  session: Session;
  stateDir: string;
  io: CliIo;
  secrets: Record<string, string>;
  output: 'tty' | 'plain' | 'json';
  colour: boolean;
}

/** The deployment's result once its rollback ended. */
export function resumedRollbackResult(facts: RollbackFacts, out: RollbackOutput): DeploymentOutput {
  const reason = `${facts.reason ?? 'failed'}; rollback resumed after an interruption`;
  const restored = [...facts.restored, ...out.restored];
  if (out.complete) return { result: 'failed', exitCode: 1, reason, restored, notRestored: [] };
  return {
    result: 'rollback-incomplete',
    exitCode: 3,
    reason: `${reason}; rollback incomplete`,
    restored,
    notRestored: out.notRestored,
  };
}

/** Continues the rollback under the reopened session; returns the exit code. */
export async function continueRollback(o: ContinueRollbackOptions): Promise<number> {
  const { session, io } = o;
  const paint = painter(o.colour);
  const emit = (e: ViewEvent): void => {
    if (o.output === 'json') {
      const base = { ts: new Date().toISOString(), deploymentId: session.id };
      io.stdout.write(`${JSON.stringify({ ...base, ...e })}\n`);
      return;
    }
    const line = formatLine(e, paint);
    if (line !== undefined) io.stdout.write(`${line}\n`);
  };
  const effects = realEffects({
    plan: o.plan,
    deploymentId: session.id,
    stateDir: o.stateDir,
    secrets: o.secrets,
    operatorEnv: io.env,
    logDir: session.logDir,
  });
  const input = remainingRollbackInput(o.plan, o.facts, o.previous);
  await session.journal.append({
    type: 'rollback.resumed',
    restoredBefore: o.facts.restored,
    remaining: input.steps.map((s) => s.service.name),
  });
  const journal = journalInspector(session.journal);
  const actor = createActor(composeRollback(effects), {
    input,
    inspect: (ev: InspectionEvent) => {
      journal(ev);
      if (ev.type !== '@xstate.event' || ev.actorRef !== actor) return;
      if (ev.event.type !== 'service.update') return;
      const e = ev.event as ServiceUpdateEvent;
      emit({
        type: 'service.state',
        service: e.service,
        stage: o.plan.services[e.service]?.stage ?? '?',
        state: e.state,
        attempt: e.attempt,
        maxAttempts: e.maxAttempts,
        ...(e.verdict === undefined ? {} : { verdict: e.verdict }),
        ...(e.reason === undefined ? {} : { reason: e.reason }),
      });
    },
  });
  const rollback = rollbackRun(actor, session);
  try {
    const out = await rollback.run();
    const result = resumedRollbackResult(o.facts, out);
    emit({ type: 'deployment.finished', ...result });
    await session.close(
      result.exitCode === 1 ? 'failed' : 'rollback-incomplete',
      result.result,
      result.exitCode,
    );
    return result.exitCode;
  } catch (error) {
    await session.close('failed', 'bug', EXIT.manual);
    throw error;
  } finally {
    rollback.dispose();
  }
}
