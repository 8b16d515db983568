/**
 * `validate` and phase 1 of `deploy` check each host a service is placed on, on the built CLI
 * against real sshd servers (the harness): reachable within ssh.connectTimeout, host key known,
 * login, the software and hardware prerequisites run THERE, and the exec overhead. Skipped with
 * the reason where sshd cannot run (not root, no openssh-server).
 */
import { createServer, type Socket } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runBuilt } from '../cli/helpers.js';
import { fleetUnavailable, startFleet, type Fleet } from './sshd-harness.js';

const unavailable = fleetUnavailable();
if (unavailable !== undefined) console.log(`validate-hosts tests skipped: ${unavailable}`);

let fleet: Fleet;
let home: string;
const dirs: string[] = [];
beforeAll(async () => {
  if (unavailable !== undefined) return;
  fleet = await startFleet({ hosts: 3 });
  home = await mkdtemp(join(tmpdir(), 'stagecraft-vh-home-'));
}, 30_000);
afterAll(async () => {
  if (unavailable !== undefined) return;
  await fleet.stop();
  await rm(home, { recursive: true, force: true });
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * A project on the fleet's hosts: `app` placed on role web (web-1..3); `spare` is an inventory
 * host no service is placed on. `extraHosts` are more inventory lines.
 */
async function project(o: { prerequisites: string; extraHosts?: string; knownHosts?: string }) {
  const dir = await mkdtemp(join(tmpdir(), 'stagecraft-vh-'));
  dirs.push(dir);
  const hosts = fleet.hosts
    .map(
      (h, i) =>
        `  web-${i + 1}: { address: ${h.address}, port: ${h.port}, user: ${fleet.user}, roles: [web] }`,
    )
    .join('\n');
  const spare = fleet.hosts[0];
  await writeFile(
    join(dir, 'stagecraft.config.yaml'),
    `name: vh-test
hosts:
${hosts}
  spare: { address: ${spare?.address}, port: ${spare?.port}, user: ${fleet.user}, roles: [other] }
${o.extraHosts ?? ''}
ssh:
  identityFile: ${fleet.identityFile}
  knownHosts: ${o.knownHosts ?? fleet.knownHosts}
  keepalive: 1s
  connectTimeout: 2s
prerequisites:
${o.prerequisites}
services:
  app:
    on: web
    activate: 'echo "ran $HOST_NAME" >> "$HOME/vh-ran-${fleet.id}"'
`,
  );
  return dir;
}

const env = () => ({ HOME: home });
const ranFile = () => join(fleet.home, `vh-ran-${fleet.id}`);

// The version differs per host (web-2 has an old one) and is 2.0.0 on the operator's machine.
const TOOL = `    - name: tool
      command: 'case "$HOST_NAME" in web-2) echo "tool 1.4.0";; *) echo "tool 2.0.0 on $(id -un)";; esac'
      version: '>=2'`;

describe.skipIf(unavailable !== undefined)('validate checks each host (real sshd)', () => {
  test('a line per host per check: reachable, host key, login, exec overhead, software, hardware; a too-old version on one host fails it (exit 1)', async () => {
    const dir = await project({
      prerequisites: `  hardware: { cpus: 1, memory: 16MiB, disk: [{ path: /, free: 1MiB }] }
  software:
${TOOL}`,
    });
    const r = await runBuilt(['validate', '-c', dir], { env: env() });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    // The service as written, then what runs: one instance per host of its role.
    expect(r.stdout).toMatch(/is valid: environment default, 1 service \(3 instances on 3 hosts\)/);
    // Locally as today.
    expect(r.stdout).toMatch(/✓ software +tool: 2\.0\.0 satisfies >=2/);
    expect(r.stdout).toMatch(/✓ hardware +cpus: /);
    for (const h of ['web-1', 'web-2', 'web-3']) {
      expect(r.stdout).toMatch(new RegExp(`✓ network +${h}: reachable: `));
      expect(r.stdout).toMatch(new RegExp(`✓ security +${h}: host key: known`));
      expect(r.stdout).toMatch(new RegExp(`✓ security +${h}: login: scdeploy logged in`));
      expect(r.stdout).toMatch(new RegExp(`✓ network +${h}: exec overhead: \\d+ ms per command`));
      expect(r.stdout).toMatch(new RegExp(`✓ hardware +${h}: cpus: \\d+ CPUs`));
      expect(r.stdout).toMatch(new RegExp(`✓ hardware +${h}: memory: `));
      expect(r.stdout).toMatch(new RegExp(`✓ hardware +${h}: disk /: .* free`));
    }
    expect(r.stdout).toMatch(/✓ software +web-1: tool: 2\.0\.0 satisfies >=2/);
    expect(r.stdout).toMatch(/✗ software +web-2: tool: 1\.4\.0 does not satisfy >=2/);
    expect(r.stdout).toMatch(/✓ software +web-3: tool: 2\.0\.0 satisfies >=2/);
    // No service is placed on `spare`: listed, not checked.
    expect(r.stdout).toMatch(/unused host \(no service placed\): spare/);
    expect(r.stdout).not.toMatch(/spare: /);
    expect(r.stderr).toMatch(/1 prerequisite failed: software web-2: tool/);
    // validate changes nothing: no activation ran on any host.
    await expect(readFile(ranFile(), 'utf8')).rejects.toThrow();
  }, 30_000);

  test('--json: the same checks, and each host with used, ok and its checks', async () => {
    const dir = await project({
      prerequisites: `  hardware: { disk: [{ path: /no/such/dir, free: 1MiB }] }
  software:
    - { name: sh, command: 'echo 5.1.0' }`,
    });
    const r = await runBuilt(['validate', '--json', '-c', dir], { env: env() });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      hosts: Array<{
        name: string;
        used: boolean;
        ok?: boolean;
        checks?: Array<{ name: string; ok: boolean; detail: string }>;
      }>;
    };
    expect(out.ok).toBe(false);
    expect(out.hosts.map((h) => [h.name, h.used])).toEqual([
      ['web-1', true],
      ['web-2', true],
      ['web-3', true],
      ['spare', false],
    ]);
    const web1 = out.hosts[0];
    expect(web1?.ok).toBe(false);
    const names = web1?.checks?.map((c) => c.name);
    expect(names).toEqual([
      'web-1: reachable',
      'web-1: host key',
      'web-1: login',
      'web-1: exec overhead',
      'web-1: sh',
      'web-1: disk /no/such/dir',
    ]);
    const disk = web1?.checks?.at(-1);
    expect(disk?.ok).toBe(false);
    expect(disk?.detail).toMatch(/cannot read free space of \/no\/such\/dir: .*No such file/);
    expect(out.hosts[3]?.checks).toBeUndefined();
  }, 30_000);

  test('an unknown host key: validate refuses it with the message saying how to trust it', async () => {
    const empty = join(home, 'empty_known_hosts');
    await writeFile(empty, '');
    const dir = await project({ prerequisites: '  software: []', knownHosts: empty });
    const r = await runBuilt(['validate', '-c', dir], { env: env() });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    for (const h of ['web-1', 'web-2', 'web-3'])
      expect(r.stdout).toMatch(
        new RegExp(
          `✗ security +${h}: host key: unknown host key for .*\\(host ${h}\\).*ssh-keyscan -p`,
        ),
      );
    expect(r.stdout).not.toMatch(/login/);
  }, 30_000);

  test('a host key mismatch fails loudly, naming the host; the other hosts pass', async () => {
    // web-1's line carries web-2's key: what web-1 offers is not what the file trusts for it.
    const lines = (await readFile(fleet.knownHosts, 'utf8')).trim().split('\n');
    const keyOf = (line: string | undefined) => (line ?? '').split(' ').slice(1).join(' ');
    const swapped = join(home, 'swapped_known_hosts');
    await writeFile(
      swapped,
      [`${(lines[0] ?? '').split(' ')[0]} ${keyOf(lines[1])}`, ...lines.slice(1)].join('\n') + '\n',
    );
    const dir = await project({ prerequisites: '  software: []', knownHosts: swapped });
    const r = await runBuilt(['validate', '-c', dir], { env: env() });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/✗ security +web-1: host key: HOST KEY MISMATCH for .*\(host web-1\)/);
    expect(r.stdout).toMatch(/✓ security +web-2: login/);
    expect(r.stderr).toMatch(/web-1: host key/);
  }, 30_000);

  test('an unreachable host (a port nothing listens on) fails fast, within connectTimeout', async () => {
    const port = await deadPort();
    const dir = await project({
      prerequisites: '  software: []',
      extraHosts: `  web-9: { address: 127.0.0.1, port: ${port}, user: ${fleet.user}, roles: [web] }`,
    });
    const r = await runBuilt(['validate', '-c', dir], { env: env() });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(
        `✗ network +web-9: reachable: cannot reach 127\\.0\\.0\\.1:${port} within 2000 ms`,
      ),
    );
    expect(r.stdout).toMatch(/✓ network +web-1: reachable/);
    // connectTimeout is 2 s; the whole CLI run (node start included) stays under it.
    expect(r.ms).toBeLessThan(2000 + 3000);
  }, 30_000);

  test('a host that accepts TCP but never speaks SSH fails its login within connectTimeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const address = silent.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      const dir = await project({
        prerequisites: '  software: []',
        extraHosts: `  web-8: { address: 127.0.0.1, port: ${address.port}, user: ${fleet.user}, roles: [web] }`,
      });
      const r = await runBuilt(['validate', '-c', dir], { env: env() });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toMatch(/✓ network +web-8: reachable/);
      expect(r.stdout).toMatch(/✗ security +web-8: login: cannot connect to web-8 .*[Tt]imed out/);
      expect(r.ms).toBeGreaterThan(2000);
      expect(r.ms).toBeLessThan(2000 + 3000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  }, 30_000);

  test('--no-prerequisites skips the host checks too', async () => {
    const port = await deadPort();
    const dir = await project({
      prerequisites: '  software: []',
      extraHosts: `  web-9: { address: 127.0.0.1, port: ${port}, user: ${fleet.user}, roles: [web] }`,
    });
    const r = await runBuilt(['validate', '--no-prerequisites', '-c', dir], { env: env() });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/prerequisites not checked/);
    expect(r.stdout).not.toMatch(/reachable/);
  }, 30_000);

  test('deploy: an unreachable host fails phase 1 before any command runs (exit 1, naming it)', async () => {
    const port = await deadPort();
    const dir = await project({
      prerequisites: '  software: []',
      extraHosts: `  web-9: { address: 127.0.0.1, port: ${port}, user: ${fleet.user}, roles: [web] }`,
    });
    const r = await runBuilt(['deploy', '--yes', '--plain', '-c', dir], { env: env() });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/web-9: reachable/);
    await expect(readFile(ranFile(), 'utf8')).rejects.toThrow();
  }, 30_000);
});
