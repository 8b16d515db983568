/**
 * `stagecraft decide` from a second process answers the pending prompt of a deployment that runs
 * in a real terminal (tmux), against the team state database: the listing names the valid
 * choices, a bogus one is refused, a valid one is taken as a key press would be and journaled with
 * who answered; the terminal shows it; a second answer is refused with the current state. Needs
 * PostgreSQL and tmux; `npm run build` first.
 */
import { rm } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable, startPostgres, type PgCluster } from '../state/pg-harness.js';
import { Terminal, bin } from '../ui/tmux-kit.js';
import { runCli, until, writeProject } from './team-kit.js';

const available = postgresAvailable();
const title = available.ok
  ? '`decide` from another terminal'
  : `\`decide\` from another terminal (skipped: ${available.why})`;

/** Rows of `sql` in the database at `url`. */
async function rows(url: string, sql: string, params: unknown[] = []) {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return (await c.query<Record<string, unknown>>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(!available.ok)(title, () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  it('answers a pending prompt, journals who answered, and refuses what is no longer valid', async () => {
    const url = await cluster.newDatabase();
    const project = await writeProject('decide', {
      stages: 2,
      sleepS: 0,
      service: (n) =>
        n === 1
          ? `  s1:\n    activate: 'touch marks/s1.started'\n    rollback: 'touch marks/s1.rolledback'\n`
          : `  s2:\n    dependsOn: [s1]\n    activate: 'touch marks/s2.started; exit 1'\n`,
      extra: 'policy:\n  onFailure: ask\n  retries: 0\n  decisionTimeout: 5m\n',
    });
    cleanups.push(() => rm(project.dir, { recursive: true, force: true }));
    const env = { STAGECRAFT_STATE_URL: url };
    const cli = (args: string[]) => [...args, '-c', project.config, '-e', 'local'];
    const migrated = await runCli(cli(['state', 'migrate']), { cwd: project.dir, env });
    expect(migrated.code, migrated.stderr).toBe(0);

    const term = new Terminal(
      project.dir,
      `STAGECRAFT_STATE_URL='${url}' node ${bin} ${cli(['deploy', '--state-dir', project.stateDir]).join(' ')}`,
    );
    cleanups.push(() => term.kill());
    const id = await until(
      'the deployment in the database',
      async () =>
        (await rows(url, 'SELECT id FROM stagecraft_deployments'))[0]?.['id'] as string | undefined,
      20_000,
    );
    await until(
      'the pending decision',
      async () =>
        (
          await rows(
            url,
            "SELECT 1 FROM stagecraft_journal WHERE deployment_id = $1 AND type = 'decision.requested'",
            [id],
          )
        ).length > 0 || undefined,
      30_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; screen:\n${term.screen()}`);
    });
    const asked = await term.waitFor(/Failure: s2/, 10_000);

    const listed = await runCli(cli(['decide', id]), { cwd: project.dir, env });
    expect(listed.code, listed.stderr).toBe(0);
    const choices = /choices: ([^(]+)\(/.exec(listed.stdout)?.[1]?.trim().split(', ') ?? [];
    expect(choices, listed.stdout).toContain('rollback');
    expect(listed.stdout).toContain(`deployment ${id} asks:`);

    const bogus = await runCli(cli(['decide', id, 'bogus']), { cwd: project.dir, env });
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain('"bogus" is not a choice');
    for (const c of choices) expect(bogus.stderr).toContain(c);

    const taken = await runCli(cli(['decide', id, 'rollback']), { cwd: project.dir, env });
    expect(taken.code, taken.stderr).toBe(0);
    expect(taken.stdout).toMatch(
      new RegExp(`deployment ${id} took rollback \\(answered by .+@.+ \\(decide\\)\\)`),
    );

    // The terminal took it as the key press would have been: the prompt is gone, the run rolls back.
    const screen = await until(
      'the terminal to leave the prompt and roll back',
      () => {
        const text = term.history();
        return Promise.resolve(
          /rolled-back/.test(term.screen()) && !term.screen().includes('Failure: s2')
            ? text
            : undefined,
        );
      },
      15_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; screen:\n${term.history()}`);
    });
    expect(screen, asked).toMatch(/rolled-back/);
    // …and says who answered it, and from where.
    expect(screen).toMatch(/s2: rollback, answered by .+@.+ \(decide\)/);
    const [fact] = await rows(
      url,
      "SELECT entry FROM stagecraft_journal WHERE deployment_id = $1 AND type = 'decision.taken'",
      [id],
    );
    const entry = fact?.['entry'] as { by?: string; choice?: string } | undefined;
    expect(entry?.choice).toBe('rollback');
    expect(entry?.by).toMatch(/^.+@.+ \(decide\)$/);

    const again = await runCli(cli(['decide', id, 'rollback']), { cwd: project.dir, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(
      /cannot answer deployment .*: (it has no pending decision|it is not running)/,
    );
    expect(again.stderr).toMatch(/Now: \w+, phase \w+/);
    expect(await term.exitCode(30_000)).not.toBe(0);
  }, 120_000);

  it('is a usage error with the state directory', async () => {
    const project = await writeProject('decide-dir', { stages: 1, sleepS: 0 });
    cleanups.push(() => rm(project.dir, { recursive: true, force: true }));
    const r = await runCli(
      [
        'decide',
        'some-id',
        'rollback',
        '-c',
        project.config,
        '-e',
        'local',
        '--state-dir',
        project.stateDir,
      ],
      { cwd: project.dir, env: { STAGECRAFT_STATE_URL: '' } },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('STAGECRAFT_STATE_URL');
  }, 30_000);
});
