/**
 * The `monitoring:` and `notify:` lines of `stagecraft plan`. A URL that may hold a token (a chat
 * webhook) is shown by its origin only; a secret by its name and whether it is set.
 */
import { relative } from 'node:path';
import type { NotifyTargetSpec, SecretOr } from '../config/plan-monitoring.js';
import type { ResolvedPlan } from '../config/plan-types.js';
import { own } from '../core/own.js';

/** The lines, each section headed and preceded by a blank line; none when neither is set. */
export function monitoringLines(
  plan: ResolvedPlan,
  cwd: string,
  env: NodeJS.ProcessEnv,
  ms: (n: number) => string,
): string[] {
  const lines: string[] = [];
  const rel = (p: string): string => relative(cwd, p) || '.';
  const m = plan.monitoring;
  if (m !== undefined) {
    lines.push('', 'monitoring:');
    lines.push(
      m.watchMs === undefined
        ? '  no watch before the release is recorded'
        : `  watch ${ms(m.watchMs)} before the release is recorded, probes every ${ms(m.watchIntervalMs)}; a failure: ${m.onWatchFailure}`,
    );
    if (m.metrics !== undefined) {
      const to = [
        m.metrics.pushgateway !== undefined ? `pushgateway ${m.metrics.pushgateway}` : '',
        m.metrics.textfile !== undefined ? `textfile ${rel(m.metrics.textfile)}` : '',
        m.metrics.listen !== undefined
          ? `/metrics on ${m.metrics.listen.host}:${m.metrics.listen.port}`
          : '',
      ].filter(Boolean);
      lines.push(`  metrics: ${to.length > 0 ? to.join(', ') : 'none'} (job ${m.metrics.job})`);
    }
    if (m.alerts !== undefined) {
      const labels = Object.entries(m.alerts.labels).map(([k, v]) => `${k}=${v}`);
      const extra = labels.length > 0 ? `, labels ${labels.join(', ')}` : '';
      lines.push(`  alerts: alertmanager ${m.alerts.alertmanager}${extra}`);
    }
    if (m.dashboard !== undefined) {
      const d = m.dashboard;
      const file = d.file !== undefined ? ` → ${rel(d.file)}` : '';
      lines.push(
        `  dashboard: ${JSON.stringify(d.title)} (datasource ${d.datasource}, refresh ${d.refresh})${file}`,
      );
    }
  }
  const targets = plan.notify ?? [];
  if (targets.length > 0) {
    lines.push('', 'notify:');
    for (const t of targets)
      lines.push(`  ${t.name}: ${targetText(t, env)}; on ${t.on.join(', ')}`);
  }
  return lines;
}

function targetText(t: NotifyTargetSpec, env: NodeJS.ProcessEnv): string {
  if (t.kind === 'command')
    return `command ${Array.isArray(t.command.run) ? JSON.stringify(t.command.run) : `\`${t.command.run}\``}`;
  const url = `${t.kind} ${urlText(t.url, env)}`;
  if (t.kind !== 'webhook' || t.signingSecret === undefined) return url;
  return `${url}, signed with secret ${t.signingSecret} (${isSet(env, t.signingSecret)}) in ${t.signatureHeader}`;
}

function urlText(url: SecretOr, env: NodeJS.ProcessEnv): string {
  if ('secret' in url) return `secret ${url.secret} (${isSet(env, url.secret)})`;
  try {
    const u = new URL(url.value);
    return u.pathname === '/' && u.search === '' ? u.origin : `${u.origin}/…`;
  } catch {
    return '(not a URL)';
  }
}

function isSet(env: NodeJS.ProcessEnv, name: string): string {
  return (own(env, name) ?? '') !== '' ? 'set' : 'NOT SET';
}
