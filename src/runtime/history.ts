/**
 * What the state directory remembers, for the commands that only read it: `history` (the
 * deployments and releases of an environment), `show` (one deployment's record, folded from its
 * journal) and `unlock`.
 */
import type { ResolvedPlan } from '../config/plan-types.js';
import { StagecraftError } from '../core/errors.js';
import type { StampedFact } from '../record/facts.js';
import { foldFacts, type RunRecord } from '../record/fold.js';
import { readJournal } from '../state/journal.js';
import { statePaths } from '../state/layout.js';
import { unlock, type UnlockResult } from '../state/locks.js';
import { effectiveStatus, listDeployments, readMeta, type DeploymentMeta } from '../state/meta.js';
import { listReleases } from '../state/releases.js';

export { describeHolder, type UnlockResult } from '../state/locks.js';
export type { DeploymentMeta } from '../state/meta.js';

/** The environment's deployments, newest first, with the release each recorded. */
export async function history(
  plan: ResolvedPlan,
  stateDir: string,
): Promise<Array<DeploymentMeta & { status: DeploymentMeta['status'] }>> {
  const labels = new Map(
    (await listReleases(stateDir, plan.environment)).map((r) => [r.id, r.label]),
  );
  return (await listDeployments(stateDir, plan.environment)).map((m) => ({
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

/** Reads deployment `id` of the state dir. */
export async function showDeployment(stateDir: string, id: string): Promise<Shown> {
  const meta = await readMeta(stateDir, id);
  if (meta === undefined)
    throw new StagecraftError(
      'not-found',
      `no deployment ${id} in ${stateDir}: see \`stagecraft history\``,
    );
  const { entries, tornTail } = await readJournal(statePaths.journal(stateDir, id));
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
export function unlockEnvironment(
  stateDir: string,
  environment: string,
  force: boolean,
): Promise<UnlockResult> {
  return unlock(stateDir, environment, { force });
}
