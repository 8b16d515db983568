/**
 * Environment assembly at the adapter boundary: commands inherit the operator's environment,
 * with the resolved variables and secrets on top, then the command's own `env`.
 */
import { own } from '../core/own.js';

/**
 * The tags by which a stagecraft finds the processes it started (a service's instance, a one-shot
 * command). Inherited from the operator's environment they name the process stagecraft itself runs
 * in — a stagecraft run by another one's command — and would make that outer one sweep up (stop)
 * what this one starts: never passed on, only set afresh by the layer that owns them.
 */
const OWN_TAGS = new Set(['STAGECRAFT_INSTANCE', 'STAGECRAFT_COMMAND']);

/** process.env + each layer in order (later wins). Undefined values of process.env are dropped. Stagecraft's own tags are not inherited. */
export function buildEnv(
  ...layers: Array<Record<string, string> | undefined>
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !OWN_TAGS.has(key)) env[key] = value;
  }
  for (const layer of layers) Object.assign(env, layer ?? {});
  return env;
}

/**
 * The environment of stagecraft's own helper programs (the log relay, the command runner): the
 * operator's, as stagecraft itself runs with it, plus `extra` — never a layer of the config.
 * They are Node programs: a config's `NODE_OPTIONS`, `NODE_PATH` or `LD_PRELOAD` is for the
 * services and commands it describes, and must not load code into stagecraft's helpers.
 */
export function helperEnv(extra: Record<string, string> = {}): Record<string, string> {
  return buildEnv(extra);
}

/** Secret values read from the operator's environment by name; names that are unset are listed in `missing`. */
export function readSecrets(
  names: string[],
  source: NodeJS.ProcessEnv = process.env,
): { values: Record<string, string>; missing: string[] } {
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of names) {
    const value = own(source, name);
    if (value === undefined || value === '') missing.push(name);
    else values[name] = value;
  }
  return { values, missing };
}

/** A copy of `env` without the named keys (what may be stored on disk). */
export function withoutSecrets(
  env: Record<string, string>,
  secretNames: string[] = [],
): Record<string, string> {
  const hidden = new Set(secretNames);
  return Object.fromEntries(Object.entries(env).filter(([key]) => !hidden.has(key)));
}
