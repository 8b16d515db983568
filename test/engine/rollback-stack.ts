/**
 * A private copy of test/fixtures/rollback-stack with its own ports: `web` (a process service
 * with a `rollback` command, serving its RELEASE), `gate` (fails when FAIL=yes) and `extra`
 * (unhealthy when EXTRA_OK=no). Its events.log says what started, stopped and rolled back, with
 * which release and port. Every copy is cleaned up after the test that made it.
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach } from 'vitest';
import { ROOT } from '../cli/helpers.js';
import { freePort, runCli } from './example-project.js';
import { killEverythingIn } from './proc-watch.js';

/** One copy of the rollback stack. */
export interface RollbackStack {
  dir: string;
  stateDir: string;
  /** The extra service's port (the same in every release). */
  extraPort: number;
  /** `-c dir --var EXTRA_PORT=… --var WEB_PORT=<webPort>` and the given `--var`s. */
  args(webPort: number, vars?: Record<string, string>): string[];
  /** events.log, one entry a line (`start web v1 41234`, `rollback web v1 41234`, ...). */
  events(): Promise<string[]>;
  cleanup(): Promise<void>;
}

/** What `GET /` on 127.0.0.1:`port` answers, or the error code when nothing does. */
export async function served(port: number): Promise<string> {
  try {
    const res = await request(`http://127.0.0.1:${port}/`, {
      headersTimeout: 2000,
      bodyTimeout: 2000,
    });
    return await res.body.text();
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

async function rollbackStack(): Promise<RollbackStack> {
  const dir = await mkdtemp(join(tmpdir(), 'stagecraft-rollback-stack-'));
  await cp(join(ROOT, 'test', 'fixtures', 'rollback-stack'), dir, { recursive: true });
  const extraPort = await freePort();
  const ports = new Set<number>();
  const args = (webPort: number, vars: Record<string, string> = {}): string[] => {
    ports.add(webPort);
    return [
      '-c',
      dir,
      '--var',
      `EXTRA_PORT=${extraPort}`,
      '--var',
      `WEB_PORT=${webPort}`,
      ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}=${v}`]),
    ];
  };
  return {
    dir,
    stateDir: join(dir, '.stagecraft'),
    extraPort,
    args,
    async events() {
      const text = await readFile(join(dir, 'events.log'), 'utf8').catch(() => '');
      return text.split('\n').filter((l) => l !== '');
    },
    async cleanup() {
      await runCli(['down', '--yes', ...args([...ports][0] ?? extraPort)], {
        timeoutMs: 20_000,
      }).catch(() => undefined);
      await killEverythingIn(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A factory of rollback-stack copies for the calling test file, cleaned up after each test. */
export function rollbackStacks(): () => Promise<RollbackStack> {
  const made: RollbackStack[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((p) => p.cleanup()));
  });
  return async () => {
    const p = await rollbackStack();
    made.push(p);
    return p;
  };
}
