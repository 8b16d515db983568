/** The performance baseline: N sequential GETs, the p95 latency against the limit. */
import { count } from '../core/plural.js';
import type { PerformanceSpec } from '../config/plan-types.js';
import type { PerformanceOutcome } from '../machines/effects.js';

/** Nearest-rank percentile of `values` (0 for none). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

/**
 * Take `spec.samples` sequential samples of `GET spec.url` (each within `spec.timeoutMs`). Passes
 * when every sample answered 2xx/3xx and the p95 latency is at most `spec.p95Ms`. A failed sample
 * counts with its duration. Cancel stops sampling early.
 */
export async function measurePerformance(
  spec: PerformanceSpec,
  signal?: AbortSignal,
): Promise<PerformanceOutcome> {
  const durations: number[] = [];
  let failures = 0;
  let lastFailure = '';
  const samples = Math.max(1, spec.samples);
  // undici (and the HTTP client Node bundles, which it loads) only when a baseline is measured.
  const { httpGet } = await import('./http-probe.js');
  for (let i = 0; i < samples && !signal?.aborted; i++) {
    const result = await httpGet(spec.url, spec.timeoutMs, signal);
    if (signal?.aborted) break;
    durations.push(result.durationMs);
    if (!result.ok) {
      failures++;
      lastFailure = result.detail;
    }
  }
  const p95Ms = percentile(durations, 95);
  const taken = durations.length;
  if (signal?.aborted)
    return {
      ok: false,
      p95Ms,
      samples: taken,
      failures,
      detail: `canceled after ${count(taken, 'sample')}`,
    };
  const within = p95Ms <= spec.p95Ms;
  let detail = `p95 ${p95Ms} ms ${within ? '≤' : '>'} ${spec.p95Ms} ms (${count(taken, 'sample')})`;
  if (failures > 0) detail += `, ${failures} failed (last: ${lastFailure})`;
  return { ok: within && failures === 0, p95Ms, samples: taken, failures, detail };
}
