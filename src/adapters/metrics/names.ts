/**
 * The metrics stagecraft exports, in one list: the registry creates exactly these, the
 * dashboard queries only these, the README lists them. Base units, `_total` counters, bounded
 * labels (environments, services, stages, phases and enums from the config and the facts —
 * never a deployment id, a release or a reason, except the one info gauge below).
 */
export const metricNames = {
  deployments: 'stagecraft_deployments_total',
  deploymentDuration: 'stagecraft_deployment_duration_seconds',
  phaseDuration: 'stagecraft_phase_duration_seconds',
  stageDuration: 'stagecraft_stage_duration_seconds',
  serviceActivationDuration: 'stagecraft_service_activation_duration_seconds',
  healthCheckDuration: 'stagecraft_health_check_duration_seconds',
  probeResults: 'stagecraft_probe_results_total',
  rollbacks: 'stagecraft_rollbacks_total',
  decisions: 'stagecraft_decisions_total',
  watchVerdicts: 'stagecraft_watch_verdicts_total',
  /** 1 for the current release of an environment: the one series that carries a release. */
  releaseInfo: 'stagecraft_release_info',
  releaseTimestamp: 'stagecraft_release_timestamp_seconds',
} as const;

/** The names as a map from role to metric name. */
export type MetricNames = typeof metricNames;

/** Every exported metric name. */
export const allMetricNames: readonly string[] = Object.values(metricNames);

/** What the Pushgateway, the textfile and `/metrics` need of a registry: its exposition text. */
export interface MetricsSource {
  /** The `Content-Type` of {@link MetricsSource.text}. */
  readonly contentType: string;
  text(): Promise<string>;
}

/** What sending or writing metrics (or an alert) came to: a value, never an exception. */
export interface MetricsOutcome {
  ok: boolean;
  /** `pushed to …`, `Pushgateway http://… unreachable: ECONNREFUSED`, … */
  detail: string;
}
