/**
 * Three holes a review of the hardening found, each at the built CLI: a FIFO planted where the
 * log relay keeps its record (status, down and deploy blocked for ever, deaf to SIGTERM), a FIFO
 * among the config loader's own option files behind a package.json without its key, and a
 * stagecraft run by another one's command (the outer one's tag sweep stopped the inner one's
 * services).
 */
import { spawn, execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { isAlive } from '../../src/core/liveness.js';
import { killEverythingIn, processesIn } from '../engine/proc-watch.js';
import { BIN, ROOT, hasStackTrace, makeProject } from './helpers.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0).reverse()) {
    await killEverythingIn(dir);
    await rm(dir, { recursive: true, force: true });
  }
});

async function project(files: Record<string, string>): Promise<string> {
  const dir = await makeProject(files);
  dirs.push(dir);
  return dir;
}

/** The built CLI with a hard deadline (SIGKILL: a blocked event loop never sees SIGTERM). */
function run(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; deadlineMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string; hung: boolean }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => {
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, opts.deadlineMs ?? 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, hung });
    });
  });
}

/** A process service with a secret (so it runs under the log relay) and nothing else. */
const RELAYED = `name: relayed
secrets: [TOKEN]
services:
  web:
    process: 'sleep 1000'
`;

describe('hostile files the review found', () => {
  test('a FIFO where the log relay keeps its record: status, deploy and down end, and down stops the service', async () => {
    const dir = await project({ 'stagecraft.config.yaml': RELAYED });
    const env = { TOKEN: 'relay-fifo-secret' };
    expect((await run(['deploy', '--yes', '--plain', '-c', dir], { env })).code).toBe(0);
    const record = join(dir, '.stagecraft', 'logs', 'default', 'web.log.relay.json');
    await rm(record, { force: true });
    execFileSync('mkfifo', [record]);
    for (const args of [['status'], ['status', '--json']]) {
      const r = await run([...args, '-c', dir], { env, deadlineMs: 15_000 });
      expect(r.hung, `${args.join(' ')} hung`).toBe(false);
      expect(hasStackTrace(r.stderr)).toBe(false);
    }
    const again = await run(['deploy', '--yes', '--plain', '-c', dir], { env, deadlineMs: 30_000 });
    expect(again.hung, 'deploy hung').toBe(false);
    execFileSync('rm', ['-f', record]);
    execFileSync('mkfifo', [record]);
    const down = await run(['down', '--yes', '--plain', '-c', dir], { env, deadlineMs: 20_000 });
    expect(down.hung, 'down hung').toBe(false);
    expect(down.code).toBe(0);
    expect(processesIn(dir)).toEqual([]);
  });

  test("a FIFO among the config loader's own option files, behind a package.json without its key, is refused at once (exit 2)", async () => {
    const dir = await project({
      'package.json': '{ "name": "x" }\n',
      'stagecraft.config.yaml': 'services: { a: { activate: "true" } }\n',
    });
    execFileSync('mkdir', [join(dir, '.config')]);
    execFileSync('mkfifo', [join(dir, '.config', 'config.json')]);
    const r = await run(['validate', '--no-prerequisites'], { cwd: dir, deadlineMs: 15_000 });
    expect(r.hung).toBe(false);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('.config/config.json');
    expect(r.stderr).toMatch(/not a regular file/);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  test("a stagecraft run by another one's activation keeps its services when the outer one ends", async () => {
    const inner = await project({
      'stagecraft.config.yaml': `name: inner
services:
  web:
    process: 'sleep 1000'
`,
    });
    const outer = await project({
      'stagecraft.config.yaml': `name: outer
services:
  sub:
    activate: ${JSON.stringify(`${process.execPath} ${BIN} deploy --yes --plain -c ${inner}`)}
`,
    });
    const r = await run(['deploy', '--yes', '--plain', '-c', outer], { deadlineMs: 40_000 });
    expect(r.code, r.stderr).toBe(0);
    const pids = processesIn(inner);
    expect(pids.length).toBeGreaterThan(0);
    // The outer command's sweep for its escaped processes ran when the activation ended.
    await new Promise((done) => setTimeout(done, 500));
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    const status = await run(['status', '-c', inner], { deadlineMs: 15_000 });
    expect(status.stdout).not.toMatch(/not running/);
    expect((await run(['down', '--yes', '--plain', '-c', inner])).code).toBe(0);
  });
});
