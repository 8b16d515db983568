/**
 * `resume` through the built CLI: takes over the dead deployment's lock, picks the latest
 * interrupted deployment without an id, tolerates a torn journal line, refuses a changed config
 * unless --force; and the stage deadline is re-armed from its absolute time.
 */
import { appendFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadPlan } from '../../src/cli/load-plan.js';
import { analyseJournal, resumeDeadlines } from '../../src/cli/engine/resume-analysis.js';
import { readSnapshot } from '../../src/state/meta.js';
import {
  crashProjects,
  journalOf,
  onlyDeployment,
  runCli,
  spawnCli,
  type CrashProject,
} from './crash-project.js';

const project = crashProjects();

/** Deploys and kills the orchestrator with SIGKILL once `b` is activating (a and web healthy). */
async function crashed(): Promise<{ p: CrashProject; id: string }> {
  const p = await project();
  const d = spawnCli(p.args('deploy', '--yes', '--json'));
  await d.waitFor(/"service":"b"[^}]*"state":"activating"/);
  d.child.kill('SIGKILL');
  await d.exited;
  return { p, id: await onlyDeployment(p.stateDir) };
}

describe('resume', () => {
  test('without an id it resumes the latest interrupted deployment, taking over its lock', async () => {
    const { p, id } = await crashed();
    const blocked = await runCli(['deploy', '--yes', '--plain', ...p.args()]);
    expect(blocked.code).toBe(4);
    expect(blocked.stderr).toMatch(new RegExp(`locked by deployment ${id}.*stale`));
    const r = await runCli(['resume', '--yes', '--plain', ...p.args()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`resuming ${id}`));
    expect(r.stdout).toMatch(/found healthy, not activated again: a, web/);
    expect(await p.count('a')).toBe(1);
    expect(await p.count('web')).toBe(1);
    expect(await readdir(join(p.stateDir, 'locks'))).toEqual([]);
    const h = JSON.parse((await runCli(['history', '--json', ...p.args()])).stdout) as {
      deployments: Array<{ id: string; result: string }>;
    };
    expect(h.deployments).toMatchObject([{ id, result: 'succeeded' }]);
    const again = await runCli(['resume', ...p.args()]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/no interrupted deployment/);
  });

  test('a torn last journal line is cut off and the resumed journal keeps every complete line', async () => {
    const { p, id } = await crashed();
    const before = await journalOf(p.stateDir, id);
    await appendFile(join(p.stateDir, 'deployments', id, 'journal.jsonl'), '{"type":"event","act');
    const r = await runCli(['resume', id, '--yes', '--plain', ...p.args()]);
    expect(r.code).toBe(0);
    const after = await journalOf(p.stateDir, id);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.find((e) => e.type === 'resume')).toMatchObject({
      tornTail: true,
      probedHealthy: ['a', 'web'],
    });
  });

  test('refuses with exit 2 when the config changed since the crash, and resumes with --force', async () => {
    const { p, id } = await crashed();
    await appendFile(join(p.dir, 'stagecraft.config.yaml'), '\n# changed after the crash\n');
    const refused = await runCli(['resume', id, '--yes', '--plain', ...p.args()]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/config changed since deployment .* --force/);
    const forced = await runCli(['resume', id, '--yes', '--plain', '--force', ...p.args()]);
    expect(forced.code).toBe(0);
  });

  test('the stage that was running is resumed with its journaled absolute deadline', async () => {
    const { p, id } = await crashed();
    const io = {
      stdout: { write: () => true },
      stderr: { write: () => true },
      env: process.env,
      cwd: p.dir,
    };
    const plan = await loadPlan({ config: p.dir, var: { WEB_PORT: String(p.port) } }, io);
    const entries = await journalOf(p.stateDir, id);
    const facts = analyseJournal(plan, entries);
    expect(facts.seenHealthy).toEqual(expect.arrayContaining(['a', 'web']));
    expect(facts.stagesFinished).toEqual(['stage-1']);
    const startedAt = facts.stageStarts['stage-2'] ?? 0;
    const timeout = plan.stages.find((s) => s.name === 'stage-2')?.timeoutMs ?? 0;
    expect(resumeDeadlines(facts)).toEqual({
      stage: 'stage-2',
      stageDeadline: startedAt + timeout,
    });
    // With the snapshot, the stage actor's own deadline is used; it is the same absolute time.
    const stamped = await readSnapshot(p.stateDir, id);
    const withSnapshot = analyseJournal(plan, entries, stamped?.snapshot);
    expect(withSnapshot.runningStage).toBe('stage-2');
    expect(Math.abs((withSnapshot.stageDeadline ?? 0) - (startedAt + timeout))).toBeLessThan(50);
  });
});
