import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { ProbeSpec } from '../../src/config/plan-types.js';
import { commandProbe } from '../../src/adapters/command-probe.js';
import { runProbe } from '../../src/adapters/probe.js';
import { isAlive } from '../../src/core/liveness.js';
import { readOr, startServer, tempDir } from './effect-helpers.js';

const command = (run: string) => ({ run, cwd: process.cwd(), env: {} });
const base = {
  intervalMs: 1000,
  timeoutMs: 2000,
  retries: 3,
  successThreshold: 1,
  startPeriodMs: 0,
  label: 'test',
};

describe('commandProbe', () => {
  test('passes when the command exits 0', async () => {
    expect(
      await commandProbe(command('test "$READY" = yes'), { READY: 'yes' }, 2000),
    ).toMatchObject({ ok: true, detail: 'exit 0' });
  });

  test('fails with the exit code and the last output line', async () => {
    expect(
      await commandProbe(command('echo first; echo "not ready yet"; exit 3'), {}, 2000),
    ).toMatchObject({
      ok: false,
      detail: 'exit 3: not ready yet',
    });
  });

  test('fails with a timeout detail when the command overruns', async () => {
    const outcome = await commandProbe(command('sleep 1000'), {}, 200);
    expect(outcome).toMatchObject({ ok: false, detail: 'timeout after 200 ms' });
    expect(outcome.durationMs).toBeLessThan(1500);
  });
});

describe('commandProbe and processes that leave the group', () => {
  let dir: string;
  let remove: () => Promise<void>;
  const escaped: number[] = [];
  beforeEach(async () => {
    ({ dir, remove } = await tempDir());
  });
  afterEach(async () => {
    for (const pid of escaped.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL'); // only on failure: the probe kills it
    await remove();
  });

  test('each attempt ends within its timeout plus a grace, and the setsid grandchild is gone', async () => {
    const probe = {
      run: "setsid sh -c 'exec sleep 60' & echo $! > escaped.pid; sleep 30",
      cwd: dir,
      env: {},
    };
    for (let attempt = 1; attempt <= 2; attempt++) {
      const started = Date.now();
      const outcome = await commandProbe(probe, {}, 1000);
      const elapsed = Date.now() - started;
      const pid = Number(await readOr(join(dir, 'escaped.pid')));
      if (pid > 1) escaped.push(pid);
      expect(outcome).toMatchObject({ ok: false, detail: 'timeout after 1000 ms' });
      expect(elapsed).toBeLessThan(4000);
      expect(pid).toBeGreaterThan(1);
      expect(isAlive(pid)).toBe(false);
    }
  });
});

describe('runProbe', () => {
  test('dispatches http, tcp and command probes on their kind', async () => {
    const server = await startServer((_req, res) => res.end('ok'));
    try {
      const http: ProbeSpec = {
        ...base,
        kind: 'http',
        http: { url: server.url, method: 'GET', status: [200], headers: {} },
      };
      const tcp: ProbeSpec = {
        ...base,
        kind: 'tcp',
        tcp: { host: '127.0.0.1', port: server.port },
      };
      const cmd: ProbeSpec = { ...base, kind: 'command', command: command('exit 1') };
      expect(await runProbe(http, {})).toMatchObject({ ok: true, detail: '200 OK' });
      expect(await runProbe(tcp, {})).toMatchObject({ ok: true, detail: 'connected' });
      expect(await runProbe(cmd, {})).toMatchObject({ ok: false, detail: 'exit 1' });
    } finally {
      await server.close();
    }
  });

  test('a probe missing its settings fails with a reason instead of throwing', async () => {
    expect(await runProbe({ ...base, kind: 'tcp' }, {})).toMatchObject({
      ok: false,
      detail: 'probe test has no tcp settings',
    });
  });
});
