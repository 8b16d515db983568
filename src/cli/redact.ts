import type { ResolvedPlan } from '../config/plan-types.js';
import { secretsOf } from '../runtime/secrets.js';
import type { TextSink } from './io.js';

/**
 * Defence in depth: a sink that masks every secret value of the plan (as set in `env`) before
 * writing. Output is built from names only; this catches the accident.
 */
export function maskingSink(
  sink: TextSink,
  plan: Pick<ResolvedPlan, 'secretNames'>,
  env: NodeJS.ProcessEnv,
): TextSink {
  const { mask } = secretsOf(plan, env);
  if (!mask.active) return sink;
  return { write: (chunk: string) => sink.write(mask.text(chunk)) };
}
