/**
 * Issue 10, case 1, end to end with the built CLI: a `process` service that dies is noticed. A
 * port its health check reaches that another program holds is reported before anything starts;
 * a process that exits at once fails the service at once, with its exit code and log tail; one
 * that dies after it was healthy fails the deployment; `status` says a registered process that
 * is gone is not running, whatever a probe of its port says.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { engineStack, journalOf, ndjson, type EngineStack } from './engine-stack.js';
import { isGone, until } from './proc-watch.js';

const stacks: EngineStack[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
  await Promise.all(stacks.splice(0).map((s) => s.cleanup()));
});

async function stack(): Promise<EngineStack> {
  const s = await engineStack('process-truth', ['API_PORT']);
  stacks.push(s);
  return s;
}

/** The port the stack's api listens on (from its `--var API_PORT=…`). */
const apiPort = (s: EngineStack): number =>
  Number(s.vars.find((v) => v.startsWith('API_PORT='))?.slice('API_PORT='.length));

/**
 * "Another program" on the api's port: an HTTP server in this test process that answers 200. A
 * port just given up by a killed process may stay busy for a moment (its connections closing):
 * listening is retried until `deadlineMs`.
 */
async function squatter(port: number, deadlineMs = 0): Promise<Server> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const server = createServer((_, res) => res.end('not the api\n'));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
      servers.push(server);
      return server;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Date.now() >= until)
        throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

type Fact = Record<string, unknown>;
const stateFacts = (facts: Fact[], service: string, state: string): Fact[] =>
  facts.filter((f) => f.type === 'service.state' && f.service === service && f.state === state);

describe('a process service that dies is noticed', () => {
  test('a port taken by another program before the start is reported as the cause, and nothing is started', async () => {
    const s = await stack();
    await squatter(apiPort(s));
    const r = await s.run(['deploy', '--yes', '--plain']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(
      `api: failed — api was not started: port ${apiPort(s)} on 127.0.0.1 is already in use by ` +
        `pid ${process.pid} (`,
    );
    expect(r.stdout).toMatch(
      /which its health check would reach instead; stop that program or give api another port/,
    );
    expect(r.stdout).not.toMatch(/succeeded \(exit 0\)/);
    expect(r.stdout).toMatch(/^failed \(exit 1\) — api was not started: port/m);
    // Nothing was spawned: no log, no pid, nothing registered.
    expect(existsSync(join(s.dir, 'markers', 'api.pid'))).toBe(false);
    expect(s.registryPids()).toEqual([]);
    const failed = stateFacts(await journalOf(s.stateDir), 'api', 'failed')[0];
    expect(failed?.failure).toEqual({
      kind: 'port-taken',
      label: 'api',
      host: '127.0.0.1',
      port: apiPort(s),
      holder: { pid: process.pid, command: expect.any(String) as string },
      when: 'before-start',
    });

    const status = await s.run(['status']);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/api\s+not running\s+no process of it is recorded/);
  });

  test('a process that exits at once (a bad argument) fails at once with its exit code and log tail, not at the end of the health budget', async () => {
    const s = await stack();
    const r = await s.run(['deploy', '--yes', '--json', '--var', 'API_ARG=bogus']);
    expect(r.code).toBe(1);
    const events = ndjson(r.stdout);
    const failed = events.find((e) => e.service === 'api' && e.state === 'failed');
    expect(failed?.reason).toMatch(
      /^api exited with code 2 while checking health, \d+\.\d s after it started \(pid \d+; log: .*api\.log; last output: "http-server: bad port argument: bogus"\)$/,
    );
    expect(failed?.logTail).toContain('http-server: bad port argument: bogus');
    // Its verdict is the exit, not the probes' refused connections when their budget runs out.
    expect(events.some((e) => e.service === 'api' && e.state === 'unhealthy')).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'deployment.finished', result: 'failed' });

    // The health budget is over 10 s (start period); the exit was seen within a few seconds.
    const facts = await journalOf(s.stateDir);
    const started = facts.find((f) => f.type === 'service.process' && f.service === 'api');
    const end = stateFacts(facts, 'api', 'failed')[0];
    expect(Number(end?.ts) - Number(started?.ts)).toBeLessThan(5_000);
    expect(end?.failure).toMatchObject({ kind: 'exited', exitCode: 2, statusKnown: true });
  });

  test('a healthy verdict is journaled with the observation of the process: alive, and holding its port', async () => {
    const s = await stack();
    const r = await s.run(['deploy', '--yes', '--plain']);
    expect(r.code).toBe(0);
    const pid = Number(readFileSync(join(s.dir, 'markers', 'api.pid'), 'utf8'));
    const healthy = stateFacts(await journalOf(s.stateDir), 'api', 'healthy')[0];
    expect(healthy?.observed).toEqual({
      pid,
      alive: true,
      port: { host: '127.0.0.1', port: apiPort(s), holder: pid, ours: true },
    });
  });

  test('a process that dies after it was healthy, while a later stage runs, fails the deployment', async () => {
    const s = await stack();
    const r = await s.run(['deploy', '--yes', '--plain', '--var', 'KILL_API=1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /api turned unhealthy while monitored: api was killed by SIGKILL while healthy, \d+\.\d s after it started \(pid \d+; log: \S+api\.log/,
    );
    expect(r.stdout).toMatch(/^failed \(exit 1\) — .*api was killed by SIGKILL while healthy/m);
    expect(r.stdout).toMatch(/── rolling-back/);
    expect(r.stdout).not.toMatch(/release \S+ recorded/);
    const lost = stateFacts(await journalOf(s.stateDir), 'api', 'unhealthy')[0];
    expect(lost?.failure).toMatchObject({
      kind: 'exited',
      exitCode: null,
      signal: 'SIGKILL',
      during: 'healthy',
    });
  });

  test('status reports a registered process that is gone as not running, whatever a probe of its port says', async () => {
    const s = await stack();
    expect((await s.run(['deploy', '--yes', '--plain'])).code).toBe(0);
    const pid = Number(readFileSync(join(s.dir, 'markers', 'api.pid'), 'utf8'));
    const before = await s.run(['status']);
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(new RegExp(`api\\s+healthy\\s+.*\\(pid ${pid}\\)`));

    process.kill(pid, 'SIGKILL');
    expect(await until(() => isGone(pid), 5_000)).toBe(true);
    // Another program now answers on the api's port: the probe alone would say healthy.
    await squatter(apiPort(s), 5_000);
    const after = await s.run(['status', '--json']);
    expect(after.code).toBe(1);
    const row = (JSON.parse(after.stdout) as { services: Array<Record<string, unknown>> })
      .services[0];
    expect(row).toMatchObject({ service: 'api', verdict: 'not running' });
    expect(row?.pid).toBeUndefined();
    expect(String(row?.detail)).toMatch(
      new RegExp(`^its process \\(pid ${pid}, started .*\\) is gone; log: \\S+api\\.log`),
    );
  });
});
