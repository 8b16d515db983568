/**
 * The watch after a deployment, run with the real effects against a real HTTP server on
 * 127.0.0.1 (port 0): a server that stays up through the window ends the watch healthy; one the
 * test stops mid-window fails it, naming the service and why; `ask` takes the operator's answer;
 * aborting the watch ends it interrupted.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Masker } from '../../src/core/mask.js';
import type { Fact } from '../../src/record/facts.js';
import { realEffects } from '../../src/runtime/effects/real.js';
import { runWatch, watchedServices, type RunWatchOptions } from '../../src/runtime/watch.js';
import { planOf } from '../config/helpers.js';

let server: Server | undefined;
const dirs: string[] = [];

afterEach(async () => {
  const s = server;
  server = undefined;
  if (s?.listening === true) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A server answering 200 on /healthz. */
async function healthz(): Promise<{ server: Server; port: number }> {
  const s = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  server = s;
  return { server: s, port: (s.address() as AddressInfo).port };
}

/** The plan of one `api` service whose health check is that server, and its real effects. */
async function stack(port: number) {
  const plan = await planOf(
    [
      'name: watched',
      'services:',
      '  api:',
      '    activate: "true"',
      `    health: { http: 'http://127.0.0.1:${port}/healthz', interval: 100ms, timeout: 500ms }`,
      '',
    ].join('\n'),
  );
  const dir = await mkdtemp(join(tmpdir(), 'stagecraft-watch-'));
  dirs.push(dir);
  const effects = realEffects({
    plan,
    deploymentId: 'watch-test',
    stateDir: join(dir, 'state'),
    secrets: {},
    mask: Masker.none,
    operatorEnv: {},
    logDir: join(dir, 'logs'),
  });
  return { plan, effects };
}

/** Resolves at the first recorded fact that matches. */
function factGate(where: (f: Fact) => boolean) {
  const facts: Fact[] = [];
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const record = (f: Fact): void => {
    facts.push(f);
    if (where(f)) open();
  };
  return { facts, record, opened };
}

const spec = (
  watchMs: number,
  onWatchFailure: RunWatchOptions['spec']['onWatchFailure'] = 'rollback',
) => ({ watchMs, onWatchFailure, watchIntervalMs: 100 });

describe('runWatch with real probes', () => {
  it('ends healthy when the service stays up through the window', async () => {
    const { port } = await healthz();
    const { plan, effects } = await stack(port);
    const gate = factGate(() => false);
    const out = await runWatch({
      services: watchedServices(plan),
      spec: spec(600),
      effects,
      record: gate.record,
    });
    expect(out.verdict).toBe('healthy');
    expect(out.rounds).toBeGreaterThanOrEqual(2);
    expect(gate.facts.map((f) => f.type)).toEqual([
      'watch.started',
      'watch.probe',
      'watch.verdict',
    ]);
    expect(gate.facts[1]).toMatchObject({ service: 'api', ok: true, detail: '200 OK' });
  });

  it('fails, naming the service and why, when the server stops mid-window', async () => {
    const { server: s, port } = await healthz();
    const { plan, effects } = await stack(port);
    const gate = factGate((f) => f.type === 'watch.probe' && f.ok);
    const watching = runWatch({
      services: watchedServices(plan),
      spec: spec(60_000),
      effects,
      record: gate.record,
    });
    await gate.opened;
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
    const out = await watching;
    expect(out.verdict).toBe('failed');
    expect(out.failure?.service).toBe('api');
    expect(out.failure?.reason).toMatch(/failed 2 times in a row \(last: .*ECONNREFUSED/);
    expect(out.failure?.atMs).toBeLessThan(60_000);
    expect(gate.facts.at(-1)).toMatchObject({
      type: 'watch.verdict',
      verdict: 'failed',
      service: 'api',
    });
  });

  it('asks under `ask` and keeps the release when the answer says so', async () => {
    const { server: s, port } = await healthz();
    const { plan, effects } = await stack(port);
    const gate = factGate((f) => f.type === 'watch.probe' && f.ok);
    const asked: string[] = [];
    const watching = runWatch({
      services: watchedServices(plan),
      spec: spec(60_000, 'ask'),
      effects,
      record: gate.record,
      answer: (decision) => {
        asked.push(`${decision.kind}:${decision.subject}:${decision.choices.join('/')}`);
        return Promise.resolve({ choice: 'keep', by: 'alice' });
      },
    });
    await gate.opened;
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
    const out = await watching;
    expect(asked).toEqual(['watch-failed:api:rollback/keep']);
    expect(out).toMatchObject({ verdict: 'alerted', decision: { choice: 'keep', by: 'alice' } });
  });

  it('ends interrupted when its signal aborts, and records nothing after', async () => {
    const { port } = await healthz();
    const { plan, effects } = await stack(port);
    const gate = factGate((f) => f.type === 'watch.probe');
    const abort = new AbortController();
    const watching = runWatch({
      services: watchedServices(plan),
      spec: spec(60_000),
      effects,
      record: gate.record,
      signal: abort.signal,
    });
    await gate.opened;
    abort.abort();
    const out = await watching;
    expect(out.verdict).toBe('interrupted');
    const seen = gate.facts.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(gate.facts.length).toBe(seen);
  });

  it('does not watch at all without a window', async () => {
    const { port } = await healthz();
    const { plan, effects } = await stack(port);
    const gate = factGate(() => false);
    const out = await runWatch({
      services: watchedServices(plan),
      spec: { onWatchFailure: 'rollback', watchIntervalMs: 100 },
      effects,
      record: gate.record,
    });
    expect(out).toEqual({ verdict: 'healthy', alerts: [], rounds: 0 });
    expect(gate.facts).toEqual([]);
  });
});
