import { describe, expect, test } from 'vitest';
import { deliver } from '../../../src/adapters/notify/deliver.js';
import type { NotifyTargetSpec } from '../../../src/config/plan-monitoring.js';
import { failedEvent, recorder } from './recorder.js';

const slack = (url: string): NotifyTargetSpec => ({
  name: 'ops',
  kind: 'slack',
  url: { value: url },
  on: ['failed'],
  timeoutMs: 2000,
  retries: 0,
});

describe('the Slack target', () => {
  test('posts text and blocks as JSON, untrusted text escaped so nothing pings', async () => {
    const server = await recorder({ status: 200, body: 'ok' });
    const outcome = await deliver(slack(`${server.url}/services/T1/B1/x`), failedEvent(), {
      env: {},
    });
    expect(outcome).toMatchObject({
      target: 'ops',
      kind: 'slack',
      status: 'sent',
      attempts: 1,
      detail: '200 OK',
    });
    const [req] = server.requests;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/services/T1/B1/x');
    expect(req?.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(req?.body ?? '') as {
      text: string;
      blocks: Array<{ type: string; text?: { type: string; text: string }; fields?: unknown[] }>;
    };
    expect(body.text).toBe(
      '❌ shop · production: deployment failed — api@web-2: health check failed: 503 &lt;!channel&gt; &amp; co',
    );
    expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
    expect(body.blocks[0]?.text).toEqual({
      type: 'plain_text',
      text: '❌ shop · production: deployment failed',
      emoji: true,
    });
    expect(body.blocks[1]?.fields).toEqual(
      expect.arrayContaining([
        { type: 'mrkdwn', text: '*Release*\n1.4.2' },
        { type: 'mrkdwn', text: '*Failed hosts*\nweb-2' },
        { type: 'mrkdwn', text: '*Unknown hosts*\nweb-3' },
      ]),
    );
    expect(req?.body).not.toContain('<!channel>');
  });

  test('a 4xx answer fails at once with what Slack said, no retry', async () => {
    const server = await recorder({ status: 400, body: 'invalid_payload\n' });
    const outcome = await deliver({ ...slack(server.url), retries: 3 }, failedEvent(), {
      env: {},
    });
    expect(outcome).toMatchObject({
      status: 'failed',
      attempts: 1,
      detail: '400 Bad Request: invalid_payload',
    });
    expect(server.requests).toHaveLength(1);
  });
});
