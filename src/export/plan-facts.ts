import type { ResolvedPlan, ServiceSpec, StageSpec } from '../config/plan-types.js';
import { own } from '../core/own.js';
import { formatMs } from './labels.js';

/** Hides credentials a URL may carry (`http://user:secret@host` → `http://***@host`). */
export function redact(text: string): string {
  return text.replace(/:\/\/[^/@\s]+@/g, '://***@');
}

/** The lines a diagram shows for a service: name, kind, probes (labels only: no values, no secrets). */
export function serviceLines(s: ServiceSpec): string[] {
  const lines = [s.name, `${s.kind}${s.rollback ? ' · rollback' : ''}`];
  if (s.health) lines.push(`health: ${redact(s.health.label)}`);
  for (const r of s.readiness) lines.push(`ready: ${redact(r.label)}`);
  if (s.performance)
    lines.push(`p95 < ${formatMs(s.performance.p95Ms)}: ${redact(s.performance.url)}`);
  if (!s.health && s.readiness.length === 0) lines.push('no probe');
  return lines;
}

/**
 * The groups a plan diagram draws: its stages, or — for a plan without `stages:` — its
 * dependency layers, which are display groups only (no gate, no deadline, no barrier).
 */
export function displayStages(plan: ResolvedPlan): StageSpec[] {
  if (!plan.stages.every((s) => s.implicit)) return plan.stages;
  return plan.groups.map((g) => ({
    name: g.name,
    services: g.services,
    parallel: true,
    confirm: false,
    timeoutMs: 0,
    verify: [],
    implicit: true,
  }));
}

/** The title line of a stage: name, parallel or sequential, timeout (or a layer's role). */
export function stageTitle(stage: StageSpec, index: number): string {
  if (stage.implicit)
    return `${stage.name} · no gate: each service starts when its dependencies are healthy`;
  return `stage ${index + 1}: ${stage.name} · ${stage.parallel ? 'parallel' : 'sequential'} · timeout ${formatMs(stage.timeoutMs)}`;
}

/** Whether the operator confirms before the stage runs (interactive runs). */
export function hasGate(plan: ResolvedPlan, stage: StageSpec): boolean {
  return stage.confirm || plan.confirmStages;
}

/** Dependency edges `[dependency, dependent]` in activation order, deduplicated. */
export function dependencyEdges(plan: ResolvedPlan): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of serviceOrder(plan)) {
    for (const dep of own(plan.services, name)?.dependsOn ?? []) out.push([dep, name]);
  }
  return out;
}

/** Services in stage order, then listed order: a stable order for every export. */
export function serviceOrder(plan: ResolvedPlan): string[] {
  const seen = new Set<string>();
  for (const stage of displayStages(plan)) for (const s of stage.services) seen.add(s);
  for (const s of Object.keys(plan.services).sort()) seen.add(s);
  return [...seen];
}
