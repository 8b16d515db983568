import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ROOT, makeProject, removeProject, runBuilt } from './helpers.js';

let dir: string | undefined;
afterEach(async () => {
  await removeProject(dir);
  dir = undefined;
});

const FIXTURE = 'test/fixtures/what-if';

describe('stagecraft plan --fail', () => {
  test('prints the states entered, the prompt with its choices and default, where each choice leads, and the rollback order with the variables it runs with', async () => {
    const r = await runBuilt(['plan', '-c', FIXTURE, '--fail', 'api', '--when', 'health']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toContain('what if api fails at health');
    expect(out).toMatch(/activating\.running\.deciding → rollingBack → done → finished/);
    expect(out).toContain(
      'prompt (failure on api): retry | skip | rollback | abort (default rollback)',
    );
    expect(out).toContain('rollback (scope all), in order: api → db');
    expect(out.indexOf('api.rollback with release previous')).toBeLessThan(
      out.indexOf('db.rollback with release previous'),
    );
    expect(out).toMatch(/ {6}skip\n {8}states: .*verifying.*\n {8}result: succeeded-with-warnings/);
    expect(out).toMatch(/ {6}abort\n {8}states: done → finished\n {8}result: aborted/);
    expect(out).toContain('rollback (the path above) [default]');
  });

  test('--when rollback shows the rollback step failing and its own prompt', async () => {
    const r = await runBuilt(['plan', '-c', FIXTURE, '--fail', 'api', '--when', 'rollback']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('run api.rollback: fails (simulated, exit 1)');
    expect(r.stdout).toContain(
      'prompt (rollback-step on api): retry | mark-resolved | abort (default abort)',
    );
    expect(r.stdout).toContain('db: not-attempted');
    expect(r.stdout).toMatch(/^result: rollback-incomplete/m);
  });

  test('--format svg draws the deployment statechart with the path and the prompt as a note; -o writes it', async () => {
    dir = await makeProject({});
    const file = join(dir, 'what-if.svg');
    const r = await runBuilt([
      'plan',
      '-c',
      FIXTURE,
      '--fail',
      'api',
      '--when',
      'health',
      '-o',
      file,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const svg = await readFile(file, 'utf8');
    expect(svg).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<\/svg>\s*$/);
    expect(svg).toContain('stroke="#c2410c"');
    expect(svg).toContain('asks retry | skip | rollback | abort (default rollback) → rollback');
    expect(svg).toContain('rolls back api → db');
  });

  test('--format html is one page with the picture and the path as a list', async () => {
    const r = await runBuilt(['plan', '-c', FIXTURE, '--fail', 'api', '--format', 'html']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<!DOCTYPE html>/);
    expect(r.stdout).toContain('<svg');
    expect(r.stdout).toContain('<li>what if api fails at activating');
  });

  test('an unknown service, point or format is a usage error naming the valid ones', async () => {
    const bad = await runBuilt(['plan', '-c', FIXTURE, '--fail', 'web']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('no service "web" in this plan; valid: db, api');
    const when = await runBuilt(['plan', '-c', FIXTURE, '--fail', 'api', '--when', 'boot']);
    expect(when.code).toBe(2);
    expect(when.stderr).toContain('--when must be one of activating, health, verify, rollback');
    const fmt = await runBuilt(['plan', '-c', FIXTURE, '--fail', 'api', '--format', 'png']);
    expect(fmt.code).toBe(2);
    expect(fmt.stderr).toContain('--format must be one of text, svg, html');
    const json = await runBuilt(['plan', '-c', FIXTURE, '--fail', 'api', '--json']);
    expect(json.code).toBe(2);
    expect(json.stderr).toContain('--json does not go with --fail');
    const alone = await runBuilt(['plan', '-c', FIXTURE, '--when', 'health']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--when, --format and -o go with --fail SERVICE');
  });

  test('the committed what-if of examples/local-stack (text in the README, and its picture) is what plan --fail prints and draws (npm run docs)', async () => {
    dir = await makeProject({});
    const args = ['plan', '-c', 'examples/local-stack', '--fail', 'api', '--when', 'health'];
    const state = ['--state-dir', join(dir, 'empty-state')];
    const text = await runBuilt([...args, ...state]);
    expect(text.code).toBe(0);
    const diagrams = join(ROOT, 'docs', 'diagrams');
    expect(await readFile(join(diagrams, 'what-if-api-health.txt'), 'utf8')).toBe(text.stdout);
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(text.stdout.trimEnd());
    const svg = join(dir, 'what-if.svg');
    expect((await runBuilt([...args, ...state, '-o', svg])).code).toBe(0);
    expect(await readFile(join(diagrams, 'what-if-api-health.svg'), 'utf8')).toBe(
      await readFile(svg, 'utf8'),
    );
  });
});
