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
      /** Its SSH connection was lost before it ended: its outcome is unknown. */
      lost?: boolean;
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
      kind: 'exited';
      /** The service whose process it was. */
      label: string;
      pid: number;
      /** null when killed by a signal, or when the exit status could not be observed. */
      exitCode: number | null;
      signal?: string;
      /** Whether the exit status was observed (only for a process this stagecraft run started). */
      statusKnown: boolean;
      /** How long it ran, in ms. */
      ranMs: number;
      /** What the service was doing: `starting`, `checking health`, `healthy`. */
      during: string;
      /** The last lines of its log, oldest first. */
      tail: string[];
      logFile: string;
    }
  | {
      kind: 'port-taken';
      /** The service that was to listen on the port. */
      label: string;
      host: string;
      port: number;
      /** The process that listens there, when /proc tells. */
      holder?: { pid: number; command?: string };
      /** `before-start`: checked before spawning; `at-verdict`: the probe reached another program. */
      when: 'before-start' | 'at-verdict';
      /** The service's own process (at-verdict). */
      servicePid?: number;
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
  if (f.lost === true) return `is unknown: ${f.error ?? 'its connection was lost'}`;
  if (f.error !== undefined) return `could not start: ${f.error}`;
  if (f.timedOut) return `timed out after ${seconds(f.timeoutMs)}`;
  if (f.canceled) return 'was canceled';
  if (f.exitCode === null) return `was killed by ${f.signal ?? 'a signal'}`;
  return `exited with code ${f.exitCode}`;
}

/** Lines of a log tail that carry no message: stack frames, braces, `Node.js v20.1.0`, carets. */
const noise = /^(\s+at\s|\s*[{}^]+\s*$|Node\.js v\d|\s*$)/;

/**
 * The line of a log tail that says what went wrong: the last `SomethingError: …` line when there
 * is one (a stack trace's message), otherwise the last line that is not a stack frame.
 */
export function headline(tail: string[]): string | undefined {
  const lines = tail.map((l) => l.trimEnd()).filter((l) => !noise.test(l));
  const line = lines.findLast((l) => /^\s*[\w.]*(Error|Exception)\b\S*:/.test(l)) ?? lines.at(-1);
  if (line === undefined) return undefined;
  const trimmed = line.trim();
  return trimmed.length > 200 ? `${trimmed.slice(0, 197)}...` : trimmed;
}

/** How a process ended: `exited with code 1`, `was killed by SIGKILL`, `exited`. */
function processEnding(f: Extract<Failure, { kind: 'exited' }>): string {
  if (!f.statusKnown) return 'is no longer running';
  if (f.exitCode === null) return `was killed by ${f.signal ?? 'a signal'}`;
  return `exited with code ${f.exitCode}`;
}

/** `pid 4321 (node server.mjs)` or `another program`. */
function holderText(holder: { pid: number; command?: string } | undefined): string {
  if (holder === undefined) return 'another program';
  return holder.command === undefined
    ? `pid ${holder.pid}`
    : `pid ${holder.pid} (${holder.command})`;
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
    case 'exited': {
      const last = headline(f.tail);
      const notes = [`pid ${f.pid}`, `log: ${f.logFile}`];
      if (last !== undefined) notes.push(`last output: "${last}"`);
      return (
        `${f.label} ${processEnding(f)} while ${f.during}, ${seconds(f.ranMs)} after it started ` +
        `(${notes.join('; ')})`
      );
    }
    case 'port-taken': {
      const where = `port ${f.port} on ${f.host}`;
      if (f.when === 'before-start')
        return (
          `${f.label} was not started: ${where} is already in use by ${holderText(f.holder)}, ` +
          `which its health check would reach instead; stop that program or give ${f.label} another port`
        );
      const own = f.servicePid === undefined ? '' : ` (pid ${f.servicePid})`;
      return (
        `${f.label}'s health check passed, but ${where} is held by ${holderText(f.holder)}, not by ` +
        `${f.label}'s process group${own}: the check reached another program`
      );
    }
    case 'effect': {
      const at = f.attempt ? ` (attempt ${f.attempt.n}/${f.attempt.cap})` : '';
      return `${f.label} failed: ${f.message}${at}`;
    }
  }
}
