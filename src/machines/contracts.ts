/**
 * What effects return to the machines: outcomes are values, not exceptions (STYLE.md).
 * Adapters (src/adapters) produce these; machines branch on them with guards; src/cli/compose.ts
 * binds the adapters to the machines' named actors.
 */
import type { CommandSpec, ProbeSpec, PerformanceSpec } from '../config/plan-types.js';

/** The result of running one command to completion (or to its deadline, or to cancellation). */
export interface CommandOutcome {
  /** null when killed by a signal. */
  exitCode: number | null;
  signal?: string;
  durationMs: number;
  timedOut: boolean;
  canceled: boolean;
  /** The last lines of combined stdout/stderr, bounded (a few KiB). */
  outputTail: string;
  /** Full output, when a log file was requested. */
  logFile?: string;
  /** Spawn failure (command not found, bad cwd), as text. */
  error?: string;
}

/** The result of exactly one probe attempt. Health policy lives in the health machine. */
export interface ProbeOutcome {
  ok: boolean;
  /** Short human reason: `200 OK`, `503`, `ECONNREFUSED`, `timeout after 2000 ms`, `body did not match /ok/`. */
  detail: string;
  durationMs: number;
  /** HTTP status, when there was a response. */
  status?: number;
}

/** A long-running service started detached (own process group). */
export interface ProcessInfo {
  pid: number;
  logFile: string;
  startedAt: number;
}

/** A performance baseline measurement. */
export interface PerformanceOutcome {
  ok: boolean;
  p95Ms: number;
  samples: number;
  failures: number;
  detail: string;
}

/** Input of a command-running actor. `env` holds resolved variables (secrets are added by the adapter boundary in compose). */
export interface RunCommandInput {
  /** Who runs it, for logs: `api.activate`, `prepare.release-dir.cleanup`, `stage.app.verify.smoke`. */
  label: string;
  command: CommandSpec;
  /** Deadline in ms (the command's own `timeoutMs` wins when smaller). */
  timeoutMs: number;
  /** Variables that override the current release's for this run (e.g. the previous release's, during rollback). */
  env?: Record<string, string>;
}

/** Input of a probe actor. */
export interface ProbeInput {
  label: string;
  probe: ProbeSpec;
}

/** Input of a performance-measuring actor. */
export interface PerformanceInput {
  label: string;
  performance: PerformanceSpec;
}

/** Input of a process-starting actor. */
export interface StartProcessInput {
  service: string;
  command: CommandSpec;
  /** Variables that override the current release's (the previous release's, when a rollback restarts it). */
  env?: Record<string, string>;
}

/** Input of a process-stopping actor (stops what stagecraft started for this service). */
export interface StopProcessInput {
  service: string;
}

/** The result of the prerequisite checks (phase 1): every check, failed or not. */
export interface PrerequisiteReport {
  ok: boolean;
  checks: Array<{
    category: 'hardware' | 'software' | 'network' | 'security';
    name: string;
    ok: boolean;
    detail: string;
  }>;
}
