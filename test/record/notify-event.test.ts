import { describe, expect, test } from 'vitest';
import type { ServiceRow } from '../../src/record/fold.js';
import { emptyRecord } from '../../src/record/fold.js';
import type { RunRecord } from '../../src/record/fold.js';
import { finalNotifyEvent, notifyEventOf } from '../../src/record/notify-event.js';

const AT = Date.parse('2026-12-03T17:00:00Z');

function row(
  name: string,
  state: ServiceRow['state'],
  extra: Partial<ServiceRow> = {},
): ServiceRow {
  return {
    name,
    kind: 'activate',
    stage: 's',
    group: 's',
    state,
    attempt: 1,
    maxAttempts: 1,
    steps: [],
    inFlight: false,
    ...extra,
  };
}

function record(rows: ServiceRow[], extra: Partial<RunRecord> = {}): RunRecord {
  const r = emptyRecord();
  Object.assign(r, {
    deploymentId: 'dep-1',
    project: 'shop',
    environment: 'production',
    by: 'alice',
    release: '1.4.2',
    ...extra,
  });
  for (const x of rows) {
    r.services[x.name] = x;
    r.serviceOrder.push(x.name);
  }
  return r;
}

const lostFailure = {
  kind: 'command' as const,
  label: 'api.activate',
  exitCode: null,
  timedOut: false,
  canceled: false,
  lost: true,
  durationMs: 10,
  timeoutMs: 1000,
};

describe('the notification of a run', () => {
  test('a finished run maps to its event; a running one to none', () => {
    const outcome = (result: NonNullable<RunRecord['outcome']>['result']) => ({
      result,
      interrupted: false,
    });
    const rollback = { scope: 'all' as const, startedAt: 1, steps: [], cleanups: [] };
    expect(finalNotifyEvent(record([]))).toBeUndefined();
    expect(finalNotifyEvent(record([], { outcome: outcome('succeeded') }))).toBe('succeeded');
    expect(finalNotifyEvent(record([], { outcome: outcome('succeeded-with-warnings') }))).toBe(
      'succeeded',
    );
    expect(finalNotifyEvent(record([], { outcome: outcome('failed') }))).toBe('failed');
    expect(finalNotifyEvent(record([], { outcome: outcome('failed'), rollback }))).toBe(
      'rolled-back',
    );
    expect(finalNotifyEvent(record([], { outcome: outcome('aborted') }))).toBe('failed');
    expect(
      finalNotifyEvent(record([], { outcome: outcome('rollback-incomplete'), rollback })),
    ).toBe('rollback-incomplete');
  });

  test('names failed services and hosts, and the unknown ones of a lost host, each once', () => {
    const r = record(
      [
        row('db', 'healthy'),
        row('api@web-1', 'failed', { placement: { service: 'api', host: 'web-1' } }),
        row('api@web-2', 'unhealthy', { placement: { service: 'api', host: 'web-2' } }),
        row('api@web-3', 'failed', {
          placement: { service: 'api', host: 'web-3' },
          failure: lostFailure,
        }),
        row('worker', 'rollback-failed'),
      ],
      {
        outcome: { result: 'failed', interrupted: false, reason: 'api failed on 2 hosts' },
        lost: ['cache'],
      },
    );
    expect(notifyEventOf(r, 'failed', AT)).toEqual({
      event: 'failed',
      project: 'shop',
      environment: 'production',
      deploymentId: 'dep-1',
      release: '1.4.2',
      result: 'failed',
      reason: 'api failed on 2 hosts',
      failed: { services: ['api', 'worker'], hosts: ['web-1', 'web-2'] },
      unknown: { services: ['api', 'cache'], hosts: ['web-3'] },
      actor: 'alice',
      at: '2026-12-03T17:00:00.000Z',
    });
  });

  test('a pending decision becomes the question; a given reason wins', () => {
    const r = record([row('api', 'failed')], {
      pendingDecision: {
        id: 'd1',
        kind: 'failure',
        subject: 'api',
        message: 'api failed: roll back?',
        choices: ['rollback', 'retry'],
        defaultChoice: 'rollback',
        deadline: AT + 900_000,
      },
    });
    const e = notifyEventOf(r, 'decision-needed', AT);
    expect(e.decision).toEqual({
      question: 'api failed: roll back?',
      choices: ['rollback', 'retry'],
    });
    expect(e.reason).toBe('api failed: roll back?');
    expect(e.result).toBeUndefined();
    expect(notifyEventOf(r, 'watch-failed', AT, 'api: 503 at 2m10s').reason).toBe(
      'api: 503 at 2m10s',
    );
  });
});
