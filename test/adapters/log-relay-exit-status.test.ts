/**
 * The log relay ends as its service did, also when the service died of a signal the relay's Node
 * cannot re-raise on itself (SIGPIPE is ignored by Node): then with the shell's 128 + n, never 0.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { serviceSandbox } from './service-sandbox.js';

const relaySource = fileURLToPath(new URL('../../src/adapters/log-relay.ts', import.meta.url));
const sb = serviceSandbox();

function relayEnd(argv: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', relaySource, join(sb.dir, 'svc.log'), ...argv],
    { env: process.env, stdio: 'ignore', detached: true },
  );
  if (child.pid !== undefined) sb.track(child.pid);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the relay did not end within 10 s')), 10_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

describe('how the log relay ends', () => {
  test('a service killed by SIGPIPE makes the relay exit 141, not 0', async () => {
    expect(await relayEnd(['sh', '-c', 'kill -PIPE $$'])).toEqual({ code: 141, signal: null });
  });

  test('a service killed by SIGTERM ends the relay by SIGTERM', async () => {
    expect(await relayEnd(['sh', '-c', 'kill -TERM $$'])).toEqual({
      code: null,
      signal: 'SIGTERM',
    });
  });
});
