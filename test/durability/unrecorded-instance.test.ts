/**
 * A kill -9 between spawning a process service and recording it leaves an instance that only its
 * environment tag names. The next run (resume, or a deploy) must treat it as its own previous
 * instance — stop it and start the service — not as "another program" holding the port.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createConnection } from 'node:net';
import { resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { crashProjects, runCli } from './crash-project.js';
import { isGone, killGroup, until } from '../engine/proc-watch.js';

const project = crashProjects();
const orphans: number[] = [];
afterEach(() => orphans.splice(0).forEach((pid) => killGroup(pid)));

/** The tag stagecraft puts in the environment of `service`'s instances of `stateDir`. */
function instanceTag(stateDir: string, service: string, environment = 'default'): string {
  const dir = createHash('sha256').update(resolve(stateDir)).digest('hex').slice(0, 16);
  return `${dir}/${environment}/${service}`;
}

function answers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      done(true);
    });
    socket.on('error', () => done(false));
  });
}

describe('an instance started but never recorded', () => {
  test('holding the port, it is stopped as our own previous instance, not reported as another program', async () => {
    const p = await project();
    // What a run killed right after the spawn leaves: web running in its own group, carrying
    // the state dir's tag, absent from the registry.
    const orphan = spawn(process.execPath, ['server.mjs'], {
      cwd: p.dir,
      detached: true,
      stdio: 'ignore',
      env: {
        ...process.env,
        WEB_PORT: String(p.port),
        RELEASE: 'v1',
        STAGECRAFT_INSTANCE: instanceTag(p.stateDir, 'web'),
      },
    });
    orphan.unref();
    const pid = orphan.pid ?? 0;
    orphans.push(pid);
    let listening = false;
    for (let i = 0; i < 100 && !listening; i++) {
      listening = await answers(p.port);
      if (!listening) await new Promise((r) => setTimeout(r, 50));
    }
    expect(listening).toBe(true);

    const r = await runCli(['deploy', '--yes', '--plain', ...p.args()], { timeoutMs: 60_000 });
    expect(r.stdout).not.toMatch(/already in use/);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await until(() => isGone(pid), 5000), 'the unrecorded instance was stopped').toBe(true);
    expect(await answers(p.port)).toBe(true);
  }, 90_000);
});
