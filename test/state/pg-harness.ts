/**
 * Throwaway PostgreSQL clusters for the team-store tests (shared/notes/fleet-and-team-state.md
 * C.1, C.3): `initdb` into a temporary folder, started with `pg_ctl` on a free loopback port, an
 * app role `stagecraft` owning a database `stagecraft`, and one database per test from
 * `newDatabase()`. Start one cluster per test file (beforeAll) and stop it in afterAll.
 *
 * `startPartitionedPostgres()` runs the cluster inside a network namespace, behind a bridge in a
 * second namespace; the holder (the client whose link `cut()` takes down) runs in a third one via
 * `holderPrefix`. Cutting the holder's port at the bridge leaves the server's carrier up, so the
 * server sees clean silence and its keepalives count, as in a real partition.
 *
 * As root, every PostgreSQL program runs as the `postgres` user (`runuser`); otherwise as the
 * current user. Every wait is bounded; every start failure cleans up what it made.
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** A running throwaway cluster on 127.0.0.1. */
export interface PgCluster {
  /** postgresql://stagecraft:<pw>@127.0.0.1:<port>/stagecraft (the app role, owner of the db). */
  url: string;
  /** The superuser `postgres` over the unix socket, for tests that inspect or break things. */
  adminUrl: string;
  port: number;
  dataDir: string;
  /** Runs `sql` as the app role on one short-lived connection. */
  query(sql: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
  /** Creates a database owned by the app role (a fresh schema per test); returns its URL. */
  newDatabase(name?: string): Promise<string>;
  /** Stops the cluster (`-m immediate`) and removes its folder. */
  stop(): Promise<void>;
}

/** A cluster inside a network namespace whose client side can be cut off. */
export interface PartitionedPg {
  /** postgresql://stagecraft:<pw>@10.200.x.2:5432/stagecraft: reachable from `holderPrefix` only. */
  url: string;
  /** The program and arguments that run a command in the holder's namespace, e.g. `ip netns exec …`. */
  holderPrefix: string[];
  /** Unplugs the holder at the switch: the server keeps its carrier and sees silence. */
  cut(): Promise<void>;
  /** Plugs the holder back in. */
  heal(): Promise<void>;
  /** Runs `sql` as the app role over the unix socket (still works after `cut()`). */
  query(sql: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
  /** The namespaces of this cluster (for checking that `stop()` removed them). */
  namespaces: string[];
  /** Stops the cluster, deletes the namespaces (and with them the veths) and the folder. */
  stop(): Promise<void>;
}

type Result = { ok: true } | { ok: false; why: string };

const APP_ROLE = 'stagecraft';
const APP_DB = 'stagecraft';
const SUPERUSER = 'postgres';
const IP = 'ip';
const isRoot = (): boolean => process.getuid?.() === 0;

/** A major version folder's number ("15" < "16"). */
const major = (dir: string): number => Number(dir) || 0;

/** The newest `/usr/lib/postgresql/<major>/bin/<name>`, or undefined when none is installed. */
export function pgBin(name: string): string | undefined {
  const root = '/usr/lib/postgresql';
  let versions: string[];
  try {
    versions = readdirSync(root);
  } catch {
    return undefined;
  }
  const found = versions
    .filter((v) => existsSync(join(root, v, 'bin', name)))
    .sort((a, b) => major(b) - major(a));
  return found[0] === undefined ? undefined : join(root, found[0], 'bin', name);
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `file` with a deadline; never throws (the outcome is a value). */
function run(file: string, args: string[], timeoutMs = 30_000): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr: stderr || (error?.message ?? '') });
    });
  });
}

