/**
 * Health policy as pure functions: backoff, thresholds and the wording of verdict reasons.
 * The health machine calls these from its actions and guards; they never do I/O.
 */
import { count } from '../../core/plural.js';
import type { PerformanceSpec, ProbeSpec } from '../../config/plan-types.js';
import { wordFailure, type Failure } from '../../record/failures.js';
import type { PerformanceOutcome, ProbeOutcome } from '../effects.js';

/** The first startup delay between probes; it doubles up to the probe's `intervalMs`. */
const STARTUP_DELAY_MS = 50;

/** How many recent probe details a reason quotes. */
const RECENT = 3;

/** Per-probe counters of the health machine (plain data, journaled with the context). */
export interface ProbeProgress {
  /** Attempts made on the current probe (1-based after the first result). */
  attempt: number;
  /** Consecutive failures counted after the start period. */
  failures: number;
  /** Consecutive passes. */
  passes: number;
  /** True once the probe passed at least once: from then on it runs every `intervalMs`. */
  seenPass: boolean;
  /** When the current probe's polling began (epoch ms). */
  startedAt: number;
  /** When the next attempt is due (epoch ms): an absolute deadline survives a restore. */
  nextAttemptAt: number;
  /** The last few details, oldest first. */
  recent: string[];
}

/** Counters for a probe whose polling starts at `now`. */
export function freshProgress(now: number): ProbeProgress {
  return {
    attempt: 0,
    failures: 0,
    passes: 0,
    seenPass: false,
    startedAt: now,
    nextAttemptAt: now,
    recent: [],
  };
}

/** Counters for watching a probe that already passed: first attempt one interval from `now`. */
export function monitorProgress(probe: ProbeSpec, now: number): ProbeProgress {
  return { ...freshProgress(now), seenPass: true, nextAttemptAt: now + probe.intervalMs };
}

/**
 * The wait before attempt `attempt + 1`: until the first pass, 50 ms doubling per attempt up to
 * the interval (so readiness is seen within tens of ms); after a pass, the interval.
 */
function nextDelayMs(probe: ProbeSpec, attempt: number, seenPass: boolean): number {
  if (seenPass) return probe.intervalMs;
  const doubled = STARTUP_DELAY_MS * 2 ** Math.max(0, attempt - 1);
  return Math.min(probe.intervalMs, doubled);
}

/** The number of consecutive failures (after the start period) that make a probe fail. */
export function failureCap(probe: ProbeSpec): number {
  return Math.max(1, probe.retries);
}

/** The number of consecutive passes a probe needs. */
export function passCap(probe: ProbeSpec): number {
  return Math.max(1, probe.successThreshold);
}

/** Applies one probe result at time `now` to the counters. */
export function applyResult(
  probe: ProbeSpec,
  p: ProbeProgress,
  outcome: ProbeOutcome,
  now: number,
): ProbeProgress {
  const attempt = p.attempt + 1;
  // Docker semantics: failures inside the start period do not count, a pass ends it.
  const inStartPeriod = !p.seenPass && now - p.startedAt < probe.startPeriodMs;
  // The fast startup polls (50 ms, 100 ms, ...) look for the first pass early; they are not
  // the failure budget. Failures count once polling runs at the interval pace, so `retries`
  // keeps meaning roughly retries × interval, as in Docker and Kubernetes.
  const fastPoll =
    !p.seenPass && (p.attempt === 0 || nextDelayMs(probe, p.attempt, false) < probe.intervalMs);
  const counts = !inStartPeriod && !(fastPoll && probe.intervalMs > STARTUP_DELAY_MS);
  const seenPass = p.seenPass || outcome.ok;
  return {
    attempt,
    failures: outcome.ok ? 0 : counts ? p.failures + 1 : 0,
    // Capped: a monitored probe that keeps passing stays at `n/n` (and is recorded once).
    passes: outcome.ok ? Math.min(p.passes + 1, passCap(probe)) : 0,
    seenPass,
    startedAt: p.startedAt,
    nextAttemptAt: now + nextDelayMs(probe, attempt, seenPass),
    recent: [...p.recent, outcome.detail].slice(-RECENT),
  };
}

/** Seconds with one decimal, e.g. `34.2 s`. */
function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

/** The rough time a probe is given before it is declared failed: start period + retries × (interval + timeout). */
function probeBudgetMs(probe: ProbeSpec): number {
  return probe.startPeriodMs + failureCap(probe) * (probe.intervalMs + probe.timeoutMs);
}

/** `readiness http GET …` for readiness probes, the plain label for the primary check. */
export function probeName(probe: ProbeSpec, readiness: boolean): string {
  return readiness ? `readiness ${probe.label}` : probe.label;
}

/** Why a probe failed, as data: which probe, the count against the threshold, elapsed vs deadline, thresholds, last results. */
export function probeFailed(
  name: string,
  probe: ProbeSpec,
  p: ProbeProgress,
  now: number,
): Failure {
  return {
    kind: 'probe',
    probe: name,
    failures: p.failures,
    of: failureCap(probe),
    elapsedMs: now - p.startedAt,
    budgetMs: probeBudgetMs(probe),
    intervalMs: probe.intervalMs,
    timeoutMs: probe.timeoutMs,
    startPeriodMs: probe.startPeriodMs,
    recent: [...p.recent],
  };
}

/** How a probe passed, e.g. `tcp 127.0.0.1:5432 passed 3/3 after 1.2 s (last: connected)`. */
export function passNote(name: string, probe: ProbeSpec, p: ProbeProgress, now: number): string {
  return `${name} passed ${p.passes}/${passCap(probe)} after ${seconds(now - p.startedAt)} (last: ${p.recent.at(-1) ?? ''})`;
}

/** A missed performance baseline, as data. */
export function performanceMissed(spec: PerformanceSpec, out: PerformanceOutcome): Failure {
  return {
    kind: 'performance',
    url: spec.url,
    p95Ms: out.p95Ms,
    limitMs: spec.p95Ms,
    samples: out.samples,
    failed: out.failures,
    detail: out.detail,
  };
}

/** How the performance baseline was met, or why it was missed. */
export function performanceNote(spec: PerformanceSpec, out: PerformanceOutcome): string {
  if (!out.ok) return wordFailure(performanceMissed(spec, out));
  return (
    `performance ${spec.url} met: p95 ${Math.round(out.p95Ms)} ms (limit ${spec.p95Ms} ms) over ` +
    `${count(out.samples, 'sample')}, ${out.failures} failed (${out.detail})`
  );
}

/** Text of an unexpected rejection from an effect actor. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : 'unknown error';
}
