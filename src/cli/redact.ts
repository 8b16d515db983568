import type { TextSink } from './io.js';

/** How a secret's value is shown: never the value, never its length. */
export const MASK = '••••••';

/**
 * Defence in depth: a sink that replaces every value of the named secrets (as set in `env`)
 * with the mask before writing. Output is built from names only; this catches the accident.
 */
export function redactingSink(
  sink: TextSink,
  secretNames: readonly string[],
  env: NodeJS.ProcessEnv,
): TextSink {
  const values = secretNames
    .map((n) => env[n])
    .filter((v): v is string => typeof v === 'string' && v.length >= 3)
    .sort((a, b) => b.length - a.length);
  if (values.length === 0) return sink;
  return {
    write: (chunk: string) => {
      let out = chunk;
      for (const v of values) out = out.split(v).join(MASK);
      return sink.write(out);
    },
  };
}
