/**
 * `stagecraft state import`: two deployments made with the state directory are copied into a
 * fresh team database; `history`, `show` and `rollback` then read them from there, and a second
 * import copies nothing new. Needs PostgreSQL; `npm run build` first.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable, startPostgres, type PgCluster } from '../state/pg-harness.js';
import { runCli, writeProject, type Project } from './team-kit.js';

const available = postgresAvailable();
const title = available.ok
  ? '`state import` of a state directory'
  : `\`state import\` of a state directory (skipped: ${available.why})`;

describe.skipIf(!available.ok)(title, () => {
  let cluster: PgCluster;
  let project: Project | undefined;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    if (project !== undefined) await rm(project.dir, { recursive: true, force: true });
  }, 60_000);

  it('brings the history, the timelines and the releases into the database', async () => {
    const p = await writeProject('import', {
      stages: 1,
      sleepS: 0,
      service: () =>
        `  s1:\n    activate: 'echo up-$RELEASE >> marks/events'\n    rollback: 'echo down-$RELEASE >> marks/events'\n`,
      extra: "vars:\n  RELEASE: 'v1'\n",
    });
    project = p;
    const cli = (args: string[]) => [
      ...args,
      '-c',
      p.config,
      '-e',
      'local',
      '--state-dir',
      p.stateDir,
    ];
    const dirEnv = { STAGECRAFT_STATE_URL: '' };
    for (const release of ['v1', 'v2']) {
      const r = await runCli(cli(['deploy', '--yes', '--plain', '--var', `RELEASE=${release}`]), {
        cwd: p.dir,
        env: dirEnv,
      });
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
    // In the order they ran (two runs within one second have ids that sort by their random tail).
    const startedAt = (id: string): string =>
      (
        JSON.parse(readFileSync(join(p.stateDir, 'deployments', id, 'meta.json'), 'utf8')) as {
          startedAt: string;
        }
      ).startedAt;
    const ids = readdirSync(join(p.stateDir, 'deployments')).sort((a, b) =>
      startedAt(a).localeCompare(startedAt(b)),
    );
    expect(ids).toHaveLength(2);

    const url = await cluster.newDatabase();
    const env = { STAGECRAFT_STATE_URL: url };
    const migrated = await runCli(cli(['state', 'migrate']), { cwd: p.dir, env });
    expect(migrated.code, migrated.stderr).toBe(0);
    const imported = await runCli(cli(['state', 'import']), { cwd: p.dir, env });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(
      /imported .*: 2 deployments with \d+ journal entries, 2 releases/,
    );
    expect(imported.stdout).not.toContain(new URL(url).password);

    // Read from the database: another state directory, empty, must not matter.
    const elsewhere = (args: string[]) => [
      ...args,
      '-c',
      p.config,
      '-e',
      'local',
      '--state-dir',
      join(p.dir, 'elsewhere'),
    ];
    const history = await runCli(elsewhere(['history']), { cwd: p.dir, env });
    expect(history.code, history.stderr).toBe(0);
    for (const id of ids) expect(history.stdout).toContain(id);
    expect(history.stdout).toContain('v1');
    expect(history.stdout).toContain('v2');

    const [first, second] = ids;
    const show = await runCli(elsewhere(['show', second ?? '']), { cwd: p.dir, env });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(second);
    expect(show.stdout).toMatch(/s1/);

    const back = await runCli(elsewhere(['rollback', '--yes', '--plain']), { cwd: p.dir, env });
    expect(back.stdout + back.stderr).toContain(
      `back from v2 to v1 (release of deployment ${first})`,
    );
    expect(back.code, back.stdout + back.stderr).toBe(0);

    const again = await runCli(cli(['state', 'import']), { cwd: p.dir, env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(
      /: 0 deployments with 0 journal entries, 0 releases; 2 already there/,
    );
  }, 120_000);
});
