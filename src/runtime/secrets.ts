/** A run's secret values, read by name from the operator's environment, and their one masker. */
import { readSecrets } from '../adapters/env.js';
import type { ResolvedPlan } from '../config/plan-types.js';
import { Masker } from '../core/mask.js';
import { urlSecrets } from '../state/pg/keys.js';
import { stateUrlOf } from './store.js';

/** The secret values of a plan and the masker every output of the run goes through. */
export function secretsOf(
  plan: Pick<ResolvedPlan, 'secretNames'> & Partial<Pick<ResolvedPlan, 'stateUrl'>>,
  env: NodeJS.ProcessEnv,
): { secrets: Record<string, string>; mask: Masker } {
  const secrets = readSecrets(plan.secretNames, env).values;
  // The state database's password is masked everywhere too (it is never a command's variable).
  const url = stateUrlOf(plan, env);
  const hidden = url === undefined ? [] : urlSecrets(url);
  return { secrets, mask: new Masker([...Object.values(secrets), ...hidden]) };
}
