/**
 * The release that was live before an interrupted deployment, when its snapshot (which holds the
 * `previous` it started with) was never written: the newest release recorded before it, and the
 * process services running now that were started before it began.
 */
import { listServices } from '../../adapters/process.js';
import { previousRelease } from '../../state/releases.js';
import type { ResolvedPlan } from '../../config/plan-types.js';
import type { PreviousRelease } from '../../machines/deployment-context.js';

/** `previous` for a resumed deployment `id` that started at `since` (epoch ms). */
export async function resumePrevious(
  plan: ResolvedPlan,
  stateDir: string,
  id: string,
  since: number,
): Promise<PreviousRelease | undefined> {
  const [release, services] = await Promise.all([
    previousRelease(stateDir, plan.environment, id),
    listServices({ stateDir, environment: plan.environment }),
  ]);
  const running = services.filter((s) => s.alive && s.startedAt < since).map((s) => s.service);
  if (release === undefined && running.length === 0) return undefined;
  return { release: release?.label ?? 'unrecorded', env: release?.vars ?? {}, running };
}
