/**
 * `down` in a copy of a project folder (its `.stagecraft/` copied along) on the built CLI: the
 * copy's registry lists the original's processes, but they were not started from the copy, so
 * they are left running and named; `down` in the original still stops them.
 */
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { isAlive, readProcStat } from '../../src/core/liveness.js';
import { freePort } from '../engine/example-project.js';
import { hasStackTrace, makeProject, runBuilt } from './helpers.js';

const server = `import { createServer } from 'node:net';
createServer((s) => s.end()).listen(Number(process.env[process.argv[2] ?? '']), '127.0.0.1');
`;

const config = `name: tiny
services:
  db:
    process: 'node server.mjs DB_PORT'
    health: { tcp: '127.0.0.1:\${DB_PORT}', interval: 200ms }
  api:
    dependsOn: [db]
    process: 'node server.mjs API_PORT'
    health: { tcp: '127.0.0.1:\${API_PORT}', interval: 200ms }
`;

/** Processes this test started, with their /proc start times (so a reused pid is never hit). */
const started: Array<{ pid: number; procStart: number | undefined }> = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const p of started.splice(0))
    if (readProcStat(p.pid)?.startTime === p.procStart) {
      try {
        process.kill(-p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** The services the registry of `dir` lists, by name. */
async function registered(
  dir: string,
): Promise<Record<string, { pid: number; procStart?: number }>> {
  const text = await readFile(join(dir, '.stagecraft', 'processes', 'default.json'), 'utf8');
  return (JSON.parse(text) as { services: Record<string, { pid: number; procStart?: number }> })
    .services;
}

describe('down in a copied project folder', () => {
  test("leaves the original folder's processes running and names them; down in the original stops them", async () => {
    const original = await makeProject({ 'server.mjs': server });
    dirs.push(original);
    await writeFile(join(original, 'stagecraft.config.yaml'), config);
    const vars = ['--var', `DB_PORT=${await freePort()}`, '--var', `API_PORT=${await freePort()}`];

    const deployed = await runBuilt(['deploy', '--yes', '-c', original, ...vars]);
    const services = await registered(original);
    for (const s of Object.values(services))
      started.push({ pid: s.pid, procStart: readProcStat(s.pid)?.startTime });
    expect([deployed.code, deployed.stderr]).toEqual([0, '']);
    const db = services.db?.pid ?? -1;
    const api = services.api?.pid ?? -1;
    expect([isAlive(db), isAlive(api)]).toEqual([true, true]);

    const copy = `${original}-copy`;
    dirs.push(copy);
    await cp(original, copy, { recursive: true });
    expect(Object.keys(await registered(copy)).sort()).toEqual(['api', 'db']);

    const down = await runBuilt(['down', '--yes', '-c', copy, ...vars]);
    expect(down.code).toBe(0);
    expect(hasStackTrace(down.stdout + down.stderr)).toBe(false);
    expect([isAlive(db), isAlive(api)]).toEqual([true, true]);
    for (const [name, pid] of [
      ['api', api],
      ['db', db],
    ] as const)
      expect(down.stdout).toContain(
        `  ${name}: left running (pid ${pid} (node server.mjs ${name === 'db' ? 'DB_PORT' : 'API_PORT'}) was started from ${original}, not from here: stop it there (stagecraft down -c ${original}))`,
      );
    expect(down.stdout).toContain(
      'succeeded-with-warnings (exit 0) — 2 services left running, not started from here: api: pid',
    );
    // The copy no longer claims them; a second down there has nothing to stop.
    expect(await registered(copy)).toEqual({});

    const downOriginal = await runBuilt(['down', '--yes', '-c', original, ...vars]);
    expect(downOriginal.code).toBe(0);
    expect(downOriginal.stdout).toMatch(/api: stopped \(pid \d+\)/);
    expect(downOriginal.stdout).toMatch(/db: stopped \(pid \d+\)/);
    expect([isAlive(db), isAlive(api)]).toEqual([false, false]);
  });
});
