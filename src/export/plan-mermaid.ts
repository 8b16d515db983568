import type { ResolvedPlan } from '../config/plan-types.js';
import { own } from '../core/own.js';
import {
  dependencyEdges,
  hasGate,
  redact,
  serviceLines,
  serviceOrder,
  displayStages,
  stageTitle,
} from './plan-facts.js';
import { mermaidIds } from './tree.js';

/** Text inside a quoted Mermaid flowchart label. */
const q = (s: string): string => `"${s.replace(/"/g, '#quot;')}"`;

/**
 * Renders a plan as a Mermaid flowchart: prepare steps, then each stage as a subgraph (behind its
 * confirmation gate, if any) holding its services (kind and probes) and verify checks; solid
 * edges from each dependency to its dependents; thick edges for the stage order; integration and
 * readiness checks; and the rollback order as a numbered dashed chain.
 */
export function planToMermaid(plan: ResolvedPlan): string {
  const sid = mermaidIds(serviceOrder(plan), 'svc_');
  const stages = displayStages(plan);
  const gid = mermaidIds(
    stages.map((s) => s.name),
    'stage_',
  );
  // Between two dependency layers there is no barrier: drawn dotted, not as the stage order.
  const soft = new Set<string>();
  const lines = [
    '---',
    `title: ${JSON.stringify(`${plan.project} · ${plan.environment}`)}`,
    '---',
    'flowchart TB',
  ];
  const chain: string[] = [];
  if (plan.prepare.length > 0) {
    lines.push(
      `  prepare[${q(['prepare', ...plan.prepare.map((p) => `${p.name}${p.cleanup ? ' (cleanup)' : ''}`)].join('<br/>'))}]`,
    );
    chain.push('prepare');
  }
  stages.forEach((stage, i) => {
    const id = gid.get(stage.name) ?? `stage_${i}`;
    if (stage.implicit && i > 0) soft.add(id);
    if (hasGate(plan, stage)) {
      lines.push(`  ${id}_gate{{${q(`confirm ${stage.name}?<br/>proceed · skip stage · abort`)}}}`);
      chain.push(`${id}_gate`);
    }
    lines.push(`  subgraph ${id}[${q(stageTitle(stage, i))}]`);
    for (const name of stage.services) {
      const spec = own(plan.services, name);
      if (spec) lines.push(`    ${sid.get(name)}[${q(serviceLines(spec).join('<br/>'))}]`);
    }
    if (stage.verify.length > 0) {
      lines.push(
        `    ${id}_verify[/${q(['verify', ...stage.verify.map((v) => `${v.name}: ${redact(v.probe.label)}`)].join('<br/>'))}/]`,
      );
    }
    lines.push('  end');
    chain.push(id);
  });
  const checks = [
    ...plan.integration.map((c) => `integration ${c.name}: ${redact(c.probe.label)}`),
    ...plan.readiness.map((r) => `readiness ${r.name} (${r.category}, ${r.severity})`),
  ];
  if (checks.length > 0) {
    lines.push(`  verification[/${q(['verification', ...checks].join('<br/>'))}/]`);
    chain.push('verification');
  }
  for (let i = 1; i < chain.length; i++)
    lines.push(`  ${chain[i - 1]} ${soft.has(chain[i] ?? '') ? '-.->' : '==>'} ${chain[i]}`);
  for (const [dep, svc] of dependencyEdges(plan))
    lines.push(`  ${sid.get(dep)} -->|${q('before')}| ${sid.get(svc)}`);
  if (plan.rollbackOrder.length > 0) {
    lines.push(
      `  subgraph rollback[${q(`rollback order (on failure: ${plan.policy.onFailure})`)}]`,
      '    direction LR',
    );
    plan.rollbackOrder.forEach((name, i) =>
      lines.push(`    rb_${i + 1}[${q(`${i + 1}. ${name}`)}]`),
    );
    lines.push('  end');
    for (let i = 1; i < plan.rollbackOrder.length; i++) lines.push(`  rb_${i} -.-> rb_${i + 1}`);
  }
  return `${lines.join('\n')}\n`;
}
