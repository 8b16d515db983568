/**
 * Pure helpers of the watch statechart: which checks a watch runs for each service, how a
 * performance measurement reads as a pass or a failure, and how a failure is worded.
 */
import type { PerformanceSpec, ProbeSpec, ServiceChecks } from '../../config/plan-types.js';
import type { PerformanceOutcome } from '../effects.js';

/**
 * Consecutive failures of one check that make its service fail the watch: one dropped request is
 * not a rollback, two in a row (a whole interval apart) are (Flagger's `threshold`, Argo's
 * `failureLimit` + 1).
 */
export const DEFAULT_FAILURES_TO_TRIP = 2;

/** A service as the watch needs it: its name and the checks its plan gives it. */
export type WatchedService = { name: string } & ServiceChecks;

/** One check the watch runs every round: a probe of a service, or its performance baseline. */
export type WatchCheck =
  | { service: string; name: string; kind: 'probe'; probe: ProbeSpec }
  | { service: string; name: string; kind: 'performance'; performance: PerformanceSpec };

/** One check's result, as the watch judges it. */
export interface CheckResult {
  ok: boolean;
  detail: string;
  durationMs: number;
}

/**
 * Every check of every service, in order: its health probe, its readiness probes, then its
 * performance baseline. A service with none of them has nothing to watch and is left out.
 */
export function watchChecks(services: readonly WatchedService[]): WatchCheck[] {
  const checks: WatchCheck[] = [];
  for (const s of services) {
    for (const probe of [...(s.health === undefined ? [] : [s.health]), ...s.readiness])
      checks.push({ service: s.name, name: probe.label, kind: 'probe', probe });
    if (s.performance !== undefined)
      checks.push({
        service: s.name,
        name: `performance ${s.performance.url}`,
        kind: 'performance',
        performance: s.performance,
      });
  }
  return checks;
}

/** The services that have at least one check, in order. */
export function watchedNames(checks: readonly WatchCheck[]): string[] {
  return [...new Set(checks.map((c) => c.service))];
}

/** A performance measurement as a check result: a missed p95 is a failure of the check. */
export function performanceResult(spec: PerformanceSpec, out: PerformanceOutcome): CheckResult {
  const detail =
    out.detail ||
    `p95 ${Math.round(out.p95Ms)} ms (limit ${spec.p95Ms} ms), ${out.failures} failed`;
  return { ok: out.ok, detail, durationMs: 0 };
}

/** Why a service failed the watch: `http GET … failed 2 times in a row (last: 503)`. */
export function tripReason(check: WatchCheck, failures: number, detail: string): string {
  return `${check.name} failed ${failures} ${failures === 1 ? 'time' : 'times in a row'} (last: ${detail})`;
}

/** Seconds with one decimal for messages: `12.3 s`. */
export function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}
