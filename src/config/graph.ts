/**
 * The service graph: dependency checks, cycles, stage membership, the dependency layers (display
 * groups of a plan without `stages:`) and the activation order (topological, stage by stage, stable).
 */
import type { ConfigIssue } from './errors.js';
import { own } from '../core/own.js';
import { didYouMean } from './did-you-mean.js';
import { findCycles } from './graph-walks.js';
import type { GraphService, GraphStage } from './graph-walks.js';
import { issueAt } from './issues.js';
import type { IssueContext } from './issues.js';

export { dependencyLayers, topoOrder } from './graph-walks.js';

/** Checks every rule of the dependency graph; an empty list means the graph is sound. */
export function checkGraph(
  services: Record<string, GraphService>,
  stages: readonly GraphStage[] | undefined,
  ctx: IssueContext = {},
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = Object.keys(services);
  // One suggestion per misspelt name: each costs a pass over every name, and a renamed service
  // can be misspelt by thousands of dependents.
  const hints = new Map<string, string | undefined>();
  const hint = (word: string): string | undefined => {
    if (!hints.has(word)) hints.set(word, didYouMean(word, names));
    return hints.get(word);
  };
  for (const [name, svc] of Object.entries(services)) {
    svc.dependsOn.forEach((dep, i) => {
      if (!Object.hasOwn(services, dep)) {
        issues.push(
          issueAt(
            ctx,
            ['services', name, 'dependsOn', i],
            `"${name}" depends on unknown service "${dep}"`,
            hint(dep),
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
  /** Where each service is first listed in its stage (for positions in messages). */
  const listedAt = new Map<string, number>();
  const stageNames = new Set<string>();
  stages.forEach((stage, s) => {
    if (stageNames.has(stage.name))
      issues.push(issueAt(ctx, ['stages', s, 'name'], `two stages are named "${stage.name}"`));
    stageNames.add(stage.name);
    stage.services.forEach((svc, i) => {
      const at = ['stages', s, 'services', i];
      if (!Object.hasOwn(services, svc)) {
        issues.push(
          issueAt(ctx, at, `stage "${stage.name}" lists unknown service "${svc}"`, hint(svc)),
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
      listedAt.set(svc, i);
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
            ['stages', s, 'services', listedAt.get(name)!],
            `"${name}" (stage "${stages[s]!.name}") depends on "${dep}", which is in the later stage "${stages[d]!.name}"`,
            `move "${dep}" to stage "${stages[s]!.name}" or earlier`,
          ),
        );
      }
    }
  }
  stages.forEach((stage, s) => {
    if (stage.parallel !== false) return;
    const firstAt = new Map<string, number>();
    stage.services.forEach((svc, i) => {
      if (!firstAt.has(svc)) firstAt.set(svc, i);
    });
    stage.services.forEach((svc, i) => {
      for (const dep of own(services, svc)?.dependsOn ?? []) {
        const j = firstAt.get(dep) ?? -1;
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
