import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { makeProject, removeProject, runBuilt } from './helpers.js';

let dir: string | undefined;
afterEach(async () => {
  await removeProject(dir);
  dir = undefined;
});

const CONFIG = `name: shown
vars: { RELEASE: '2026.12.03' }
services:
  db:
    activate: 'true'
    rollback: 'true'
  api:
    dependsOn: [db]
    activate: 'true'
    health: { command: 'true', interval: 1s, timeout: 1s, retries: 2 }
`;

describe('stagecraft show <id> --format svg|html', () => {
  test('after a real deployment, draws the plan and the statechart with the path it took and the time in each state', async () => {
    dir = await makeProject({ 'stagecraft.config.yaml': CONFIG });
    const state = join(dir, 'state');
    const deployed = await runBuilt(['deploy', '--yes', '--plain', '--state-dir', state], {
      cwd: dir,
    });
    expect(deployed.code).toBe(0);
    const [id] = await readdir(join(state, 'deployments'));
    expect(id).toBeDefined();
    const file = join(dir, 'path.svg');
    const r = await runBuilt(
      ['show', id ?? '', '--state-dir', state, '--format', 'svg', '-o', file],
      {
        cwd: dir,
      },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const svg = await readFile(file, 'utf8');
    expect(svg.match(/<svg/g)?.length).toBe(3); // the stack, the plan, the statechart
    expect(svg).toContain('rollback order'); // the plan
    expect(svg).toContain('data-marked="true"'); // the path
    // The states it went through carry their time; the rollback it never entered does not.
    expect(svg).toMatch(/>recording<\/text>\s*<text class="note"[^>]*>\d+\.\d+s<\/text>/);
    expect(svg).not.toMatch(/>rollingBack<\/text>\s*<text class="note"/);

    const html = await runBuilt(['show', id ?? '', '--state-dir', state, '--format', 'html'], {
      cwd: dir,
    });
    expect(html.code).toBe(0);
    expect(html.stdout).toMatch(/^<!DOCTYPE html>/);
    expect(html.stdout).toMatch(
      /<li>[0-9:.]+ {2}activating\.running\.working \(\d+\.\d+s in all\)<\/li>/,
    );
  });

  test('plan --fail after that deployment rolls back to the release it recorded', async () => {
    dir = await makeProject({ 'stagecraft.config.yaml': CONFIG });
    const state = join(dir, 'state');
    expect(
      (await runBuilt(['deploy', '--yes', '--plain', '--state-dir', state], { cwd: dir })).code,
    ).toBe(0);
    const r = await runBuilt(
      [
        'plan',
        '--fail',
        'api',
        '--when',
        'health',
        '--state-dir',
        state,
        '--var',
        'RELEASE=2026.12.04',
      ],
      { cwd: dir },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('a rollback returns to release 2026.12.03, the one recorded before');
    expect(r.stdout).toMatch(
      /db\.rollback with release 2026\.12\.03's variables: .*RELEASE=2026\.12\.03/,
    );
  });
});
