/**
 * Which store a run uses: the PostgreSQL database named by `STAGECRAFT_STATE_URL` (or the config's
 * `state.url`), else the state directory. One store per process and location, opened once and
 * closed on the way out (open-stores.ts: src/cli does, after the command).
 */
import type { ResolvedPlan } from '../config/plan-types.js';
import { directoryStore, type Store } from '../state/store.js';
import { openStores } from './open-stores.js';
import { operatorName } from './operator.js';

/** The database URL in effect, if any: the environment's wins over the config's. */
export function stateUrlOf(
  plan: Partial<Pick<ResolvedPlan, 'stateUrl'>>,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const fromEnv = env.STAGECRAFT_STATE_URL;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv.trim();
  return plan.stateUrl;
}

/** The store of `plan` (ready: connected and its schema checked, or the directory created). */
export function storeOf(
  plan: Pick<ResolvedPlan, 'stateUrl' | 'project'>,
  stateDir: string,
  env: NodeJS.ProcessEnv,
): Promise<Store> {
  const url = stateUrlOf(plan, env);
  const key = url === undefined ? `dir:${stateDir}` : `pg:${plan.project}:${url}`;
  let store = openStores.get(key) as Promise<Store> | undefined;
  if (store === undefined) {
    store = (async () => {
      const s =
        url === undefined
          ? directoryStore(stateDir)
          : (await import('../state/pg/store.js')).pgStore({
              url,
              project: plan.project,
              user: operatorName(),
            });
      await s.ready();
      return s;
    })();
    openStores.set(key, store);
    store.catch(() => openStores.delete(key));
  }
  return store;
}
