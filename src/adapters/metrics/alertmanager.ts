/**
 * Fires and resolves alerts through the Alertmanager v2 API (`POST <url>/api/v2/alerts`). An
 * alert is identified by its labels: resolving posts the same labels with `endsAt` set, so
 * {@link alertLabels} is the one place they are built.
 */
import type { AlertsSpec } from '../../config/plan-monitoring.js';
import { httpSend as send } from '../http-probe.js';
import type { MetricsOutcome } from './names.js';

/** What an alert is about; absent service/host leave those labels out. */
export interface StagecraftAlert {
  /** `StagecraftWatchFailed`, `StagecraftDeploymentFailed`, ... */
  alertname: string;
  project: string;
  environment: string;
  service?: string;
  host?: string;
  severity: 'critical' | 'warning' | 'info';
  summary: string;
  description: string;
}

export interface AlertOptions {
  /** Default 5 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The alert's start (fire) or end (resolve); default now. */
  at?: Date;
}

/** The alert's labels: the configured ones, then stagecraft's own (which win on a clash). */
function alertLabels(spec: AlertsSpec, alert: StagecraftAlert): Record<string, string> {
  const labels: Record<string, string> = { ...spec.labels };
  labels.alertname = alert.alertname;
  labels.project = alert.project;
  labels.environment = alert.environment;
  if (alert.service !== undefined) labels.service = alert.service;
  if (alert.host !== undefined) labels.host = alert.host;
  labels.severity = alert.severity;
  return labels;
}

async function post(
  spec: AlertsSpec,
  alert: StagecraftAlert,
  times: { startsAt?: string; endsAt?: string },
  options: AlertOptions,
  verb: string,
): Promise<MetricsOutcome> {
  const url = `${spec.alertmanager.replace(/\/+$/, '')}/api/v2/alerts`;
  const body = JSON.stringify([
    {
      labels: alertLabels(spec, alert),
      annotations: { summary: alert.summary, description: alert.description },
      ...times,
    },
  ]);
  const result = await send({
    url,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
    timeoutMs: options.timeoutMs ?? 5000,
    signal: options.signal,
  });
  if (!result.ok)
    return { ok: false, detail: `Alertmanager ${spec.alertmanager} unreachable: ${result.reason}` };
  if (result.status !== 200) {
    const said = result.body.trim().split('\n')[0]?.slice(0, 200) ?? '';
    return {
      ok: false,
      detail: `Alertmanager ${spec.alertmanager} refused the alert (${result.status})${said ? `: ${said}` : ''}`,
    };
  }
  return { ok: true, detail: `${verb} ${alert.alertname} at ${spec.alertmanager}` };
}

/** Fires the alert (active until resolved: no `endsAt`, Alertmanager's resolve_timeout applies). */
export function fireAlert(
  spec: AlertsSpec,
  alert: StagecraftAlert,
  options: AlertOptions = {},
): Promise<MetricsOutcome> {
  const startsAt = (options.at ?? new Date()).toISOString();
  return post(spec, alert, { startsAt }, options, 'fired');
}

/** Resolves the alert fired with the same labels: `endsAt` now (or `options.at`). */
export function resolveAlert(
  spec: AlertsSpec,
  alert: StagecraftAlert,
  options: AlertOptions = {},
): Promise<MetricsOutcome> {
  const endsAt = (options.at ?? new Date()).toISOString();
  return post(spec, alert, { endsAt }, options, 'resolved');
}
