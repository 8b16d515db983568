/**
 * The environment lock in PostgreSQL: a session-level advisory lock held on a connection of its
 * own (never a pooled one: a pool closes idle clients, and the lock silently goes with them), with
 * TCP keepalives, `tcp_user_timeout` and a heartbeat. The lock tells who is alive; the holder's
 * row (who, host, pid, command, since) is only read together with the lock it names, so a row a
 * dead holder left is never shown as a holder.
 *
 * Loss: if the heartbeat fails or the connection ends, the holder is told "lock lost" at once.
 * The timings keep the order the team relies on — the holder learns of the loss (heartbeat
 * interval + query timeout, ≤ 5 s) before the server frees the lock (keepalive idle + interval ×
 * count = 11 s, or `tcp_user_timeout` 15 s), so no second deployment starts while the first still
 * believes it holds the environment.
 */
import pg from 'pg';
import type { LockInfo } from '../locks.js';
import { LOCK_NAMESPACE } from './keys.js';

/** The lock connection's settings (see the module comment for why these values). */
export const LOCK_TIMING = {
  keepalivesIdleS: 5,
  keepalivesIntervalS: 2,
  keepalivesCount: 3,
  userTimeoutMs: 15_000,
  heartbeatMs: 2_000,
  queryTimeoutMs: 3_000,
  connectTimeoutMs: 10_000,
};

/** The server-side options every stagecraft connection sets. */
export function sessionOptions(): string {
  const t = LOCK_TIMING;
  return `-c tcp_keepalives_idle=${t.keepalivesIdleS} -c tcp_keepalives_interval=${t.keepalivesIntervalS} -c tcp_keepalives_count=${t.keepalivesCount} -c tcp_user_timeout=${t.userTimeoutMs}`;
}

/** `stagecraft:user@host pid=N`, cut to what the server keeps (63 bytes). */
export function applicationName(info: Pick<LockInfo, 'user' | 'host' | 'pid'>): string {
  return `stagecraft:${info.user}@${info.host} pid=${info.pid}`.slice(0, 63);
}

/** A held lock. */
export interface HeldLock {
  readonly environment: string;
  readonly deploymentId: string;
  /** Set once the lock is lost: why. */
  lost: string | undefined;
  onLost(listener: (why: string) => void): () => void;
  release(): Promise<void>;
  /** Drops the connection (the server frees the lock); for exit paths. */
  drop(): void;
}

/** Tries to take the lock; `undefined` when another session holds it. */
export async function tryLock(
  url: string,
  project: string,
  key: number,
  info: LockInfo,
): Promise<HeldLock | undefined> {
  const client = new pg.Client({
    connectionString: url,
    application_name: applicationName(info),
    options: sessionOptions(),
    query_timeout: LOCK_TIMING.queryTimeoutMs,
    connectionTimeoutMillis: LOCK_TIMING.connectTimeoutMs,
    keepAlive: true,
  });
  // A connection error after the lock is taken is a loss (handled below), never a crash.
  client.on('error', () => undefined);
  await client.connect();
  let ok = false;
  try {
    const r = await client.query<{ ok: boolean; pid: number }>(
      'SELECT pg_try_advisory_lock($1::int, $2::int) AS ok, pg_backend_pid() AS pid',
      [LOCK_NAMESPACE, key],
    );
    ok = r.rows[0]?.ok === true;
    if (!ok) return undefined;
    await client.query(
      `INSERT INTO stagecraft_lock_holders (project, environment, lock_key, backend_pid, holder)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (project, environment) DO UPDATE
         SET lock_key = EXCLUDED.lock_key, backend_pid = EXCLUDED.backend_pid,
             holder = EXCLUDED.holder, since = clock_timestamp()`,
      [project, info.environment, key, r.rows[0]?.pid, JSON.stringify(info)],
    );
  } catch (error) {
    ok = false;
    throw error;
  } finally {
    if (!ok) await client.end().catch(() => undefined);
  }
  return held(client, info);
}

function held(client: pg.Client, info: LockInfo): HeldLock {
  const listeners = new Set<(why: string) => void>();
  let released = false;
  const lock: HeldLock = {
    environment: info.environment,
    deploymentId: info.deploymentId,
    lost: undefined,
    onLost(listener) {
      if (lock.lost !== undefined) listener(lock.lost);
      else listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(beat);
      if (lock.lost === undefined)
        await client.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      await client.end().catch(() => undefined);
    },
    drop() {
      released = true;
      clearInterval(beat);
      const socket = (client as unknown as { connection?: { stream?: { destroy(): void } } })
        .connection?.stream;
      socket?.destroy();
    },
  };
  const lose = (why: string): void => {
    if (released || lock.lost !== undefined) return;
    lock.lost = why;
    clearInterval(beat);
    for (const l of listeners) l(why);
    listeners.clear();
    // Nothing more is sent on it: the server frees the lock when it notices the connection gone.
    lock.drop();
  };
  let beating = false;
  const beat = setInterval(() => {
    if (beating) return;
    beating = true;
    client
      .query('SELECT 1')
      .then(
        () => undefined,
        (error: unknown) =>
          lose(`the heartbeat of the lock's database connection failed (${describe(error)})`),
      )
      .finally(() => {
        beating = false;
      });
  }, LOCK_TIMING.heartbeatMs);
  beat.unref();
  client.on('end', () => lose("the lock's database connection closed"));
  client.on('error', (error) => lose(`the lock's database connection failed (${describe(error)})`));
  return lock;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
