/**
 * The PostgreSQL test harness itself: a throwaway cluster on loopback (app role, fresh databases,
 * a clean stop) and the partitioned variant whose holder, in its own network namespace, can be cut
 * off. Skipped, with the reason in the suite's name, only where PostgreSQL or network namespaces
 * are not available.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import {
  namespacesAvailable,
  pgBin,
  postgresAvailable,
  startPartitionedPostgres,
  startPostgres,
  type PartitionedPg,
  type PgCluster,
} from './pg-harness.js';

const pgOk = postgresAvailable();
const nsOk = namespacesAvailable();
const skipped = (r: { ok: true } | { ok: false; why: string }): string =>
  r.ok ? '' : ` (skipped: ${r.why})`;

/** Whether `port` on 127.0.0.1 can be listened on (nothing holds it). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

describe.skipIf(!pgOk.ok)(`a throwaway PostgreSQL cluster${skipped(pgOk)}`, () => {
  let cluster: PgCluster | undefined;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  const c = (): PgCluster => {
    if (cluster === undefined) throw new Error('cluster did not start');
    return cluster;
  };

  it('finds the newest installed initdb', () => {
    expect(pgBin('initdb')).toMatch(/^\/usr\/lib\/postgresql\/\d+\/bin\/initdb$/);
    expect(pgBin('no-such-program')).toBeUndefined();
  });

  it('lets the app role create a table and query it over TCP on 127.0.0.1', async () => {
    expect(c().url).toMatch(
      new RegExp(`^postgresql://stagecraft:[0-9a-f]+@127\\.0\\.0\\.1:${c().port}/stagecraft$`),
    );
    await c().query('CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)');
    await c().query('INSERT INTO notes VALUES ($1, $2), ($3, $4)', [1, 'one', 2, 'two']);
    expect(await c().query('SELECT body FROM notes ORDER BY id')).toEqual([
      { body: 'one' },
      { body: 'two' },
    ]);
    const [who] = await c().query(
      'SELECT current_user AS role, inet_server_addr()::text AS addr, rolsuper FROM pg_roles WHERE rolname = current_user',
    );
    expect(who).toEqual({ role: 'stagecraft', addr: '127.0.0.1/32', rolsuper: false });
  });

  it('gives each newDatabase call an empty database the app role owns', async () => {
    const url = await c().newDatabase();
    const other = await c().newDatabase('harness_named');
    expect(url).not.toBe(other);
    expect(other).toMatch(/\/harness_named$/);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const tables = await client.query(
        "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'",
      );
      expect(tables.rows).toEqual([{ n: 0 }]);
      const owner = await client.query(
        'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = current_database()',
      );
      expect(owner.rows).toEqual([{ owner: 'stagecraft' }]);
      await client.query('CREATE TABLE fresh (id int)');
    } finally {
      await client.end();
    }
    await expect(c().newDatabase('no; drop')).rejects.toThrow(/not a plain database name/);
  });

  it('gives the superuser over the unix socket at adminUrl', async () => {
    const admin = new pg.Client({ connectionString: c().adminUrl });
    await admin.connect();
    try {
      const r = await admin.query<{ su: string; max: string; fsync: string; socket: boolean }>(
        "SELECT current_setting('is_superuser') AS su, current_setting('max_connections') AS max, current_setting('fsync') AS fsync, inet_server_addr() IS NULL AS socket",
      );
      expect(r.rows).toEqual([{ su: 'on', max: '200', fsync: 'on', socket: true }]);
    } finally {
      await admin.end();
    }
  });

  it('applies extra settings, and stop removes the folder and frees the port', async () => {
    const own = await startPostgres({ settings: { idle_session_timeout: '60s' } });
    try {
      expect(await own.query('SHOW idle_session_timeout')).toEqual([
        { idle_session_timeout: '1min' },
      ]);
      expect(existsSync(own.dataDir)).toBe(true);
      expect(await portFree(own.port)).toBe(false);
    } finally {
      await own.stop();
    }
    expect(existsSync(own.dataDir)).toBe(false);
    expect(existsSync(`${own.dataDir}/..`)).toBe(false);
    expect(await portFree(own.port)).toBe(true);
  }, 60_000);
});

/**
 * A holder in the holder namespace: connects, prints `connected`, then per stdin line runs
 * `SELECT 1` (query_timeout 2 s) and prints `ok` or `error <message>`.
 */
