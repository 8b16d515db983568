import type { ResolvedPlan } from '../config/plan-types.js';
import { own } from '../core/own.js';
import { dotHeader } from './dot-machine.js';
import {
  dependencyEdges,
  displayStages,
  hasGate,
  redact,
  serviceLines,
  stageTitle,
} from './plan-facts.js';
import { dotQuote } from './tree.js';

/**
 * Renders a plan as a Graphviz digraph: the same picture as the Mermaid flowchart — stages as
 * clusters (each with an invisible anchor so the stage order can point at the cluster), gates as
 * hexagons, services as boxes with kind and probes, dependency edges, and the rollback order as a
 * dashed chain in its own cluster.
 */
export function planToDot(plan: ResolvedPlan): string {
  const svc = (name: string): string => dotQuote(`service:${name}`);
  const lines = [
    `digraph ${dotQuote(`${plan.project} · ${plan.environment}`)} {`,
    ...dotHeader.map((l) => `  ${l}`),
    '  rankdir=TB;',
  ];
  lines.push(`  label=${dotQuote(`${plan.project} · ${plan.environment}`)}; labelloc=t;`);
  const chain: Array<{ node: string; cluster?: string; soft?: boolean }> = [];
  if (plan.prepare.length > 0) {
    const text = [
      'prepare',
      ...plan.prepare.map((p) => `${p.name}${p.cleanup ? ' (cleanup)' : ''}`),
    ].join('\n');
    lines.push(
      `  "prepare" [shape=box, style="rounded,filled", fillcolor="#eeeeee", label=${dotQuote(text)}];`,
    );
    chain.push({ node: '"prepare"' });
  }
  displayStages(plan).forEach((stage, i) => {
    const cluster = dotQuote(`cluster_stage:${stage.name}`);
    const anchor = dotQuote(`stage:${stage.name}`);
    if (hasGate(plan, stage)) {
      const gate = dotQuote(`gate:${stage.name}`);
      lines.push(
        `  ${gate} [shape=hexagon, label=${dotQuote(`confirm ${stage.name}?\nproceed · skip stage · abort`)}];`,
      );
      chain.push({ node: gate });
    }
    lines.push(
      `  subgraph ${cluster} {`,
      `    label=${dotQuote(stageTitle(stage, i))}; style=rounded;`,
    );
    lines.push(`    ${anchor} [shape=point, width=0.01, style=invis, label=""];`);
    for (const name of stage.services) {
      const spec = own(plan.services, name);
      if (spec)
        lines.push(
          `    ${svc(name)} [shape=box, style=rounded, label=${dotQuote(serviceLines(spec).join('\n'))}];`,
        );
    }
    if (stage.verify.length > 0) {
      const text = [
        'verify',
        ...stage.verify.map((v) => `${v.name}: ${redact(v.probe.label)}`),
      ].join('\n');
      lines.push(`    ${dotQuote(`verify:${stage.name}`)} [shape=note, label=${dotQuote(text)}];`);
    }
    lines.push('  }');
    chain.push({ node: anchor, cluster, ...(stage.implicit && i > 0 ? { soft: true } : {}) });
  });
  const checks = [
    ...plan.integration.map((c) => `integration ${c.name}: ${redact(c.probe.label)}`),
    ...plan.readiness.map((r) => `readiness ${r.name} (${r.category}, ${r.severity})`),
  ];
  if (checks.length > 0) {
    lines.push(
      `  "verification" [shape=note, label=${dotQuote(['verification', ...checks].join('\n'))}];`,
    );
    chain.push({ node: '"verification"' });
  }
  for (let i = 1; i < chain.length; i++) {
    const a = chain[i - 1];
    const b = chain[i];
    if (!a || !b) continue;
    // Between two dependency layers there is no barrier: dotted, not the stage order.
    const attrs = [b.soft === true ? 'style=dotted' : 'penwidth=2'];
    if (a.cluster) attrs.push(`ltail=${a.cluster}`);
    if (b.cluster) attrs.push(`lhead=${b.cluster}`);
    lines.push(`  ${a.node} -> ${b.node} [${attrs.join(', ')}];`);
  }
  for (const [dep, name] of dependencyEdges(plan))
    lines.push(`  ${svc(dep)} -> ${svc(name)} [label="before"];`);
  if (plan.rollbackOrder.length > 0) {
    lines.push(
      '  subgraph "cluster_rollback" {',
      `    label=${dotQuote(`rollback order (on failure: ${plan.policy.onFailure})`)}; style=dashed;`,
    );
    plan.rollbackOrder.forEach((name, i) =>
      lines.push(`    "rollback:${i + 1}" [shape=box, label=${dotQuote(`${i + 1}. ${name}`)}];`),
    );
    lines.push('  }');
    for (let i = 1; i < plan.rollbackOrder.length; i++)
      lines.push(`  "rollback:${i}" -> "rollback:${i + 1}" [style=dashed];`);
  }
  lines.push('}', '');
  return lines.join('\n');
}
