/**
 * Keys are data beyond the config: services, stages, variables and secrets named like
 * Object.prototype members (`toString`, `constructor`, `valueOf`, `hasOwnProperty`) go through
 * every command of the built CLI — deploy, status, history, show, graph, rollback, down — as
 * ordinary names. Before, such a service crashed the deploy (`candidates.filter is not a
 * function`), an unset secret of such a name counted as set, and a removed service of such a
 * name was never stopped.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { environOf, isAlive } from '../../src/core/liveness.js';
import { copyProjectFolder } from '../shared/copy-project.js';
import { ROOT, hasStackTrace, makeProject, runBuilt } from './helpers.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'prototype-names');
const NAMES = ['toString', 'constructor', 'valueOf', 'hasOwnProperty'];
/** The secrets' values: none may appear in any output or file. */
const SECRETS = { valueOf: 'sentinel-valueof-9c1e', hasOwnProperty: 'sentinel-hasown-77ab' };

const dirs: string[] = [];
/** The pids the registry of `dir` lists, by service (own keys only). */
async function registered(dir: string): Promise<Map<string, number>> {
  const path = join(dir, '.stagecraft', 'processes', 'default.json');
  const text = await readFile(path, 'utf8').catch(() => '{"services":{}}');
  const services = (JSON.parse(text) as { services: Record<string, { pid: number }> }).services;
  return new Map(Object.entries(services).map(([n, e]) => [n, e.pid]));
}
/** Every file below `dir`, with its text. */
async function filesBelow(dir: string): Promise<Array<[string, string]>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  return Promise.all(
    files.map(async (f): Promise<[string, string]> => [f, await readFile(f, 'utf8')]),
  );
}
afterEach(async () => {
  // Only processes the test's own CLI runs started (they carry stagecraft's instance tag).
  for (const d of dirs.splice(0)) {
    for (const pid of (await registered(d)).values())
      if (pid > 1 && environOf(pid)?.STAGECRAFT_INSTANCE !== undefined)
        process.kill(-pid, 'SIGKILL');
    await rm(d, { recursive: true, force: true });
  }
});

describe('names that Object.prototype also has', () => {
  test('a project whose services, stages, variables and secrets all have such names deploys, shows, rolls back and goes down', async () => {
    const dir = await copyProjectFolder(FIXTURE);
    dirs.push(dir);
    const run = (args: string[]) => runBuilt([...args, '-c', dir], { cwd: dir, env: SECRETS });
    const outputs: string[] = [];
    const ran = async (args: string[]) => {
      const r = await run(args);
      outputs.push(r.stdout, r.stderr);
      expect(hasStackTrace(r.stdout + r.stderr), r.stderr).toBe(false);
      expect(r.stderr, args.join(' ')).not.toContain('internal error');
      return r;
    };

    const deploy = await ran(['deploy', '--yes', '--plain']);
    expect([deploy.code, deploy.stderr]).toEqual([0, '']);
    for (const name of NAMES) expect(deploy.stdout).toContain(`  ${name}: healthy`);
    // Each command saw the variables and the secrets of those names (secrets by length).
    for (const name of NAMES)
      expect(await readFile(join(dir, 'out', `${name}.txt`), 'utf8')).toBe('from-vars|c|21|20');
    const pids = await registered(dir);
    expect([...pids.keys()].sort()).toEqual(['toString', 'valueOf']);
    for (const pid of pids.values()) expect(isAlive(pid)).toBe(true);

    const status = await ran(['status']);
    expect(status.code).toBe(0);
    for (const name of NAMES)
      expect(status.stdout).toMatch(new RegExp(`^ {2}${name} +healthy`, 'm'));

    const history = await ran(['history', '--json']);
    const runs = (
      JSON.parse(history.stdout) as { deployments: Array<{ id: string; result: string }> }
    ).deployments;
    expect(runs.map((r) => r.result)).toEqual(['succeeded']);
    const id = runs[0]?.id ?? '';
    const show = await ran(['show', id]);
    expect(show.code).toBe(0);
    for (const name of NAMES) expect(show.stdout).toContain(name);
    const shown = JSON.parse((await ran(['show', id, '--json'])).stdout) as {
      stages: Array<{ name: string; state: string }>;
      services: Array<{ name: string; state: string }>;
    };
    expect(shown.stages.map((s) => [s.name, s.state])).toEqual([
      ['toString', 'succeeded'],
      ['valueOf', 'succeeded'],
    ]);
    expect(shown.services.map((s) => [s.name, s.state]).sort()).toEqual(
      NAMES.map((n) => [n, 'healthy']).sort(),
    );

    const graph = await ran(['graph', '--plan', '--format', 'dot']);
    expect(graph.code).toBe(0);
    for (const name of NAMES) expect(graph.stdout).toContain(name);

    // A second release, then back to the first: the rollback reads each service's previous
    // variables and checks by name.
    expect((await ran(['deploy', '--yes', '--plain'])).code).toBe(0);
    const rollback = await ran(['rollback', '--yes', '--plain']);
    expect(rollback.code, rollback.stdout).toBe(0);

    const down = await ran(['down', '--yes', '--plain']);
    expect(down.code, down.stdout).toBe(0);
    for (const name of ['toString', 'valueOf'])
      expect(down.stdout).toMatch(new RegExp(`^ {2}${name}: stopped \\(pid \\d+\\)`, 'm'));
    expect(down.stdout).toMatch(/^ {2}constructor: stopped \(stop command ok\)/m);
    for (const pid of pids.values()) expect(isAlive(pid)).toBe(false);
    expect((await registered(dir)).size).toBe(0);

    // The secrets never left: no output, no file of the project or its state folder holds them.
    for (const value of Object.values(SECRETS)) {
      for (const text of outputs) expect(text).not.toContain(value);
      for (const [file, text] of await filesBelow(dir)) expect(text, file).not.toContain(value);
    }
  });

  test('an unset secret named toString or constructor is missing: deploy stops before changing anything', async () => {
    const dir = await makeProject({
      'stagecraft.config.yaml': `secrets: [toString, constructor]\nservices:\n  a: { activate: "touch ran" }\n`,
    });
    dirs.push(dir);
    const r = await runBuilt(['deploy', '--yes', '--plain'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('toString is not set: export it before running stagecraft');
    expect(r.stdout).toContain('constructor is not set: export it before running stagecraft');
    await expect(readFile(join(dir, 'ran'))).rejects.toThrow();
  });

  test('a process service named constructor removed from the config is stopped by down', async () => {
    const dir = await makeProject({
      'stagecraft.config.yaml': `services:\n  web: { process: "sleep 1000" }\n  constructor: { process: "sleep 1000" }\n`,
    });
    dirs.push(dir);
    const first = await runBuilt(['deploy', '--yes', '--plain'], { cwd: dir });
    expect([first.code, first.stderr]).toEqual([0, '']);
    const pid = (await registered(dir)).get('constructor') ?? -1;
    expect(isAlive(pid)).toBe(true);

    await writeFile(
      join(dir, 'stagecraft.config.yaml'),
      'services:\n  web: { process: "sleep 1000" }\n',
    );
    const down = await runBuilt(['down', '--yes', '--plain'], { cwd: dir });
    expect(down.code, down.stdout + down.stderr).toBe(0);
    expect(down.stdout).toMatch(/^ {2}constructor: stopped \(pid \d+\)/m);
    expect(isAlive(pid)).toBe(false);
    expect((await registered(dir)).size).toBe(0);
  });
});
