/**
 * A log that cannot be written (a full disk) never takes a service down: its log relay keeps
 * draining the service's pipes, drops and counts the output, says so in its state record (which
 * `status` reads through listServices) and writes one marker into the log once space returns. The
 * service keeps serving HTTP all along. A real full disk: a 64 KiB tmpfs (mounted by the test as
 * root; skipped with the reason when mounting is refused). A log path that is a symlink (to
 * /dev/full, say) is refused: state files are regular files and never followed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { isAlive, listServices, startService, stopService } from '../../src/adapters/process.js';
import { readRelayState } from '../../src/adapters/log-relay-protocol.js';
import { MASK } from '../../src/core/mask.js';
import { readOr, until } from './effect-helpers.js';
import { serviceSandbox } from './service-sandbox.js';

const SECRET = 'hunter2-very-secret';
const sb = serviceSandbox();

/** Why a tmpfs cannot be mounted here (undefined: it can), found by trying once. */
const mountRefused = ((): string | undefined => {
  let dir: string | undefined;
  try {
    dir = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
    execFileSync('umount', [dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `cannot mount a tmpfs: ${(error as Error).message.split('\n')[0] ?? ''}`;
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
})();

const mounted: string[] = [];
afterEach(async () => {
  // Runs before the sandbox's own clean-up: the service goes first, then its disk.
  await stopService(sb.opts, 'svc', 1000).catch(() => undefined);
  for (const dir of mounted.splice(0)) {
    try {
      execFileSync('umount', [dir], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    }
  }
});

/**
 * A service that serves HTTP on a port of its own and prints a secret-bearing line every 5 ms
 * (every 200 ms once the file `quiet` exists); it writes its port and pid to `where`.
 */
async function chattyService(where: string): Promise<string> {
  const script = join(sb.dir, 'chatty.mjs');
  await writeFile(
    script,
    `import { createServer } from 'node:http';
import { existsSync, writeFileSync } from 'node:fs';
let n = 0;
const server = createServer((_q, r) => r.end('pong ' + n)).listen(0, '127.0.0.1', () =>
  writeFileSync(${JSON.stringify(where)}, JSON.stringify({ port: server.address().port, pid: process.pid })),
);
const line = () => process.stdout.write('line ' + n++ + ' token=' + process.env.TOKEN + ' ' + 'x'.repeat(200) + '\\n');
const loop = () => { line(); setTimeout(loop, existsSync(${JSON.stringify(join(sb.dir, 'quiet'))}) ? 200 : 5); };
loop();
`,
  );
  return script;
}

/** Starts the chatty service under the log relay; its port and the service's own pid. */
async function startChatty(): Promise<{ relay: number; pid: number; port: number; log: string }> {
  const where = join(sb.dir, 'where.json');
  const script = await chattyService(where);
  const info = await startService(
    sb.opts,
    'svc',
    { run: [process.execPath, script], cwd: sb.dir, env: {} },
    { TOKEN: SECRET },
    ['TOKEN'],
  );
  sb.track(info.pid);
  const text = await until('the service is listening', () => readOr(where));
  const { port, pid } = JSON.parse(text) as { port: number; pid: number };
  return { relay: info.pid, pid, port, log: info.logFile };
}

/** The number of lines the service says it has written (it answers `pong <n>`). */
async function serves(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
  const match = /^pong (\d+)$/.exec(await response.text());
  if (match === null) throw new Error('the service answered something else');
  return Number(match[1]);
}

/** Waits until the service has written `lines` more lines, still answering. */
async function keepsWriting(port: number, lines: number): Promise<void> {
  const from = await serves(port);
  await until(`${lines} more lines written`, async () => (await serves(port)) >= from + lines);
}

describe('a process service whose log cannot be written', () => {
  test('a log that is a symlink (to /dev/full, say) is refused before anything starts: state files are regular', async () => {
    const logDir = join(sb.opts.stateDir, 'logs', sb.opts.environment);
    mkdirSync(logDir, { recursive: true });
    symlinkSync('/dev/full', join(logDir, 'svc.log'));
    const started = startChatty();
    await expect(started).rejects.toMatchObject({ code: 'ENOTREG' });
    await expect(started).rejects.toThrow(
      /svc\.log is not a regular file \(a symbolic link, which state files never follow\): remove it/,
    );
    // Nothing was spawned, so nothing wrote where it listens; and no registry entry claims it.
    expect(await readOr(join(sb.dir, 'where.json'))).toBe('');
    expect((await listServices(sb.opts)).find((s) => s.service === 'svc')).toBeUndefined();
  });

  test('on a full tmpfs, the service survives; once space returns one marker says what was dropped and the log goes on', async (ctx) => {
    if (mountRefused !== undefined) ctx.skip(mountRefused);
    const logDir = join(sb.opts.stateDir, 'logs', sb.opts.environment);
    mkdirSync(logDir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', logDir], { stdio: 'pipe' });
    mounted.push(logDir);
    // Most of the disk is taken already: the service's output fills the rest in a moment.
    writeFileSync(join(logDir, 'filler'), Buffer.alloc(40 * 1024, 1));
    const svc = await startChatty();
    await keepsWriting(svc.port, 300);
    const dropping = await until('output being dropped', () => {
      const s = readRelayState(svc.log);
      return s?.dropping === true && s.dropped > 20_000 ? s : undefined;
    });
    expect(dropping.error).toBe('ENOSPC');
    expect((await listServices(sb.opts)).find((s) => s.service === 'svc')?.logTrouble).toMatch(
      /^its log cannot be written \(ENOSPC\): output dropped since \S+Z, [\d.]+ KiB so far/,
    );
    expect(isAlive(svc.relay)).toBe(true);
    expect(isAlive(svc.pid)).toBe(true);

    await writeFile(join(sb.dir, 'quiet'), '');
    await rm(join(logDir, 'filler'));
    const log = await until('the marker and a line after it', async () => {
      const text = await readOr(svc.log);
      const at = text.indexOf('stagecraft log relay: ');
      return at >= 0 && /\nline \d+ /.test(text.slice(at)) ? text : '';
    });
    const markers = log.match(/^stagecraft log relay: .*$/gm) ?? [];
    expect(markers).toHaveLength(1);
    expect(markers[0]).toMatch(
      /^stagecraft log relay: \d+ bytes of output dropped from \S+Z to \S+Z: the log could not be written \(ENOSPC\)$/,
    );
    expect(log).not.toContain(SECRET);
    expect(log).toContain(`token=${MASK} `);
    // The marker is a line of its own, and whole lines follow it.
    expect(log.slice(log.indexOf('stagecraft log relay: '))).toMatch(
      /^stagecraft log relay: [^\n]+\nline \d+ token=\S+ x{200}\n/,
    );
    expect(readRelayState(svc.log)?.dropping).toBe(false);
    const listed = (await listServices(sb.opts)).find((s) => s.service === 'svc');
    expect(listed?.logTrouble).toMatch(
      /of its output could not be written to its log \(ENOSPC\), last from \S+Z to \S+Z: a marker in .* says where$/,
    );
    expect(isAlive(svc.pid)).toBe(true);
    await keepsWriting(svc.port, 2);
  });
});
