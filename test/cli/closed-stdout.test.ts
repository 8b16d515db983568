/**
 * A reader that goes away (`stagecraft deploy | head -1`) never abandons what the command was
 * doing: deploy, rollback, down and resume finish (or roll back per policy) with stdout closed,
 * say so once on stderr and exit with the outcome's code; with stderr closed too, silently. The
 * built CLI, its stdout a pipe the test closes after the first line.
 */
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { isAlive } from '../../src/core/liveness.js';
import { killEverythingIn, processesIn } from '../engine/proc-watch.js';
import { BIN, ROOT, makeProject, runBuilt } from './helpers.js';

/** Two one-shot activations and two process services, one after the other (about a second). */
const chain = (last = 'sleep 1000', healthFile = 'ok') => `name: piped
policy: { onFailure: rollback }
services:
  a:
    activate: 'sleep 0.3'
  b:
    dependsOn: [a]
    process: 'sleep 1000'
  c:
    dependsOn: [b]
    activate: 'sleep 0.3'
    rollback: 'true'
  d:
    dependsOn: [c]
    process: ${JSON.stringify(last)}
    health: { command: 'test -f ${healthFile}', interval: 100ms, timeout: 1s, retries: 2 }
`;

const CLOSED =
  /^stagecraft: output closed \(EPIPE\), continuing without it: the exit code tells the outcome\n$/;

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) {
    await killEverythingIn(dir);
    await rm(dir, { recursive: true, force: true });
  }
});

async function project(config = chain()): Promise<string> {
  const dir = await makeProject({ 'stagecraft.config.yaml': config, ok: '' });
  dirs.push(dir);
  return dir;
}

/**
 * Runs the built CLI with stdout a pipe that is closed after its first line (and stderr closed
 * at once when `closeStderr`); resolves with the exit code and what stderr got. Deadline 30 s.
 */
function runClosed(
  args: string[],
  opts: { closeStderr?: boolean } = {},
): Promise<{ code: number | null; stderr: string; lines: number }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let seen = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    seen += d;
    if (seen.includes('\n')) child.stdout.destroy();
  });
  if (opts.closeStderr === true) child.stderr.destroy();
  else child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`stagecraft ${args.join(' ')} did not end within 30 s`));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, lines: seen.split('\n').length - 1 });
    });
  });
}

/** The newest deployment of the project, as `history --json` tells it. */
async function latest(dir: string): Promise<{ result: string; command: string; exitCode: number }> {
  const history = await runBuilt(['history', '--json', '-c', dir]);
  const parsed = JSON.parse(history.stdout) as {
    deployments: Array<{ result: string; command: string; exitCode: number }>;
  };
  const newest = parsed.deployments[0];
  if (newest === undefined) throw new Error('no deployment recorded');
  return newest;
}

/** The pids the process registry lists, by service. */
async function registered(dir: string): Promise<Record<string, number>> {
  const text = await readFile(join(dir, '.stagecraft', 'processes', 'default.json'), 'utf8').catch(
    () => '{"services":{}}',
  );
  const services = (JSON.parse(text) as { services: Record<string, { pid: number }> }).services;
  return Object.fromEntries(Object.entries(services).map(([n, e]) => [n, e.pid]));
}

describe('deploy with its output closed', () => {
  test.each([['--plain'], ['--json']])(
    'deploy %s finishes the deployment, says once on stderr that its output closed, exits 0',
    async (mode) => {
      const dir = await project();
      const run = await runClosed(['deploy', '--yes', mode, '-c', dir]);
      expect(run.code).toBe(0);
      expect(run.lines).toBeGreaterThanOrEqual(1);
      expect(run.stderr).toMatch(CLOSED);
      expect(await latest(dir)).toMatchObject({
        command: 'deploy',
        result: 'succeeded',
        exitCode: 0,
      });
      const pids = await registered(dir);
      expect(Object.keys(pids).sort()).toEqual(['b', 'd']);
      for (const pid of Object.values(pids)) expect(isAlive(pid)).toBe(true);
    },
  );

  test('a deployment that fails with its output closed rolls back per policy and exits 1, leaving nothing running', async () => {
    // d's health check looks for a file nobody creates: it can never pass (a process removing
    // the file raced the first probe).
    const dir = await project(chain('sleep 1000', 'never-created'));
    const run = await runClosed(['deploy', '--yes', '--plain', '-c', dir]);
    expect(run.stderr).toMatch(CLOSED);
    expect(run.code).toBe(1);
    expect(await latest(dir)).toMatchObject({ command: 'deploy', exitCode: 1 });
    expect(await registered(dir)).toEqual({});
    expect(processesIn(dir)).toEqual([]);
  });

  test('with stderr closed too, the deployment finishes silently with exit 0', async () => {
    const dir = await project();
    const run = await runClosed(['deploy', '--yes', '--plain', '-c', dir], { closeStderr: true });
    expect(run.code).toBe(0);
    expect(await latest(dir)).toMatchObject({ command: 'deploy', result: 'succeeded' });
    expect(Object.keys(await registered(dir)).sort()).toEqual(['b', 'd']);
  });
});

describe('rollback, down and resume with their output closed', () => {
  test('rollback finishes the rollback to the previous release and exits 0', async () => {
    const dir = await project();
    for (let i = 0; i < 2; i++)
      expect((await runBuilt(['deploy', '--yes', '--plain', '-c', dir])).code).toBe(0);
    const run = await runClosed(['rollback', '--yes', '--plain', '-c', dir]);
    expect(run.stderr).toMatch(CLOSED);
    expect(run.code).toBe(0);
    expect(await latest(dir)).toMatchObject({ command: 'rollback', result: 'succeeded' });
  });

  test('down stops every service and exits 0', async () => {
    const dir = await project();
    expect((await runBuilt(['deploy', '--yes', '--plain', '-c', dir])).code).toBe(0);
    const before = Object.values(await registered(dir));
    expect(before).toHaveLength(2);
    const run = await runClosed(['down', '--yes', '--plain', '-c', dir]);
    expect(run.stderr).toMatch(CLOSED);
    expect(run.code).toBe(0);
    expect(await latest(dir)).toMatchObject({ command: 'down', result: 'succeeded' });
    expect(await registered(dir)).toEqual({});
    for (const pid of before) expect(isAlive(pid)).toBe(false);
  });

  test('resume finishes an interrupted deployment and exits 0', async () => {
    const dir = await project();
    // An interrupted deployment: SIGKILL while the second activation runs.
    const child = spawn(process.execPath, [BIN, 'deploy', '--yes', '--plain', '-c', dir], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('c never started activating')), 20_000);
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (/\bb\b.*healthy/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGKILL');
    await exited;
    expect((await latest(dir)).result).not.toBe('succeeded');
    const run = await runClosed(['resume', '--yes', '--plain', '-c', dir]);
    expect(run.stderr).toMatch(CLOSED);
    expect(run.code).toBe(0);
    expect(await latest(dir)).toMatchObject({ command: 'deploy', result: 'succeeded' });
    expect(Object.keys(await registered(dir)).sort()).toEqual(['b', 'd']);
  });
});
