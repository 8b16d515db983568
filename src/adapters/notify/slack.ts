/**
 * Slack incoming webhooks: `text` (the notification and fallback) and Block Kit `blocks` (a
 * header, the facts as fields, a context line). Untrusted text is escaped (`&`, `<`, `>`), so a
 * host or reason like `<!channel>` never pings anyone.
 */
import type { NotifyEvent } from '../../config/plan-monitoring.js';
import { clip, facts, headline } from './summary.js';

/** Slack's own escaping for mrkdwn and the `text` field. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** At most this many fields in a section (Slack's limit). */
const MAX_FIELDS = 10;

/** The JSON body posted to a Slack webhook. */
export function slackBody(e: NotifyEvent): { text: string; blocks: unknown[] } {
  const title = headline(e);
  const lines = facts(e);
  const reason = e.reason === undefined ? '' : ` — ${clip(e.reason, 300)}`;
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: title, emoji: true } },
    {
      type: 'section',
      fields: lines.slice(0, MAX_FIELDS).map(([label, value]) => ({
        type: 'mrkdwn',
        text: clip(`*${label}*\n${slackEscape(value)}`, 2000),
      })),
    },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: slackEscape(`stagecraft · ${e.event} · ${e.at}`) }],
    },
  ];
  return { text: slackEscape(`${title}${reason}`), blocks };
}
