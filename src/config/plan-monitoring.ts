/**
 * What a resolved plan says about monitoring after the deployment and about telling people
 * after it: the watch window, metrics, alerts, the dashboard and notification targets.
 * Values that may be secret (webhook URLs, signing keys) are named, never resolved here:
 * the adapter reads them from the operator's environment at its boundary, as for every secret.
 */
import type { CommandSpec } from './plan-types.js';

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
export type NotifyEventName = (typeof notifyEvents)[number];

/**
 * What a target is told when its `on:` is not given: everything but `started` (a message per
 * deployment start is noise in most channels; ask for it explicitly).
 */
export const DEFAULT_NOTIFY_ON: readonly NotifyEventName[] = notifyEvents.filter(
  (e) => e !== 'started',
);

interface NotifyTargetBase {
  /** `notify[i]` or the target's `name:` — how warnings, facts and the journal name it. */
  name: string;
  on: NotifyEventName[];
  /** Per attempt. */
  timeoutMs: number;
  /** Attempts after the first, on 429/5xx/timeouts/connection errors. */
  retries: number;
}

/** The chat targets: one URL (often secret) and a formatter of their own. */
type ChatKind = 'slack' | 'teams' | 'discord';

export type NotifyTargetSpec =
  | (NotifyTargetBase & { kind: ChatKind; url: SecretOr })
  | (NotifyTargetBase & {
      kind: 'webhook';
      url: SecretOr;
      /** The name of the secret holding the HMAC-SHA256 key of the body's signature; absent: unsigned. */
      signingSecret?: string;
      /** The header carrying `sha256=<hex>`; default `X-Stagecraft-Signature`. */
      signatureHeader: string;
    })
  | (NotifyTargetBase & { kind: 'command'; command: CommandSpec });

/** The header a signed webhook carries its signature in unless the config names another. */
export const DEFAULT_SIGNATURE_HEADER = 'X-Stagecraft-Signature';

/** How a deployment ended, as a notification says it. */
type NotifyResult =
  'succeeded' | 'succeeded-with-warnings' | 'failed' | 'rollback-incomplete' | 'aborted';

/**
 * One notification: what happened, to which deployment, and who should look at what. Plain
 * data — the webhook body and the command target's stdin are this object as JSON — with no
 * secret values: the runtime builds it from facts, which are masked already.
 */
export interface NotifyEvent {
  event: NotifyEventName;
  project: string;
  environment: string;
  deploymentId?: string;
  /** The release label (`RELEASE`, else the deployment id). */
  release?: string;
  /** How the deployment ended; absent while it runs (`started`, `decision-needed`). */
  result?: NotifyResult;
  /** Why it failed, rolled back, asks, or why the watch failed. */
  reason?: string;
  /** Services (and their hosts) that failed, and those whose state is unknown (a host lost). */
  failed: { services: string[]; hosts: string[] };
  unknown: { services: string[]; hosts: string[] };
  /** For `decision-needed`: what is asked, and the answers it accepts. */
  decision?: { question: string; choices: string[] };
  /** Who ran it (the login user), when known. */
  actor?: string;
  /** ISO 8601 time the event happened. */
  at: string;
}

export type WatchFailurePolicy = 'rollback' | 'ask' | 'alert';

export interface MetricsSpec {
  /** Pushgateway base URL; pushed once when the deployment ends. */
  pushgateway?: string;
  /** node_exporter textfile collector path (`*.prom`, absolute), written atomically. */
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
  /** Where `stagecraft dashboard` writes by default (absolute; relative in the config to its folder); absent: stdout. */
  file?: string;
}

export interface MonitoringSpec {
  /** Keep probing every service this long after verification, before the release is recorded (0/absent: no watch). */
  watchMs?: number;
  onWatchFailure: WatchFailurePolicy;
  /** Between two probe rounds during a watch (default 5 s). */
  watchIntervalMs: number;
  metrics?: MetricsSpec;
  alerts?: AlertsSpec;
  dashboard?: DashboardSpec;
}
