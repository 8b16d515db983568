/**
 * The end of a deployment, for metrics: push to the Pushgateway and write the textfile, each
 * when the plan configures it. Both are tried; a failure is a warning for the caller to show,
 * never a reason to fail the deployment.
 */
import type { MetricsSpec } from '../../config/plan-monitoring.js';
import type { MetricsOutcome, MetricsSource } from './names.js';
import { pushMetrics } from './pushgateway.js';
import { writeTextfile } from './textfile.js';

/** One configured destination and how it went. */
export interface PublishOutcome extends MetricsOutcome {
  to: 'pushgateway' | 'textfile';
}

/** Publishes the run's metrics where `spec` says; one outcome per configured destination. */
export async function publishMetrics(
  source: MetricsSource,
  spec: MetricsSpec,
  environment: string,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<PublishOutcome[]> {
  const pending: Array<Promise<PublishOutcome>> = [];
  if (spec.pushgateway !== undefined) {
    const url = spec.pushgateway;
    pending.push(
      pushMetrics(source, { url, job: spec.job, environment, ...options }).then((o) => ({
        to: 'pushgateway' as const,
        ...o,
      })),
    );
  }
  if (spec.textfile !== undefined)
    pending.push(
      writeTextfile(source, spec.textfile).then((o) => ({ to: 'textfile' as const, ...o })),
    );
  return Promise.all(pending);
}