/** Like `run`, but a failure is an error naming the command and its output. */
async function must(file: string, args: string[], timeoutMs?: number): Promise<string> {
  const r = await run(file, args, timeoutMs);
  if (r.code !== 0)
    throw new Error(`${[file, ...args].join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** `argv` as the postgres user when root (initdb and postgres refuse to run as root). */
const asPostgres = (argv: string[]): [string, string[]] =>
  isRoot() ? ['runuser', ['-u', SUPERUSER, '--', ...argv]] : [argv[0] ?? '', argv.slice(1)];

/** Whether a throwaway cluster can be made here, and why not. */
export function postgresAvailable(): Result {
  const initdb = pgBin('initdb');
  if (initdb === undefined)
    return { ok: false, why: 'no /usr/lib/postgresql/*/bin/initdb (install postgresql)' };
  if (pgBin('pg_ctl') === undefined) return { ok: false, why: 'pg_ctl is missing' };
  if (isRoot()) {
    if (!existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser'))
      return { ok: false, why: 'running as root without runuser' };
    if (
      !readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .some((l) => l.startsWith('postgres:'))
    )
      return { ok: false, why: 'running as root and there is no postgres user' };
  }
  return { ok: true };
}

/** Whether network namespaces can be made here (tries one), and why not. */
export function namespacesAvailable(): Result {
  const pgOk = postgresAvailable();
  if (!pgOk.ok) return pgOk;
  if (!isRoot()) return { ok: false, why: 'network namespaces need root' };
  const probe = `sc-pgp-${process.pid}-${randomBytes(2).toString('hex')}`;
  // Synchronous on purpose: describe.skipIf needs the answer at collection time.
  const ipSync = (args: string[]) => spawnSync(IP, args, { encoding: 'utf8', timeout: 10_000 });
  if (ipSync(['-V']).error !== undefined) return { ok: false, why: 'ip (iproute2) is missing' };
  const r = ipSync(['netns', 'add', probe]);
  if (r.status !== 0)
    return { ok: false, why: `\`ip netns add\` is not permitted here: ${r.stderr.trim()}` };
  ipSync(['netns', 'del', probe]);
  return { ok: true };
}

/** A port on 127.0.0.1 that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Connects with bounded retries, runs `fn`, always ends the client. */
async function withClient<T>(
  config: pg.ClientConfig,
  fn: (c: pg.Client) => Promise<T>,
): Promise<T> {
  let last: unknown;
  // ≤ 50 attempts 100 ms apart, and never past 10 s in all (a connect can hang up to 5 s).
  const deadline = Date.now() + 10_000;
  for (let attempt = 0; attempt < 50 && Date.now() < deadline; attempt++) {
    const client = new pg.Client({ connectionTimeoutMillis: 5000, ...config });
    // A server that goes away mid-call emits 'error' on the client: reported through the query.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      last = error;
      await client.end().catch(() => undefined);
      await sleep(100);
      continue;
    }
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(`could not connect to PostgreSQL: ${String(last)}`);
}

const rows = async (
  config: pg.ClientConfig,
  sql: string,
  params?: unknown[],
): Promise<Array<Record<string, unknown>>> =>
  withClient(config, async (c) => (await c.query<Record<string, unknown>>(sql, params)).rows);

/** A postgresql.conf value, quoted. */
const confValue = (v: string): string => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

interface Made {
  dir: string;
  dataDir: string;
  password: string;
  log: string;
}

