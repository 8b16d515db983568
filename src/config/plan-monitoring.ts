/**
 * What a resolved plan says about monitoring after the deployment and about telling people
 * after it: the watch window, metrics, alerts, the dashboard and notification targets.
 * Values that may be secret (webhook URLs, signing keys) are named, never resolved here:
 * the adapter reads them from process.env at its boundary, as for every secret.
 */

/** A value written in the config, or the name of a secret whose value is read at send time. */
export type SecretOr = { value: string } | { secret: string };

/** The events a notification target can ask for. */
export const notifyEvents = [
  'started',
  'succeeded',
  'failed',
  'rolled-back',
  'rollback-incomplete',
  'decision-needed',
  'watch-failed',
] as const;
export type NotifyEvent = (typeof notifyEvents)[number];

interface NotifyTargetBase {
  /** `notify[i]` or the target's `name:` — how warnings, facts and the journal name it. */
  name: string;
  on: NotifyEvent[];
  /** Per attempt. */
  timeoutMs: number;
  /** Attempts after the first, on 429/5xx/timeouts/connection errors. */
  retries: number;
}

export type NotifyTargetSpec =
  | (NotifyTargetBase & { kind: 'slack' | 'teams' | 'discord'; url: SecretOr })
  | (NotifyTargetBase & {
      kind: 'webhook';
      url: SecretOr;
      /** HMAC-SHA256 key for the body's signature; absent: unsigned. */
      signingSecret?: string;
      /** The header carrying `sha256=<hex>`; default `X-Stagecraft-Signature`. */
      signatureHeader: string;
    })
  | (NotifyTargetBase & { kind: 'command'; command: string });

export type WatchFailurePolicy = 'rollback' | 'ask' | 'alert';

export interface MetricsSpec {
  /** Pushgateway base URL; pushed once when the deployment ends. */
  pushgateway?: string;
  /** node_exporter textfile collector path (`*.prom`), written atomically. */
  textfile?: string;
  /** `/metrics` served during a watch or `stagecraft watch`. */
  listen?: { host: string; port: number };
  /** The Pushgateway job label; default `stagecraft`. */
  job: string;
}

export interface AlertsSpec {
  /** Alertmanager base URL (alerts posted to `<url>/api/v2/alerts`). */
  alertmanager: string;
  /** Extra labels on every alert (bounded, from the config). */
  labels: Record<string, string>;
}

export interface DashboardSpec {
  title: string;
  /** The Prometheus datasource uid or name Grafana should use; default `${DS_PROMETHEUS}` input. */
  datasource: string;
  /** Refresh interval as Grafana writes it (`30s`). */
  refresh: string;
  /** Where `stagecraft dashboard` writes by default (relative to the config folder); absent: stdout. */
  file?: string;
}

export interface MonitoringSpec {
  /** Keep probing every service this long after finalizing (0/absent: no watch). */
  watchMs?: number;
  onWatchFailure: WatchFailurePolicy;
  /** Between two probe rounds during a watch (default 2 s). */
  watchIntervalMs: number;
  metrics?: MetricsSpec;
  alerts?: AlertsSpec;
  dashboard?: DashboardSpec;
}
