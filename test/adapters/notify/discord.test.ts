import { describe, expect, test } from 'vitest';
import { deliver } from '../../../src/adapters/notify/deliver.js';
import { discordUrl } from '../../../src/adapters/notify/discord.js';
import { failedEvent, recorder } from './recorder.js';

describe('the Discord target', () => {
  test('posts the Slack-compatible shape to the webhook URL + /slack, with no mass ping', async () => {
    const server = await recorder({ status: 200, body: 'ok' });
    const outcome = await deliver(
      {
        name: 'discord',
        kind: 'discord',
        url: { value: `${server.url}/api/webhooks/123/tok?wait=true` },
        on: ['failed'],
        timeoutMs: 2000,
        retries: 0,
      },
      failedEvent({ reason: 'ping @everyone and @here' }),
      { env: {} },
    );
    expect(outcome.status).toBe('sent');
    const [req] = server.requests;
    expect(req?.path).toBe('/api/webhooks/123/tok/slack?wait=true');
    const body = JSON.parse(req?.body ?? '') as {
      text: string;
      blocks?: unknown;
      attachments: Array<{ color: string; fields: Array<{ title: string; value: string }> }>;
    };
    expect(body.blocks).toBeUndefined();
    expect(body.text).toBe('❌ shop · production: deployment failed');
    expect(body.attachments[0]?.color).toBe('#e01e5a');
    const reason = body.attachments[0]?.fields.find((f) => f.title === 'Reason')?.value;
    expect(reason).toBe('ping @\u200beveryone and @\u200bhere');
  });

  test('a URL that already ends in /slack is kept; a non-http URL is refused', () => {
    expect(discordUrl('https://discord.example/api/webhooks/1/t/slack')).toBe(
      'https://discord.example/api/webhooks/1/t/slack',
    );
    expect(discordUrl('https://discord.example/api/webhooks/1/t/')).toBe(
      'https://discord.example/api/webhooks/1/t/slack',
    );
    expect(discordUrl('ftp://discord.example/x')).toBeUndefined();
    expect(discordUrl('not a url')).toBeUndefined();
  });
});
