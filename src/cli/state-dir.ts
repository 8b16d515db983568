import { isAbsolute, join, resolve } from 'node:path';
import type { ResolvedPlan } from '../config/plan-types.js';

/** `--state-dir`, resolved against the cwd; default `.stagecraft/` beside the config file. */
export function stateDirFor(plan: ResolvedPlan, cwd: string, given?: string): string {
  if (given === undefined) return join(plan.configDir, '.stagecraft');
  return isAbsolute(given) ? given : resolve(cwd, given);
}
