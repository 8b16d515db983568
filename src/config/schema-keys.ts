/**
 * The keys a strict object accepts at a config path, read from the zod schema itself, so a
 * did-you-mean for an unknown key never drifts from the schema.
 */
import type { z } from 'zod';

interface Def {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  in?: unknown;
  out?: unknown;
  options?: unknown[];
  element?: unknown;
  valueType?: unknown;
  getter?: () => unknown;
}

function defOf(schema: unknown): Def | undefined {
  const zod = (schema as { _zod?: { def?: Def } } | undefined)?._zod;
  return zod?.def;
}

/** Unwraps optional/default/pipe/union/lazy wrappers to the schemas a value can be checked by. */
function concrete(schema: unknown, depth = 0): unknown[] {
  const def = defOf(schema);
  if (def === undefined || depth > 20) return [];
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return concrete(def.innerType, depth + 1);
    case 'pipe':
      return concrete(def.in, depth + 1);
    case 'union':
      return (def.options ?? []).flatMap((o) => concrete(o, depth + 1));
    case 'lazy':
      return def.getter ? concrete(def.getter(), depth + 1) : [];
    default:
      return [schema];
  }
}

/** The keys allowed by the object schema(s) at `path` (empty when none is known). */
export function allowedKeysAt(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: unknown[] = [root];
  for (const key of path) {
    const next: unknown[] = [];
    for (const s of current.flatMap((c) => concrete(c))) {
      const def = defOf(s);
      if (def === undefined) continue;
      if (def.type === 'object' && typeof key === 'string' && def.shape?.[key] !== undefined) {
        next.push(def.shape[key]);
      } else if (def.type === 'record') next.push(def.valueType);
      else if (def.type === 'array' && typeof key === 'number') next.push(def.element);
    }
    current = next;
  }
  const keys = new Set<string>();
  for (const s of current.flatMap((c) => concrete(c))) {
    const def = defOf(s);
    if (def?.type === 'object') for (const k of Object.keys(def.shape ?? {})) keys.add(k);
  }
  return [...keys];
}
