/** Which hosts of the inventory a plan uses (kept apart from host-checks: no SSH is loaded). */
import type { HostSpec, ResolvedPlan } from '../config/plan-types.js';

/** The inventory split: hosts some service is placed on (inventory order) and the rest. */
export function hostsInUse(plan: ResolvedPlan): { used: HostSpec[]; unused: HostSpec[] } {
  const all = Object.values(plan.hosts ?? {});
  const placed = new Set(Object.values(plan.rollouts ?? {}).flatMap((r) => r.hosts));
  return {
    used: all.filter((h) => placed.has(h.name)),
    unused: all.filter((h) => !placed.has(h.name)),
  };
}
