/**
 * The words every chat format shares: a one-line headline and the facts under it, from one
 * {@link NotifyEvent}. Plain text, control characters escaped; each format adds its own markup.
 */
import type { NotifyEvent, NotifyEventName } from '../../config/plan-monitoring.js';
import { escapeControls } from '../../core/control-chars.js';

const MARK: Record<NotifyEventName, string> = {
  started: '🚀',
  succeeded: '✅',
  failed: '❌',
  'rolled-back': '↩️',
  'rollback-incomplete': '🚨',
  'decision-needed': '❓',
  'watch-failed': '👀',
};

const WHAT: Record<NotifyEventName, string> = {
  started: 'deployment started',
  succeeded: 'deployed',
  failed: 'deployment failed',
  'rolled-back': 'rolled back',
  'rollback-incomplete': 'rollback incomplete: needs a person',
  'decision-needed': 'waiting for a decision',
  'watch-failed': 'failed during the watch after deploying',
};

/** Whether the event is good news, bad news or a call for attention (colours, styles). */
export function toneOf(event: NotifyEventName): 'good' | 'bad' | 'attention' {
  if (event === 'succeeded' || event === 'started') return 'good';
  if (event === 'decision-needed') return 'attention';
  return 'bad';
}

/** `text` safe to show: control characters escaped, at most `max` characters (`…` when cut). */
export function clip(text: string, max: number): string {
  const safe = escapeControls(text);
  return safe.length <= max ? safe : `${safe.slice(0, Math.max(0, max - 1))}…`;
}

/** `✅ shop · production: deployed 1.4.2`. */
export function headline(e: NotifyEvent): string {
  const release = e.release !== undefined ? ` ${e.release}` : '';
  const what =
    e.event === 'succeeded' || e.event === 'started' ? `${WHAT[e.event]}${release}` : WHAT[e.event];
  return clip(`${MARK[e.event]} ${e.project} · ${e.environment}: ${what}`, 150);
}

/** Label → value lines under the headline, only those the event has. */
export function facts(e: NotifyEvent): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const add = (label: string, value: string | undefined): void => {
    if (value !== undefined && value !== '') out.push([label, clip(value, 500)]);
  };
  const list = (items: string[]): string | undefined =>
    items.length === 0 ? undefined : items.join(', ');
  add('Environment', e.environment);
  add('Release', e.release);
  add('Result', e.result);
  add('Reason', e.reason);
  add('Question', e.decision?.question);
  add('Answers', e.decision === undefined ? undefined : list(e.decision.choices));
  add('Failed services', list(e.failed.services));
  add('Failed hosts', list(e.failed.hosts));
  add('Unknown services', list(e.unknown.services));
  add('Unknown hosts', list(e.unknown.hosts));
  add('By', e.actor);
  add('Deployment', e.deploymentId);
  return out;
}
