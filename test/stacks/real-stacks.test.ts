/**
 * A real stack (Debian's redis-server and nginx, installed by .ci/run) through deploy, a forced
 * failure and its rollback, `status`, a crash and `down` — after each step what stagecraft says is
 * compared with what is true on the machine: which processes run (and whose they are), which
 * ports answer, and with what release.
 */
import { execFileSync } from 'node:child_process';
import { chmod, rm } from 'node:fs/promises';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from '../cli/helpers.js';
import { freePort, runCli } from '../engine/example-project.js';
import { copyProjectFolder } from '../shared/copy-project.js';
import { isGone, killEverythingIn, processesIn, until } from '../engine/proc-watch.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'stacks', 'redis-nginx');

function installed(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** One RESP command to redis on `port`; the reply's first line, or undefined when refused. */
function redis(port: number, ...args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const timer = setTimeout(() => socket.destroy(), 2000);
    let reply = '';
    socket.on('connect', () =>
      socket.write(`*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`),
    );
    socket.setEncoding('utf8').on('data', (d: string) => {
      reply += d;
      const lines = reply.split('\r\n');
      // `$N\r\nvalue\r\n` (bulk string) or `+OK\r\n` / `-ERR …\r\n` / `$-1\r\n`.
      if (lines[0]?.startsWith('$') && lines[0] !== '$-1' && lines.length < 3) return;
      socket.end();
      resolve(lines[0]?.startsWith('$') && lines[0] !== '$-1' ? lines[1] : lines[0]);
    });
    socket.on('error', () => resolve(undefined));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}

/** The body of GET /version on `port`, or undefined when nothing answers. */
async function version(port: number): Promise<string | undefined> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/version`, {
      signal: AbortSignal.timeout(2000),
    });
    return (await r.text()).trim();
  } catch {
    return undefined;
  }
}

/** The pids that hold a listening TCP socket on `port` of this machine (from /proc). */
function listeners(port: number): number[] {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'latin1').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] !== '0A') continue;
      const local = f[1] ?? '';
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.add(f[9]!);
    }
  }
  if (inodes.size === 0) return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const m = /^socket:\[(\d+)\]$/.exec(target);
        if (m && inodes.has(m[1]!)) {
          pids.push(pid);
          break;
        }
      }
    } catch {
      /* gone, or not ours to read */
    }
  }
  return pids;
}

/** A program that is not ours answering HTTP on `port` with `r1`, as nginx would. */
async function impostor(port: number): Promise<{ close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.once('data', () =>
      s.end('HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: close\r\n\r\nr1\n'),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A private copy of the stack, readable by nginx's unprivileged workers. */
async function copyStack(): Promise<string> {
  const dir = await copyProjectFolder(FIXTURE);
  await chmod(dir, 0o755);
  return dir;
}

interface StatusRow {
  service: string;
  verdict: string;
  pid?: number;
}

describe.sequential('a real stack: redis-server and nginx', () => {
  let dir = '';
  let redisPort = 0;
  let webPort = 0;
  let newWebPort = 0;
  const vars = (release: string, port = webPort): string[] => [
    '--var',
    `REDIS_PORT=${redisPort}`,
    '--var',
    `WEB_PORT=${port}`,
    '--var',
    `RELEASE=${release}`,
  ];
  const cli = (args: string[]) => runCli([...args, '-c', dir], { timeoutMs: 90_000 });
  const status = async (release: string, port?: number): Promise<StatusRow[]> => {
    const r = await cli(['status', '--json', ...vars(release, port)]);
    return (JSON.parse(r.stdout) as { services: StatusRow[] }).services;
  };

  beforeAll(async () => {
    // Not skipped: CI installs both (.ci/run); a machine without them fails here, saying so.
    expect(
      ['redis-server', 'redis-cli', 'nginx'].filter((c) => !installed(c)),
      'install Debian packages redis-server and nginx',
    ).toEqual([]);
    dir = await copyStack();
    redisPort = await freePort();
    webPort = await freePort();
    newWebPort = await freePort();
  });

  afterAll(async () => {
    if (dir === '') return;
    await killEverythingIn(dir);
    await rm(dir, { recursive: true, force: true });
  });

  test('deploy: every service it calls healthy runs, is ours, and serves release r1', async () => {
    const r = await cli(['deploy', '--yes', '--plain', ...vars('r1')]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await redis(redisPort, 'GET', 'release')).toBe('r1');
    expect(await version(webPort)).toBe('r1');
    const ours = new Set(processesIn(dir));
    for (const port of [redisPort, webPort]) {
      const held = listeners(port);
      expect(held.length, `port ${port} is held`).toBeGreaterThan(0);
      expect(
        held.filter((pid) => !ours.has(pid)),
        `port ${port} is held by our processes`,
      ).toEqual([]);
    }
    const rows = await status('r1');
    for (const name of ['redis', 'web']) {
      const row = rows.find((s) => s.service === name);
      expect(row?.verdict).toBe('healthy');
      expect(row?.pid !== undefined && !isGone(row.pid), `${name}'s pid runs`).toBe(true);
    }
  }, 120_000);

  test('a failed deployment that moved the port is rolled back to r1 on the old port, and says so', async () => {
    const r = await cli(['deploy', '--yes', '--plain', ...vars('r2', newWebPort)]);
    // exit 1: failed and rolled back (the README's exit-code table).
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).not.toMatch(/NOT restored|rollback-incomplete/);
    expect(await version(webPort)).toBe('r1');
    expect(await version(newWebPort)).toBeUndefined();
    expect(await redis(redisPort, 'GET', 'release')).toBe('r1');
    const rows = await status('r1');
    const web = rows.find((s) => s.service === 'web');
    expect(web?.verdict).toBe('healthy');
    expect(web?.pid !== undefined && !isGone(web.pid)).toBe(true);
  }, 120_000);

  test('status says a crashed process is not running, although something else answers its port', async () => {
    const rows = await status('r1');
    const web = rows.find((s) => s.service === 'web');
    expect(web?.pid).toBeDefined();
    // Kill our nginx, then put another program on its port: a probe alone would call it healthy.
    for (const pid of listeners(webPort)) process.kill(pid, 'SIGKILL');
    expect(await until(() => listeners(webPort).length === 0, 5000)).toBe(true);
    const other = await impostor(webPort);
    try {
      const after = (await status('r1')).find((s) => s.service === 'web');
      expect(after?.verdict).not.toBe('healthy');
      expect(JSON.stringify(after)).toMatch(/not running/);
    } finally {
      await other.close();
    }
  }, 60_000);

  test('down stops everything it started: no process of the stack runs, no port answers', async () => {
    const r = await cli(['down', '--yes', ...vars('r1')]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await until(() => processesIn(dir).length === 0, 10_000), 'no process left').toBe(true);
    expect(await redis(redisPort, 'PING')).toBeUndefined();
    expect(await version(webPort)).toBeUndefined();
    expect(listeners(redisPort)).toEqual([]);
  }, 60_000);
});

describe('a real service whose port another program holds', () => {
  test('deploy fails naming the port and its holder, instead of probing the other program', async () => {
    const dir = await copyStack();
    const webPort = await freePort();
    const holder = await impostor(webPort);
    try {
      const redisPort = await freePort();
      const r = await runCli(
        [
          'deploy',
          '--yes',
          '--plain',
          '-c',
          dir,
          '--var',
          `REDIS_PORT=${redisPort}`,
          '--var',
          `WEB_PORT=${webPort}`,
        ],
        { timeoutMs: 90_000 },
      );
      expect(r.code, r.stdout + r.stderr).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(
        new RegExp(`${webPort}.*(in use|taken)|(in use|taken).*${webPort}`),
      );
    } finally {
      await holder.close();
      await runCli(['down', '--yes', '-c', dir]).catch(() => undefined);
      await killEverythingIn(dir);
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
