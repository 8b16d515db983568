import type { ResolvedPlan } from '../config/plan-types.js';
import { secretsOf } from '../runtime/secrets.js';
import type { TextSink } from './io.js';

/** A sink that masks secret values, and writes values as JSON masked before serialising. */
export interface MaskingSink extends TextSink {
  /** `value` with every secret masked in every string (apply before formatting or serialising). */
  value<T>(value: T): T;
  /** One JSON document of `value`, masked before it is serialised (JSON escapes would hide it). */
  json(value: unknown, indent?: number): void;
}

/**
 * Defence in depth: a sink that masks every secret value of the plan (as set in `env`) before
 * writing. Output is built from names only; this catches the accident — a secret inside the
 * value of a non-secret variable, say.
 */
export function maskingSink(
  sink: TextSink,
  plan: Pick<ResolvedPlan, 'secretNames'>,
  env: NodeJS.ProcessEnv,
): MaskingSink {
  const { mask } = secretsOf(plan, env);
  const write = (chunk: string): void => {
    sink.write(mask.text(chunk));
  };
  return {
    write,
    value: (value) => mask.value(value),
    json: (value, indent) => write(`${JSON.stringify(mask.value(value), null, indent)}\n`),
  };
}
