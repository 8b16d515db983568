import { relative } from 'node:path';
import type { CommandSpec, ProbeSpec, ResolvedPlan, VarSource } from '../config/plan-types.js';
import { MASK } from '../core/mask.js';
import { own } from '../core/own.js';
import { monitoringLines } from './format-monitoring.js';

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
  const hosts = Object.values(plan.hosts ?? {});
  if (hosts.length > 0) {
    lines.push('', 'hosts:');
    const w = hosts.reduce((m, h) => Math.max(m, h.name.length), 4);
    for (const h of hosts) {
      const roles = h.roles.length > 0 ? `  roles ${h.roles.join(', ')}` : '';
      // Host vars override the environment's for that host's instances: say which, with values.
      const vars = Object.entries(h.vars).map(([k, v]) =>
        plan.secretNames.includes(k) ? `${k}=${MASK}` : `${k}=${JSON.stringify(v)}`,
      );
      const varText = vars.length > 0 ? `  vars ${vars.join(' ')}` : '';
      lines.push(
        `  ${h.name.padEnd(w)}  ${h.user}@${formatHost(h.address)}:${h.port}${roles}${varText}`,
      );
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
      for (const name of collapse(plan, group.services)) serviceLines(plan, name, lines);
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
      for (const name of collapse(plan, stage.services)) serviceLines(plan, name, lines);
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
  for (const line of monitoringLines(plan, cwd, env, ms)) lines.push(line);
  lines.push('', `activation order: ${orderText(plan, plan.activationOrder)}`);
  lines.push(`rollback order:   ${orderText(plan, plan.rollbackOrder)}`);
  const p = plan.policy;
  lines.push(
    `policy: on failure ${p.onFailure}, degraded ${p.degraded}, retries ${p.retries}, decision timeout ${ms(p.decisionTimeoutMs)}`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * Names with the instances of a placed service shown once, as the service (its first
 * instance stands for it: they differ only in their host).
 */
function collapse(plan: ResolvedPlan, names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.filter((name) => {
    const service = own(plan.services, name)?.placement?.service;
    if (service === undefined) return true;
    if (seen.has(service)) return false;
    seen.add(service);
    return true;
  });
}

/** The service an instance is of (a name that is no instance is itself). */
function serviceOf(plan: ResolvedPlan, name: string): string {
  return own(plan.services, name)?.placement?.service ?? name;
}

/** An order, each placed service's run of instances as one `api ×3`. */
function orderText(plan: ResolvedPlan, order: readonly string[]): string {
  const parts: string[] = [];
  let last: { service: string; count: number } | undefined;
  const flush = (): void => {
    if (last) parts.push(`${last.service} ×${last.count}`);
  };
  for (const name of order) {
    const service = own(plan.services, name)?.placement?.service;
    if (service !== undefined && last?.service === service) {
      last.count++;
      continue;
    }
    flush();
    last = service === undefined ? undefined : { service, count: 1 };
    if (service === undefined) parts.push(name);
  }
  flush();
  return parts.join(' → ');
}

/** `on web-1, web-2 · batches 1, 1 · budget 0 · minHealthy 2s`, long lists shortened. */
function rolloutText(plan: ResolvedPlan, service: string): string | undefined {
  const r = own(plan.rollouts ?? {}, service);
  if (!r) return undefined;
  const on =
    r.hosts.length <= 8
      ? r.hosts.join(', ')
      : `${r.hosts.slice(0, 3).join(', ')}, …, ${r.hosts[r.hosts.length - 1]} (${r.hosts.length} hosts)`;
  const batches: string[] = [];
  for (let i = 0; i < r.batches.length;) {
    let j = i;
    while (j < r.batches.length && r.batches[j] === r.batches[i]) j++;
    const run = j - i;
    // Short runs as they are; a long one as `size×count`.
    if (run <= 3) for (let k = i; k < j; k++) batches.push(String(r.batches[k]));
    else batches.push(`${r.batches[i]}×${run}`);
    i = j;
  }
  return `on ${on} · batches ${batches.join(', ')} · budget ${r.failureBudget} · minHealthy ${ms(r.minHealthyMs)}`;
}

function serviceLines(plan: ResolvedPlan, name: string, lines: string[]): void {
  const svc = own(plan.services, name);
  if (!svc) return;
  const run = svc.kind === 'process' ? svc.process : svc.activate;
  const deps =
    svc.dependsOn.length > 0
      ? `, depends on ${[...new Set(svc.dependsOn.map((d) => serviceOf(plan, d)))].join(', ')}`
      : '';
  const shown = svc.placement?.service ?? name;
  lines.push(`     - ${shown}: ${svc.kind} ${run ? command(run) : ''}${deps}`);
  const rollout = svc.placement ? rolloutText(plan, svc.placement.service) : undefined;
  if (rollout !== undefined) lines.push(`         ${rollout}`);
  // An instance's probes name its host's address: say which host they are shown for.
  const on = svc.placement ? ` (${svc.placement.host})` : '';
  if (svc.health) lines.push(`         health${on}: ${probe(svc.health)}`);
  for (const r of svc.readiness) lines.push(`         readiness${on}: ${probe(r)}`);
  if (svc.performance) {
    const p = svc.performance;
    lines.push(
      `         performance${on}: p95 <= ${ms(p.p95Ms)} over ${p.samples} GETs of ${p.url}`,
    );
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

function formatHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
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
