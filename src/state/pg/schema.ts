/**
 * The team store's schema: versioned migrations applied in order inside one transaction, each
 * recorded in `stagecraft_schema`. `stagecraft state migrate` applies what is missing (two at
 * once serialise on a transaction lock; the second finds nothing left to do); every other command
 * checks the version first and refuses a database older or newer than this stagecraft knows.
 */
import type pg from 'pg';
import { StagecraftError } from '../../core/errors.js';
import { LOCK_NAMESPACE } from './keys.js';

/** One migration: the statements that take the schema from `version - 1` to `version`. */
interface Migration {
  version: number;
  what: string;
  sql: string;
}

const migrations: readonly Migration[] = [
  {
    version: 1,
    what: 'deployments, an append-only journal, releases, lock holders, remote answers',
    sql: `
CREATE TABLE stagecraft_deployments (
  id text PRIMARY KEY,
  project text NOT NULL,
  environment text NOT NULL,
  started_at timestamptz NOT NULL,
  status text NOT NULL,
  meta jsonb NOT NULL
);
CREATE INDEX stagecraft_deployments_by_env
  ON stagecraft_deployments (project, environment, started_at DESC, id DESC);

CREATE TABLE stagecraft_journal (
  deployment_id text NOT NULL REFERENCES stagecraft_deployments (id),
  seq integer NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  type text NOT NULL,
  entry jsonb NOT NULL,
  PRIMARY KEY (deployment_id, seq)
);
CREATE FUNCTION stagecraft_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'the stagecraft journal is append-only (% refused)', TG_OP; END $$;
CREATE TRIGGER stagecraft_journal_no_update BEFORE UPDATE OR DELETE ON stagecraft_journal
  FOR EACH ROW EXECUTE FUNCTION stagecraft_journal_append_only();
CREATE TRIGGER stagecraft_journal_no_truncate BEFORE TRUNCATE ON stagecraft_journal
  FOR EACH STATEMENT EXECUTE FUNCTION stagecraft_journal_append_only();

CREATE TABLE stagecraft_releases (
  project text NOT NULL,
  environment text NOT NULL,
  id text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  release jsonb NOT NULL,
  PRIMARY KEY (project, environment, id)
);

CREATE TABLE stagecraft_lock_holders (
  project text NOT NULL,
  environment text NOT NULL,
  lock_key integer NOT NULL,
  backend_pid integer NOT NULL,
  holder jsonb NOT NULL,
  since timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (project, environment)
);

CREATE TABLE stagecraft_answers (
  seq bigserial PRIMARY KEY,
  deployment_id text NOT NULL REFERENCES stagecraft_deployments (id),
  decision_id text NOT NULL,
  choice text NOT NULL,
  answered_by text NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX stagecraft_answers_by_deployment ON stagecraft_answers (deployment_id, seq);
`,
  },
];

/** The schema version this stagecraft reads and writes. */
const SCHEMA_VERSION = migrations.at(-1)?.version ?? 0;

const VERSION_TABLE = `CREATE TABLE IF NOT EXISTS stagecraft_schema (
  version integer PRIMARY KEY,
  what text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  applied_by text NOT NULL
)`;

/** The database's schema version: 0 when it has none. */
async function schemaVersion(client: pg.ClientBase): Promise<number> {
  const exists = await client.query<{ t: string | null }>(
    "SELECT to_regclass('stagecraft_schema')::text AS t",
  );
  if (exists.rows[0]?.t === null || exists.rows[0]?.t === undefined) return 0;
  const r = await client.query<{ v: number | null }>(
    'SELECT max(version) AS v FROM stagecraft_schema',
  );
  return r.rows[0]?.v ?? 0;
}

/** What `state migrate` did. */
export interface Migrated {
  from: number;
  to: number;
  applied: Array<{ version: number; what: string }>;
}

/**
 * Applies the missing migrations in order, in one transaction, under a transaction-level advisory
 * lock (a concurrent `migrate` waits, then finds them applied). A newer schema is refused.
 */
export async function migrate(client: pg.ClientBase, by: string): Promise<Migrated> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::int, 0)', [LOCK_NAMESPACE]);
    await client.query(VERSION_TABLE);
    const from = await schemaVersion(client);
    if (from > SCHEMA_VERSION) throw newerSchema(from);
    const applied: Migrated['applied'] = [];
    for (const m of migrations) {
      if (m.version <= from) continue;
      await client.query(m.sql);
      await client.query(
        'INSERT INTO stagecraft_schema (version, what, applied_by) VALUES ($1, $2, $3)',
        [m.version, m.what, by],
      );
      applied.push({ version: m.version, what: m.what });
    }
    await client.query('COMMIT');
    return { from, to: Math.max(from, SCHEMA_VERSION), applied };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function newerSchema(found: number): StagecraftError {
  return new StagecraftError(
    'state-format',
    `the state database has schema version ${found}, newer than this stagecraft knows (${SCHEMA_VERSION}): upgrade stagecraft to use it`,
  );
}

/** Refuses a database whose schema is not exactly the one this stagecraft knows. */
export async function checkSchema(client: pg.ClientBase, where: string): Promise<void> {
  const found = await schemaVersion(client);
  if (found === SCHEMA_VERSION) return;
  if (found > SCHEMA_VERSION) throw newerSchema(found);
  throw new StagecraftError(
    'state-format',
    found === 0
      ? `the state database ${where} has no stagecraft schema yet: run \`stagecraft state migrate\` once to create it`
      : `the state database ${where} has schema version ${found}, older than this stagecraft's (${SCHEMA_VERSION}): run \`stagecraft state migrate\` to upgrade it`,
  );
}
