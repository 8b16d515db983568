/**
 * The team store's commands: `state migrate` (create or upgrade the database's schema),
 * `state import` (copy a state directory's deployments, journals and releases into it) and
 * `decide` (answer a running deployment's pending decision from any terminal).
 */
import { hostname } from 'node:os';
import type { ResolvedPlan } from '../config/plan-types.js';
import { StagecraftError } from '../core/errors.js';
import type { PendingDecision, StampedFact } from '../record/facts.js';
import { foldFacts, type RunRecord } from '../record/fold.js';
import { listDeployments } from '../state/meta.js';
import { readJournal } from '../state/journal.js';
import { statePaths } from '../state/layout.js';
import { listReleases } from '../state/releases.js';
import type { Migrated } from '../state/pg/schema.js';
import type { DeploymentMeta } from '../state/meta.js';
import { effectiveStatus } from '../state/meta.js';
import { operatorName } from './operator.js';
import { storeOf } from './store.js';

/** The URL's store opened for `state` commands (the schema is not checked: migrate makes it). */
async function rawPgStore(url: string, project: string) {
  const { pgStore } = await import('../state/pg/store.js');
  return pgStore({ url, project, user: operatorName() });
}

/** `stagecraft state migrate`: applies the missing migrations. */
export async function migrateState(url: string): Promise<Migrated & { where: string }> {
  const store = await rawPgStore(url, '');
  try {
    return { ...(await store.migrate(`${operatorName()}@${hostname()}`)), where: store.where };
  } finally {
    await store.close();
  }
}

/** What `state import` copied (and what was there already). */
export interface Imported {
  where: string;
  deployments: number;
  skipped: number;
  entries: number;
  releases: number;
}

/** `stagecraft state import`: copies the state directory of `plan` into the database at `url`. */
export async function importState(
  plan: Pick<ResolvedPlan, 'project'>,
  stateDir: string,
  url: string,
): Promise<Imported> {
  const store = await rawPgStore(url, plan.project);
  try {
    await store.ready();
    const result: Imported = {
      where: store.where,
      deployments: 0,
      skipped: 0,
      entries: 0,
      releases: 0,
    };
    const metas = await listDeployments(stateDir);
    if (metas.length === 0)
      throw new StagecraftError(
        'not-found',
        `the state directory ${stateDir} holds no deployments to import (pass --state-dir to name another)`,
      );
    // Oldest first, so the database's order of arrival is the directory's.
    for (const meta of [...metas].reverse()) {
      const { entries } = await readJournal(statePaths.journal(stateDir, meta.id));
      const copied: DeploymentMeta = { ...meta, status: effectiveStatus(meta) };
      if (await store.importDeployment(copied, entries)) {
        result.deployments += 1;
        result.entries += entries.length;
      } else result.skipped += 1;
    }
    for (const environment of new Set(metas.map((m) => m.environment))) {
      for (const release of (await listReleases(stateDir, environment)).reverse())
        if (await store.importRelease(environment, release)) result.releases += 1;
    }
    return result;
  } finally {
    await store.close();
  }
}

/** A deployment's pending decision, as `decide` shows it. */
export interface PendingView {
  meta: DeploymentMeta;
  record: RunRecord;
  pending?: PendingDecision;
}

/** Where a plan's team record is. */
interface TeamWhere {
  plan: Pick<ResolvedPlan, 'project' | 'stateUrl'>;
  stateDir: string;
  env: NodeJS.ProcessEnv;
}

async function teamStore(w: TeamWhere) {
  const store = await storeOf(w.plan, w.stateDir, w.env);
  if (store.postAnswer === undefined || store.answersSince === undefined)
    throw new StagecraftError(
      'usage',
      'decisions are answered from another terminal only with the team state database: set STAGECRAFT_STATE_URL (or `state.url` in the config); with a state directory, answer at the terminal that runs the deployment',
    );
  return store;
}

/** The deployment `id` and its pending decision, if it has one. */
export async function pendingOf(w: TeamWhere, id: string): Promise<PendingView> {
  const store = await teamStore(w);
  const meta = await store.readMeta(id);
  if (meta === undefined)
    throw new StagecraftError(
      'not-found',
      `no deployment ${id} in ${store.where}: see \`stagecraft history\``,
    );
  const { entries } = await store.readJournal(id);
  const record = foldFacts(entries as unknown as StampedFact[]);
  return {
    meta,
    record,
    ...(record.pendingDecision === undefined ? {} : { pending: record.pendingDecision }),
  };
}

/** How an answer given with `decide` ended. */
export type Decided =
  | { taken: true; choice: string; by: string }
  | { taken: false; why: string; by?: string; choice?: string };

/** How long `decide` waits for the deployment to take its answer. */
const DECIDE_WAIT_MS = 15_000;

/**
 * Answers deployment `id`'s pending decision with `choice`, then waits (bounded) until its
 * journal says which answer the deployment took — ours, or one given first elsewhere.
 */
export async function decide(
  w: TeamWhere,
  id: string,
  choice: string,
  by: string,
): Promise<Decided> {
  const store = await teamStore(w);
  const view = await pendingOf(w, id);
  const status = effectiveStatus(view.meta);
  if (status !== 'running') throw notNow(view, `it is not running (${status})`);
  const pending = view.pending;
  if (pending === undefined) throw notNow(view, 'it has no pending decision');
  if (!(pending.choices as string[]).includes(choice))
    throw notNow(
      view,
      `"${choice}" is not a choice of its pending decision (${pending.message}): choose one of ${pending.choices.join(', ')}`,
    );
  await store.postAnswer?.(id, { decisionId: pending.id, choice, by });
  const deadline = Date.now() + DECIDE_WAIT_MS;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    const { entries } = await store.readJournal(id);
    const taken = (entries as unknown as StampedFact[]).find(
      (f) => f.type === 'decision.taken' && f.id === pending.id,
    );
    if (taken !== undefined && taken.type === 'decision.taken')
      return taken.by === by && taken.choice === choice
        ? { taken: true, choice, by }
        : {
            taken: false,
            why: 'it was answered first by someone else',
            by: taken.by,
            choice: taken.choice,
          };
  }
  return {
    taken: false,
    why: `the deployment did not take the answer within ${DECIDE_WAIT_MS / 1000} s (is its process still running?); the answer is recorded, but was not taken`,
  };
}

function notNow(view: PendingView, why: string): StagecraftError {
  return new StagecraftError(
    'usage',
    `cannot answer deployment ${view.meta.id}: ${why}. Now: ${effectiveStatus(view.meta)}, phase ${view.record.phase}`,
  );
}
