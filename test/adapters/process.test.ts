import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { CommandSpec } from '../../src/config/plan-types.js';
import { isAlive, listServices, startService, stopService } from '../../src/adapters/process.js';
import { fixture, readOr, until } from './effect-helpers.js';
import { serviceSandbox } from './service-sandbox.js';

const sb = serviceSandbox();

const service = (...args: string[]): CommandSpec => ({
  run: [process.execPath, fixture('service.js'), ...args],
  cwd: process.cwd(),
  env: {},
});

async function start(
  name: string,
  command: CommandSpec,
  env: Record<string, string> = {},
  secrets?: string[],
) {
  const info = await startService(sb.opts, name, command, env, secrets);
  sb.track(info.pid);
  return info;
}

describe('process services', () => {
  test('starts a detached service, records it and sends its output to the log file', async () => {
    const info = await start('db', service(), { FOO: 'bar' });
    expect(info.logFile).toBe(join(sb.opts.stateDir, 'logs', 'staging', 'db.log'));
    await until('the service output in its log', async () =>
      (await readOr(info.logFile)).includes(`service ${info.pid} started FOO=bar`),
    );
    const registry = JSON.parse(
      await readFile(join(sb.opts.stateDir, 'processes', 'staging.json'), 'utf8'),
    ) as {
      services: Record<string, { pid: number }>;
    };
    expect(registry.services.db?.pid).toBe(info.pid);
    expect(isAlive(info.pid)).toBe(true);
  });

  test('starting a service again stops the previous instance first', async () => {
    const first = await start('api', service());
    const second = await start('api', service());
    expect(second.pid).not.toBe(first.pid);
    expect(isAlive(first.pid)).toBe(false);
    expect(isAlive(second.pid)).toBe(true);
    const listed = await listServices(sb.opts);
    expect(listed.map((s) => [s.service, s.pid])).toEqual([['api', second.pid]]);
  });

  test('stopService kills the whole group, grandchild included, and forgets it', async () => {
    const info = await start('worker', service('--grandchild'));
    const grandchild = Number(
      (
        await until('the grandchild pid', async () =>
          /grandchild (\d+)/.exec(await readOr(info.logFile)),
        )
      )[1],
    );
    sb.track(grandchild);
    expect(isAlive(grandchild)).toBe(true);
    const result = await stopService(sb.opts, 'worker', 2000);
    expect(result).toEqual({ stopped: true, pid: info.pid });
    expect(isAlive(info.pid)).toBe(false);
    expect(isAlive(grandchild)).toBe(false);
    expect(await listServices(sb.opts)).toEqual([]);
  });

  test('stopping a service that was never started reports stopped false', async () => {
    expect(await stopService(sb.opts, 'ghost')).toEqual({ stopped: false });
  });

  test('listServices reports a service that died as not alive', async () => {
    const info = await start('cache', service());
    expect((await listServices(sb.opts))[0]?.alive).toBe(true);
    process.kill(info.pid, 'SIGKILL');
    await until('the service to die', () => !isAlive(info.pid));
    const [listed] = await listServices(sb.opts);
    expect(listed).toMatchObject({ service: 'cache', pid: info.pid, alive: false });
  });

  test('the registry keeps the command and non-secret env needed to restart, never secrets', async () => {
    const spec = { ...service(), env: { PORT: '8080' } };
    await start('web', spec, { RELEASE: 'r1', DB_PASSWORD: 's3cret-value' }, ['DB_PASSWORD']);
    const [listed] = await listServices(sb.opts);
    expect(listed?.command).toEqual(spec.run);
    expect(listed?.env).toEqual({ RELEASE: 'r1', PORT: '8080' });
    const raw = await readFile(join(sb.opts.stateDir, 'processes', 'staging.json'), 'utf8');
    expect(raw).not.toContain('s3cret-value');
  });

  test('parallel starts of different services are all recorded', async () => {
    const infos = await Promise.all(['a', 'b', 'c'].map((name) => start(name, service())));
    const listed = await listServices(sb.opts);
    expect(listed.map((s) => s.pid).sort()).toEqual(infos.map((i) => i.pid).sort());
  });

  test('a program that cannot be spawned rejects with a clear error', async () => {
    await expect(
      startService(
        sb.opts,
        'bad',
        { run: ['/nonexistent/program'], cwd: process.cwd(), env: {} },
        {},
      ),
    ).rejects.toThrow(/cannot start service bad/);
  });

  test('stops an instance it started but never recorded (orchestrator killed between spawn and record)', async () => {
    const first = await start('api', service());
    // What a kill -9 right after the spawn leaves: a running instance and no registry entry.
    await writeFile(
      join(sb.opts.stateDir, 'processes', 'staging.json'),
      JSON.stringify({ version: 1, services: {} }),
    );
    expect(isAlive(first.pid)).toBe(true);
    const second = await start('api', service());
    await until('the unrecorded instance is gone', () => Promise.resolve(!isAlive(first.pid)));
    expect(isAlive(second.pid)).toBe(true);
    const stopped = await stopService(sb.opts, 'api');
    expect(stopped).toMatchObject({ stopped: true, pid: second.pid });
    expect(isAlive(second.pid)).toBe(false);
  });

  test('records the state directory and project folder that started a service', async () => {
    const opts = { ...sb.opts, projectDir: sb.dir };
    const info = await startService(opts, 'db', service(), {});
    sb.track(info.pid);
    const raw = await readFile(join(sb.opts.stateDir, 'processes', 'staging.json'), 'utf8');
    const registry = JSON.parse(raw) as {
      services: Record<string, { stateDir?: string; projectDir?: string }>;
    };
    expect(registry.services.db).toMatchObject({ stateDir: sb.opts.stateDir, projectDir: sb.dir });
  });

  test('a registry copied into another state directory never stops the original: refused, named, forgotten there', async () => {
    const opts = { ...sb.opts, projectDir: sb.dir };
    const info = await startService(opts, 'db', service(), {});
    sb.track(info.pid);
    const copy = {
      stateDir: join(sb.dir, 'copy', 'state'),
      environment: 'staging',
      projectDir: join(sb.dir, 'copy'),
    };
    await cp(sb.opts.stateDir, copy.stateDir, { recursive: true });
    const result = await stopService(copy, 'db', 1000);
    expect(result).toEqual({
      stopped: false,
      pid: info.pid,
      refused: `pid ${info.pid} (${process.execPath} ${fixture('service.js')}) was started from ${sb.dir}, not from here: stop it there (stagecraft down -c ${sb.dir})`,
    });
    expect(isAlive(info.pid)).toBe(true);
    expect(await listServices(copy)).toEqual([]);
    // The original still knows it and stops it.
    expect(await stopService(opts, 'db', 1000)).toEqual({ stopped: true, pid: info.pid });
    expect(isAlive(info.pid)).toBe(false);
  });

  test('an entry without a recorded owner is checked against the tag its process carries', async () => {
    const info = await start('db', service());
    const copy = { stateDir: join(sb.dir, 'copy', 'state'), environment: 'staging' };
    await cp(sb.opts.stateDir, copy.stateDir, { recursive: true });
    // What an older stagecraft wrote: no stateDir, no projectDir.
    const path = join(copy.stateDir, 'processes', 'staging.json');
    const registry = JSON.parse(await readFile(path, 'utf8')) as {
      services: Record<string, Record<string, unknown>>;
    };
    for (const entry of Object.values(registry.services)) {
      delete entry.stateDir;
      delete entry.projectDir;
    }
    await writeFile(path, JSON.stringify(registry));
    const result = await stopService(copy, 'db', 1000);
    expect(result).toMatchObject({ stopped: false, pid: info.pid });
    expect(result.refused).toContain('was started from another state directory');
    expect(isAlive(info.pid)).toBe(true);
  });
});
