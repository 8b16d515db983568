/**
 * The deploy lock kept on the fleet's first host (Kamal-style), on the built CLI against real
 * sshd servers: two projects with their own state dirs (two operators' machines) deploying the
 * same environment on the same hosts at once — the second exits 4 naming the first; the lock is
 * gone on the host once the first finishes; a holder killed with SIGKILL leaves it behind, and
 * `--force-unlock` takes it over. Skipped with the reason where sshd cannot run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { BIN, runBuilt } from '../cli/helpers.js';
import { fleetUnavailable, startFleet, type Fleet } from './sshd-harness.js';

const unavailable = fleetUnavailable();
if (unavailable !== undefined) console.log(`host-lock tests skipped: ${unavailable}`);
const SECRET = 'sentinel-hostlock-4b1d-never-in-the-holder';

let fleet: Fleet;
let home: string;
const dirs: string[] = [];
const children: ChildProcess[] = [];
beforeAll(async () => {
  if (unavailable !== undefined) return;
  fleet = await startFleet({ hosts: 2 });
  home = await mkdtemp(join(tmpdir(), 'stagecraft-hl-home-'));
}, 30_000);
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});
afterAll(async () => {
  if (unavailable !== undefined) return;
  await fleet.stop();
  await rm(home, { recursive: true, force: true });
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const lockDir = () => join(fleet.home, '.stagecraft', 'hl-test', 'default', 'lock.d');
const gate = () => join(fleet.home, `hl-gate-${fleet.id}`);

/** A project (its own folder, so its own state dir) deploying `app` to both hosts. */
async function project(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stagecraft-hl-'));
  dirs.push(dir);
  const hosts = fleet.hosts
    .map(
      (h, i) =>
        `  web-${i + 1}: { address: ${h.address}, port: ${h.port}, user: ${fleet.user}, roles: [web] }`,
    )
    .join('\n');
  // The activation waits (bounded: 20 s) for the gate file the test creates.
  await writeFile(
    join(dir, 'stagecraft.config.yaml'),
    `name: hl-test
secrets: [TOKEN]
hosts:
${hosts}
ssh:
  identityFile: ${fleet.identityFile}
  knownHosts: ${fleet.knownHosts}
  keepalive: 1s
  connectTimeout: 5s
services:
  app:
    on: web
    activate: 'i=0; while [ ! -e ${gate()} ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done; [ -e ${gate()} ]'
    rollout: { batch: 2 }
`,
  );
  return dir;
}

const env = () => ({ HOME: home, TOKEN: SECRET });

