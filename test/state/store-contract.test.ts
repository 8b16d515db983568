/**
 * The store contract, run against both back ends: the state directory and a real PostgreSQL
 * (a throwaway cluster, a fresh database per test). Whatever a run relies on — one holder per
 * environment, the holder named to whoever meets the lock, a journal read back in order and
 * continued after a reopen, the record's updates, history newest first with an abandoned run read
 * as interrupted, releases newest first and replaced by id, secrets masked — holds for both.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Masker } from '../../src/core/mask.js';
import type { LockInfo } from '../../src/state/locks.js';
import { effectiveStatus, type DeploymentMeta } from '../../src/state/meta.js';
import { pgStore } from '../../src/state/pg/store.js';
import type { Release } from '../../src/state/releases.js';
import { directoryStore, type Store } from '../../src/state/store.js';
import { postgresAvailable, startPostgres, type PgCluster } from './pg-harness.js';

const pgCheck = postgresAvailable();
let cluster: PgCluster | undefined;
const made: Store[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  if (pgCheck.ok) cluster = await startPostgres();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});
afterEach(async () => {
  await Promise.all(made.splice(0).map((s) => s.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A back end: a fresh empty store, and another view of the same one (another process's). */
type Backend = { name: string; open(): Promise<{ store: Store; twin(): Promise<Store> }> };

async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'sc-store-'));
  dirs.push(d);
  return d;
}

async function pgOpen(url: string, user = 'tester'): Promise<Store> {
  const s = pgStore({ url, project: 'shop', user });
  made.push(s);
  await s.ready();
  return s;
}

const backends: Backend[] = [
  {
    name: 'the state directory',
    async open() {
      const dir = await tmp();
      const store = directoryStore(dir);
      await store.ready();
      return { store, twin: () => Promise.resolve(directoryStore(dir)) };
    },
  },
];
if (pgCheck.ok)
  backends.push({
    name: 'PostgreSQL',
    async open() {
      if (cluster === undefined) throw new Error('no cluster');
      const url = await cluster.newDatabase();
      const first = pgStore({ url, project: 'shop', user: 'tester' });
      made.push(first);
      await first.migrate('tester@test');
      await first.ready();
      return { store: first, twin: () => pgOpen(url, 'other') };
    },
  });

function holder(environment: string, deploymentId: string, pid = process.pid): LockInfo {
  return {
    environment,
    deploymentId,
    user: 'alice',
    host: hostname(),
    pid,
    startedAt: new Date().toISOString(),
    command: 'deploy --yes',
  };
}

function meta(id: string, environment = 'staging', extra: Partial<DeploymentMeta> = {}) {
  return {
    id,
    environment,
    project: 'shop',
    startedAt: `2026-12-03T10:${id.slice(-2)}:00.000Z`,
    user: 'alice',
    host: hostname(),
    pid: process.pid,
    command: 'deploy',
    configHash: 'abc',
    machineVersion: '1',
    factsVersion: 1,
    status: 'running' as const,
    ...extra,
  } satisfies DeploymentMeta;
}

function release(id: string, label: string, vars: Record<string, string> = {}): Release {
  return {
    id,
    label,
    at: new Date().toISOString(),
    configHash: 'abc',
    vars: { api: vars },
    running: [],
  };
}

