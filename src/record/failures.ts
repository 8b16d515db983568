/**
 * What failed, as data, and the one wording of it. The facts carry the data (so `--json` and the
 * journal have the exit code, the signal, the probe's counts and last results); the prompt, the
 * terminal UI, the line reporter and the final screen show the words made here from it.
 */
import { count } from '../core/plural.js';

/** A failure as the facts carry it. */
export type Failure =
  | {
      kind: 'command';
      /** What ran: `api.activate`, `prepare.dir.cleanup`, `rollback of api`. */
      label: string;
      exitCode: number | null;
      signal?: string;
      timedOut: boolean;
      canceled: boolean;
      /** It could not start at all (command not found, no such directory). */
      error?: string;
      durationMs: number;
      /** The deadline it had. */
      timeoutMs: number;
      /** Its last line of output, trimmed. */
      lastLine?: string;
      logFile?: string;
      attempt?: { n: number; cap: number };
    }
  | {
      kind: 'probe';
      /** Which probe: `http GET http://…/healthz`, `readiness tcp 127.0.0.1:5432`. */
      probe: string;
      failures: number;
      of: number;
      elapsedMs: number;
      /** Roughly how long the probe is given: start period + retries × (interval + timeout). */
      budgetMs: number;
      intervalMs: number;
      timeoutMs: number;
      startPeriodMs: number;
      /** The last results, oldest first. */
      recent: string[];
    }
  | {
      kind: 'performance';
      url: string;
      p95Ms: number;
      limitMs: number;
      samples: number;
      failed: number;
      detail: string;
    }
  | {
      kind: 'effect';
      /** What stagecraft tried: `api.activate`, `api process stop`. */
      label: string;
      message: string;
      attempt?: { n: number; cap: number };
    };

/** Seconds with one decimal, e.g. `34.2 s`. */
function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

/** Recent details with repeats folded: `503, 503, ECONNREFUSED` → `503 ×2, ECONNREFUSED`. */
function summarize(details: string[]): string {
  const runs: Array<{ detail: string; n: number }> = [];
  for (const detail of details) {
    const last = runs.at(-1);
    if (last && last.detail === detail) last.n += 1;
    else runs.push({ detail, n: 1 });
  }
  return runs.map((r) => (r.n > 1 ? `${r.detail} ×${r.n}` : r.detail)).join(', ');
}

/** How a command ended, e.g. `exited with code 1`, `timed out after 120.0 s`. */
function commandEnding(f: Extract<Failure, { kind: 'command' }>): string {
  if (f.error !== undefined) return `could not start: ${f.error}`;
  if (f.timedOut) return `timed out after ${seconds(f.timeoutMs)}`;
  if (f.canceled) return 'was canceled';
  if (f.exitCode === null) return `was killed by ${f.signal ?? 'a signal'}`;
  return `exited with code ${f.exitCode}`;
}

/** The one wording of a failure. */
export function wordFailure(f: Failure): string {
  switch (f.kind) {
    case 'command': {
      const notes: string[] = [];
      if (f.attempt) notes.push(`attempt ${f.attempt.n}/${f.attempt.cap}`);
      if (f.lastLine !== undefined) notes.push(`last output: "${f.lastLine}"`);
      if (f.logFile !== undefined) notes.push(`log: ${f.logFile}`);
      const suffix = notes.length > 0 ? ` (${notes.join('; ')})` : '';
      return `${f.label} ${commandEnding(f)}${suffix}`;
    }
    case 'probe': {
      const thresholds =
        `retries ${f.of}, interval ${seconds(f.intervalMs)}, timeout ${seconds(f.timeoutMs)}` +
        `, start period ${seconds(f.startPeriodMs)}`;
      return (
        `${f.probe} failed ${f.failures}/${f.of} after ${seconds(f.elapsedMs)} ` +
        `(deadline ~${seconds(f.budgetMs)}; ${thresholds}; last: ${summarize(f.recent)})`
      );
    }
    case 'performance':
      return (
        `performance ${f.url} missed: p95 ${Math.round(f.p95Ms)} ms (limit ${f.limitMs} ms) over ` +
        `${count(f.samples, 'sample')}, ${f.failed} failed (${f.detail})`
      );
    case 'effect': {
      const at = f.attempt ? ` (attempt ${f.attempt.n}/${f.attempt.cap})` : '';
      return `${f.label} failed: ${f.message}${at}`;
    }
  }
}
