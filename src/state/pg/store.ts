/**
 * The team store: one PostgreSQL database shared by everyone who deploys a project — one lock per
 * environment (lock.ts), one history, one journal (journal.ts), shared releases, and answers to
 * pending decisions from any terminal. Ids are made by the client (meta.ts), so a state
 * directory's deployments import as they are.
 */
import { hostname } from 'node:os';
import pg from 'pg';
import { StagecraftError } from '../../core/errors.js';
import { Masker } from '../../core/mask.js';
import type { JournalEntry, JournalRead } from '../journal.js';
import {
  describeHolder,
  unreadableHolder,
  type LockInfo,
  type LockResult,
  type UnlockResult,
} from '../locks.js';
import type { DeploymentMeta } from '../meta.js';
import type { Release, ReleaseSecrets } from '../releases.js';
import { cleanRelease } from '../releases.js';
import type { RemoteAnswer, Store } from '../store.js';
import { openPgJournal } from './journal.js';
import { LOCK_NAMESPACE, lockKey, redactUrl } from './keys.js';
import { applicationName, LOCK_TIMING, sessionOptions, tryLock, type HeldLock } from './lock.js';
import { checkSchema, migrate, type Migrated } from './schema.js';

/** How long one query on the data connection may take. */
const DATA_QUERY_TIMEOUT_MS = 10_000;

/** The live holder of an environment: its row, joined with the advisory lock it names. */
const LIVE_HOLDER = `
SELECT h.holder, h.backend_pid, a.client_addr::text AS client_addr, a.application_name
FROM stagecraft_lock_holders h
JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
  AND l.classid = ${LOCK_NAMESPACE}::oid AND l.objid = h.lock_key::oid AND l.pid = h.backend_pid
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
LEFT JOIN pg_stat_activity a ON a.pid = h.backend_pid
WHERE h.project = $1 AND h.environment = $2`;

