/**
 * What was live before this deployment: the previous release's variables (rollback runs with
 * them) and the process services stagecraft had running.
 */
import type { ResolvedPlan } from '../config/plan-types.js';
import { listServices } from '../adapters/process.js';
import { previousRelease } from '../state/releases.js';
import type { PreviousRelease } from '../record/facts.js';

/** The previous state of the environment, or undefined on a first deployment. */
export async function previousState(
  plan: ResolvedPlan,
  stateDir: string,
): Promise<PreviousRelease | undefined> {
  const [release, services] = await Promise.all([
    previousRelease(stateDir, plan.environment),
    listServices({ stateDir, environment: plan.environment }),
  ]);
  const running = services.filter((s) => s.alive).map((s) => s.service);
  if (release === undefined && running.length === 0) return undefined;
  return {
    release: release?.label ?? 'unrecorded',
    env: release?.vars ?? {},
    running,
    ...(release?.checks === undefined ? {} : { checks: release.checks }),
    ...(release?.skipped === undefined ? {} : { skipped: release.skipped }),
  };
}
