/**
 * Fleets end to end on the built CLI against real OpenSSH servers on 127.0.0.11–13 (the harness
 * starts them, with their own host keys, a non-root deploy user and a known_hosts file): batches
 * of one, a failing host within and over the failure budget, rollback in reverse order, a
 * sentinel secret that reaches the hosts only through standard input, an unknown host key,
 * SIGINT mid-batch and `down` of remote process services. Skipped with the reason where sshd
 * cannot run (not root, no openssh-server).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIN, runBuilt } from '../cli/helpers.js';
import { fleetUnavailable, remotePs, startFleet, type Fleet } from './sshd-harness.js';

const unavailable = fleetUnavailable();
if (unavailable !== undefined) console.log(`fleet end-to-end tests skipped: ${unavailable}`);
const SECRET = 'sentinel-7f3a9c-never-on-a-command-line';

let fleet: Fleet;
let home: string;
beforeAll(async () => {
  if (unavailable !== undefined) return;
  fleet = await startFleet({ hosts: 3 });
  // The CLI's HOME: no ~/.ssh/config of the operator's is read.
  home = await mkdtemp(join(tmpdir(), 'stagecraft-fleet-home-'));
}, 30_000);
afterAll(async () => {
  if (unavailable !== undefined) return;
  await fleet.stop();
  for (let n = 1; n <= projects; n++)
    await rm(join(fleet.home, '.stagecraft', `fleet-test-${process.pid}-${n}`), {
      recursive: true,
      force: true,
    });
  await rm(home, { recursive: true, force: true });
});

let projects = 0;
/** The name of the last project made: each its own, so nothing of one is left to the next on the hosts. */
let projectName = '';

/** A project whose hosts are the fleet's; `services` is YAML under `services:`. */
async function project(services: string, extra = ''): Promise<string> {
  projectName = `fleet-test-${process.pid}-${++projects}`;
  const dir = await mkdtemp(join(tmpdir(), 'stagecraft-fleet-'));
  const hosts = fleet.hosts
    .map(
      (h, i) =>
        `  web-${i + 1}: { address: ${h.address}, port: ${h.port}, user: ${fleet.user}, roles: [web] }`,
    )
    .join('\n');
  await writeFile(
    join(dir, 'stagecraft.config.yaml'),
    `name: ${projectName}
vars: { RELEASE: r1, OUT: ${join(fleet.home, `out-${fleet.id}`)} }
secrets: [TOKEN]
hosts:
${hosts}
ssh:
  identityFile: ${fleet.identityFile}
  knownHosts: ${fleet.knownHosts}
  keepalive: 1s
  connectTimeout: 5s
${extra}
services:
${services}
`,
  );
  return dir;
}

const env = (extra: Record<string, string> = {}) => ({ HOME: home, TOKEN: SECRET, ...extra });
const deploy = (dir: string, args: string[] = []) =>
  runBuilt(['deploy', '--yes', '--plain', '-c', dir, ...args], { env: env() });
const outLines = async (): Promise<string[]> =>
  (await readFile(join(fleet.home, `out-${fleet.id}`), 'utf8').catch(() => ''))
    .split('\n')
    .filter((l) => l.length > 0);
const clearOut = () => rm(join(fleet.home, `out-${fleet.id}`), { force: true });