/** Is the advisory lock of `key` held by anyone (a holder whose row is not written yet, too)? */
const LOCK_HELD = `
SELECT l.pid FROM pg_locks l
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
  AND l.classid = ${LOCK_NAMESPACE}::oid AND l.objid = $1::oid
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

/** Options of {@link pgStore}. */
export interface PgStoreOptions {
  url: string;
  project: string;
  /** Who connects (application_name of the data connection). */
  user: string;
}

/** The PostgreSQL store of `project` at `url`. Connects on `ready()`. */
export function pgStore(o: PgStoreOptions): Store & {
  migrate(by: string): Promise<Migrated>;
  importDeployment(meta: DeploymentMeta, entries: JournalEntry[]): Promise<boolean>;
  importRelease(environment: string, release: Release): Promise<boolean>;
} {
  const where = redactUrl(o.url);
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let checked = false;
  const locks = new Map<string, HeldLock>();
  const lostListeners = new Set<(why: string) => void>();

  const connect = (): Promise<pg.Client> => {
    if (client !== undefined) return Promise.resolve(client);
    connecting ??= (async () => {
      const c = new pg.Client({
        connectionString: o.url,
        application_name: applicationName({ user: o.user, host: hostname(), pid: process.pid }),
        options: sessionOptions(),
        query_timeout: DATA_QUERY_TIMEOUT_MS,
        connectionTimeoutMillis: LOCK_TIMING.connectTimeoutMs,
        keepAlive: true,
      });
      c.on('error', () => undefined);
      try {
        await c.connect();
      } catch (error) {
        connecting = undefined;
        throw unreachable(where, error);
      }
      client = c;
      return c;
    })();
    return connecting;
  };
  const db = async (): Promise<pg.Client> => {
    const c = await connect();
    if (!checked) {
      await checkSchema(c, where);
      checked = true;
    }
    return c;
  };
  const q = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
    (await (await db()).query<R>(sql, params)).rows;

  const readHolder = async (environment: string) => {
    const key = lockKey(o.project, environment);
    // A holder that has just taken the lock writes its row right after: give it a moment.
    for (let i = 0; i < 20; i += 1) {
      const rows = await q<{ holder: LockInfo; backend_pid: number; client_addr: string | null }>(
        LIVE_HOLDER,
        [o.project, environment],
      );
      const row = rows[0];
      if (row !== undefined) return { info: row.holder, backendPid: row.backend_pid };
      const held = await q<{ pid: number }>(LOCK_HELD, [key]);
      if (held.length === 0) return undefined;
      await new Promise((r) => setTimeout(r, 50));
    }
    const unnamed = unreadableHolder(
      environment,
      'a database session holds the lock but has not said who it is',
    );
    return { info: unnamed, backendPid: 0 };
  };

  const take = async (info: LockInfo): Promise<LockResult> => {
    await db();
    const key = lockKey(o.project, info.environment);
    const lock = await tryLock(o.url, o.project, key, info);
    if (lock === undefined) {
      const holder = await readHolder(info.environment);
      if (holder === undefined) return take(info);
      return { ok: false, holder: holder.info, stale: false };
    }
    locks.set(`${info.environment}\0${info.deploymentId}`, lock);
    lock.onLost((why) => {
      for (const l of lostListeners) l(why);
    });
    return { ok: true };
  };

  const effective = async (metas: DeploymentMeta[]): Promise<DeploymentMeta[]> => {
    const running = metas.filter((m) => m.status === 'running');
    if (running.length === 0) return metas;
    const live = new Set<string>();
    for (const env of new Set(running.map((m) => m.environment))) {
      const h = await readHolder(env);
      if (h !== undefined) live.add(h.info.deploymentId);
    }
    return metas.map((m) =>
      m.status === 'running' && !live.has(m.id) ? { ...m, status: 'interrupted' } : m,
    );
  };

  return {
    kind: 'postgres',
    where,
    ready: async () => {
      await db();
    },
    acquireLock: (info) => take(info),
    async takeOverLock(info, expected, options) {
      const current = await this.readLock(info.environment);
      if (current === undefined) return take(info);
      if (options?.force === true && expected?.deploymentId === current.info.deploymentId) {
        const r = await this.unlock(info.environment, { force: true });
        if (r.removed) return take(info);
      }
      return { ok: false, holder: current.info, stale: false };
    },
    async releaseLock(environment, id) {
      const k = `${environment}\0${id}`;
      const lock = locks.get(k);
      locks.delete(k);
      await lock?.release();
    },
    releaseLockSync(environment, id) {
      const k = `${environment}\0${id}`;
      locks.get(k)?.drop();
      locks.delete(k);
    },
    async readLock(environment) {
      const h = await readHolder(environment);
      return h === undefined ? undefined : { info: h.info, stale: false };
    },
    async unlock(environment, options): Promise<UnlockResult> {
      const h = await readHolder(environment);
      if (h === undefined)
        return {
          removed: false,
          reason: `environment ${environment} is not locked (a lock in the database goes with its holder's connection)`,
        };
      if (!options.force)
        return {
          removed: false,
          holder: h.info,
          reason: `environment ${environment} is locked by ${describeHolder(h.info)}, whose database session is alive. Wait for it, or pass --force to end that session`,
        };
      const rows = await q<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [
        h.backendPid,
      ]);
      // The server frees the lock as the session ends: wait (bounded) until it has.
      for (let i = 0; i < 50 && rows[0]?.ok === true; i += 1) {
        if ((await readHolder(environment)) === undefined) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      return rows[0]?.ok === true
        ? { removed: true, holder: h.info, reason: 'forced: its database session was ended' }
        : {
            removed: false,
            holder: h.info,
            reason: `the database refused to end the holder's session (backend ${h.backendPid}): ask an administrator`,
          };
    },
    onLockLost(listener) {
      lostListeners.add(listener);
      return () => lostListeners.delete(listener);
    },
    async createDeployment(meta, options) {
      const clean = (options.mask ?? Masker.none).value(meta);
      const c = await db();
      await c.query(
        `INSERT INTO stagecraft_deployments (id, project, environment, started_at, status, meta)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          clean.id,
          clean.project,
          clean.environment,
          clean.startedAt,
          clean.status,
          JSON.stringify(clean),
        ],
      );
      return openPgJournal(c, meta.id, options.mask);
    },
    async openJournal(id, options) {
      return openPgJournal(await db(), id, options.mask);
    },
    async readJournal(id): Promise<JournalRead> {
      const rows = await q<{ entry: JournalEntry }>(
        'SELECT entry FROM stagecraft_journal WHERE deployment_id = $1 ORDER BY seq',
        [id],
      );
      return { entries: rows.map((r) => r.entry), tornTail: false };
    },
    async readMeta(id) {
      const rows = await q<{ meta: DeploymentMeta }>(
        'SELECT meta FROM stagecraft_deployments WHERE id = $1 AND project = $2',
        [id, o.project],
      );
      const meta = rows[0]?.meta;
      return meta === undefined ? undefined : (await effective([meta]))[0];
    },
    async updateMeta(id, patch, options) {
      const clean = (options?.mask ?? Masker.none).value(patch);
      const rows = await q(
        `UPDATE stagecraft_deployments SET meta = meta || $2::jsonb, status = coalesce($3, status)
         WHERE id = $1 RETURNING id`,
        [id, JSON.stringify(clean), clean.status ?? null],
      );
      if (rows.length === 0)
        throw new StagecraftError(
          'not-found',
          `no deployment ${id} in the state database ${where}`,
        );
    },
    updateMetaSync() {
      // See Store.updateMetaSync: the lock's end says it instead.
    },
    async listDeployments(environment) {
      const rows = await q<{ meta: DeploymentMeta }>(
        `SELECT meta FROM stagecraft_deployments WHERE project = $1 AND ($2::text IS NULL OR environment = $2)
         ORDER BY started_at DESC, id DESC`,
        [o.project, environment ?? null],
      );
      return effective(rows.map((r) => r.meta));
    },
    async recordRelease(environment, release, secrets?: ReleaseSecrets) {
      const clean = cleanRelease(release, secrets);
      await q(
        `INSERT INTO stagecraft_releases (project, environment, id, release) VALUES ($1, $2, $3, $4)
         ON CONFLICT (project, environment, id) DO UPDATE SET release = EXCLUDED.release,
           recorded_at = clock_timestamp()`,
        [o.project, environment, clean.id, JSON.stringify(clean)],
      );
    },
    async listReleases(environment) {
      const rows = await q<{ release: Release }>(
        `SELECT release FROM stagecraft_releases WHERE project = $1 AND environment = $2
         ORDER BY recorded_at DESC, id DESC`,
        [o.project, environment],
      );
      return rows.map((r) => r.release);
    },
    async postAnswer(id, answer) {
      await q(
        `INSERT INTO stagecraft_answers (deployment_id, decision_id, choice, answered_by)
         VALUES ($1, $2, $3, $4)`,
        [id, answer.decisionId, answer.choice, answer.by],
      );
    },
    async answersSince(id, afterSeq): Promise<RemoteAnswer[]> {
      const rows = await q<{
        seq: string;
        decision_id: string;
        choice: string;
        answered_by: string;
      }>(
        `SELECT seq, decision_id, choice, answered_by FROM stagecraft_answers
         WHERE deployment_id = $1 AND seq > $2 ORDER BY seq`,
        [id, afterSeq],
      );
      return rows.map((r) => ({
        seq: Number(r.seq),
        decisionId: r.decision_id,
        choice: r.choice,
        by: r.answered_by,
      }));
    },
    async close() {
      for (const lock of locks.values()) await lock.release();
      locks.clear();
      const c = client;
      client = undefined;
      connecting = undefined;
      await c?.end().catch(() => undefined);
    },
    async migrate(by) {
      return migrate(await connect(), by);
    },
    async importDeployment(meta, entries) {
      const c = await db();
      await c.query('BEGIN');
      try {
        const ins = await c.query(
          `INSERT INTO stagecraft_deployments (id, project, environment, started_at, status, meta)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id`,
          [
            meta.id,
            meta.project,
            meta.environment,
            meta.startedAt,
            meta.status,
            JSON.stringify(meta),
          ],
        );
        if (ins.rowCount === 0) {
          await c.query('ROLLBACK');
          return false;
        }
        const sorted = [...entries].sort((a, b) => a.seq - b.seq);
        for (let i = 0; i < sorted.length; i += 500) {
          const part = sorted.slice(i, i + 500);
          await c.query(
            `INSERT INTO stagecraft_journal (deployment_id, seq, at, type, entry)
             SELECT $1, x.seq, to_timestamp(x.ts / 1000.0), x.type, x.entry
             FROM jsonb_to_recordset($2::jsonb) AS x(seq integer, ts double precision, type text, entry jsonb)`,
            [
              meta.id,
              JSON.stringify(part.map((e) => ({ seq: e.seq, ts: e.ts, type: e.type, entry: e }))),
            ],
          );
        }
        await c.query('COMMIT');
        return true;
      } catch (error) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
    async importRelease(environment, release) {
      const rows = await q(
        `INSERT INTO stagecraft_releases (project, environment, id, recorded_at, release)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id`,
        [o.project, environment, release.id, release.at, JSON.stringify(release)],
      );
      return rows.length > 0;
    },
  };
}

/** The error of a database that cannot be reached, with the URL's password left out. */
function unreachable(where: string, error: unknown): StagecraftError {
  const why = error instanceof Error ? error.message : String(error);
  return new StagecraftError(
    'state-io',
    `cannot reach the state database ${where}: ${why}. Check STAGECRAFT_STATE_URL (or \`state.url\` in the config) and that the server is running`,
    { cause: error },
  );
}
