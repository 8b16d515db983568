/**
 * Rollout arithmetic: batch sizes (counts, percentages, ramps — Ansible's `serial`) and the
 * failure budget of a placed service with N instances.
 */
import { parsePercent, ROLLOUT_DEFAULTS } from './schema-fleet.js';
import type { BatchSize, RolloutInput } from './schema-fleet.js';

/** pct% of n, rounded to 9 places first so 0.1-style float error never tips a ceil or floor. */
function percentOf(pct: number, n: number): number {
  return Math.round(((pct * n) / 100) * 1e9) / 1e9;
}

/**
 * The batch sizes for `n` instances: each size of the ramp in turn, the last one repeating
 * until every instance is in a batch. A percentage is ceil(pct × n), at least 1; every size
 * is capped to what is left. The sizes sum to `n` (none for n = 0).
 */
export function batchSizes(batch: BatchSize | BatchSize[], n: number): number[] {
  const ramp = Array.isArray(batch) ? batch : [batch];
  const out: number[] = [];
  let left = n;
  // Bounded: every batch takes at least one instance.
  for (let i = 0; left > 0; i++) {
    const size = ramp[Math.min(i, ramp.length - 1)]!;
    const want =
      typeof size === 'number' ? size : Math.max(1, Math.ceil(percentOf(parsePercent(size)!, n)));
    const take = Math.min(Math.max(1, want), left);
    out.push(take);
    left -= take;
  }
  return out;
}

/** The failure budget as a count: a percentage is floor(pct × n). */
export function budgetCount(budget: number | string, n: number): number {
  return typeof budget === 'number' ? budget : Math.floor(percentOf(parsePercent(budget)!, n));
}

/** A service's rollout fields over its stage's, over the defaults. */
export function mergeRollout(
  service: RolloutInput | undefined,
  stage: RolloutInput | undefined,
): { batch: BatchSize | BatchSize[]; failureBudget: number | string; minHealthyMs: number } {
  return {
    batch: service?.batch ?? stage?.batch ?? ROLLOUT_DEFAULTS.batch,
    failureBudget: service?.failureBudget ?? stage?.failureBudget ?? ROLLOUT_DEFAULTS.failureBudget,
    minHealthyMs: service?.minHealthy ?? stage?.minHealthy ?? ROLLOUT_DEFAULTS.minHealthy,
  };
}