/** Starts `deploy` of `dir` in the background; its output is collected. */
function startDeploy(
  dir: string,
  args: string[] = [],
): {
  child: ChildProcess;
  out: () => string;
  code: Promise<number | null>;
} {
  let out = '';
  const child = spawn(process.execPath, [BIN, 'deploy', '--yes', '--plain', ...args, '-c', dir], {
    env: { PATH: process.env.PATH ?? '', ...env() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const code = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return { child, out: () => out, code };
}

/** Waits (bounded) until the lock folder holds a holder record; returns it. */
async function holderOnHost(): Promise<Record<string, unknown>> {
  const started = Date.now();
  while (Date.now() - started < 15_000) {
    const text = await readFile(join(lockDir(), 'holder.json'), 'utf8').catch(() => '');
    if (text.trim() !== '') return JSON.parse(text) as Record<string, unknown>;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the lock never appeared on the host');
}

describe.skipIf(unavailable !== undefined)('the deploy lock on the first host (real sshd)', () => {
  test('a second operator deploying the same environment at once exits 4 naming the first; the lock is gone after the first finishes', async () => {
    await rm(gate(), { force: true });
    const [a, b] = [await project(), await project()];
    const first = startDeploy(a);
    const holder = await holderOnHost();
    expect(holder).toMatchObject({ environment: 'default', pid: first.child.pid });
    expect(String(holder.command)).toMatch(/^deploy/);
    expect(typeof holder.user).toBe('string');
    expect(typeof holder.host).toBe('string');
    expect(typeof holder.startedAt).toBe('string');
    expect(typeof holder.deploymentId).toBe('string');
    expect(JSON.stringify(holder)).not.toContain(SECRET);
    const second = await runBuilt(['deploy', '--yes', '--plain', '-c', b], { env: env() });
    expect(second.code, second.stdout + second.stderr).toBe(4);
    expect(second.stderr).toMatch(
      new RegExp(
        `environment default is locked on host web-1 \\(~/\\.stagecraft/hl-test/default/lock\\.d\\) by deployment ${String(holder.deploymentId)} by .*\\(pid ${first.child.pid}\\)`,
      ),
    );
    expect(second.stderr).toMatch(/Wait for it to finish/);
    await writeFile(gate(), '');
    expect(await first.code, first.out()).toBe(0);
    expect(existsSync(lockDir())).toBe(false);
    // Free again: the second operator deploys now.
    const again = await runBuilt(['deploy', '--yes', '--plain', '-c', b], { env: env() });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(existsSync(lockDir())).toBe(false);
  }, 60_000);

  test('--lock-wait waits for the holder on the host, then deploys once it finished', async () => {
    await rm(gate(), { force: true });
    const [a, b] = [await project(), await project()];
    const first = startDeploy(a);
    const holder = await holderOnHost();
    const second = startDeploy(b, ['--lock-wait', '20s']);
    // The gate opens only once the second run says it waits (bounded: 15 s).
    const started = Date.now();
    while (Date.now() - started < 15_000 && !second.out().includes('waiting up to'))
      await new Promise((r) => setTimeout(r, 50));
    expect(second.out()).toMatch(
      new RegExp(`locked by deployment ${String(holder.deploymentId)}.*waiting up to 20 s`),
    );
    expect(first.child.exitCode).toBeNull();
    await writeFile(gate(), '');
    expect(await first.code, first.out()).toBe(0);
    expect(await second.code, second.out()).toBe(0);
    expect(existsSync(lockDir())).toBe(false);
  }, 60_000);

  test('a holder killed with SIGKILL leaves the lock: refused (exit 4, its process is gone), then --force-unlock takes it over', async () => {
    await rm(gate(), { force: true });
    const [a, b] = [await project(), await project()];
    const first = startDeploy(a);
    const holder = await holderOnHost();
    first.child.kill('SIGKILL');
    await first.code;
    // Its remote activation ends at the gate; the lock stays.
    await writeFile(gate(), '');
    expect(existsSync(lockDir())).toBe(true);
    const refused = await runBuilt(['deploy', '--yes', '--plain', '-c', b], { env: env() });
    expect(refused.code, refused.stdout + refused.stderr).toBe(4);
    expect(refused.stderr).toMatch(
      new RegExp(`locked on host web-1 .*deployment ${String(holder.deploymentId)}`),
    );
    expect(refused.stderr).toMatch(/Its process is gone: pass --force-unlock/);
    const forced = await runBuilt(['deploy', '--yes', '--plain', '--force-unlock', '-c', b], {
      env: env(),
    });
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(
      new RegExp(
        `took over the deploy lock on host web-1 from deployment ${String(holder.deploymentId)} .*\\(its process is gone; --force-unlock\\)`,
      ),
    );
    expect(existsSync(lockDir())).toBe(false);
  }, 60_000);

  test('SIGINT while holding it: the run ends (130) and the lock is gone from the host', async () => {
    await rm(gate(), { force: true });
    const first = startDeploy(await project());
    await holderOnHost();
    first.child.kill('SIGINT');
    expect(await first.code, first.out()).toBe(130);
    expect(existsSync(lockDir())).toBe(false);
    await writeFile(gate(), '');
  }, 60_000);

  test('an unknown host key on the lock host: deploy fails phase 1 (exit 1) naming the host, and nothing runs', async () => {
    const dir = await project();
    const empty = join(home, 'empty_known_hosts');
    await writeFile(empty, '');
    const file = join(dir, 'stagecraft.config.yaml');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(`knownHosts: ${fleet.knownHosts}`, `knownHosts: ${empty}`));
    const r = await runBuilt(['deploy', '--yes', '--plain', '-c', dir], { env: env() });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/web-1: host key.*unknown host key for .*\(host web-1\)/);
    expect(r.stdout + r.stderr).toMatch(/web-1: deploy lock/);
    expect(r.stdout + r.stderr).not.toMatch(/app@web-1.*activat/);
    expect(existsSync(lockDir())).toBe(false);
  }, 30_000);

  test('validate takes no lock on the host', async () => {
    const dir = await project();
    const r = await runBuilt(['validate', '-c', dir], { env: env() });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(existsSync(lockDir())).toBe(false);
  }, 30_000);
});
