/**
 * What the store remembers, for the commands that only read it: `history` (the deployments and
 * releases of an environment), `show` (one deployment's record, folded from its journal) and
 * `unlock`. With the team's database, that is every operator's and runner's.
 */
import type { ResolvedPlan } from '../config/plan-types.js';
import { StagecraftError } from '../core/errors.js';
import type { StampedFact } from '../record/facts.js';
import { foldFacts, type RunRecord } from '../record/fold.js';
import type { UnlockResult } from '../state/locks.js';
import { effectiveStatus, type DeploymentMeta } from '../state/meta.js';
import { storeOf } from './store.js';

export { describeHolder, type UnlockResult } from '../state/locks.js';
export type { DeploymentMeta } from '../state/meta.js';

/** Where a plan's record is: the store. */
type Where = {
  plan: Pick<ResolvedPlan, 'project' | 'stateUrl'>;
  stateDir: string;
  env: NodeJS.ProcessEnv;
};

/** The environment's deployments, newest first, with the release each recorded. */
export async function history(
  plan: ResolvedPlan,
  stateDir: string,
  env: NodeJS.ProcessEnv,
): Promise<Array<DeploymentMeta & { status: DeploymentMeta['status'] }>> {
  const store = await storeOf(plan, stateDir, env);
  const labels = new Map((await store.listReleases(plan.environment)).map((r) => [r.id, r.label]));
  return (await store.listDeployments(plan.environment)).map((m) => ({
    ...m,
    status: effectiveStatus(m),
    ...(m.release === undefined && labels.has(m.id) ? { release: labels.get(m.id) } : {}),
  }));
}

/** One deployment: its record and its journal folded. */
export interface Shown {
  meta: DeploymentMeta;
  record: RunRecord;
  /** Its journal's facts, in order (what `show --format svg` reads the path from). */
  facts: StampedFact[];
  tornTail: boolean;
  /** The journal is not made of facts this version reads (an older stagecraft's trace). */
  unreadable: boolean;
}

/** Reads deployment `id` of the store. */
export async function showDeployment(w: Where, id: string): Promise<Shown> {
  const store = await storeOf(w.plan, w.stateDir, w.env);
  const meta = await store.readMeta(id);
  if (meta === undefined)
    throw new StagecraftError(
      'not-found',
      `no deployment ${id} in ${store.where}: see \`stagecraft history\``,
    );
  const { entries, tornTail } = await store.readJournal(id);
  const facts = entries as unknown as StampedFact[];
  const record = foldFacts(facts);
  return {
    meta: { ...meta, status: effectiveStatus(meta) },
    record,
    facts,
    tornTail,
    unreadable: entries.length > 0 && record.factsVersion === undefined,
  };
}

/** `stagecraft unlock`: removes a stale lock; a live holder's only with `force`. */
export async function unlockEnvironment(
  w: Where & { plan: Pick<ResolvedPlan, 'environment'> },
  force: boolean,
): Promise<UnlockResult> {
  const store = await storeOf(w.plan, w.stateDir, w.env);
  return store.unlock(w.plan.environment, { force });
}
