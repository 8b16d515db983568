/**
 * Microsoft Teams through a Workflows "when a webhook request is received" flow: it accepts
 * Adaptive Cards only (no MessageCard, no Slack shape), wrapped in a `message` with one
 * attachment.
 */
import type { NotifyEvent } from '../../config/plan-monitoring.js';
import { facts, headline, toneOf } from './summary.js';

const STYLE = { good: 'good', bad: 'attention', attention: 'warning' } as const;

/** The JSON body posted to a Teams Workflows webhook. */
export function teamsBody(e: NotifyEvent): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          type: 'AdaptiveCard',
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          version: '1.4',
          msteams: { width: 'Full' },
          body: [
            {
              type: 'TextBlock',
              text: headline(e),
              size: 'Large',
              weight: 'Bolder',
              color: STYLE[toneOf(e.event)],
              wrap: true,
            },
            {
              type: 'FactSet',
              facts: facts(e).map(([title, value]) => ({ title, value })),
            },
            {
              type: 'TextBlock',
              text: `stagecraft · ${e.event} · ${e.at}`,
              isSubtle: true,
              size: 'Small',
              wrap: true,
            },
          ],
        },
      },
    ],
  };
}
