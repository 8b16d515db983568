import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import type { CommandSpec } from '../../src/config/plan-types.js';
import { isAlive, listServices, startService, stopService } from '../../src/adapters/process.js';
import { MASK } from '../../src/core/mask.js';
import { readOr, until } from './effect-helpers.js';
import { serviceSandbox } from './service-sandbox.js';

const SECRET = 'hunter2-very-secret';
const relaySource = fileURLToPath(new URL('../../src/adapters/log-relay.ts', import.meta.url));

const sb = serviceSandbox();

/** A node service running `script` (a program text). */
const node = (script: string): CommandSpec => ({
  run: [process.execPath, '-e', script],
  cwd: process.cwd(),
  env: {},
});

/** Prints the secret whole, then split over two writes `gapMs` apart, then READY, then idles. */
const leaky = (gapMs: number): CommandSpec =>
  node(`
    const s = process.env.TOKEN, w = (t) => process.stdout.write(t);
    w('pid ' + process.pid + '\\nwhole=' + s + '\\n');
    w('split=' + s.slice(0, 7));
    setTimeout(() => { w(s.slice(7) + ' end\\n'); process.stderr.write('err=' + s + '\\n'); w('READY\\n'); }, ${gapMs});
    setInterval(() => {}, 1000);
  `);

async function start(
  name: string,
  command: CommandSpec,
  env: Record<string, string>,
  secrets: string[],
) {
  const info = await startService(sb.opts, name, command, env, secrets);
  sb.track(info.pid);
  return info;
}

/** Run the relay (from source) in the foreground and resolve with how it ended. */
function runRelay(logFile: string, argv: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', relaySource, logFile, ...argv], {
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
  if (child.pid !== undefined) sb.track(child.pid);
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, ended };
}

describe('process services with secrets go through the log relay', () => {
  test.each([
    ['right after each other', 0],
    ['with a pause between them', 150],
  ])(
    'a secret printed whole or split over two writes (%s) is masked in the log while the service runs',
    async (_label, gapMs) => {
      const info = await start('api', leaky(gapMs), { TOKEN: SECRET }, ['TOKEN']);
      const log = await until('READY in the log', async () => {
        const text = await readOr(info.logFile);
        return text.includes('READY') ? text : '';
      });
      expect(log).toContain(`whole=${MASK}\n`);
      expect(log).toContain(`split=${MASK} end\n`);
      expect(log).toContain(`err=${MASK}\n`);
      expect(log).not.toContain(SECRET);
      expect(log).not.toContain(SECRET.slice(0, 7));
      expect(isAlive(info.pid)).toBe(true);
    },
  );

  test('quiet output is flushed to the log without waiting for more output', async () => {
    const info = await start(
      'quiet',
      node(`process.stdout.write('listening'); setInterval(() => {}, 1000);`),
      { TOKEN: SECRET },
      ['TOKEN'],
    );
    await until('the last line in the log', async () =>
      (await readOr(info.logFile)).includes('listening'),
    );
  });

  test('stopService kills the relay and the service, and forgets it', async () => {
    const info = await start('worker', leaky(0), { TOKEN: SECRET }, ['TOKEN']);
    const servicePid = Number(
      (await until('the service pid', async () => /pid (\d+)/.exec(await readOr(info.logFile))))[1],
    );
    sb.track(servicePid);
    expect(servicePid).not.toBe(info.pid);
    expect(isAlive(info.pid)).toBe(true);
    expect(isAlive(servicePid)).toBe(true);
    expect(await stopService(sb.opts, 'worker', 2000)).toEqual({ stopped: true, pid: info.pid });
    expect(isAlive(info.pid)).toBe(false);
    expect(isAlive(servicePid)).toBe(false);
    expect(await listServices(sb.opts)).toEqual([]);
  });

  test('the registry and the relay environment keep no secret, and the service does not see STAGECRAFT_REDACT', async () => {
    const info = await start(
      'env',
      node(
        `console.log('redact=' + (process.env.STAGECRAFT_REDACT ?? 'unset')); setInterval(() => {}, 1000);`,
      ),
      { TOKEN: SECRET },
      ['TOKEN'],
    );
    await until('the line', async () => (await readOr(info.logFile)).includes('redact=unset'));
    const raw = await readFile(join(sb.opts.stateDir, 'processes', 'staging.json'), 'utf8');
    expect(raw).not.toContain(SECRET);
  });

  test('a service without secrets, or with only short secret values, still writes straight to its log', async () => {
    const script = `console.log('pid ' + process.pid); setInterval(() => {}, 1000);`;
    for (const [name, env, secrets] of [
      ['plain', { TOKEN: SECRET }, []],
      ['short', { TOKEN: 'ab' }, ['TOKEN']],
    ] as const) {
      const info = await start(name, node(script), env, [...secrets]);
      await until(`${name} prints its own pid as the recorded one`, async () =>
        (await readOr(info.logFile)).includes(`pid ${info.pid}\n`),
      );
    }
  });

  test('a program that cannot be spawned rejects with a clear error through the relay too', async () => {
    await expect(
      startService(
        sb.opts,
        'bad',
        { run: ['/nonexistent/program'], cwd: process.cwd(), env: {} },
        { TOKEN: SECRET },
        ['TOKEN'],
      ),
    ).rejects.toThrow(/cannot start service bad .*command or working directory not found/);
  });
});

describe('the log relay program', () => {
  test('exits with the exit code of a service that exits by itself, after writing its output', async () => {
    const logFile = join(sb.dir, 'exit.log');
    const { ended } = runRelay(logFile, ['sh', '-c', 'echo "bye $TOKEN"; exit 7'], {
      TOKEN: SECRET,
      STAGECRAFT_REDACT: 'TOKEN',
    });
    expect(await ended).toEqual({ code: 7, signal: null });
    expect(await readFile(logFile, 'utf8')).toBe(`bye ${MASK}\n`);
  });

  test('ends with the signal that ended the service', async () => {
    const { ended } = runRelay(join(sb.dir, 'sig.log'), ['sh', '-c', 'kill -KILL $$']);
    expect(await ended).toEqual({ code: null, signal: 'SIGKILL' });
  });

  test('forwards SIGTERM to the service and exits as the service does', async () => {
    const logFile = join(sb.dir, 'term.log');
    const { child, ended } = runRelay(logFile, [
      process.execPath,
      '-e',
      `process.on('SIGTERM', () => { console.log('got TERM'); process.exit(3); }); console.log('up'); setInterval(() => {}, 1000);`,
    ]);
    await until('the service is up', async () => (await readOr(logFile)).includes('up'));
    child.kill('SIGTERM');
    expect(await ended).toEqual({ code: 3, signal: null });
    expect(await readFile(logFile, 'utf8')).toBe('up\ngot TERM\n');
  });
});
