/**
 * `stagecraft show <id>`: one deployment's timeline, from its record and its journal's facts —
 * the phases, each stage and service with its duration and the states it went through, every
 * check's verdict, every decision (who, when, what) and every resume; `--json` prints the same
 * as one object.
 */
import { resolve } from 'node:path';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadPlan } from '../load-plan.js';
import type { CommonOptions } from '../options.js';
import { stateDirFor } from '../state-dir.js';
import { writeOutput } from '../write-output.js';
import { formatDuration, historyRow } from './history.js';
import { pathFormat } from '../path-format.js';

/** Options of `show`. */
export interface ShowOptions extends CommonOptions {
  format?: string;
  output?: string;
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 23);

/** Runs `show <id>`: exit 0, or 2 when there is no such deployment. */
export async function showCommand(id: string, opts: ShowOptions, io: CliIo): Promise<number> {
  const format = pathFormat(opts);
  const plan = await loadPlan(opts, io);
  const stateDir = stateDirFor(plan, io.cwd, opts.stateDir);
  const { showDeployment } = await import('../../runtime/history.js');
  const { timelineOf } = await import('../../record/timeline.js');
  const { meta, record, facts, tornTail, unreadable } = await showDeployment(
    { plan, stateDir, env: io.env },
    id,
  );
  if (format !== 'text') {
    const { drawShown } = await import('./show-path.js');
    const drawn = await drawShown(id, plan, facts, format);
    if (opts.output !== undefined) await writeOutput(resolve(io.cwd, opts.output), drawn);
    else io.stdout.write(drawn);
    return EXIT.ok;
  }
  const t = timelineOf(record);
  const row = historyRow(meta);
  if (opts.json === true) {
    io.stdout.write(
      `${JSON.stringify({ ...row, environment: meta.environment, status: meta.status, configHash: meta.configHash, tornTail, warnings: record.warnings, ...t })}\n`,
    );
    return EXIT.ok;
  }
  const out = (s: string) => io.stdout.write(`${s}\n`);
  out(`deployment ${meta.id}: ${meta.project} → ${meta.environment}`);
  out(`  started ${meta.startedAt} by ${row.who} (pid ${meta.pid}): ${meta.command}`);
  out(
    `  result  ${row.result}${row.exitCode === undefined ? '' : ` (exit ${row.exitCode})`} after ${formatDuration(row.durationMs)}${row.release ? `, release ${row.release}` : ''}`,
  );
  if (record.outcome?.reason !== undefined) out(`  reason  ${record.outcome.reason}`);
  if (tornTail) out('  (the journal ends in a torn line, written during a crash: ignored)');
  if (unreadable) {
    out('  (its journal was written by an older stagecraft in another format: no timeline)');
    return EXIT.ok;
  }
  const spans = (title: string, list: typeof t.phases) => {
    if (list.length === 0) return;
    out(title);
    for (const s of list)
      out(
        `  ${clock(s.startedAt)}  ${s.name.padEnd(14)} ${s.state.padEnd(14)} ${formatDuration(s.durationMs)}`,
      );
  };
  spans('phases:', t.phases);
  spans(record.plan.stages.some((s) => s.gate) ? 'stages:' : 'layers:', t.stages);
  spans('services:', t.services);
  const path = (steps: NonNullable<(typeof t.services)[number]['steps']>) =>
    steps
      .map((st, i) => {
        const next = steps[i + 1];
        return next === undefined ? st.state : `${st.state} ${formatDuration(next.at - st.at)}`;
      })
      .join(' → ');
  const withPaths = t.services.filter((sv) => (sv.steps?.length ?? 0) > 1);
  if (withPaths.length > 0) {
    out('service paths:');
    for (const sv of withPaths) out(`  ${sv.name.padEnd(14)} ${path(sv.steps ?? [])}`);
  }
  if (t.checks.length > 0) {
    out('checks:');
    for (const c of t.checks)
      out(
        `  ${clock(c.at)}  ${c.ok ? '✓' : '✗'} ${c.phase}${c.service === undefined ? '' : ` ${c.service}`} ${c.name}: ${c.detail}`,
      );
  }
  if (t.decisions.length > 0) {
    out('decisions:');
    for (const d of t.decisions)
      out(`  ${clock(d.at)}  ${d.choice.padEnd(14)} on ${d.subject} by ${d.by}`);
  }
  if (record.warnings.length > 0) {
    out('warnings:');
    for (const w of record.warnings) out(`  ${w}`);
  }
  for (const r of t.resumes) {
    const healthy = r.summary.services.filter((s) => s.entry === 'health').map((s) => s.service);
    out(
      `resumed ${new Date(r.at).toISOString()} by ${r.by}; re-checked by probing, not run again: ${healthy.join(', ') || 'none'}`,
    );
  }
  return EXIT.ok;
}
