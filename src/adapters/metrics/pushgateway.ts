/**
 * Pushes a run's metrics to a Prometheus Pushgateway when the deployment ends: `PUT
 * <url>/metrics/job/<job>/environment/<env>` replaces that group, so the gateway holds the last
 * run of each environment (the grouping key adds `job` and `environment` to every series).
 */
import { httpSend as send } from '../http-probe.js';
import type { MetricsOutcome, MetricsSource } from './names.js';

export interface PushOptions {
  /** The Pushgateway base URL (`http://pushgateway:9091`). */
  url: string;
  job: string;
  environment: string;
  /** Default 5 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * One grouping-key path segment: `name/value`, or `name@base64/<base64url>` when the value has
 * a `/` or is empty (the Pushgateway's own escape for those).
 */
function segment(name: string, value: string): string {
  if (value === '' || value.includes('/'))
    return `${name}@base64/${Buffer.from(value, 'utf8').toString('base64url') || '='}`;
  return `${name}/${encodeURIComponent(value)}`;
}

/** The URL a push for `job` and `environment` goes to. */
function pushUrl(url: string, job: string, environment: string): string {
  return `${url.replace(/\/+$/, '')}/metrics/${segment('job', job)}/${segment('environment', environment)}`;
}

/** Pushes the source's metrics; the outcome names the gateway and what it answered. */
export async function pushMetrics(
  source: MetricsSource,
  options: PushOptions,
): Promise<MetricsOutcome> {
  const target = pushUrl(options.url, options.job, options.environment);
  let body: string;
  try {
    body = await source.text();
  } catch (error) {
    return { ok: false, detail: `metrics could not be collected: ${(error as Error).message}` };
  }
  const result = await send({
    url: target,
    method: 'PUT',
    body,
    headers: { 'content-type': source.contentType },
    timeoutMs: options.timeoutMs ?? 5000,
    signal: options.signal,
  });
  if (!result.ok)
    return { ok: false, detail: `Pushgateway ${options.url} unreachable: ${result.reason}` };
  if (result.status < 200 || result.status >= 300) {
    const said = result.body.trim().split('\n')[0]?.slice(0, 200) ?? '';
    return {
      ok: false,
      detail: `Pushgateway ${options.url} refused the push (${result.status})${said ? `: ${said}` : ''}`,
    };
  }
  return { ok: true, detail: `pushed to ${target} (${result.status})` };
}
