/**
 * `stagecraft status`: probes every service's health now (primary probe, then readiness) and
 * prints the verdicts. Exit 0 only when every probed service is healthy and every `process`
 * service's process runs; a service without a probe is shown as "no probe" and does not count as
 * a failure.
 */
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadPlan } from '../load-plan.js';
import type { CommonOptions } from '../options.js';
import { stateDirFor } from '../state-dir.js';

export async function statusCommand(opts: CommonOptions, io: CliIo): Promise<number> {
  const plan = await loadPlan(opts, io);
  const stateDir = stateDirFor(plan, io.cwd, opts.stateDir);
  const { status, failingVerdicts } = await import('../../runtime/status.js');
  const rows = await status(plan, stateDir, io.env);
  const ok = rows.every((r) => !failingVerdicts.has(r.verdict));
  if (opts.json === true) {
    io.stdout.write(`${JSON.stringify({ environment: plan.environment, ok, services: rows })}\n`);
  } else {
    io.stdout.write(`${plan.project} → ${plan.environment}\n`);
    const width = rows.reduce((w, r) => Math.max(w, r.service.length), 7);
    for (const r of rows) {
      const pid = r.pid === undefined ? '' : ` (pid ${r.pid})`;
      io.stdout.write(`  ${r.service.padEnd(width)}  ${r.verdict.padEnd(11)}  ${r.detail}${pid}\n`);
    }
  }
  return ok ? EXIT.ok : EXIT.failed;
}
