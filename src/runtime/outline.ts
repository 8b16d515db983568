/** The plan as the record keeps it (the `run.started` fact): enough to show and resume a run. */
import type { ResolvedPlan } from '../config/plan-types.js';
import { own } from '../core/own.js';
import type { PlanOutline } from '../record/facts.js';

/** The outline of `plan`. */
export function planOutline(plan: ResolvedPlan): PlanOutline {
  return {
    stages: plan.stages.map((s) => ({
      name: s.name,
      services: [...s.services],
      gate: !s.implicit,
    })),
    groups: plan.groups.map((g) => ({ name: g.name, services: [...g.services] })),
    services: plan.activationOrder.flatMap((name) => {
      const s = own(plan.services, name);
      if (s === undefined) return [];
      const row = { name, kind: s.kind, stage: s.stage, group: s.group };
      return [s.placement === undefined ? row : { ...row, placement: { ...s.placement } }];
    }),
    prepare: plan.prepare.map((p) => p.name),
    maxAttempts: plan.policy.retries + 1,
  };
}
