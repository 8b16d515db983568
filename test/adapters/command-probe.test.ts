import { describe, expect, test } from 'vitest';
import type { ProbeSpec } from '../../src/config/plan-types.js';
import { commandProbe } from '../../src/adapters/command-probe.js';
import { runProbe } from '../../src/adapters/probe.js';
import { startServer } from './effect-helpers.js';

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
