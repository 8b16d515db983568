/**
 * What a fleet run leaves on its hosts, against a real sshd: a `process` service's log is masked
 * on the host (by a masker in the service's own session), a one-shot command does not outlive
 * the orchestrator killed -9, the group of a running step is recorded for `resume` to stop, a
 * zombie is not a live service, and an unknown host key names the configured known_hosts file.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CommandSpec, HostSpec } from '../../src/config/plan-types.js';
import { MASK, Masker } from '../../src/core/mask.js';
import { SshPool } from '../../src/adapters/ssh/pool.js';
import { runRemoteCommand } from '../../src/adapters/ssh/remote-exec.js';
import {
  listRemote,
  remoteAlive,
  startRemote,
  stopLeftoverCommands,
  stopRemote,
} from '../../src/adapters/ssh/remote-process.js';
import { BIN } from '../cli/helpers.js';
import {
  DEPLOY_USER,
  fleetUnavailable,
  remotePs,
  run,
  startFleet,
  type Fleet,
} from './sshd-harness.js';

const why = fleetUnavailable();
if (why !== undefined) process.stderr.write(`skipping the remote hygiene tests: ${why}\n`);

let fleet: Fleet;
let pool: SshPool;
let scratch: string;
const project = `hygiene-${process.pid}`;
/** Local processes a test started (as the deploy user): killed after each test. */
const spawned: ChildProcess[] = [];
/** Process groups of their own a test started (setsid): killed after each test. */
const groups: number[] = [];

function host(over: Partial<HostSpec['ssh']> = {}): HostSpec {
  const h = fleet.hosts[0];
  if (h === undefined) throw new Error('no host');
  return {
    name: h.name,
    address: h.address,
    port: h.port,
    user: fleet.user,
    roles: [],
    vars: {},
    ssh: {
      identityFile: fleet.identityFile,
      agent: false,
      knownHosts: [fleet.knownHosts],
      connectTimeoutMs: 5000,
      keepaliveMs: 300,
      keepaliveCount: 3,
      ...over,
    },
  };
}

const cmd = (run: string): CommandSpec => ({ run, cwd: '', env: {}, host: host() });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 50 ms, at most `ms`. */
async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(50);
  }
  return check();
}

/** Field `n` (1-based, as proc(5) counts) of /proc/<pid>/stat, or undefined once it is gone. */
function statField(pid: number, n: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[n - 3];
  } catch {
    return undefined;
  }
}

/** The command records of `name`'s runs on the host (any environment, any run). */
function recordsOf(name: string): string[] {
  const out: string[] = [];
  const base = join(fleet.home, '.stagecraft', name);
  if (!existsSync(base)) return out;
  for (const env of readdirSync(base)) {
    const runs = join(base, env, 'run', 'commands');
    if (!existsSync(runs)) continue;
    for (const id of readdirSync(runs))
      for (const f of readdirSync(join(runs, id))) if (f.endsWith('.json')) out.push(f);
  }
  return out;
}

/** Every command line on this machine (the host's `ps -eo args`). */
const allArgs = (): string => spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;

const deployIds = (): { uid: number; gid: number } => ({
  uid: Number(run('id', ['-u', DEPLOY_USER]).trim()),
  gid: Number(run('id', ['-g', DEPLOY_USER]).trim()),
});

/** A folder under the deploy user's home, made (and owned) as the deploy user's. */
function userDir(...parts: string[]): string {
  const { uid, gid } = deployIds();
  let dir = fleet.home;
  for (const p of parts) {
    dir = join(dir, p);
    if (!existsSync(dir)) mkdirSync(dir);
    chownSync(dir, uid, gid);
  }
  return dir;
}

/** Starts `script` as the deploy user on this machine; resolves with its first line of output. */
async function spawnAsUser(script: string): Promise<{ child: ChildProcess; first: string }> {
  const child = spawn('/bin/sh', ['-c', script], {
    ...deployIds(),
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  spawned.push(child);
  const first = await new Promise<string>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error('no output within 5 s')), 5000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        clearTimeout(t);
        resolve(out.split('\n')[0] ?? '');
      }
    });
  });
  return { child, first };
}

