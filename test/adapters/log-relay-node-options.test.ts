/**
 * A config's `NODE_OPTIONS` (`--require` of a hostile file) is for the services and commands it
 * describes: it never loads code into stagecraft's own helper programs, the log relay and the
 * command runner. A preload that writes down which program it was loaded into tells.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { CommandSpec } from '../../src/config/plan-types.js';
import { runCommand, stopCommandRunner } from '../../src/adapters/exec.js';
import { startService } from '../../src/adapters/process.js';
import { readOr, until } from './effect-helpers.js';
import { serviceSandbox } from './service-sandbox.js';

const SECRET = 'hunter2-very-secret';
const sb = serviceSandbox();

afterAll(async () => {
  await stopCommandRunner();
});

/** A preload that appends the name of the program it runs in to `loaded`, and its env. */
async function hostileConfigEnv(): Promise<{ env: Record<string, string>; loaded: string }> {
  const loaded = join(sb.dir, 'loaded.txt');
  const preload = join(sb.dir, 'preload.cjs');
  await writeFile(
    preload,
    `require('node:fs').appendFileSync(${JSON.stringify(loaded)}, require('node:path').basename(process.argv[1] ?? '-') + '\\n');\n`,
  );
  return { env: { NODE_OPTIONS: `--require ${preload}`, TOKEN: SECRET }, loaded };
}

/** The programs the preload was loaded into. */
async function loadedInto(loaded: string): Promise<string[]> {
  return (await readOr(loaded)).split('\n').filter((l) => l !== '');
}

describe("the config's NODE_OPTIONS and stagecraft's helper programs", () => {
  test('a process service with secrets gets NODE_OPTIONS, its log relay does not', async () => {
    const { env, loaded } = await hostileConfigEnv();
    const script = join(sb.dir, 'service.mjs');
    await writeFile(script, `console.log('up'); setInterval(() => {}, 1000);\n`);
    const command: CommandSpec = { run: [process.execPath, script], cwd: sb.dir, env: {} };
    const info = await startService(sb.opts, 'api', command, env, ['TOKEN']);
    sb.track(info.pid);
    await until('the service is up', async () => (await readOr(info.logFile)).includes('up'));
    expect(await loadedInto(loaded)).toEqual([basename(script)]);
  });

  test('a one-shot command gets NODE_OPTIONS, the command runner does not', async () => {
    const { env, loaded } = await hostileConfigEnv();
    const script = join(sb.dir, 'job.mjs');
    await writeFile(script, `console.log('done');\n`);
    // A runner started fresh for this test, so its start is seen by the preload if it applies.
    await stopCommandRunner();
    const outcome = await runCommand(
      { run: [process.execPath, script], cwd: sb.dir, env: {} },
      { env, timeoutMs: 10_000 },
    );
    expect(outcome.exitCode).toBe(0);
    expect(await loadedInto(loaded)).toEqual([basename(script)]);
    expect(await readFile(loaded, 'utf8')).not.toContain('exec-runner');
  });
});
