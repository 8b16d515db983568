import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { copyExample, runCli, type ExampleProject } from './example-project.js';

const projects: ExampleProject[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((p) => p.cleanup()));
});

async function example(name: 'local-stack' | 'failing-stack'): Promise<ExampleProject> {
  const vars =
    name === 'local-stack' ? ['DB_PORT', 'API_PORT', 'WEB_PORT'] : ['DB_PORT', 'API_PORT'];
  const p = await copyExample(name, vars);
  projects.push(p);
  return p;
}

const jsonLines = (out: string): Array<Record<string, unknown>> =>
  out
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('deploy without a terminal', () => {
  test('deploys the local stack with --yes, leaves its services healthy and reports success', async () => {
    const p = await example('local-stack');
    const r = await runCli(['deploy', '-c', p.dir, '--yes', '--plain', ...p.vars]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/stage data: succeeded/);
    expect(r.stdout).toMatch(/stage edge: succeeded/);
    expect(r.stdout).toMatch(/succeeded(-with-warnings)? \(exit 0\)/);
    const status = await runCli(['status', '-c', p.dir, ...p.vars]);
    expect(status.stdout).toMatch(/web\s+healthy/);
    expect(status.code).toBe(0);
  });

  test('rolls the failing stack back in reverse order and exits 1', async () => {
    const p = await example('failing-stack');
    const r = await runCli(['deploy', '-c', p.dir, '--yes', '--json', ...p.vars]);
    const events = jsonLines(r.stdout);
    const last = events.at(-1);
    expect(last).toMatchObject({ type: 'deployment.finished', result: 'failed', exitCode: 1 });
    expect(r.code).toBe(1);
    const rolledBack = events
      .filter((e) => e.type === 'service.state' && e.state === 'rolled-back')
      .map((e) => e.service);
    expect(rolledBack).toEqual(['api', 'migrate', 'db']);
    for (const e of events) expect(e).toHaveProperty('ts');
    const status = await runCli(['status', '-c', p.dir, ...p.vars]);
    expect(status.code).toBe(1);
  });

  test('refuses to start without --yes when a stage needs confirmation and there is no terminal', async () => {
    const p = await example('local-stack');
    const r = await runCli(['deploy', '-c', p.dir, '--step', ...p.vars]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--yes/);
    await expect(readdir(join(p.dir, '.stagecraft', 'deployments'))).rejects.toThrow();
  });

  test('a dry run prints every action and the rollback paths and starts nothing', async () => {
    const p = await example('local-stack');
    const r = await runCli(['deploy', '-c', p.dir, '--dry-run', ...p.vars]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/would start process db: node db\.mjs/);
    expect(r.stdout).toMatch(/would run migrate\.activate: node migrate\.mjs/);
    expect(r.stdout).toMatch(/failure in stage edge: roll back web → worker → api → migrate → db/);
    await expect(readdir(join(p.dir, '.stagecraft', 'deployments'))).rejects.toThrow();
  });

  test('journals the deployment and releases the lock when it ends', async () => {
    const p = await example('local-stack');
    const r = await runCli(['deploy', '-c', p.dir, '--yes', '--plain', ...p.vars]);
    expect(r.code).toBe(0);
    const [id] = await readdir(join(p.dir, '.stagecraft', 'deployments'));
    const journal = await readFile(
      join(p.dir, '.stagecraft', 'deployments', id ?? '', 'journal.jsonl'),
      'utf8',
    );
    const facts = journal
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; seq: number });
    expect(facts[0]).toMatchObject({ type: 'run.started', seq: 1 });
    expect(facts.at(-2)).toMatchObject({ type: 'deployment.finished', result: 'succeeded' });
    expect(facts.at(-1)).toMatchObject({ type: 'run.closed', status: 'succeeded' });
    await expect(readdir(join(p.dir, '.stagecraft', 'locks'))).resolves.toEqual([]);
  });

  test('down stops every process service the deployment started', async () => {
    const p = await example('local-stack');
    expect((await runCli(['deploy', '-c', p.dir, '--yes', '--plain', ...p.vars])).code).toBe(0);
    const down = await runCli(['down', '-c', p.dir, '--yes', ...p.vars]);
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/web: stopped/);
    expect(down.stdout).toMatch(/db: stopped/);
    const status = await runCli(['status', '-c', p.dir, ...p.vars]);
    expect(status.code).toBe(1);
  });
});