describe.each(backends)('the store contract on $name', (backend) => {
  let twinOf: () => Promise<Store> = () => Promise.reject(new Error('no store'));
  const open = async (): Promise<Store> => {
    const opened = await backend.open();
    twinOf = () => opened.twin();
    return opened.store;
  };
  const twin = (_store: Store): Promise<Store> => twinOf();

  test('one holder per environment: the second is refused and told who holds it', async () => {
    const a = await open();
    const b = await twin(a);
    expect(await a.acquireLock(holder('staging', 'd-01'))).toEqual({ ok: true });
    const refused = await b.acquireLock(holder('staging', 'd-02'));
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.holder.deploymentId).toBe('d-01');
      expect(refused.holder.user).toBe('alice');
      expect(refused.stale).toBe(false);
    }
    // Another environment is another lock.
    expect(await b.acquireLock(holder('production', 'd-03'))).toEqual({ ok: true });
    expect((await b.readLock('staging'))?.info.deploymentId).toBe('d-01');
    await a.releaseLock('staging', 'd-01');
    expect(await b.readLock('staging')).toBeUndefined();
    expect(await b.acquireLock(holder('staging', 'd-04'))).toEqual({ ok: true });
    await b.releaseLock('staging', 'd-04');
    await b.releaseLock('production', 'd-03');
  });

  test('a lock left by a holder whose process died is free to take over for its resume', async () => {
    const a = await open();
    const b = await twin(a);
    if (a.kind === 'directory') {
      // A pid that is surely gone on this host: the lock file it left reads as stale.
      const dead = await deadPid();
      expect(await a.acquireLock(holder('staging', 'd-10', dead))).toEqual({ ok: true });
      expect((await b.readLock('staging'))?.stale).toBe(true);
    } else {
      expect(await a.acquireLock(holder('staging', 'd-10'))).toEqual({ ok: true });
      // The holder's connection goes (its process died): the database frees the lock with it.
      a.releaseLockSync('staging', 'd-10');
      await until(async () => (await b.readLock('staging')) === undefined);
    }
    expect(await b.takeOverLock(holder('staging', 'd-10'), { deploymentId: 'd-10' })).toEqual({
      ok: true,
    });
    expect((await a.readLock('staging'))?.info.pid).toBe(process.pid);
    await b.releaseLock('staging', 'd-10');
  });

  test('a journal reads back in order, continues its sequence when reopened, masks secrets', async () => {
    const s = await open();
    const mask = new Masker(['hunter2-secret']);
    const j = await s.createDeployment(meta('d-20'), { mask });
    await Promise.all([
      j.append({ type: 'run.started', deploymentId: 'd-20' }),
      j.append({ type: 'service.state', service: 'api', note: 'token hunter2-secret' }),
      j.append({ type: 'phase.entered', phase: 'activating' }),
    ]);
    await j.close();
    const again = await s.openJournal('d-20', { mask });
    await again.append({ type: 'run.closed', status: 'succeeded' });
    await again.close();
    const { entries } = await s.readJournal('d-20');
    expect(entries.map((e) => [e.seq, e.type])).toEqual([
      [1, 'run.started'],
      [2, 'service.state'],
      [3, 'phase.entered'],
      [4, 'run.closed'],
    ]);
    expect(JSON.stringify(entries)).not.toContain('hunter2-secret');
    expect(entries[1]?.note).toBe('token ••••••');
  });

  test("the record's updates are merged, and history lists newest first per environment", async () => {
    const s = await open();
    for (const [id, env] of [
      ['d-31', 'staging'],
      ['d-32', 'production'],
      ['d-33', 'staging'],
    ] as const)
      await (await s.createDeployment(meta(id, env, { status: 'succeeded' }), {})).close();
    await s.updateMeta('d-33', { status: 'failed', result: 'failed', finishedAt: 'later' });
    expect(await s.readMeta('d-33')).toMatchObject({ id: 'd-33', status: 'failed', user: 'alice' });
    expect(await s.readMeta('nope')).toBeUndefined();
    expect((await s.listDeployments('staging')).map((m) => m.id)).toEqual(['d-33', 'd-31']);
    expect((await s.listDeployments()).map((m) => m.id)).toEqual(['d-33', 'd-32', 'd-31']);
  });

  test('a run recorded as running whose holder is gone is listed as interrupted', async () => {
    const s = await open();
    const dead = await deadPid();
    await (await s.createDeployment(meta('d-40', 'staging', { pid: dead }), {})).close();
    const [m] = await s.listDeployments('staging');
    // The directory's record says running and its pid tells (effectiveStatus); the database
    // lists it interrupted itself, as no lock names it.
    expect(m === undefined ? undefined : effectiveStatus(m)).toBe('interrupted');
    if (s.kind === 'postgres') expect(m?.status).toBe('interrupted');
  });

  test('releases: newest first, the same deployment recorded again replaces its entry, secrets dropped', async () => {
    const s = await open();
    await s.recordRelease('staging', release('d-51', 'v1', { PORT: '1' }));
    await s.recordRelease('staging', release('d-52', 'v2', { TOKEN: 'tok-secret-1', PORT: '2' }), {
      secretNames: ['TOKEN'],
    });
    await s.recordRelease('staging', release('d-52', 'v2b', { PORT: '3' }));
    await s.recordRelease('production', release('d-53', 'p1'));
    const list = await s.listReleases('staging');
    expect(list.map((r) => r.label)).toEqual(['v2b', 'v1']);
    expect(JSON.stringify(await s.listReleases('staging'))).not.toContain('tok-secret-1');
    expect((await s.listReleases('production')).map((r) => r.label)).toEqual(['p1']);
    expect(await s.listReleases('qa')).toEqual([]);
  });
});

