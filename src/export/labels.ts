/** Readable names for guards, actions and delays found in a live XState definition. */

/** A guard as XState stores it: a name, `{ type, params }`, or a (higher-order) function. */
type GuardLike = unknown;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * Names a guard: `name` for named guards, `not x` / `a and b` / `a or b` for the higher-order
 * guards, `in(state)` for `stateIn`, and the function name (or `inline`) for inline functions.
 */
export function guardName(guard: GuardLike): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const fn = guard as { name?: string; guards?: unknown[]; stateValue?: unknown };
    const parts = Array.isArray(fn.guards) ? fn.guards.map((g) => wrap(guardName(g))) : [];
    if (fn.name === 'not' && parts.length === 1) return `not ${parts[0] ?? ''}`;
    if (fn.name === 'and' && parts.length > 0) return parts.join(' and ');
    if (fn.name === 'or' && parts.length > 0) return parts.join(' or ');
    if (fn.stateValue !== undefined) return `in ${JSON.stringify(fn.stateValue).replace(/"/g, '')}`;
    return fn.name && fn.name !== 'guard' ? fn.name : 'inline guard';
  }
  if (isRecord(guard) && typeof guard.type === 'string') return guard.type;
  return 'guard';
}

const wrap = (s: string): string => (/\s/.test(s) ? `(${s})` : s);

/** Names an action: its `type` (named or built-in like `xstate.assign`) or its function name. */
export function actionName(action: unknown): string {
  if (typeof action === 'string') return action;
  if (isRecord(action) && typeof action.type === 'string') return action.type;
  if (typeof action === 'function') {
    const fn = action as { type?: unknown; name?: string };
    if (typeof fn.type === 'string') return fn.type;
    return fn.name || 'inline action';
  }
  return 'action';
}

/** Formats milliseconds the way configs write durations: `250ms`, `1.5s`, `5s`, `2m`, `1h`. */
export function formatMs(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${Number((ms / 1000).toFixed(3))}s`;
  return `${ms}ms`;
}

/** Label for a delay: `5s` for numbers, `retryDelay (1.5s)` for named numeric delays. */
export function delayLabel(delay: { raw: string | number; ms?: number }): string {
  if (typeof delay.raw === 'number') return formatMs(delay.raw);
  return delay.ms === undefined ? delay.raw : `${delay.raw} (${formatMs(delay.ms)})`;
}
