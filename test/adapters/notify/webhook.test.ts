import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { deliver } from '../../../src/adapters/notify/deliver.js';
import type { NotifyTargetSpec } from '../../../src/config/plan-monitoring.js';
import { failedEvent, recorder } from './recorder.js';

const KEY = 'whsec-7f3a-sentinel-signing-key';

const webhook = (url: string, extra: Partial<NotifyTargetSpec> = {}): NotifyTargetSpec =>
  ({
    name: 'hook',
    kind: 'webhook',
    url: { value: url },
    signingSecret: 'HOOK_KEY',
    signatureHeader: 'X-Stagecraft-Signature',
    on: ['failed'],
    timeoutMs: 2000,
    retries: 0,
    ...extra,
  }) as NotifyTargetSpec;

/** What a receiver does: HMAC-SHA256 of the raw body, compared in constant time. */
function verify(body: string, header: string | undefined, key: string): boolean {
  const want = Buffer.from(`sha256=${createHmac('sha256', key).update(body).digest('hex')}`);
  const got = Buffer.from(header ?? '');
  return want.length === got.length && timingSafeEqual(want, got);
}

describe('the webhook target', () => {
  test('posts the documented JSON body, signed with sha256=HMAC of the raw body', async () => {
    const server = await recorder({ status: 204 });
    const event = failedEvent();
    const outcome = await deliver(webhook(`${server.url}/hooks/deploy`), event, {
      env: { HOOK_KEY: KEY },
    });
    expect(outcome).toMatchObject({ status: 'sent', attempts: 1, detail: '204 No Content' });
    const [req] = server.requests;
    expect(JSON.parse(req?.body ?? '')).toEqual({ version: 1, ...event });
    expect(req?.headers['x-stagecraft-event']).toBe('failed');
    expect(req?.headers['x-stagecraft-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    const signature = req?.headers['x-stagecraft-signature'];
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verify(req?.body ?? '', String(signature), KEY)).toBe(true);
    expect(verify(`${req?.body ?? ''} `, String(signature), KEY)).toBe(false);
    expect(verify(req?.body ?? '', String(signature), 'another key')).toBe(false);
  });

  test('a custom signature header; one delivery id across the retries', async () => {
    const server = await recorder({ status: 502 }, { status: 200 });
    const outcome = await deliver(
      webhook(server.url, { signatureHeader: 'X-Hub-Signature-256', retries: 1 }),
      failedEvent(),
      { env: { HOOK_KEY: KEY }, backoffMs: 10 },
    );
    expect(outcome).toMatchObject({ status: 'sent', attempts: 2 });
    const [first, second] = server.requests;
    expect(verify(first?.body ?? '', String(first?.headers['x-hub-signature-256']), KEY)).toBe(
      true,
    );
    expect(first?.headers['x-stagecraft-signature']).toBeUndefined();
    expect(second?.headers['x-stagecraft-delivery']).toBe(first?.headers['x-stagecraft-delivery']);
  });

  test('without signingSecret the body is sent unsigned; with an unset one, nothing is sent', async () => {
    const server = await recorder({ status: 200 });
    const unsigned = webhook(server.url);
    delete (unsigned as { signingSecret?: string }).signingSecret;
    expect((await deliver(unsigned, failedEvent(), { env: {} })).status).toBe('sent');
    expect(server.requests[0]?.headers['x-stagecraft-signature']).toBeUndefined();

    const outcome = await deliver(webhook(server.url), failedEvent(), { env: {} });
    expect(outcome).toMatchObject({
      status: 'failed',
      attempts: 0,
      detail: 'signing secret HOOK_KEY is not set',
    });
    expect(server.requests).toHaveLength(1);
  });
});