describe.skipIf(!pgCheck.ok)(
  `the PostgreSQL store's own guarantees${pgCheck.ok ? '' : ` (skipped: ${pgCheck.why})`}`,
  () => {
    test('the journal table refuses UPDATE, DELETE and TRUNCATE', async () => {
      if (cluster === undefined) throw new Error('no cluster');
      const url = await cluster.newDatabase();
      const s = pgStore({ url, project: 'shop', user: 'tester' });
      made.push(s);
      await s.migrate('t');
      await s.ready();
      const j = await s.createDeployment(meta('d-59'), {});
      await j.append({ type: 'run.started' });
      await j.close();
      const { default: pg } = await import('pg');
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await expect(c.query("UPDATE stagecraft_journal SET type = 'x'")).rejects.toThrow(
          /append-only \(UPDATE refused\)/,
        );
        await expect(c.query('DELETE FROM stagecraft_journal')).rejects.toThrow(
          /append-only \(DELETE refused\)/,
        );
        await expect(c.query('TRUNCATE stagecraft_journal')).rejects.toThrow(/append-only/);
        const r = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM stagecraft_journal');
        expect(r.rows[0]?.n).toBe(1);
      } finally {
        await c.end();
      }
    });

    test('migrations run twice at once leave one schema; an unknown newer one is refused', async () => {
      if (cluster === undefined) throw new Error('no cluster');
      const url = await cluster.newDatabase();
      const a = pgStore({ url, project: 'shop', user: 'a' });
      const b = pgStore({ url, project: 'shop', user: 'b' });
      made.push(a, b);
      const [ra, rb] = await Promise.all([a.migrate('a'), b.migrate('b')]);
      expect([ra.applied.length, rb.applied.length].sort()).toEqual([0, 1]);
      const { default: pg } = await import('pg');
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        const v = await c.query('SELECT version FROM stagecraft_schema ORDER BY version');
        expect(v.rows.map((r: { version: number }) => r.version)).toEqual([1]);
        await c.query(
          "INSERT INTO stagecraft_schema (version, what, applied_by) VALUES (99, 'future', 'x')",
        );
      } finally {
        await c.end();
      }
      const later = pgStore({ url, project: 'shop', user: 'c' });
      made.push(later);
      await expect(later.ready()).rejects.toMatchObject({
        kind: 'state-format',
        message: expect.stringMatching(
          /schema version 99, newer than this stagecraft knows/,
        ) as unknown,
      });
      await expect(later.migrate('c')).rejects.toMatchObject({ kind: 'state-format' });
    });

    test('a database without the schema is refused with the command that creates it', async () => {
      if (cluster === undefined) throw new Error('no cluster');
      const url = await cluster.newDatabase();
      const s = pgStore({ url, project: 'shop', user: 'tester' });
      made.push(s);
      await expect(s.ready()).rejects.toMatchObject({
        kind: 'state-format',
        message: expect.stringMatching(
          /no stagecraft schema yet: run `stagecraft state migrate`/,
        ) as unknown,
      });
      expect(s.where).not.toContain(new URL(url).password);
    });

    test('a database that cannot be reached is a clear error without the password', async () => {
      const s = pgStore({
        url: 'postgresql://stagecraft:pw-not-shown@127.0.0.1:1/stagecraft',
        project: 'shop',
        user: 'tester',
      });
      made.push(s);
      const error = await s.ready().then(
        () => undefined,
        (e: unknown) => e as Error & { kind: string },
      );
      expect(error?.kind).toBe('state-io');
      expect(error?.message).toMatch(
        /cannot reach the state database postgresql:\/\/stagecraft:••••••@127\.0\.0\.1:1\/stagecraft/,
      );
      expect(error?.message).not.toContain('pw-not-shown');
    });
  },
);

/** A pid that is not running on this host (a child that has exited). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  const pid = child.pid ?? 999_999;
  await new Promise((r) => child.on('exit', r));
  return pid;
}

async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}
