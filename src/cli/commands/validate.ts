import { relative } from 'node:path';
import type { ResolvedPlan } from '../../config/plan-types.js';
import type { CliIo } from '../io.js';
import { EXIT } from '../exit-codes.js';
import { count } from '../../core/plural.js';
import { loadPlan } from '../load-plan.js';
import type { PrerequisiteReport } from '../../runtime/prerequisites.js';
import { maskingSink } from '../redact.js';
import { hostsInUse } from '../../runtime/hosts-in-use.js';
import type { CommonOptions } from '../options.js';

/**
 * `stagecraft validate`: schema, graph and rules (a ConfigError is exit 2), then the
 * prerequisites as real checks that change nothing (exit 1 when any fails, all listed).
 * `--no-prerequisites` stops after the config checks. `--json` prints one JSON object.
 */
/** Options of `validate`. */
export interface ValidateOptions extends CommonOptions {
  /** false with `--no-prerequisites`: only schema, graph and rules. */
  prerequisites: boolean;
}

export async function validateCommand(opts: ValidateOptions, io: CliIo): Promise<number> {
  let plan: ResolvedPlan;
  try {
    plan = await loadPlan(opts, io);
  } catch (err) {
    if (opts.json && isConfigError(err)) {
      io.stdout.write(`${JSON.stringify({ valid: false, ok: false, issues: err.issues })}\n`);
    }
    throw err;
  }
  let report: PrerequisiteReport | null = null;
  if (opts.prerequisites) {
    const { checkPrerequisites } = await import('../../runtime/prerequisites.js');
    if (plan.hosts === undefined) report = await checkPrerequisites(plan, io.env);
    else {
      // The hosts in use are checked over SSH too, on connections of this command only.
      const { SshPool } = await import('../../adapters/ssh/pool.js');
      const pool = new SshPool();
      try {
        report = await checkPrerequisites(plan, io.env, undefined, { pool });
      } finally {
        await pool.close();
      }
    }
  }
  const ok = report === null || report.ok;
  const out = maskingSink(io.stdout, plan, io.env);
  if (opts.json) {
    out.json({
      valid: true,
      ok,
      environment: plan.environment,
      configPath: plan.configPath,
      services: Object.keys(plan.services).length,
      stages: plan.stages.map((s) => s.name),
      prerequisites: report,
      ...(plan.hosts === undefined ? {} : { hosts: hostsJson(plan, report) }),
    });
  } else {
    out.write(describe(plan, report, io.cwd));
  }
  if (!ok && report) {
    const failed = report.checks.filter((c) => !c.ok);
    io.stderr.write(
      `stagecraft: ${failed.length} prerequisite${failed.length === 1 ? '' : 's'} failed: ${failed
        .map((c) => `${c.category} ${c.name}`)
        .join(', ')}; nothing was changed\n`,
    );
  }
  return ok ? EXIT.ok : EXIT.failed;
}

/** `3 services`, or with placed ones `3 services (7 instances on 3 hosts)`: as written, then run. */
function servicesText(plan: ResolvedPlan): string {
  const specs = Object.values(plan.services);
  const written = new Set(specs.map((s) => s.placement?.service ?? s.name)).size;
  const text = count(written, 'service');
  const placed = specs.filter((s) => s.placement !== undefined);
  if (placed.length === 0) return text;
  const hosts = new Set(placed.map((s) => s.placement?.host)).size;
  return `${text} (${count(specs.length, 'instance')} on ${count(hosts, 'host')})`;
}

function describe(plan: ResolvedPlan, report: PrerequisiteReport | null, cwd: string): string {
  const lines = [
    `✓ ${relative(cwd, plan.configPath) || plan.configPath} is valid: environment ${plan.environment}, ${servicesText(plan)} ${stagesText(plan)}`,
  ];
  if (report === null) {
    lines.push('  prerequisites not checked (--no-prerequisites)');
  } else if (report.checks.length === 0) {
    lines.push('  no prerequisites to check');
  } else {
    const failed = report.checks.filter((c) => !c.ok).length;
    lines.push(
      failed === 0
        ? `✓ prerequisites: all ${report.checks.length} passed`
        : `✗ prerequisites: ${failed} of ${report.checks.length} failed`,
    );
    for (const c of report.checks) {
      lines.push(`  ${c.ok ? '✓' : '✗'} ${c.category.padEnd(8)} ${c.name}: ${c.detail}`);
    }
  }
  const unused = hostsInUse(plan).unused.map((h) => h.name);
  if (unused.length > 0)
    lines.push(
      `  unused host${unused.length === 1 ? '' : 's'} (no service placed): ${unused.join(', ')}`,
    );
  return `${lines.join('\n')}\n`;
}

/** Each host of the inventory: in use or not, its checks (when checked) and whether they passed. */
function hostsJson(plan: ResolvedPlan, report: PrerequisiteReport | null) {
  const { used } = hostsInUse(plan);
  const inUse = new Set(used.map((h) => h.name));
  return Object.values(plan.hosts ?? {}).map((h) => {
    const checks = (report?.checks ?? []).filter((c) => c.name.startsWith(`${h.name}: `));
    return {
      name: h.name,
      address: h.address,
      port: h.port,
      user: h.user,
      used: inUse.has(h.name),
      ...(report === null || !inUse.has(h.name) ? {} : { ok: checks.every((c) => c.ok), checks }),
    };
  });
}

/** `in 3 stages`, or `in 4 dependency layers (no stages: scheduled by dependencies)`. */
function stagesText(plan: ResolvedPlan): string {
  if (plan.stages.every((s) => s.implicit)) {
    const n = plan.groups.length;
    return `in ${n} dependency layer${n === 1 ? '' : 's'} (no stages: each starts when its dependencies are healthy)`;
  }
  const n = plan.stages.length;
  return `in ${n} stage${n === 1 ? '' : 's'}`;
}

function isConfigError(err: unknown): err is { issues: unknown[] } {
  return (
    err instanceof Error &&
    (err as { kind?: unknown }).kind === 'config-invalid' &&
    Array.isArray((err as { issues?: unknown }).issues)
  );
}