describe.skipIf(unavailable !== undefined)('fleets over SSH (real sshd)', () => {
  test('a service on three hosts deploys in batches of one, each batch after the one before', async () => {
    await clearOut();
    const dir = await project(`  app:
    on: web
    activate: 'echo "start $HOST_NAME" >> "$OUT"; sleep 0.3; echo "done $HOST_NAME $RELEASE" >> "$OUT"'
    health: { command: 'grep -q "done $HOST_NAME" "$OUT"', interval: 200ms }
    rollout: { batch: 1 }`);
    const r = await deploy(dir);
    expect(r.stderr + r.stdout).not.toMatch(/^\s+at /m);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await outLines()).toEqual([
      'start web-1',
      'done web-1 r1',
      'start web-2',
      'done web-2 r1',
      'start web-3',
      'done web-3 r1',
    ]);
    expect(r.stdout).toMatch(/app@web-1/);
    await rm(dir, { recursive: true, force: true });
  });

  test('a failing host within the failure budget: succeeded with warnings naming it; what needs it on that host is left out', async () => {
    await clearOut();
    const dir = await project(`  app:
    on: web
    activate: 'if [ "$HOST_NAME" = web-2 ]; then echo "web-2 is broken" >&2; exit 1; fi; echo "done $HOST_NAME" >> "$OUT"'
    rollout: { batch: 1, failureBudget: 1 }
  sidecar:
    on: web
    dependsOn: [app]
    activate: 'echo "sidecar $HOST_NAME" >> "$OUT"'`);
    const r = await deploy(dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/web-2 \(failed: .*within the failure budget of 1/);
    expect(r.stdout + r.stderr).toMatch(
      /sidecar@web-2 was not started: app@web-2, which it needs on web-2, failed within its failure budget/,
    );
    expect(r.stdout + r.stderr).toMatch(/succeeded-with-warnings \(exit 0\)/);
    // The sidecar runs where its app does, and only there: not counted against its own budget (0).
    const lines = await outLines();
    expect(lines.filter((l) => l.startsWith('done')).sort()).toEqual(['done web-1', 'done web-3']);
    expect(lines.filter((l) => l.startsWith('sidecar')).sort()).toEqual([
      'sidecar web-1',
      'sidecar web-3',
    ]);
    await rm(dir, { recursive: true, force: true });
  });

  test('one failure over the budget rolls back every host it reached, in reverse order (exit 1)', async () => {
    await clearOut();
    const dir = await project(`  app:
    on: web
    activate: 'if [ "$HOST_NAME" = web-3 ]; then exit 1; fi; echo "done $HOST_NAME" >> "$OUT"'
    rollback: 'echo "rollback $HOST_NAME" >> "$OUT"'
    rollout: { batch: 1, failureBudget: 0 }`);
    const r = await deploy(dir);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/over the failure budget of 0: web-3/);
    const lines = await outLines();
    expect(lines.slice(0, 2)).toEqual(['done web-1', 'done web-2']);
    // The failed host first (its activation may have half-run), then the others in reverse.
    expect(lines.filter((l) => l.startsWith('rollback'))).toEqual([
      'rollback web-3',
      'rollback web-2',
      'rollback web-1',
    ]);
    await rm(dir, { recursive: true, force: true });
  });

  test('a secret reaches the remote command but no remote command line, file or local output', async () => {
    await clearOut();
    const dir = await project(`  app:
    on: web
    activate: 'sleep 1.5; echo "token ok $HOST_NAME \${#TOKEN}" >> "$OUT"; echo "said $TOKEN"'
    rollout: { batch: 3 }`);
    let finished = false;
    const running = deploy(dir).finally(() => (finished = true));
    // Sample the deploy user's processes while the deployment runs (bounded: 30 s).
    const seen: string[] = [];
    const until = Date.now() + 30_000;
    while (!finished && Date.now() < until) {
      for (const p of remotePs()) seen.push(p.args);
      await new Promise((r) => setTimeout(r, 100));
    }
    const r = await running;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(seen.some((a) => a.includes('sleep 1.5'))).toBe(true);
    expect(seen.filter((a) => a.includes(SECRET))).toEqual([]);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    // It did arrive: the command compared it.
    expect((await outLines()).filter((l) => l.startsWith('token ok'))).toEqual([
      expect.stringMatching(new RegExp(`^token ok web-\\d ${SECRET.length}$`)),
      expect.stringMatching(new RegExp(`^token ok web-\\d ${SECRET.length}$`)),
      expect.stringMatching(new RegExp(`^token ok web-\\d ${SECRET.length}$`)),
    ]);
    await clearOut();
    const grep = spawn('grep', ['-rl', SECRET, fleet.home, join(dir, '.stagecraft')]);
    let hits = '';
    grep.stdout.on('data', (c: Buffer) => (hits += c.toString()));
    await new Promise((r) => grep.on('close', r));
    expect(hits).toBe('');
    await rm(dir, { recursive: true, force: true });
  });

  test('an unknown host key refuses to deploy, saying how to trust it, and nothing runs', async () => {
    await clearOut();
    const empty = join(home, 'empty_known_hosts');
    await writeFile(empty, '');
    const dir = await project(
      `  app:
    on: web
    activate: 'echo "ran $HOST_NAME" >> "$OUT"'`,
    );
    const text = await readFile(join(dir, 'stagecraft.config.yaml'), 'utf8');
    await writeFile(
      join(dir, 'stagecraft.config.yaml'),
      text.replace(`knownHosts: ${fleet.knownHosts}`, `knownHosts: ${empty}`),
    );
    const r = await deploy(dir);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/host key/i);
    expect(r.stdout + r.stderr).toMatch(/ssh-keyscan/);
    expect(await outLines()).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });

  test('SIGINT mid-batch kills the remote process groups: none survive on the hosts', async () => {
    const marker = `sleep 31.${process.pid}`;
    const dir = await project(`  app:
    on: web
    activate: 'sh -c "${marker}; echo never"; true'
    rollout: { batch: 3 }`);
    const child = spawn(process.execPath, [BIN, 'deploy', '--yes', '--plain', '-c', dir], {
      env: { PATH: process.env.PATH ?? '', ...env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const started = Date.now();
    while (
      Date.now() - started < 10_000 &&
      remotePs().filter((p) => p.args.startsWith(marker)).length < 3
    )
      await new Promise((r) => setTimeout(r, 100));
    expect(remotePs().filter((p) => p.args.startsWith(marker)).length).toBe(3);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code, out).toBe(130);
    const gone = Date.now();
    while (Date.now() - gone < 5000 && remotePs().some((p) => p.args.startsWith(marker)))
      await new Promise((r) => setTimeout(r, 100));
    expect(remotePs().filter((p) => p.args.startsWith(marker))).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  }, 30_000);

  test('process services run detached on each host; down stops every remote instance', async () => {
    const marker = `sleep 3600.${process.pid}`;
    const dir = await project(`  daemon:
    on: web
    process: 'exec ${marker}'
    health: { command: 'true' }
    rollout: { batch: 2 }`);
    const r = await deploy(dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const running = remotePs().filter((p) => p.args.startsWith(marker));
    expect(running).toHaveLength(3);
    // Each in a process group of its own (setsid), not the SSH session's: the group of the
    // session leader that runs it and the masker writing its log.
    expect(new Set(running.map((p) => p.pgid)).size).toBe(3);
    const leaders = new Set(remotePs().map((p) => p.pid));
    for (const p of running) expect(leaders.has(p.pgid)).toBe(true);
    // status looks on the hosts: each instance runs there and its command probe passes there.
    const up = await runBuilt(['status', '-c', dir], { env: env() });
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(up.stdout.match(/daemon@web-\d\s+healthy/g)).toHaveLength(3);
    const down = await runBuilt(['down', '--yes', '-c', dir], { env: env() });
    expect(down.code, down.stdout + down.stderr).toBe(0);
    const gone = Date.now();
    while (Date.now() - gone < 5000 && remotePs().some((p) => p.args.startsWith(marker)))
      await new Promise((r) => setTimeout(r, 100));
    expect(remotePs().filter((p) => p.args.startsWith(marker))).toEqual([]);
    const after = await runBuilt(['status', '-c', dir], { env: env() });
    expect(after.code).not.toBe(0);
    expect(
      after.stdout.match(/daemon@web-\d\s+not running\s+no process of it runs on web-\d/g),
    ).toHaveLength(3);
    await rm(dir, { recursive: true, force: true });
  }, 40_000);

  test('a remote process service that exits while monitored is noticed and the deployment rolls back', async () => {
    const dir = await project(`  daemon:
    on: [web-1]
    process: 'sleep 1; exit 3'
    health: { command: 'true' }
  slow:
    dependsOn: [daemon]
    activate: 'sleep 6'`);
    const r = await deploy(dir);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(
        `daemon@web-1 turned unhealthy while monitored: daemon@web-1 is no longer running while healthy, .*\\(pid \\d+; log: web-1:~/\\.stagecraft/${projectName}/default/logs/daemon@web-1\\.log\\)`,
      ),
    );
    await rm(dir, { recursive: true, force: true });
  }, 30_000);

  test('the next deployment replaces each remote instance; a failed one rolls back to the previous instances', async () => {
    const marker = `sleep 3601.${process.pid}`;
    const services = (fail: string) => `  daemon:
    on: web
    process: '${fail}exec ${marker}'
    health: { command: 'true' }
    rollout: { batch: 3, failureBudget: 0 }`;
    const dir = await project(services(''));
    const first = await deploy(dir);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const before = remotePs()
      .filter((p) => p.args.startsWith(marker))
      .map((p) => p.pid);
    expect(before).toHaveLength(3);
    const second = await deploy(dir);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const after = remotePs()
      .filter((p) => p.args.startsWith(marker))
      .map((p) => p.pid);
    // Exactly three, none of them the old ones: each was stopped before its successor started.
    expect(after).toHaveLength(3);
    expect(after.filter((pid) => before.includes(pid))).toEqual([]);
    // web-2's new instance exits at once: over the budget, every host rolls back and the
    // previous release's instances run again on web-1 and web-3 (web-2's command now fails).
    const text = await readFile(join(dir, 'stagecraft.config.yaml'), 'utf8');
    await writeFile(
      join(dir, 'stagecraft.config.yaml'),
      text.replace(services(''), services('[ "$HOST_NAME" = web-2 ] && exit 1; ')),
    );
    const third = await deploy(dir);
    expect(third.code, third.stdout + third.stderr).toBe(1);
    expect(third.stdout).toMatch(/over the failure budget of 0: web-2/);
    expect(third.stdout).toMatch(/daemon@web-1: rolled-back/);
    expect(third.stdout).toMatch(/daemon@web-3: rolled-back/);
    const restored = remotePs().filter((p) => p.args.startsWith(marker));
    expect(restored).toHaveLength(2);
    await runBuilt(['down', '--yes', '-c', dir], { env: env() });
    const gone = Date.now();
    while (Date.now() - gone < 5000 && remotePs().some((p) => p.args.startsWith(marker)))
      await new Promise((r) => setTimeout(r, 100));
    expect(remotePs().filter((p) => p.args.startsWith(marker))).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  }, 60_000);
});