const HOLDER = `
const pg = require('pg');
const c = new pg.Client({ connectionString: process.env.PG_URL, query_timeout: 2000, connectionTimeoutMillis: 5000 });
c.on('error', () => {});
const rl = require('readline').createInterface({ input: process.stdin });
c.connect().then(() => c.query('SELECT 1')).then(() => {
  console.log('connected');
  rl.on('line', () => c.query('SELECT 1 AS one').then(
    (r) => console.log('ok ' + r.rows[0].one),
    (e) => console.log('error ' + e.message)));
}, (e) => { console.log('error ' + e.message); process.exit(1); });
`;

describe.skipIf(!nsOk.ok)(`a PostgreSQL cluster behind a cuttable link${skipped(nsOk)}`, () => {
  let part: PartitionedPg | undefined;
  let children: ChildProcess[] = [];
  beforeAll(async () => {
    part = await startPartitionedPostgres();
  });
  afterEach(() => {
    for (const ch of children)
      if (ch.exitCode === null && ch.signalCode === null) ch.kill('SIGKILL');
    children = [];
  });
  afterAll(async () => {
    await part?.stop();
  });
  const p = (): PartitionedPg => {
    if (part === undefined) throw new Error('cluster did not start');
    return part;
  };

  /** Starts a holder; `next()` resolves with its next output line (bounded: 10 s). */
  function holder(): { next(): Promise<string>; send(): void } {
    const [file, ...args] = p().holderPrefix;
    const child = spawn(file ?? 'ip', [...args, process.execPath, '-e', HOLDER], {
      cwd: process.cwd(),
      env: { ...process.env, PG_URL: p().url },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(child);
    const lines: string[] = [];
    const waiting: Array<(l: string) => void> = [];
    createInterface({ input: child.stdout }).on('line', (l) => {
      const w = waiting.shift();
      if (w) w(l);
      else lines.push(l);
    });
    return {
      next: () =>
        new Promise((resolve, reject) => {
          const l = lines.shift();
          if (l !== undefined) return resolve(l);
          const timer = setTimeout(() => reject(new Error('holder said nothing in 10 s')), 10_000);
          waiting.push((line) => {
            clearTimeout(timer);
            resolve(line);
          });
        }),
      send: () => void child.stdin.write('go\n'),
    };
  }

  it('lets a holder connect over the veth, and cut() makes its next query time out', async () => {
    expect(p().url).toMatch(
      /^postgresql:\/\/stagecraft:[0-9a-f]+@10\.200\.\d+\.2:5432\/stagecraft$/,
    );
    const h = holder();
    expect(await h.next()).toBe('connected');
    const seen = await p().query(
      "SELECT host(client_addr) AS addr FROM pg_stat_activity WHERE usename = 'stagecraft' AND client_addr IS NOT NULL",
    );
    expect(seen).toEqual([{ addr: expect.stringMatching(/^10\.200\.\d+\.3$/) as unknown }]);
    h.send();
    expect(await h.next()).toBe('ok 1');

    await p().cut();
    try {
      h.send();
      expect(await h.next()).toBe('error Query read timeout');
      // The server side is untouched: the socket still answers, the holder's backend is there.
      const backends = await p().query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'stagecraft' AND client_addr IS NOT NULL",
      );
      expect(backends).toEqual([{ n: 1 }]);
    } finally {
      await p().heal();
    }
    const fresh = holder();
    expect(await fresh.next()).toBe('connected');
    fresh.send();
    expect(await fresh.next()).toBe('ok 1');
  }, 30_000);

  it('removes its namespaces when stopped', async () => {
    const own = await startPartitionedPostgres();
    // `ip netns add` names a file under /run/netns; `ip netns del` removes it.
    const present = (): boolean[] => own.namespaces.map((ns) => existsSync(`/run/netns/${ns}`));
    expect(present()).toEqual([true, true, true]);
    await own.stop();
    expect(present()).toEqual([false, false, false]);
  }, 60_000);
});
