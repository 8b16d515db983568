/**
 * A webhook whose URL is a secret (with a sentinel in its path), signed with a secret key, and a
 * secret the activation itself prints: on the built CLI no sentinel appears in any body or header
 * the (local, recording) receiver got, in the run's output, or anywhere in the state folder
 * (journals, logs, records) — and every signature verifies with the key.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cleanProjects, deploy, project, runCli } from './helpers.js';

const tag = randomBytes(6).toString('hex');
const PATH_SENTINEL = `hook-path-${tag}`;
const KEY = `signing-key-${tag}`;
const TOKEN = `token-value-${tag}`;
const sentinels = [PATH_SENTINEL, KEY, TOKEN];

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
const received: Received[] = [];
let hook: Server;
let hookUrl = '';
beforeAll(async () => {
  hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const address = hook.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  hookUrl = `http://127.0.0.1:${port}/${PATH_SENTINEL}`;
});
afterAll(async () => {
  await cleanProjects();
  hook.closeAllConnections();
  await new Promise<void>((resolve) => hook.close(() => resolve()));
});

/** Every file under `dir`, as path → text. */
async function everyFile(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(path, await readFile(path, 'utf8'));
  }
  return files;
}

const CONFIG = `name: hushed
vars: { MODE: ok }
secrets: [HOOK_URL, KEY, TOKEN]
notify:
  - name: hook
    webhook: { secret: HOOK_URL }
    signingSecret: KEY
    on: [started, succeeded, failed]
    retries: 0
services:
  api:
    activate: 'echo "activating with $TOKEN"; if [ "$MODE" = fail ]; then echo "failing with $TOKEN" >&2; exit 1; fi'
`;

describe('secrets of a webhook target and of the run stay secret', () => {
  test('no sentinel in what the receiver got, the output or the state folder; the signatures verify', async () => {
    const dir = await project(CONFIG);
    const env = { HOOK_URL: hookUrl, KEY, TOKEN };
    const ok = await deploy(dir, { env });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/succeeded \(exit 0\)/);
    const failed = await runCli(['deploy', '--yes', '--plain', '-c', dir, '--var', 'MODE=fail'], {
      env,
    });
    expect(failed.code, failed.stdout + failed.stderr).toBe(1);
    expect(failed.stdout).toMatch(/^failed \(exit 1\)/m);

    // started and succeeded, then started and failed: each sent once, to the secret URL.
    const events = received.map((r) => (JSON.parse(r.body) as { event: string }).event);
    expect(events.slice().sort()).toEqual(['failed', 'started', 'started', 'succeeded']);
    for (const r of received) {
      expect(r.method).toBe('POST');
      expect(r.url).toBe(`/${PATH_SENTINEL}`);
      const signature = r.headers['x-stagecraft-signature'];
      expect(signature).toBe(
        `sha256=${createHmac('sha256', KEY).update(r.body, 'utf8').digest('hex')}`,
      );
      const headers = JSON.stringify(r.headers);
      for (const s of sentinels) {
        expect(r.body).not.toContain(s);
        expect(headers).not.toContain(s);
      }
    }
    // The failure's reason went out, without the token the activation printed.
    const failure = received.find((r) => r.body.includes('"event":"failed"'));
    const told = JSON.parse(failure?.body ?? '{}') as { reason?: string };
    expect(told).toMatchObject({ version: 1, project: 'hushed', result: 'failed' });
    expect(told.reason).toContain('failing with ••••••');

    for (const s of sentinels) {
      for (const out of [ok.stdout, ok.stderr, failed.stdout, failed.stderr])
        expect(out).not.toContain(s);
    }
    const files = await everyFile(join(dir, '.stagecraft'));
    const names = [...files.keys()];
    expect(names.some((n) => /deployments\/[^/]+\/journal/.test(n))).toBe(true);
    expect(names.some((n) => n.includes('/logs/'))).toBe(true);
    // The activation's output reached its logs, masked.
    const logs = [...files].filter(([path]) => path.endsWith('api.activate.log')).map(([, t]) => t);
    expect(logs).toHaveLength(2);
    for (const log of logs) expect(log).toContain('activating with ••••••');
    const leaks = [...files].flatMap(([path, text]) =>
      sentinels.filter((s) => text.includes(s)).map((s) => `${path}: ${s}`),
    );
    expect(leaks).toEqual([]);
  });
});
