import { relative } from 'node:path';
import type { CommandSpec, ProbeSpec, ResolvedPlan, VarSource } from '../config/plan-types.js';
import { MASK } from '../core/mask.js';
import { own } from '../core/own.js';

/** Text form of a plan for an operator (`stagecraft plan`). Secret values never appear. */
export function formatPlan(plan: ResolvedPlan, cwd: string, env: NodeJS.ProcessEnv): string {
  const rel = (p: string): string => relative(cwd, p) || '.';
  const lines: string[] = [];
  lines.push(`plan for ${plan.project}, environment ${plan.environment}`);
  lines.push(`config: ${rel(plan.configPath)} (sha256 ${plan.configHash.slice(0, 12)})`);
  lines.push('', 'variables:');
  const names = Object.keys(plan.vars).sort();
  const width = [...names, ...plan.secretNames].reduce((w, n) => Math.max(w, n.length), 4);
  for (const name of names) {
    const v = own(plan.vars, name);
    if (!v) continue;
    lines.push(
      `  ${name.padEnd(width)} = ${JSON.stringify(v.value)}  from ${source(v.source, rel)}`,
    );
  }
  for (const name of plan.secretNames) {
    // Own keys only: a secret named `toString` is not set by Object.prototype.
    const set = (own(env, name) ?? '') !== '';
    lines.push(
      `  ${name.padEnd(width)} = ${MASK}  secret, from the operator's environment (${set ? 'set' : 'NOT SET'})`,
    );
  }
  if (names.length === 0 && plan.secretNames.length === 0) lines.push('  (none)');
  if (plan.prepare.length > 0) {
    lines.push('', 'prepare:');
    for (const step of plan.prepare) {
      const cleanup = step.cleanup ? `; cleanup ${command(step.cleanup)}` : '';
      lines.push(`  ${step.name}: ${command(step.run)}${cleanup}`);
    }
  }
  const implicit = plan.stages.length === 1 && plan.stages[0]?.implicit === true;
  if (implicit) {
    lines.push(
      '',
      'scheduling: by dependencies (no `stages:`): each service starts as soon as its own dependencies are healthy',
      'dependency layers (shown as groups, not waited for):',
    );
    plan.groups.forEach((group, i) => {
      lines.push(`  ${i + 1}. ${group.name}`);
      for (const name of group.services) serviceLines(plan, name, lines);
    });
  } else {
    lines.push('', 'stages (in order; each waits for the one before it):');
    plan.stages.forEach((stage, i) => {
      const flags = [
        stage.parallel ? 'parallel' : 'one at a time',
        stage.confirm || plan.confirmStages ? 'confirm first' : '',
        `timeout ${ms(stage.timeoutMs)}`,
      ].filter(Boolean);
      lines.push(`  ${i + 1}. ${stage.name} (${flags.join(', ')})`);
      for (const name of stage.services) serviceLines(plan, name, lines);
      for (const v of stage.verify) lines.push(`     verify ${v.name}: ${probe(v.probe)}`);
    });
  }
  if (plan.integration.length > 0) {
    lines.push('', 'integration:');
    for (const c of plan.integration) lines.push(`  ${c.name}: ${probe(c.probe)}`);
  }
  if (plan.readiness.length > 0) {
    lines.push('', 'production readiness:');
    for (const r of plan.readiness) {
      const what = r.probe
        ? probe(r.probe)
        : r.performance
          ? `p95 <= ${ms(r.performance.p95Ms)} of ${r.performance.url}`
          : `file ${r.file ?? '?'} exists`;
      lines.push(`  ${r.name} [${r.category}, ${r.severity}]: ${what}`);
    }
  }
  lines.push('', `activation order: ${plan.activationOrder.join(' → ')}`);
  lines.push(`rollback order:   ${plan.rollbackOrder.join(' → ')}`);
  const p = plan.policy;
  lines.push(
    `policy: on failure ${p.onFailure}, degraded ${p.degraded}, retries ${p.retries}, decision timeout ${ms(p.decisionTimeoutMs)}`,
  );
  return `${lines.join('\n')}\n`;
}

function serviceLines(plan: ResolvedPlan, name: string, lines: string[]): void {
  const svc = own(plan.services, name);
  if (!svc) return;
  const run = svc.kind === 'process' ? svc.process : svc.activate;
  const deps = svc.dependsOn.length > 0 ? `, depends on ${svc.dependsOn.join(', ')}` : '';
  lines.push(`     - ${name}: ${svc.kind} ${run ? command(run) : ''}${deps}`);
  if (svc.health) lines.push(`         health: ${probe(svc.health)}`);
  for (const r of svc.readiness) lines.push(`         readiness: ${probe(r)}`);
  if (svc.performance) {
    const p = svc.performance;
    lines.push(`         performance: p95 <= ${ms(p.p95Ms)} over ${p.samples} GETs of ${p.url}`);
  }
  if (svc.rollback) {
    // A process's command runs between stopping this instance and restarting the previous one.
    const when =
      svc.kind === 'process'
        ? ' (after stopping this instance, before restarting the previous)'
        : '';
    lines.push(`         rollback: ${command(svc.rollback)}${when}`);
  }
}

function source(s: VarSource, rel: (p: string) => string): string {
  return s.file ? `${rel(s.file)} ${s.path}` : `${s.kind} ${s.path}`;
}

function command(c: CommandSpec): string {
  return Array.isArray(c.run)
    ? `[${c.run.map((a) => JSON.stringify(a)).join(', ')}]`
    : `\`${c.run}\``;
}

function probe(p: ProbeSpec): string {
  return `${p.label} (every ${ms(p.intervalMs)}, timeout ${ms(p.timeoutMs)}, retries ${p.retries})`;
}

/** Milliseconds as the config writes durations. */
function ms(n: number): string {
  if (n >= 3_600_000 && n % 3_600_000 === 0) return `${n / 3_600_000}h`;
  if (n >= 60_000 && n % 60_000 === 0) return `${n / 60_000}m`;
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}s`;
  return `${n}ms`;
}
