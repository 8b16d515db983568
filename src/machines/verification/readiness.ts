/**
 * Production-readiness verdict: a failing critical finding makes the
 * release not ready; failing warnings only make it ready with warnings.
 */

/** One readiness finding, as the verification machine records it. */
export interface ReadinessFinding {
  name: string;
  category: string;
  severity: 'critical' | 'warning';
  ok: boolean;
  detail: string;
}

/** The readiness verdict. */
export type ReadinessVerdict = 'ready' | 'ready-with-warnings' | 'not-ready';

/** The verdict over all findings (no findings: ready). */
export function readinessVerdict(findings: readonly ReadinessFinding[]): ReadinessVerdict {
  const failing = findings.filter((f) => !f.ok);
  if (failing.some((f) => f.severity === 'critical')) return 'not-ready';
  return failing.length > 0 ? 'ready-with-warnings' : 'ready';
}
