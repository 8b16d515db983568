/** `${NAME}` interpolation in URLs, addresses, paths and file names (never in commands). */

/** The outcome of interpolating one string. */
export type Interpolated =
  { ok: true; value: string } | { ok: false; name: string; reason: 'unknown' | 'secret' };

const REF = /\$\$\{|\$\{([^}]*)\}/g;

/**
 * Replaces every `${NAME}` with its value; `$${` is a literal `${`. A secret's name is refused:
 * a secret value must never be copied into the plan.
 */
export function interpolate(
  text: string,
  values: Readonly<Record<string, string>>,
  secrets: ReadonlySet<string> = new Set(),
): Interpolated {
  let failure: Interpolated | undefined;
  const value = text.replace(REF, (match, name: string | undefined) => {
    if (name === undefined) return '${';
    const key = name.trim();
    if (Object.hasOwn(values, key)) return values[key]!;
    failure ??= { ok: false, name: key, reason: secrets.has(key) ? 'secret' : 'unknown' };
    return match;
  });
  return failure ?? { ok: true, value };
}
