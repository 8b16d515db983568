/**
 * The service graph: dependency checks, cycles, stage membership, the dependency layers (display
 * groups of a plan without `stages:`) and the activation order (topological, stage by stage, stable).
 */
import type { ConfigIssue } from './errors.js';
import { own } from '../core/own.js';
import { didYouMean } from './did-you-mean.js';
import { issueAt } from './issues.js';
import type { IssueContext } from './issues.js';

/** What the graph rules need of a service. */
export interface GraphService {
  dependsOn: readonly string[];
}

/** What the graph rules need of a stage. */
export interface GraphStage {
  name: string;
  services: readonly string[];
  parallel?: boolean;
}

/** Every dependency cycle once, each as `[a, b, c, a]`; unknown services are ignored. */
function findCycles(services: Record<string, GraphService>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    state.set(name, 'open');
    stack.push(name);
    for (const dep of own(services, name)?.dependsOn ?? []) {
      if (!Object.hasOwn(services, dep)) continue;
      if (state.get(dep) === 'open') {
        const cycle = [...stack.slice(stack.indexOf(dep)), dep];
        const key = [...new Set(cycle)].sort().join('\0');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of Object.keys(services)) if (!state.has(name)) visit(name);
  return cycles;
}

/** Checks every rule of the dependency graph; an empty list means the graph is sound. */
export function checkGraph(
  services: Record<string, GraphService>,
  stages: readonly GraphStage[] | undefined,
  ctx: IssueContext = {},
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = Object.keys(services);
  for (const [name, svc] of Object.entries(services)) {
    svc.dependsOn.forEach((dep, i) => {
      if (!Object.hasOwn(services, dep)) {
        issues.push(
          issueAt(
            ctx,
            ['services', name, 'dependsOn', i],
            `"${name}" depends on unknown service "${dep}"`,
            didYouMean(dep, names),
          ),
        );
      }
    });
  }
  for (const cycle of findCycles(services)) {
    issues.push(
      issueAt(ctx, ['services', cycle[0]!, 'dependsOn'], `dependency cycle: ${cycle.join(' → ')}`),
    );
  }
  if (stages === undefined) return issues;

  const stageOf = new Map<string, number>();
  const stageNames = new Set<string>();
  stages.forEach((stage, s) => {
    if (stageNames.has(stage.name))
      issues.push(issueAt(ctx, ['stages', s, 'name'], `two stages are named "${stage.name}"`));
    stageNames.add(stage.name);
    stage.services.forEach((svc, i) => {
      const at = ['stages', s, 'services', i];
      if (!Object.hasOwn(services, svc)) {
        issues.push(
          issueAt(
            ctx,
            at,
            `stage "${stage.name}" lists unknown service "${svc}"`,
            didYouMean(svc, names),
          ),
        );
        return;
      }
      const prev = stageOf.get(svc);
      if (prev !== undefined) {
        const where =
          prev === s
            ? `twice in stage "${stage.name}"`
            : `in two stages: "${stages[prev]!.name}" and "${stage.name}"`;
        issues.push(
          issueAt(
            ctx,
            at,
            `service "${svc}" is ${where}`,
            'list each service in exactly one stage',
          ),
        );
        return;
      }
      stageOf.set(svc, s);
    });
  });
  for (const name of names) {
    if (!stageOf.has(name)) {
      issues.push(
        issueAt(
          ctx,
          ['services', name],
          `service "${name}" is in no stage`,
          "add it to a stage's services",
        ),
      );
    }
  }
  for (const [name, svc] of Object.entries(services)) {
    const s = stageOf.get(name);
    if (s === undefined) continue;
    for (const dep of svc.dependsOn) {
      const d = stageOf.get(dep);
      if (d !== undefined && d > s) {
        issues.push(
          issueAt(
            ctx,
            ['stages', s, 'services', stages[s]!.services.indexOf(name)],
            `"${name}" (stage "${stages[s]!.name}") depends on "${dep}", which is in the later stage "${stages[d]!.name}"`,
            `move "${dep}" to stage "${stages[s]!.name}" or earlier`,
          ),
        );
      }
    }
  }
  stages.forEach((stage, s) => {
    if (stage.parallel !== false) return;
    stage.services.forEach((svc, i) => {
      for (const dep of own(services, svc)?.dependsOn ?? []) {
        const j = stage.services.indexOf(dep);
        if (j > i) {
          issues.push(
            issueAt(
              ctx,
              ['stages', s, 'services', i],
              `stage "${stage.name}" runs one at a time but lists "${svc}" before its dependency "${dep}"`,
              `list "${dep}" first`,
            ),
          );
        }
      }
    });
  });
  return issues;
}

/**
 * The dependency layers: `layer-1` has the services without dependencies, `layer-N` those whose
 * deepest dependency is in `layer-(N-1)`. Without `stages:` they only group services for display.
 */
export function dependencyLayers(
  services: Record<string, GraphService>,
): Array<{ name: string; services: string[] }> {
  const layer = new Map<string, number>();
  const depth = (name: string, guard: Set<string>): number => {
    const known = layer.get(name);
    if (known !== undefined) return known;
    if (guard.has(name)) return 0;
    guard.add(name);
    const deps = (own(services, name)?.dependsOn ?? []).filter((d) => Object.hasOwn(services, d));
    const value = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => depth(d, guard)));
    layer.set(name, value);
    return value;
  };
  const out: Array<{ name: string; services: string[] }> = [];
  for (const name of Object.keys(services)) {
    const l = depth(name, new Set());
    while (out.length <= l) out.push({ name: `layer-${out.length + 1}`, services: [] });
    out[l]!.services.push(name);
  }
  return out;
}

/** Topological order, stage by stage; within a stage, the listed order wherever dependencies allow. */
export function topoOrder(
  services: Record<string, GraphService>,
  stages: readonly GraphStage[],
): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  for (const stage of stages) {
    const pending = stage.services.filter((s) => !done.has(s));
    while (pending.length > 0) {
      let i = pending.findIndex((s) =>
        (own(services, s)?.dependsOn ?? []).every(
          (d) => done.has(d) || !Object.hasOwn(services, d) || !pending.includes(d),
        ),
      );
      if (i < 0) i = 0; // a cycle: checkGraph reports it; do not loop forever
      const [next] = pending.splice(i, 1);
      done.add(next!);
      order.push(next!);
    }
  }
  return order;
}
