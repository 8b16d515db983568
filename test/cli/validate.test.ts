import { chmod } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { MINIMAL_CONFIG, hasStackTrace, makeProject, removeProject, runBuilt } from './helpers.js';

let dir: string | undefined;
let server: Server | undefined;
afterEach(async () => {
  await removeProject(dir);
  dir = undefined;
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  server = undefined;
});

/** A port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((done) => s.listen(0, '127.0.0.1', done));
  const { port } = s.address() as { port: number };
  await new Promise<void>((done) => s.close(() => done()));
  return port;
}

describe('stagecraft validate', () => {
  test('the bundled example validates with exit 0 and lists the passed prerequisites', async () => {
    const r = await runBuilt(['validate', '-c', 'examples/local-stack']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('is valid');
    expect(r.stdout).toMatch(/✓ software +node: \d+\.\d+\.\d+ satisfies >=20/);
  });

  test('the failing example is still a valid config', async () => {
    const r = await runBuilt(['validate', '-c', 'examples/failing-stack']);
    expect(r.code).toBe(0);
  });

  test('a YAML syntax error exits 2 naming file, line and column, without a stack trace', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': 'name: x\nservices:\n  db: { process: "a"\n',
    });
    const r = await runBuilt(['validate'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/stagecraft\.config\.yaml:\d+:\d+/);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  test('a schema error exits 2 naming the config path', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': MINIMAL_CONFIG.replace('dependsOn: [db]', 'dependOn: [db]'),
    });
    const r = await runBuilt(['validate', '--no-prerequisites'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('services.api');
    expect(r.stderr).toContain('dependsOn');
  });

  test('durations longer than a timer holds are refused with their config path, 576h is not', async () => {
    // Beyond 2^31 - 1 ms a Node timer fires after 1 ms: such a deadline would end at once.
    dir = await makeProject({
      'stagecraft.config.yaml': `name: long
services:
  api:
    activate: "true"
    timeout: 1000h
    health: { command: "true", timeout: 576h }
policy:
  decisionTimeout: 700h
`,
    });
    const r = await runBuilt(['validate', '--no-prerequisites'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('services.api.timeout: at most 576h (24 days)');
    expect(r.stderr).toContain('policy.decisionTimeout: at most 576h (24 days)');
    expect(r.stderr).not.toContain('health.timeout');
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  test('a missing secret exits 1 naming it, and a set secret value is never printed', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': `secrets: [DB_PASSWORD, API_TOKEN]\n${MINIMAL_CONFIG}`,
    });
    const r = await runBuilt(['validate'], { cwd: dir, env: { API_TOKEN: 'tok-s3cr3t-value' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('DB_PASSWORD');
    expect(r.stdout).toMatch(/✓ security +secret API_TOKEN/);
    expect(r.stdout + r.stderr).not.toContain('tok-s3cr3t-value');
  });

  test('a software version outside the range exits 1 with found and wanted versions', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': `prerequisites:
  software:
    - { name: fakedb, command: ["node", "-e", "console.log('fakedb v1.2.3 (build 7)')"], version: ">=2.0" }
${MINIMAL_CONFIG}`,
    });
    const r = await runBuilt(['validate'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('fakedb: 1.2.3 does not satisfy >=2.0');
  });

  test('a closed TCP port, a failing HTTP check, a missing file and a wrong mode are all listed, exit 1', async () => {
    const port = await closedPort();
    dir = await makeProject({
      'stagecraft.config.yaml': `prerequisites:
  network: [{ tcp: "127.0.0.1:${port}", timeout: 1s }, { http: "http://127.0.0.1:${port}/health", timeout: 1s }]
  security: { files: [{ path: ./key.pem, mode: "0600" }, { path: ./absent.pem, mode: "0600" }] }
${MINIMAL_CONFIG}`,
      'key.pem': 'not really a key\n',
    });
    await chmod(join(dir, 'key.pem'), 0o644);
    const r = await runBuilt(['validate'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('4 of 4 failed');
    expect(r.stdout).toMatch(/✗ network +tcp 127\.0\.0\.1:\d+/);
    expect(r.stdout).toMatch(/✗ network +http/);
    expect(r.stdout).toContain('mode 0644, expected 0600');
    expect(r.stdout).toContain('absent.pem: file does not exist');
    expect(r.stderr).toContain('4 prerequisites failed');
  });

  test('an open TCP port and hardware minimums pass', async () => {
    server = createServer((s) => s.destroy());
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
    const { port } = server.address() as { port: number };
    dir = await makeProject({
      'stagecraft.config.yaml': `prerequisites:
  hardware: { cpus: 1, memory: 1MiB, disk: [{ path: ., free: 1MiB }] }
  network: [{ tcp: "127.0.0.1:${port}" }]
${MINIMAL_CONFIG}`,
    });
    const r = await runBuilt(['validate', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      prerequisites: { checks: Array<{ category: string; ok: boolean }> };
    };
    expect(out.ok).toBe(true);
    expect(out.prerequisites.checks.map((c) => c.category).sort()).toEqual([
      'hardware',
      'hardware',
      'hardware',
      'network',
    ]);
  });

  test('a dependency cycle exits 2 printing the cycle, an unknown service gets a did-you-mean', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': `services:
  a: { activate: "true", dependsOn: [c] }
  b: { activate: "true", dependsOn: [a] }
  c: { activate: "true", dependsOn: [b] }
  d: { activate: "true", dependsOn: [apii] }
  api: { activate: "true" }
`,
    });
    const r = await runBuilt(['validate', '--no-prerequisites'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/([abc]) → [abc] → [abc] → \1/);
    expect(r.stderr).toContain('apii');
    expect(r.stderr).toContain('"api"');
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  test('several environments without -e exit 2 naming them', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': `environments: { staging: {}, production: { extends: staging } }\n${MINIMAL_CONFIG}`,
    });
    const r = await runBuilt(['validate'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('staging');
    expect(r.stderr).toContain('production');
    const chosen = await runBuilt(['validate', '-e', 'production'], { cwd: dir });
    expect(chosen.code).toBe(0);
  });

  test('--no-prerequisites skips the checks that would fail', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': `secrets: [MISSING_ONE]\n${MINIMAL_CONFIG}`,
    });
    const r = await runBuilt(['validate', '--no-prerequisites'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('prerequisites not checked');
  });

  test('no config found exits 2 and says to pass -c', async () => {
    dir = await makeProject({});
    const r = await runBuilt(['validate'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('-c');
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