/** A fresh temp folder (owned by postgres when root) holding an initdb'd data directory. */
async function initCluster(): Promise<Made> {
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-pg-'));
  try {
    if (isRoot()) {
      const uid = Number((await must('id', ['-u', SUPERUSER])).trim());
      const gid = Number((await must('id', ['-g', SUPERUSER])).trim());
      chownSync(dir, uid, gid);
    }
    const dataDir = join(dir, 'data');
    const initdb = pgBin('initdb') ?? 'initdb';
    const [file, args] = asPostgres([
      initdb,
      '-D',
      dataDir,
      '-U',
      SUPERUSER,
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--no-instructions',
    ]);
    await must(file, args, 60_000);
    return {
      dir,
      dataDir,
      password: randomBytes(12).toString('hex'),
      log: join(dir, 'server.log'),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Writes the server settings into postgresql.conf (no shell quoting through `pg_ctl -o`). */
async function configure(made: Made, settings: Record<string, string>): Promise<void> {
  const lines = Object.entries(settings).map(([k, v]) => `${k} = ${confValue(v)}`);
  // As root the file belongs to postgres, but root may append; ownership stays.
  await appendFile(join(made.dataDir, 'postgresql.conf'), `\n${lines.join('\n')}\n`);
}

/** `pg_ctl start -w -t 20`, optionally under a prefix (a namespace). */
async function pgCtlStart(made: Made, prefix: string[] = []): Promise<Ran> {
  const [file, args] = asPostgres([
    pgBin('pg_ctl') ?? 'pg_ctl',
    '-D',
    made.dataDir,
    '-l',
    made.log,
    '-w',
    '-t',
    '20',
    'start',
  ]);
  const argv = [...prefix, file, ...args];
  return run(argv[0] ?? file, argv.slice(1), 30_000);
}

/** Stops the cluster for good: `pg_ctl -m immediate`, then SIGKILL to a postmaster left over. */
async function pgCtlStop(made: Made): Promise<void> {
  const [file, args] = asPostgres([
    pgBin('pg_ctl') ?? 'pg_ctl',
    '-D',
    made.dataDir,
    '-m',
    'immediate',
    '-w',
    '-t',
    '20',
    'stop',
  ]);
  await run(file, args, 30_000);
  const pidFile = join(made.dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Creates the app role and its database, as the superuser over the socket. */
async function createApp(admin: pg.ClientConfig, password: string): Promise<void> {
  await withClient(admin, async (c) => {
    // DDL takes no parameters; the password is hex.
    await c.query(`CREATE ROLE ${APP_ROLE} LOGIN PASSWORD '${password}'`);
    await c.query(`CREATE DATABASE ${APP_DB} OWNER ${APP_ROLE}`);
  });
}

const appUrl = (password: string, host: string, port: number, db = APP_DB): string =>
  `postgresql://${APP_ROLE}:${password}@${host}:${port}/${db}`;

let databases = 0;

/**
 * Starts a cluster on 127.0.0.1 and a free port (max_connections 200, fsync on); `settings` are
 * extra postgresql.conf entries. About 1.5 s: start one per test file.
 */
export async function startPostgres(
  opts: { settings?: Record<string, string> } = {},
): Promise<PgCluster> {
  const made = await initCluster();
  try {
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      await configure(made, {
        listen_addresses: '127.0.0.1',
        port: String(port),
        unix_socket_directories: made.dir,
        max_connections: '200',
        ...opts.settings,
      });
      const r = await pgCtlStart(made);
      if (r.code === 0) break;
      const log = existsSync(made.log) ? readFileSync(made.log, 'utf8') : '';
      // Someone took the port between freePort() and the bind: try another (bounded).
      if (attempt < 5 && /could not bind|Address already in use/i.test(log)) continue;
      throw new Error(`pg_ctl start failed (${r.code}): ${r.stderr.trim()}\n${log.slice(-2000)}`);
    }
    const admin: pg.ClientConfig = { host: made.dir, port, user: SUPERUSER, database: 'postgres' };
    await createApp(admin, made.password);
    const url = appUrl(made.password, '127.0.0.1', port);
    let stopped = false;
    return {
      url,
      adminUrl: `postgresql://${SUPERUSER}@localhost:${port}/postgres?host=${encodeURIComponent(made.dir)}`,
      port,
      dataDir: made.dataDir,
      query: (sql, params) => rows({ connectionString: url }, sql, params),
      newDatabase: async (name) => {
        const db = name ?? `t_${process.pid}_${++databases}_${randomBytes(3).toString('hex')}`;
        if (!/^[a-z_][a-z0-9_]{0,62}$/.test(db))
          throw new Error(`not a plain database name: ${db}`);
        await rows(admin, `CREATE DATABASE ${db} OWNER ${APP_ROLE}`);
        return appUrl(made.password, '127.0.0.1', port, db);
      },
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await pgCtlStop(made);
        rmSync(made.dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    // Also a half-started server (pg_ctl timed out, createApp failed): stop it, then the folder.
    await pgCtlStop(made);
    rmSync(made.dir, { recursive: true, force: true });
    throw error;
  }
}

/** The pids of every process in namespace `ns` (none when it does not exist). */
async function nsPids(ns: string): Promise<number[]> {
  const r = await run(IP, ['netns', 'pids', ns], 5000);
  if (r.code !== 0) return [];
  return r.stdout
    .split('\n')
    .filter((l) => /^\d+$/.test(l.trim()))
    .map(Number);
}

let partitions = 0;

/**
 * Starts a cluster in namespace `sc-pg<pid>-<n>-db` (10.200.<n>.2:5432), a bridge in
 * `…-sw` and a holder namespace `…-op` (10.200.<n>.3). `cut()` takes the holder's bridge port
 * down. Root only (see `namespacesAvailable()`).
 */
export async function startPartitionedPostgres(): Promise<PartitionedPg> {
  const n = ++partitions;
  const base = `sc-pg${process.pid}-${n}`;
  const sw = `${base}-sw`;
  const db = `${base}-db`;
  const op = `${base}-op`;
  // One /24 per partitioned cluster of this process; the namespaces are private, so two runs
  // with the same subnet never meet.
  const net = `10.200.${((process.pid + n) % 254) + 1}`;
  const serverAddress = `${net}.2`;
  const namespaces: string[] = [];
  const ip = (...args: string[]): Promise<string> => must(IP, args, 10_000);
  let made: Made | undefined;
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (made !== undefined) await pgCtlStop(made);
    // Anything still running in our namespaces (holders, backends): TERM, then KILL (bounded).
    for (let i = 0; i < 40; i++) {
      const left = (await Promise.all(namespaces.map(nsPids)))
        .flat()
        .filter((p) => p !== process.pid);
      if (left.length === 0) break;
      for (const pid of left) {
        try {
          process.kill(pid, i < 5 ? 'SIGTERM' : 'SIGKILL');
        } catch {
          // gone
        }
      }
      await sleep(50);
    }
    // Deleting a namespace removes the veth ends in it; the switch goes last.
    for (const ns of [...namespaces].reverse()) await run(IP, ['netns', 'del', ns], 10_000);
    if (made !== undefined) rmSync(made.dir, { recursive: true, force: true });
  };

  try {
    for (const ns of [sw, db, op]) {
      await ip('netns', 'add', ns);
      namespaces.push(ns);
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    await ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
    await ip('-n', sw, 'link', 'set', 'br0', 'up');
    for (const [ns, port, address] of [
      [db, 'v-db', serverAddress],
      [op, 'v-op', `${net}.3`],
    ] as const) {
      await ip('-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      await ip('-n', sw, 'link', 'set', port, 'master', 'br0', 'up');
      await ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      await ip('-n', ns, 'link', 'set', 'eth0', 'up');
    }

    made = await initCluster();
    await appendFile(
      join(made.dataDir, 'pg_hba.conf'),
      `\nhost all all 10.200.0.0/16 scram-sha-256\n`,
    );
    // The namespace has its own port space: 5432 is free there.
    await configure(made, {
      listen_addresses: `${serverAddress},127.0.0.1`,
      port: '5432',
      unix_socket_directories: made.dir,
      max_connections: '200',
    });
    const r = await pgCtlStart(made, [IP, 'netns', 'exec', db]);
    if (r.code !== 0) {
      const log = existsSync(made.log) ? readFileSync(made.log, 'utf8') : '';
      throw new Error(`pg_ctl start failed (${r.code}): ${r.stderr.trim()}\n${log.slice(-2000)}`);
    }
    // The unix socket is a file: reachable from any namespace, also after a cut.
    await createApp(
      { host: made.dir, port: 5432, user: SUPERUSER, database: 'postgres' },
      made.password,
    );
    const socket: pg.ClientConfig = {
      host: made.dir,
      port: 5432,
      user: APP_ROLE,
      password: made.password,
      database: APP_DB,
    };
    return {
      url: appUrl(made.password, serverAddress, 5432),
      holderPrefix: [IP, 'netns', 'exec', op],
      cut: async () => void (await ip('-n', sw, 'link', 'set', 'v-op', 'down')),
      heal: async () => void (await ip('-n', sw, 'link', 'set', 'v-op', 'up')),
      query: (sql, params) => rows(socket, sql, params),
      namespaces: [...namespaces],
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