describe.skipIf(why !== undefined)('remote hygiene against real sshd', () => {
  beforeAll(async () => {
    fleet = await startFleet({ hosts: 1 });
    scratch = mkdtempSync(join(tmpdir(), 'sc-hygiene-'));
  });
  afterEach(async () => {
    for (const g of groups.splice(0)) {
      try {
        process.kill(-g, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    for (const c of spawned.splice(0))
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await pool?.close();
  });
  afterAll(async () => {
    await pool?.close();
    await fleet?.stop();
    for (const name of [project, `${project}-cli`, `${project}-resume`])
      rmSync(join(fleet.home, '.stagecraft', name), { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('masks a process service’s output on the host: the log holds the mask, no command line the secret, and stopping leaves no masker', async () => {
    pool = new SshPool();
    const secret = `sentinel-${randomBytes(8).toString('hex')}`;
    const meta = 'a.b*c[d](e)|f\\g$h^+?{2}';
    const multi = 'line-one-xyz\nline-two-xyz';
    const mask = new Masker([secret, meta, multi]);
    const ref = { host: host(), project, environment: 'staging', service: 'leaky' };
    const rec = await startRemote(pool, ref, {
      run: `trap 'echo "bye $TOKEN"; exit 0' TERM
echo "token=$TOKEN"; printf 'meta=%s\\n' "$META"; printf '%s\\n' "$MULTI"
echo "masks=$(env | grep -c STAGECRAFT_MASK)"
while :; do sleep 0.1; done`,
      cwd: '',
      env: { TOKEN: secret, META: meta, MULTI: multi },
      mask,
    });
    const log = join(fleet.home, '.stagecraft', project, 'staging', 'logs', 'leaky.log');
    const read = (): string => (existsSync(log) ? readFileSync(log, 'latin1') : '');
    const seen: string[] = [];
    expect(
      await until(() => {
        seen.push(allArgs());
        return read().includes('masks=');
      }, 5000),
    ).toBe(true);
    expect(seen.join('\n')).not.toContain(secret);
    expect(seen.join('\n')).not.toContain('line-one-xyz');
    const ps = remotePs(fleet);
    // The masker runs in the service's group (one group kill stops both).
    expect(ps.some((p) => p.pgid === rec.pid && p.args.startsWith('awk'))).toBe(true);
    const text = Buffer.from(read(), 'latin1').toString('utf8');
    expect(text).toContain(`token=${MASK}\n`);
    expect(text).toContain(`meta=${MASK}\n`);
    expect(text).toContain(`${MASK}\n${MASK}\n`);
    // The service does not see the masker's variables.
    expect(text).toContain('masks=0\n');
    for (const v of [secret, meta, 'line-one-xyz', 'line-two-xyz']) expect(text).not.toContain(v);

    expect(await stopRemote(pool, ref, { graceMs: 3000 })).toBe('stopped');
    expect(await until(() => !remotePs(fleet).some((p) => p.pgid === rec.pid), 3000)).toBe(true);
    // What the service printed while it stopped went through the masker too.
    const after = Buffer.from(read(), 'latin1').toString('utf8');
    expect(after).toContain(`bye ${MASK}\n`);
    expect(after).not.toContain(secret);
  });

  it('does not take a zombie for a live service, and stops what is left of a zombie leader’s group', async () => {
    pool = new SshPool();
    const runDir = userDir('.stagecraft', project, 'zombies', 'run');
    const ref = { host: host(), project, environment: 'zombies', service: 'ghost' };
    const record = (pid: number, procStart: number): void => {
      const file = join(runDir, 'ghost.json');
      writeFileSync(file, `${JSON.stringify({ pid, procStart })}\n`);
      chownSync(file, deployIds().uid, deployIds().gid);
    };
    // A child its parent never reaps: a zombie once it exits.
    const lone = await spawnAsUser('sleep 0.3 & echo $!; exec sleep 30');
    const zombie = Number(lone.first);
    const start = Number(statField(zombie, 22));
    expect(start).toBeGreaterThan(0);
    expect(await until(() => statField(zombie, 3) === 'Z', 3000)).toBe(true);
    record(zombie, start);
    expect(await remoteAlive(pool, ref)).toBe(false);
    expect(await listRemote(pool, ref.host, project, 'zombies')).toEqual([
      { service: 'ghost', pid: zombie, alive: false },
    ]);
    expect(await stopRemote(pool, ref, { graceMs: 500 })).toBe('stale-record');

    // A session leader that exited (a zombie) while a process of its group runs on.
    const marker = `sleep 63.${process.pid}`;
    const led = await spawnAsUser(
      `setsid /bin/sh -c "${marker} & exec sleep 0.3" & echo $!; exec sleep 30`,
    );
    const leader = Number(led.first);
    groups.push(leader);
    const leaderStart = Number(statField(leader, 22));
    expect(await until(() => statField(leader, 3) === 'Z', 3000)).toBe(true);
    expect(remotePs(fleet).some((p) => p.pgid === leader && p.args === marker)).toBe(true);
    record(leader, leaderStart);
    expect(await remoteAlive(pool, ref)).toBe(false);
    expect(await stopRemote(pool, ref, { graceMs: 1000 })).toBe('stopped');
    expect(await until(() => !remotePs(fleet).some((p) => p.args === marker), 2000)).toBe(true);
  });

  it('records a running step’s group on the host while it runs; resume’s sweep stops a recorded one still alive', async () => {
    pool = new SshPool();
    const deploymentId = '20261203-010203-ab12';
    const dir = join(
      fleet.home,
      '.stagecraft',
      project,
      'staging',
      'run',
      'commands',
      deploymentId,
    );
    const marker = `sleep 1.${process.pid}`;
    const pending = runRemoteCommand(pool, cmd(`${marker}; echo ok`), {
      env: {},
      timeoutMs: 10_000,
      record: { project, environment: 'staging', deploymentId, step: 'web.activate' },
    });
    expect(await until(() => remotePs(fleet).some((p) => p.args === marker), 5000)).toBe(true);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^web\.activate\.\d+\.json$/);
    const rec = JSON.parse(readFileSync(join(dir, files[0] ?? ''), 'utf8')) as {
      pgid: number;
      procStart: number;
    };
    const proc = remotePs(fleet).find((p) => p.args === marker);
    expect(rec.pgid).toBe(proc?.pgid);
    expect(rec.procStart).toBe(Number(statField(rec.pgid, 22)));
    const o = await pending;
    expect(o.exitCode).toBe(0);
    expect(o.outputTail).toBe('ok\n');
    expect(readdirSync(dir)).toEqual([]);

    // As a run whose operator died would leave them: a group still running with its record, a
    // record whose process is another one now (start time), and another run's record.
    const live = `sleep 64.${process.pid}`;
    const other = `sleep 65.${process.pid}`;
    const write = (name: string, pgid: number, procStart: number, id = deploymentId): void => {
      const d = userDir('.stagecraft', project, 'staging', 'run', 'commands', id);
      const f = join(d, name);
      writeFileSync(f, `{"pgid":${pgid},"procStart":${procStart}}\n`);
      chownSync(f, deployIds().uid, deployIds().gid);
    };
    const a = await spawnAsUser(`setsid /bin/sh -c "${live}; true" & echo $!; wait`);
    const b = await spawnAsUser(`setsid /bin/sh -c "${other}; true" & echo $!; wait`);
    const pa = Number(a.first);
    groups.push(pa);
    const pb = Number(b.first);
    groups.push(pb);
    expect(
      await until(() => statField(pa, 5) === String(pa) && statField(pb, 5) === String(pb), 3000),
    ).toBe(true);
    write(`web.activate.${pa}.json`, pa, Number(statField(pa, 22)));
    write(`db.migrate.${pb}.json`, pb, Number(statField(pb, 22)) + 1);
    write(`api.activate.${pa}.json`, pa, Number(statField(pa, 22)), '20261203-010203-ffff');
    const left = await stopLeftoverCommands(pool, host(), {
      project,
      environment: 'staging',
      deploymentId,
    });
    expect(left).toEqual([{ step: 'web.activate', pgid: pa, result: 'stopped' }]);
    expect(await until(() => !remotePs(fleet).some((p) => p.args === live), 2000)).toBe(true);
    // A record that is not proven is removed without signalling anything.
    expect(remotePs(fleet).some((p) => p.args === other)).toBe(true);
    expect(existsSync(dir)).toBe(false);
    // Another run's records are not this resume's.
    expect(readdirSync(join(dir, '..', '20261203-010203-ffff'))).toEqual([
      `api.activate.${pa}.json`,
    ]);
  });

  it('names the configured known_hosts file in the hint for an unknown host key', async () => {
    pool = new SshPool();
    const file = join(scratch, 'team known hosts');
    writeFileSync(file, '# nothing yet\n');
    const h = host({ knownHosts: [file] });
    const o = await runRemoteCommand(
      pool,
      { run: 'true', cwd: '', env: {}, host: h },
      { env: {}, timeoutMs: 5000 },
    );
    expect(o.error).toContain(`ssh-keyscan -p ${h.port} ${h.address} >> '${file}'`);
    expect(o.error).not.toContain('~/.ssh/known_hosts');
  });

  it('a one-shot command does not outlive the orchestrator killed -9: its group is stopped on the host', async () => {
    const marker = `sleep 33.${process.pid}`;
    const dir = mkdtempSync(join(scratch, 'project-'));
    const home = mkdtempSync(join(scratch, 'home-'));
    const h = fleet.hosts[0];
    writeFileSync(
      join(dir, 'stagecraft.config.yaml'),
      `name: ${project}-cli
hosts:
  web-1: { address: ${h?.address}, port: ${h?.port}, user: ${fleet.user}, roles: [web] }
ssh:
  identityFile: ${fleet.identityFile}
  knownHosts: ${fleet.knownHosts}
  keepalive: 1s
  connectTimeout: 5s
services:
  app:
    on: web
    activate: 'sh -c "${marker}; echo never"; true'
`,
    );
    const child = spawn(process.execPath, [BIN, 'deploy', '--yes', '--plain', '-c', dir], {
      env: { PATH: process.env.PATH ?? '', HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    spawned.push(child);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    expect(await until(() => remotePs(fleet).some((p) => p.args === marker), 15_000), out).toBe(
      true,
    );
    expect(recordsOf(`${project}-cli`)).toHaveLength(1);
    child.kill('SIGKILL');
    await new Promise<void>((r) => child.once('exit', () => r()));
    // TERM when the channel ends, KILL 3 s later at most: well within 10 s.
    expect(await until(() => !remotePs(fleet).some((p) => p.args === marker), 10_000)).toBe(true);
    // The watcher is gone too, and it removed the step's record.
    expect(
      await until(
        () =>
          !remotePs(fleet).some(
            (p) => p.args.includes('stagecraft-watch') && p.args.includes(`${project}-cli`),
          ),
        2000,
      ),
    ).toBe(true);
    expect(recordsOf(`${project}-cli`)).toEqual([]);
  }, 40_000);

  it('resume stops a step’s group the killed run left running on a host before it runs anything again', async () => {
    const name = `${project}-resume`;
    const once = join(fleet.home, `resume-once-${process.pid}`);
    const first = `sleep 34.${process.pid}`;
    const dir = mkdtempSync(join(scratch, 'project-'));
    const home = mkdtempSync(join(scratch, 'home-'));
    const h = fleet.hosts[0];
    writeFileSync(
      join(dir, 'stagecraft.config.yaml'),
      `name: ${name}
hosts:
  web-1: { address: ${h?.address}, port: ${h?.port}, user: ${fleet.user}, roles: [web] }
ssh:
  identityFile: ${fleet.identityFile}
  knownHosts: ${fleet.knownHosts}
  keepalive: 1s
  connectTimeout: 5s
services:
  app:
    on: web
    activate: 'test -f ${once} || { touch ${once}; ${first}; }'
`,
    );
    const env = { PATH: process.env.PATH ?? '', HOME: home };
    const child = spawn(process.execPath, [BIN, 'deploy', '--yes', '--plain', '-c', dir], {
      env,
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    spawned.push(child);
    expect(await until(() => remotePs(fleet).some((p) => p.args === first), 15_000)).toBe(true);
    const runs = join(fleet.home, '.stagecraft', name, 'default', 'run', 'commands');
    const ids = readdirSync(runs);
    expect(ids).toHaveLength(1);
    const deploymentId = ids[0] ?? '';
    child.kill('SIGKILL');
    await new Promise<void>((r) => child.once('exit', () => r()));
    expect(await until(() => !remotePs(fleet).some((p) => p.args === first), 10_000)).toBe(true);

    // A host that never saw the connection end would still run the step: as here.
    const still = `sleep 35.${process.pid}`;
    const left = await spawnAsUser(`setsid /bin/sh -c "${still}; true" & echo $!; wait`);
    const pgid = Number(left.first);
    groups.push(pgid);
    expect(await until(() => statField(pgid, 5) === String(pgid), 3000)).toBe(true);
    const d = userDir('.stagecraft', name, 'default', 'run', 'commands', deploymentId);
    const f = join(d, `app.activate.${pgid}.json`);
    writeFileSync(f, `{"pgid":${pgid},"procStart":${statField(pgid, 22)}}\n`);
    chownSync(f, deployIds().uid, deployIds().gid);

    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const c = spawn(process.execPath, [BIN, 'resume', '--yes', '--plain', '-c', dir], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      spawned.push(c);
      let out = '';
      c.stdout.on('data', (b: Buffer) => (out += b.toString()));
      c.stderr.on('data', (b: Buffer) => (out += b.toString()));
      c.once('exit', (code) => resolve({ code, out }));
    });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(
      /app\.activate of the interrupted run was still running \(process group \d+\); stopped before resuming/,
    );
    expect(remotePs(fleet).some((p) => p.args === still)).toBe(false);
    expect(recordsOf(name)).toEqual([]);
    rmSync(once, { force: true });
  }, 60_000);
});
