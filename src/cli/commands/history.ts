/**
 * `stagecraft history`: the environment's past deployments, newest first — id, started, who,
 * duration, command, result, release (`--json`: one array). A `running` deployment whose process
 * is gone on this host shows as `interrupted` (resume it with `stagecraft resume`).
 */
import { usageError } from '../../core/errors.js';
import type { DeploymentMeta } from '../../runtime/history.js';
import { EXIT, exitCodeOf } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadPlan } from '../load-plan.js';
import type { CommonOptions } from '../options.js';
import { stateDirFor } from '../state-dir.js';

/** One history row, as printed and as `--json`. */
export interface HistoryRow {
  id: string;
  started: string;
  who: string;
  durationMs?: number;
  result: string;
  exitCode?: number;
  release?: string;
  command: string;
}

/** Seconds with one decimal, or minutes and seconds: `4.2s`, `3m05s`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** The exit code a finished deployment ended with. */
function exitCodeOfMeta(meta: DeploymentMeta): number | undefined {
  if (meta.result === undefined) return meta.exitCode;
  const result = meta.result as Parameters<typeof exitCodeOf>[0]['result'];
  return meta.exitCode ?? exitCodeOf({ result, interrupted: meta.interrupted ?? false });
}

/** The history row of one deployment record (its status already the effective one). */
export function historyRow(meta: DeploymentMeta): HistoryRow {
  const status = meta.status;
  const result =
    status === 'running' || status === 'interrupted' ? status : (meta.result ?? status);
  const end = meta.finishedAt === undefined ? undefined : Date.parse(meta.finishedAt);
  const exitCode =
    status === 'running' || status === 'interrupted' ? undefined : exitCodeOfMeta(meta);
  return {
    id: meta.id,
    started: meta.startedAt,
    who: `${meta.user}@${meta.host}`,
    ...(end === undefined ? {} : { durationMs: end - Date.parse(meta.startedAt) }),
    result,
    ...(exitCode === undefined ? {} : { exitCode }),
    ...(meta.release === undefined ? {} : { release: meta.release }),
    command: meta.command.split(' ')[0] ?? meta.command,
  };
}

/** Prints rows as an aligned table. */
function printTable(io: CliIo, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  io.stdout.write(`${line(header)}\n`);
  for (const r of rows) io.stdout.write(`${line(r)}\n`);
}

/** Runs `history`; exit 0 (an empty history is not an error). */
export async function historyCommand(
  opts: CommonOptions & { limit?: string },
  io: CliIo,
): Promise<number> {
  const limit = Number(opts.limit ?? '20');
  if (!Number.isInteger(limit) || limit < 1)
    throw usageError(`--limit: "${opts.limit}" is not a positive whole number`);
  const plan = await loadPlan(opts, io);
  const stateDir = stateDirFor(plan, io.cwd, opts.stateDir);
  const { history } = await import('../../runtime/history.js');
  const rows = (await history(plan, stateDir, io.env)).slice(0, limit).map(historyRow);
  if (opts.json === true) {
    io.stdout.write(`${JSON.stringify({ environment: plan.environment, deployments: rows })}\n`);
    return EXIT.ok;
  }
  if (rows.length === 0) {
    io.stdout.write(
      `no deployments of ${plan.project} → ${plan.environment} yet (state dir ${stateDir})\n`,
    );
    return EXIT.ok;
  }
  io.stdout.write(`${plan.project} → ${plan.environment}\n`);
  printTable(
    io,
    ['ID', 'STARTED', 'WHO', 'DURATION', 'COMMAND', 'RESULT', 'RELEASE'],
    rows.map((r) => [
      r.id,
      r.started.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      r.who,
      formatDuration(r.durationMs),
      r.command,
      r.exitCode === undefined ? r.result : `${r.result} (exit ${r.exitCode})`,
      r.release ?? '-',
    ]),
  );
  return EXIT.ok;
}
