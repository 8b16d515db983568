import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { MINIMAL_CONFIG, makeProject, removeProject, runInProcess } from './helpers.js';

let dir: string | undefined;
let server: Server | undefined;
afterEach(async () => {
  await removeProject(dir);
  dir = undefined;
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  server = undefined;
});

interface Report {
  ok: boolean;
  prerequisites: {
    ok: boolean;
    checks: Array<{ category: string; name: string; ok: boolean; detail: string }>;
  };
}

async function httpServer(): Promise<string> {
  server = createServer((req, res) => {
    res.statusCode = req.url === '/health' ? 200 : 500;
    res.end(req.url === '/health' ? 'ok' : 'broken');
  });
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

describe('prerequisite checks', () => {
  test('an HTTP prerequisite passes on 200 and fails on 500, with the status in the detail', async () => {
    const base = await httpServer();
    dir = await makeProject({
      'stagecraft.config.yaml': `prerequisites:
  network: [{ http: "${base}/health" }, { http: "${base}/broken" }]
${MINIMAL_CONFIG}`,
    });
    const r = await runInProcess(['validate', '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as Report;
    const [good, bad] = out.prerequisites.checks;
    expect(good).toMatchObject({ category: 'network', ok: true });
    expect(bad).toMatchObject({ category: 'network', ok: false });
    expect(bad!.detail).toContain('500');
  });

  test('checks run concurrently: three two-second commands finish in well under six seconds', async () => {
    const slow = `["node", "-e", "setTimeout(() => console.log('v1.0.0'), 2000)"]`;
    dir = await makeProject({
      'stagecraft.config.yaml': `prerequisites:
  software:
    - { name: slow-a, command: ${slow}, version: ">=1" }
    - { name: slow-b, command: ${slow}, version: ">=1" }
    - { name: slow-c, command: ${slow}, version: ">=1" }
${MINIMAL_CONFIG}`,
    });
    const started = performance.now();
    const r = await runInProcess(['validate', '--json'], { cwd: dir });
    const elapsed = performance.now() - started;
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Report).prerequisites.checks).toHaveLength(3);
    expect(elapsed).toBeLessThan(4500);
  });

  test('a software command that overruns its timeout fails with the reason, not a hang', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': `prerequisites:
  software:
    - { name: stuck, command: { run: ["node", "-e", "setTimeout(() => {}, 60000)"], timeout: 300ms }, version: ">=1" }
${MINIMAL_CONFIG}`,
    });
    const started = performance.now();
    const r = await runInProcess(['validate'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ software +stuck: .*timed out/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  test('a command that is not installed fails the software check and names the command', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': `prerequisites:
  software: [{ name: nothere, command: "definitely-not-installed-xyz --version", version: ">=1" }]
${MINIMAL_CONFIG}`,
    });
    const r = await runInProcess(['validate'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('definitely-not-installed-xyz --version');
  });

  test('impossible hardware minimums fail with the measured values', async () => {
    dir = await makeProject({
      'stagecraft.config.yaml': `prerequisites:
  hardware: { cpus: 4096, memory: 64TiB, disk: [{ path: ./missing-dir, free: 1MiB }] }
${MINIMAL_CONFIG}`,
    });
    const r = await runInProcess(['validate'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('(need at least 4096)');
    expect(r.stdout).toContain('need at least 64 TiB');
    expect(r.stdout).toMatch(/cannot read free space of \S*missing-dir/);
  });
});
