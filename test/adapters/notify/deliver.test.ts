import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import {
  deliver,
  deliverAll,
  deliveryWarning,
  retryAfterMs,
} from '../../../src/adapters/notify/deliver.js';
import type { AttemptReport, DeliveryOutcome } from '../../../src/adapters/notify/deliver.js';
import type { NotifyTargetSpec } from '../../../src/config/plan-monitoring.js';
import { Masker } from '../../../src/core/mask.js';
import { failedEvent, recorder } from './recorder.js';

const SENTINEL = 'T0SENTINEL/B0SENTINEL/xoxSENTINELtoken';

const slack = (extra: Partial<NotifyTargetSpec> = {}): NotifyTargetSpec =>
  ({
    name: 'ops',
    kind: 'slack',
    url: { secret: 'SLACK_URL' },
    on: ['failed'],
    timeoutMs: 2000,
    retries: 2,
    ...extra,
  }) as NotifyTargetSpec;

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('Retry-After', () => {
  test('reads delta-seconds and HTTP dates; a date in the past is now; junk is ignored', () => {
    const now = Date.parse('2026-12-03T17:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Thu, 03 Dec 2026 17:00:07 GMT', now)).toBe(7000);
    expect(retryAfterMs('Thu, 03 Dec 2026 16:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe('deliver', () => {
  test('a 429 is retried after the Retry-After the server asked for, then sent', async () => {
    const server = await recorder(
      { status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' },
      { status: 200 },
    );
    const reports: AttemptReport[] = [];
    const outcome = await deliver(slack(), failedEvent(), {
      env: { SLACK_URL: `${server.url}/hook` },
      onAttempt: (r) => reports.push(r),
    });
    expect(outcome).toMatchObject({ status: 'sent', attempts: 2, detail: '200 OK' });
    expect(deliveryWarning(outcome)).toBeUndefined();
    expect(reports).toEqual([
      {
        target: 'ops',
        kind: 'slack',
        attempt: 1,
        status: 'retrying',
        detail: '429 Too Many Requests: rate_limited',
        retryInMs: 1000,
      },
      { target: 'ops', kind: 'slack', attempt: 2, status: 'sent', detail: '200 OK' },
    ]);
    expect(server.requests).toHaveLength(2);
  });

  test('a Retry-After HTTP date is honoured, and a long one is capped', async () => {
    const later = new Date(Date.now() + 3_600_000).toUTCString();
    const server = await recorder(
      { status: 503, headers: { 'retry-after': later } },
      { status: 200 },
    );
    const reports: AttemptReport[] = [];
    const outcome = await deliver(slack(), failedEvent(), {
      env: { SLACK_URL: server.url },
      retryAfterCapMs: 50,
      onAttempt: (r) => reports.push(r),
    });
    expect(outcome.status).toBe('sent');
    expect(reports[0]).toMatchObject({ status: 'retrying', retryInMs: 50 });
  });

  test('a 500 is retried with backoff until the retries are spent', async () => {
    const server = await recorder({ status: 500, body: 'boom' });
    const reports: AttemptReport[] = [];
    const outcome = await deliver(slack({ retries: 2 }), failedEvent(), {
      env: { SLACK_URL: server.url },
      backoffMs: 20,
      onAttempt: (r) => reports.push(r),
    });
    expect(outcome).toMatchObject({
      status: 'failed',
      attempts: 3,
      detail: '500 Internal Server Error: boom (after 3 attempts)',
    });
    expect(reports.map((r) => [r.status, r.retryInMs])).toEqual([
      ['retrying', 20],
      ['retrying', 40],
      ['failed', undefined],
    ]);
    expect(server.requests).toHaveLength(3);
    expect(deliveryWarning(outcome)).toBe(
      'notify ops (slack): 500 Internal Server Error: boom (after 3 attempts)',
    );
  });

  test('a hanging server times out each attempt; the outcome says so', async () => {
    const server = await recorder('hang');
    const outcome = await deliver(slack({ timeoutMs: 200, retries: 1 }), failedEvent(), {
      env: { SLACK_URL: server.url },
      backoffMs: 10,
    });
    expect(outcome).toMatchObject({
      status: 'failed',
      attempts: 2,
      detail: 'timeout after 200 ms (after 2 attempts)',
    });
    expect(server.requests).toHaveLength(2);
  });

  test('no attempt starts that the total deadline cannot hold', async () => {
    const server = await recorder({ status: 503, headers: { 'retry-after': '5' } });
    const outcome = await deliver(slack({ retries: 5 }), failedEvent(), {
      env: { SLACK_URL: server.url },
      deadlineMs: 1000,
    });
    expect(outcome).toMatchObject({
      status: 'failed',
      attempts: 1,
      detail: '503 Service Unavailable; no time left for another attempt',
    });
  });

  test('an attempt is cut off at the total deadline', async () => {
    const server = await recorder('hang');
    const outcome = await deliver(slack({ timeoutMs: 5000, retries: 3 }), failedEvent(), {
      env: { SLACK_URL: server.url },
      deadlineMs: 300,
    });
    expect(outcome).toMatchObject({ status: 'failed', attempts: 1 });
    const cut = /^timeout after (\d+) ms; no time left for another attempt$/.exec(outcome.detail);
    expect(Number(cut?.[1])).toBeGreaterThan(0);
    expect(Number(cut?.[1])).toBeLessThanOrEqual(300);
  });

  test('a canceled delivery stops waiting and says so', async () => {
    const server = await recorder({ status: 503, headers: { 'retry-after': '20' } });
    const controller = new AbortController();
    const outcome = deliver(slack(), failedEvent(), {
      env: { SLACK_URL: server.url },
      signal: controller.signal,
      onAttempt: (r) => {
        if (r.status === 'retrying') controller.abort();
      },
    });
    expect(await outcome).toMatchObject({
      status: 'failed',
      attempts: 1,
      detail: 'canceled after: 503 Service Unavailable',
    });
  });

  test('an unset secret URL is a failed outcome naming the secret, with no request', async () => {
    const outcome = await deliver(slack(), failedEvent(), { env: { SLACK_URL: '' } });
    expect(outcome).toMatchObject({
      status: 'failed',
      attempts: 0,
      detail: 'secret SLACK_URL is not set',
    });
  });

  test('the secret URL never appears in an outcome, a report or an error detail', async () => {
    // The server echoes the path (and so the token) it was called on, as some error pages do.
    const echo = await recorder({ status: 500, body: 'no route' });
    const port = await closedPort();
    const seen: Array<AttemptReport | DeliveryOutcome> = [];
    const cases: Array<[string, Partial<NotifyTargetSpec>]> = [
      [`${echo.url}/services/${SENTINEL}`, {}],
      [`http://127.0.0.1:${port}/services/${SENTINEL}`, {}],
      [`not a url ${SENTINEL}`, {}],
      [`${echo.url}/api/webhooks/${SENTINEL}`, { kind: 'discord' }],
      [
        `${echo.url}/${SENTINEL}`,
        {
          kind: 'webhook',
          signatureHeader: 'X-Sig',
          signingSecret: 'K',
        },
      ],
    ];
    for (const [url, extra] of cases) {
      const outcome = await deliver(slack({ retries: 1, ...extra }), failedEvent(), {
        env: { SLACK_URL: url, K: `key-${SENTINEL}` },
        backoffMs: 5,
        mask: new Masker(['unrelated-run-secret']),
        onAttempt: (r) => seen.push(r),
      });
      seen.push(outcome);
      expect(outcome.status).toBe('failed');
    }
    expect(seen.length).toBeGreaterThanOrEqual(10);
    expect(JSON.stringify(seen)).not.toContain('SENTINEL');
    expect(seen.map((s) => s.detail)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('ECONNREFUSED'),
        'the slack URL is not an http(s) URL',
      ]),
    );
  });

  test('the run masker also masks the event and the server answers', async () => {
    const server = await recorder({ status: 400, body: 'bad value run-secret-42' });
    const outcome = await deliver(slack({ retries: 0 }), failedEvent({ reason: 'run-secret-42' }), {
      env: { SLACK_URL: server.url },
      mask: new Masker(['run-secret-42']),
    });
    expect(outcome.detail).toBe('400 Bad Request: bad value ••••••');
    expect(server.requests[0]?.body).not.toContain('run-secret-42');
  });
});

describe('deliverAll', () => {
  test('a hanging target delays no other, and only targets that asked for the event get it', async () => {
    const hanging = await recorder('hang');
    const fast = await recorder({ status: 200 });
    const unasked = await recorder({ status: 200 });
    const order: string[] = [];
    const outcomes = await deliverAll(
      [
        slack({ name: 'hanging', url: { value: hanging.url }, timeoutMs: 1500, retries: 0 }),
        slack({ name: 'fast', url: { value: fast.url }, kind: 'teams' }),
        slack({ name: 'unasked', url: { value: unasked.url }, on: ['succeeded'] }),
      ],
      failedEvent(),
      { env: {}, onAttempt: (r) => order.push(`${r.target} ${r.status}`) },
    );
    expect(order).toEqual(['fast sent', 'hanging failed']);
    expect(outcomes.map((o) => [o.target, o.status, o.detail])).toEqual([
      ['hanging', 'failed', 'timeout after 1500 ms'],
      ['fast', 'sent', '200 OK'],
    ]);
    expect(unasked.requests).toHaveLength(0);
  });
});
