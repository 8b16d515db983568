/**
 * Discord: its "Slack-compatible" endpoint (the webhook URL + `/slack`) takes Slack's `text` and
 * legacy `attachments`; Block Kit blocks are not part of it. `@everyone` and `@here` in untrusted
 * text are broken with a zero-width space, so they never ping.
 */
import type { NotifyEvent } from '../../config/plan-monitoring.js';
import { slackEscape } from './slack.js';
import { facts, headline, toneOf } from './summary.js';

const COLOUR = { good: '#2eb67d', bad: '#e01e5a', attention: '#ecb22e' } as const;

const noPing = (text: string): string => text.replace(/@(everyone|here)/g, '@\u200b$1');

/** The Slack-compatible URL of a Discord webhook URL; undefined when it is not an http(s) URL. */
export function discordUrl(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  if (!u.pathname.endsWith('/slack')) u.pathname = `${u.pathname.replace(/\/+$/, '')}/slack`;
  return u.toString();
}

/** The JSON body posted to a Discord webhook's `/slack` endpoint. */
export function discordBody(e: NotifyEvent): { text: string; attachments: unknown[] } {
  const lines = facts(e);
  return {
    text: noPing(slackEscape(headline(e))),
    attachments: [
      {
        color: COLOUR[toneOf(e.event)],
        fields: lines.map(([title, value]) => ({
          title,
          value: noPing(slackEscape(value)),
          short: value.length <= 40,
        })),
        footer: `stagecraft · ${e.event}`,
        ts: Math.floor(Date.parse(e.at) / 1000) || undefined,
      },
    ],
  };
}
