/**
 * A stand-in for Slack, Teams, Discord or a webhook receiver: a real HTTP server on 127.0.0.1
 * (port 0) that records every request (method, path, headers, raw body) and answers from a
 * script, one reply per request (the last repeats); `hang` keeps the request open until close.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { afterEach } from 'vitest';
import { startServer, type TestServer } from '../effect-helpers.js';
import type { NotifyEvent } from '../../../src/config/plan-monitoring.js';

interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface Recorder extends TestServer {
  requests: Recorded[];
}

const open: TestServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** A recording server answering `script` in order (closed after the test). */
export async function recorder(...script: Reply[]): Promise<Recorder> {
  const requests: Recorded[] = [];
  const server = await startServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const reply = script[Math.min(requests.length - 1, script.length - 1)] ?? { status: 200 };
      if (reply === 'hang') return;
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? '');
    });
  });
  open.push(server);
  return Object.assign(server, { requests });
}

/** A deployment-failed event with every field set. */
export function failedEvent(extra: Partial<NotifyEvent> = {}): NotifyEvent {
  return {
    event: 'failed',
    project: 'shop',
    environment: 'production',
    deploymentId: 'dep-20261203-1',
    release: '1.4.2',
    result: 'failed',
    reason: 'api@web-2: health check failed: 503 <!channel> & co',
    failed: { services: ['api'], hosts: ['web-2'] },
    unknown: { services: [], hosts: ['web-3'] },
    actor: 'alice',
    at: '2026-12-03T17:00:00.000Z',
    ...extra,
  };
}
