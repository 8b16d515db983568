/**
 * A lock holder cut off by a network partition (no FIN or RST reaches the server): the built CLI
 * deploys from the holder's network namespace against a cluster in another one, and the link is
 * cut at the switch while an activation runs. The holder must report the lost lock before the
 * server frees it, start nothing after that, and stop with result aborted (exit 130). Production
 * lock timings: the holder knows within heartbeat + query timeout (≤ 5 s), the server frees the
 * lock after its keepalives or tcp_user_timeout (about 11-15 s). Needs root (namespaces) and
 * PostgreSQL; `npm run build` first.
 */
import { readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockKey, LOCK_NAMESPACE } from '../../src/state/pg/keys.js';
import {
  namespacesAvailable,
  startPartitionedPostgres,
  type PartitionedPg,
} from '../state/pg-harness.js';
import { runCli, startCli, until, writeProject, type Project } from './team-kit.js';

const available = namespacesAvailable();
const title = available.ok
  ? 'a partitioned lock holder'
  : `a partitioned lock holder (skipped: ${available.why})`;

describe.skipIf(!available.ok)(title, () => {
  let cluster: PartitionedPg;
  let project: Project;

  beforeAll(async () => {
    cluster = await startPartitionedPostgres();
    project = await writeProject('partition', { stages: 8, sleepS: 2 });
  }, 60_000);

  afterAll(async () => {
    await cluster?.stop();
    if (project !== undefined) await rm(project.dir, { recursive: true, force: true });
  }, 60_000);

  it('reports the lost lock before the server frees it, and starts nothing after', async () => {
    const env = { STAGECRAFT_STATE_URL: cluster.url };
    const cli = (args: string[]) => [...args, '-c', project.config, '-e', 'local'];
    const migrated = await runCli(cli(['state', 'migrate']), {
      cwd: project.dir,
      env,
      prefix: cluster.holderPrefix,
    });
    expect(migrated.stderr).toBe('');
    expect(migrated.code).toBe(0);

    const holder = startCli(cli(['deploy', '--yes', '--plain', '--state-dir', project.stateDir]), {
      cwd: project.dir,
      env,
      prefix: cluster.holderPrefix,
    });
    const killer = setTimeout(() => holder.child.kill('SIGKILL'), 75_000);
    try {
      const key = lockKey('partition', 'local');
      const held = async (): Promise<boolean> =>
        (
          await cluster.query(
            `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
               AND classid = $1::int::oid AND objid = $2::int::oid AND objsubid = 2`,
            [LOCK_NAMESPACE, key],
          )
        ).length > 0;

      // Mid-run: the journal in the database says an activation started.
      await until(
        'an activation in the journal',
        async () =>
          (
            await cluster.query(
              `SELECT 1 FROM stagecraft_journal WHERE type = 'service.state'
                 AND entry->>'state' = 'activating' LIMIT 1`,
            )
          ).length > 0 || undefined,
        20_000,
      );
      expect(await held()).toBe(true);
      await cluster.cut();
      const cutAt = Date.now();

      // The observer, beside the server: when does the lock become free?
      const freedAt = until(
        'the lock to be free',
        async () => ((await held()) ? undefined : Date.now()),
        30_000,
        100,
      );
      const lost = await holder.line(/the environment lock was lost/, 20_000);
      const exit = await holder.exited;
      const freed = await freedAt;
      // For a failure message: each line with its arrival, relative to the cut.
      const timeline = `lock free at +${freed - cutAt} ms; output:\n${holder.lines.map((l) => `+${l.at - cutAt} ${l.text}`).join('\n')}`;

      expect(lost.at, timeline).toBeGreaterThan(cutAt);
      expect(lost.at, timeline).toBeLessThan(freed);
      expect(exit.code, timeline).toBe(130);
      expect(holder.text(), timeline).toMatch(
        /^aborted \(exit 130\) — the environment lock was lost/m,
      );

      // Nothing started after the loss: every marker is older than the report.
      const started = readdirSync(project.marks).map((f) => ({
        f,
        at: statSync(join(project.marks, f)).mtimeMs,
      }));
      expect(started.length).toBeGreaterThan(0);
      expect(started.length).toBeLessThan(8);
      for (const s of started) expect(s.at, s.f).toBeLessThan(lost.at);
      const logs = readdirSync(project.stateDir, { recursive: true, encoding: 'utf8' })
        .filter((p) => p.endsWith('.activate.log'))
        .map((p) => ({ p, at: statSync(join(project.stateDir, p)).birthtimeMs }));
      expect(logs.length).toBe(started.length);
      for (const l of logs) expect(l.at, l.p).toBeLessThan(lost.at);
    } finally {
      clearTimeout(killer);
      holder.child.kill('SIGKILL');
    }
  }, 100_000);
});
