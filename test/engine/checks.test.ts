/**
 * Checks that pass are reported like those that fail: every readiness, performance, stage-verify
 * and integration check of the local stack has its verdict and measured value in `--plain`, in
 * `--json`, in the journal and in `show`. Runs the built CLI on a copy of examples/local-stack.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { copyExample, runCli, type ExampleProject } from './example-project.js';

const projects: ExampleProject[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((p) => p.cleanup()));
});

async function localStack(): Promise<ExampleProject> {
  const p = await copyExample('local-stack', ['DB_PORT', 'API_PORT', 'WEB_PORT']);
  projects.push(p);
  return p;
}

const jsonLines = (out: string): Array<Record<string, unknown>> =>
  out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** The passing checks of a local-stack deployment, as `--plain` and `show` word them. */
const passing = [
  /✓ readiness api http GET http:\/\/127\.0\.0\.1:\d+\/ready: passed 1\/1 \(last: 200 OK\)/,
  /✓ readiness api performance: p95 \d+ ms ≤ 200 ms \(20 samples\)/,
  /✓ integration integration-1: 200 OK/,
  /✓ readiness p95: p95 \d+ ms ≤ 300 ms \(20 samples\)/,
  /✓ readiness runbook: \S+RUNBOOK\.md exists/,
];

describe('passing checks are shown and journaled', { timeout: 120_000 }, () => {
  test('--plain prints each check verdict with its measured value; the journal has each as a check fact; show lists them', async () => {
    const p = await localStack();
    const r = await runCli(['deploy', '-c', p.dir, '--yes', '--plain', ...p.vars]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const line of passing) expect(r.stdout).toMatch(line);
    expect(r.stdout).toMatch(/✓ stage app verify verify-1: 200 OK/);

    const [id, ...more] = await readdir(join(p.dir, '.stagecraft', 'deployments'));
    expect(more).toEqual([]);
    if (id === undefined) throw new Error('no deployment recorded');
    const journal = await readFile(
      join(p.dir, '.stagecraft', 'deployments', id, 'journal.jsonl'),
      'utf8',
    );
    const checks = jsonLines(journal).filter((f) => f['type'] === 'check');
    expect(checks).toContainEqual(
      expect.objectContaining({
        phase: 'readiness',
        service: 'api',
        name: 'performance',
        ok: true,
        detail: expect.stringMatching(/^p95 \d+ ms ≤ 200 ms \(20 samples\)$/) as unknown,
      }),
    );
    expect(checks).toContainEqual(
      expect.objectContaining({ phase: 'readiness', service: 'api', ok: true }),
    );
    expect(checks.filter((c) => c['ok'] === true)).toHaveLength(6);

    const show = await runCli(['show', id, '-c', p.dir, ...p.vars]);
    expect(show.code).toBe(0);
    for (const line of passing) expect(show.stdout).toMatch(line);
  });

  test('--json has a check event for each of them, with its verdict and measured value', async () => {
    const p = await localStack();
    const r = await runCli(['deploy', '-c', p.dir, '--yes', '--json', ...p.vars]);
    expect(r.code).toBe(0);
    const checks = jsonLines(r.stdout).filter((e) => e['type'] === 'check');
    const shown = checks.map(
      (c) =>
        `${c['ok'] === true ? '✓' : '✗'} ${String(c['phase'])}${typeof c['service'] === 'string' ? ` ${c['service']}` : ''} ${String(c['name'])}: ${String(c['detail'])}`,
    );
    for (const line of passing) expect(shown.some((s) => line.test(s))).toBe(true);
    expect(
      checks.every((c) => typeof c['ts'] === 'string' && c['deploymentId'] !== undefined),
    ).toBe(true);
  });
});
