import { relative } from 'node:path';
import type { ResolvedPlan } from '../../config/plan-types.js';
import type { CliIo } from '../io.js';
import { EXIT } from '../exit-codes.js';
import { loadPlan } from '../load-plan.js';
import type { PrerequisiteReport } from '../../runtime/prerequisites.js';
import { maskingSink } from '../redact.js';
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
    report = await checkPrerequisites(plan, io.env);
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

function describe(plan: ResolvedPlan, report: PrerequisiteReport | null, cwd: string): string {
  const services = Object.keys(plan.services).length;
  const lines = [
    `✓ ${relative(cwd, plan.configPath) || plan.configPath} is valid: environment ${plan.environment}, ${services} service${services === 1 ? '' : 's'} ${stagesText(plan)}`,
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
  return `${lines.join('\n')}\n`;
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
