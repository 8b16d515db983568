/**
 * What was live before this deployment: the previous release's variables (rollback runs with
 * them) and the process services stagecraft had running.
 */
import type { ResolvedPlan } from '../config/plan-types.js';
import { listServices } from '../adapters/process.js';
import { previousRelease } from '../state/releases.js';
import type { PreviousRelease } from '../record/facts.js';
import { own } from '../core/own.js';
import type { Session } from './session.js';
import { hostOf, remoteServiceAlive } from './effects/remote.js';

/** The previous state of the environment, or undefined on a first deployment. */
export async function previousState(
  plan: ResolvedPlan,
  session: Pick<Session, 'stateDir' | 'store'>,
): Promise<PreviousRelease | undefined> {
  const [releases, services] = await Promise.all([
    session.store.listReleases(plan.environment),
    listServices({ stateDir: session.stateDir, environment: plan.environment }),
  ]);
  const release = previousRelease(releases);
  const running = services.filter((s) => s.alive).map((s) => s.service);
  // Instances on hosts are looked at there (their pid records, proven); a host that cannot be
  // reached keeps what the release recorded, so a rollback restarts what ran.
  const remote = await Promise.all(
    plan.activationOrder.map(async (name) => {
      const host = hostOf(plan, name);
      if (host === undefined || own(plan.services, name)?.kind !== 'process') return [];
      const alive = await remoteServiceAlive(plan, name, host).catch(
        () => release?.running?.includes(name) ?? false,
      );
      return alive ? [name] : [];
    }),
  );
  running.push(...remote.flat());
  if (release === undefined && running.length === 0) return undefined;
  return {
    release: release?.label ?? 'unrecorded',
    env: release?.vars ?? {},
    running,
    ...(release?.checks === undefined ? {} : { checks: release.checks }),
    ...(release?.skipped === undefined ? {} : { skipped: release.skipped }),
  };
}
