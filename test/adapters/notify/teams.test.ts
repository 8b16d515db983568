import { describe, expect, test } from 'vitest';
import { deliver } from '../../../src/adapters/notify/deliver.js';
import { failedEvent, recorder } from './recorder.js';

describe('the Teams target', () => {
  test('posts an Adaptive Card in a message, as a Workflows webhook expects', async () => {
    const server = await recorder({ status: 202, body: '' });
    const outcome = await deliver(
      {
        name: 'teams',
        kind: 'teams',
        url: { value: `${server.url}/workflows/abc/triggers/manual/paths/invoke?sig=s1` },
        on: ['decision-needed'],
        timeoutMs: 2000,
        retries: 0,
      },
      failedEvent({
        event: 'decision-needed',
        result: undefined,
        decision: { question: 'api failed on web-2: roll back?', choices: ['rollback', 'keep'] },
      }),
      { env: {} },
    );
    expect(outcome).toMatchObject({ status: 'sent', detail: '202 Accepted' });
    const [req] = server.requests;
    expect(req?.path).toBe('/workflows/abc/triggers/manual/paths/invoke?sig=s1');
    const body = JSON.parse(req?.body ?? '') as {
      type: string;
      attachments: Array<{
        contentType: string;
        content: {
          type: string;
          version: string;
          $schema: string;
          body: Array<{
            type: string;
            text?: string;
            facts?: Array<{ title: string; value: string }>;
          }>;
        };
      }>;
    };
    expect(body.type).toBe('message');
    expect(body.attachments).toHaveLength(1);
    const card = body.attachments[0];
    expect(card?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card?.content).toMatchObject({
      type: 'AdaptiveCard',
      version: '1.4',
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    });
    expect(card?.content.body.map((b) => b.type)).toEqual(['TextBlock', 'FactSet', 'TextBlock']);
    expect(card?.content.body[0]?.text).toBe('❓ shop · production: waiting for a decision');
    expect(card?.content.body[1]?.facts).toEqual(
      expect.arrayContaining([
        { title: 'Question', value: 'api failed on web-2: roll back?' },
        { title: 'Answers', value: 'rollback, keep' },
      ]),
    );
  });
});
