/**
 * The team store's durability, end to end on the built CLI against a real PostgreSQL: two
 * deploys of one environment at the same instant (20 times) — exactly one proceeds, the other
 * exits 4 naming the holder; kill -9 of a holder frees the lock within a second, and `resume` from
 * a second process with another state directory (another machine's view) finishes the deployment
 * from the shared journal without re-running the activations journaled as done.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lockKey } from '../../src/state/pg/keys.js';
import { BIN, ROOT } from '../cli/helpers.js';
import { crashProjects, runCli, spawnCli } from '../durability/crash-project.js';
import { postgresAvailable, startPostgres, type PgCluster } from '../state/pg-harness.js';

const pgCheck = postgresAvailable();

/** `history --json`. */
type Listed = { deployments: Array<{ id: string; result: string }> };
let cluster: PgCluster | undefined;
const dirs: string[] = [];

beforeAll(async () => {
  if (pgCheck.ok) cluster = await startPostgres();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function migrated(): Promise<string> {
  if (cluster === undefined) throw new Error('no cluster');
  const url = await cluster.newDatabase();
  const r = await runCli(['state', 'migrate'], { env: { STAGECRAFT_STATE_URL: url } });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/from schema version 0 to 1/);
  expect(r.stdout + r.stderr).not.toContain(new URL(url).password);
  return url;
}

async function rows<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

function run(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, CI: 'true', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(!pgCheck.ok)(
  `the team store on the built CLI${pgCheck.ok ? '' : ` (skipped: ${pgCheck.why})`}`,
  () => {
    const newProject = crashProjects();

    test('two deploys of one environment started at the same instant, 20 times: exactly one proceeds, the other exits 4 naming the holder', async () => {
      const url = await migrated();
      const dir = await mkdtemp(join(tmpdir(), 'sc-team-race-'));
      dirs.push(dir);
      await writeFile(
        join(dir, 'stagecraft.config.yaml'),
        "name: race\nservices:\n  api:\n    activate: 'sleep 1'\n",
      );
      const env = { STAGECRAFT_STATE_URL: url };
      const password = new URL(url).password;
      for (let i = 0; i < 20; i += 1) {
        const both = await Promise.all([
          run(['deploy', '--yes', '--plain', '-c', dir, '--state-dir', join(dir, 'a')], env),
          run(['deploy', '--yes', '--plain', '-c', dir, '--state-dir', join(dir, 'b')], env),
        ]);
        const codes = both.map((r) => r.code).sort();
        expect(codes, both.map((r) => r.stderr).join('\n')).toEqual([0, 4]);
        const loser = both.find((r) => r.code === 4);
        expect(loser?.stderr).toMatch(
          /environment default is locked by deployment \d{8}-\d{6}-[0-9a-f]{4} by \S+@\S+ \(pid \d+\) since \S+: deploy --yes --plain/,
        );
        for (const r of both) expect(r.stdout + r.stderr).not.toContain(password);
      }
      const history = await run(['history', '--json', '-n', '100', '-c', dir], env);
      const listed = JSON.parse(history.stdout) as { deployments: Array<{ result: string }> };
      // Every winner is in the one shared history, whichever state directory it ran with.
      expect(listed.deployments.filter((d) => d.result === 'succeeded')).toHaveLength(20);
    }, 180_000);

    test("the config's state.url selects the database, and its password appears in no output, record or file", async () => {
      const url = await migrated();
      const password = new URL(url).password;
      const dir = await mkdtemp(join(tmpdir(), 'sc-team-url-'));
      dirs.push(dir);
      await writeFile(
        join(dir, 'stagecraft.config.yaml'),
        `name: by-config\nstate:\n  url: ${url}\nservices:\n  api:\n    activate: 'echo url is $STAGECRAFT_STATE_URL'\n`,
      );
      const outputs: string[] = [];
      for (const args of [
        ['deploy', '--yes', '--json'],
        ['history', '--json'],
        ['plan', '--json'],
        ['validate'],
      ]) {
        const r = await run([...args, '-c', dir], { STAGECRAFT_STATE_URL: '' });
        expect(r.code, r.stderr).toBe(0);
        outputs.push(r.stdout, r.stderr);
      }
      const listed = JSON.parse(outputs[2] ?? '{}') as Listed;
      expect(listed.deployments).toHaveLength(1);
      const id = listed.deployments[0]?.id;
      const shown = await run(['show', id ?? '', '-c', dir], {});
      outputs.push(shown.stdout, shown.stderr);
      for (const o of outputs) expect(o).not.toContain(password);
      // Nothing in the database's rows, nor in the files left beside the config.
      const dump = await rows<{ t: string }>(
        url,
        `SELECT (SELECT json_agg(d)::text FROM stagecraft_deployments d) || (SELECT json_agg(j)::text FROM stagecraft_journal j) || coalesce((SELECT json_agg(r)::text FROM stagecraft_releases r), '') || (SELECT json_agg(h)::text FROM stagecraft_lock_holders h) AS t`,
      );
      expect(dump[0]?.t.length).toBeGreaterThan(100);
      expect(dump[0]?.t).not.toContain(password);
      const files = spawnSync('grep', ['-rl', password, join(dir, '.stagecraft')], {
        encoding: 'utf8',
      });
      expect(files.stdout).toBe('');
    }, 60_000);

    test('kill -9 of a holder frees the lock within a second; resume from another process and state directory finishes without re-running completed activations', async () => {
      const url = await migrated();
      const env = { STAGECRAFT_STATE_URL: url };
      const p = await newProject();
      const d = spawnCli(p.args('deploy', '--yes', '--json'), env);
      await d.waitFor(/run\.started/);
      const id = /"deploymentId":"([^"]+)"/.exec(d.stdout())?.[1];
      expect(id).toBeDefined();
      // Killed once two activations are journaled as done (in the database).
      const deadline = Date.now() + 30_000;
      let activated: string[] = [];
      while (Date.now() < deadline) {
        activated = (
          await rows<{ s: string }>(
            url,
            "SELECT entry->>'service' AS s FROM stagecraft_journal WHERE deployment_id = $1 AND type = 'service.activated' ORDER BY seq",
            [id],
          )
        ).map((r) => r.s);
        if (activated.length >= 2) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(activated.length, d.stdout().slice(-1500) + d.stderr()).toBeGreaterThanOrEqual(2);
      const observer = new pg.Client({ connectionString: url });
      await observer.connect();
      let freedAfterMs = Number.POSITIVE_INFINITY;
      try {
        const key = lockKey('crash-stack', 'default');
        const killedAt = Date.now();
        d.child.kill('SIGKILL');
        for (let i = 0; i < 300; i += 1) {
          const r = await observer.query<{ ok: boolean }>(
            'SELECT pg_try_advisory_lock($1::int, $2::int) AS ok',
            [0x53544347, key],
          );
          if (r.rows[0]?.ok === true) {
            freedAfterMs = Date.now() - killedAt;
            await observer.query('SELECT pg_advisory_unlock_all()');
            break;
          }
          await new Promise((res) => setTimeout(res, 10));
        }
      } finally {
        await observer.end();
      }
      await d.exited;
      expect(freedAfterMs).toBeLessThan(1000);
      await mkdir(join(ROOT, 'test', '.tmp'), { recursive: true });
      await writeFile(
        join(ROOT, 'test', '.tmp', 'team-lock-figures.json'),
        `${JSON.stringify({ lockFreedAfterKillMs: freedAfterMs })}\n`,
      );

      const listed = await run(['history', '--json', ...p.args()], env);
      expect((JSON.parse(listed.stdout) as Listed).deployments[0]).toMatchObject({
        id,
        result: 'interrupted',
      });
      // Another machine: another state directory, the same database.
      const elsewhere = await mkdtemp(join(tmpdir(), 'sc-team-elsewhere-'));
      dirs.push(elsewhere);
      const r = await runCli(
        ['resume', id ?? '', '--yes', '--json', '--state-dir', elsewhere, ...p.args()],
        {
          env,
          timeoutMs: 60_000,
        },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/resume\.planned/);
      for (const s of activated.filter((s) => s !== 'web')) expect(await p.count(s)).toBe(1);
      for (const s of ['a', 'b', 'c']) expect(await p.count(s)).toBeGreaterThanOrEqual(1);
      const after = await run(['history', '--json', ...p.args()], env);
      expect((JSON.parse(after.stdout) as Listed).deployments[0]).toMatchObject({
        id,
        result: 'succeeded',
      });
      // The journal continued in the same rows: resume's facts follow the killed run's.
      const types = await rows<{ type: string }>(
        url,
        'SELECT type FROM stagecraft_journal WHERE deployment_id = $1 ORDER BY seq',
        [id],
      );
      expect(types.map((t) => t.type)).toContain('resume.planned');
      expect(types.at(-1)?.type).toBe('run.closed');
    }, 120_000);
  },
);
