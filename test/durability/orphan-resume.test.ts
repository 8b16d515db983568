/**
 * kill -9 of stagecraft's whole process group (a service manager stopping it, a terminal closing)
 * takes the command runner with it, but the activation command in flight lives on in a process
 * group of its own. `resume` — and a new deploy over the interrupted run — must find that command
 * by its tag, stop it and say so before anything runs again: the activation then completes exactly
 * once, and nothing of the killed run is left.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { BIN, ROOT, makeProject, removeProject } from '../cli/helpers.js';
import { killEverythingIn } from '../engine/proc-watch.js';
import { runCli } from '../engine/example-project.js';
import { journalOf } from './crash-project.js';

/** How long the test gives a command that sees the gate to finish its run (0.1 s polls). */
const GATE_GRACE_MS = 1500;

const CONFIG = `name: orphan-stack
services:
  slow:
    activate: 'sh act.sh'
`;
// The run that finds the file \`hold\` (and removes it) waits for a gate file the test opens at
// the end (at most 30 s): the run killed with stagecraft. Other runs are quick. Each line names
// the shell's pid.
const ACT = `echo "start $$" >> runs.txt
i=0
if rm hold 2>/dev/null; then
  while [ ! -f gate ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
fi
echo "done $$" >> runs.txt
`;

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) {
    await killEverythingIn(dir);
    await removeProject(dir);
  }
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function lines(dir: string): Promise<string[]> {
  const text = await readFile(join(dir, 'runs.txt'), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l !== '');
}

/** Live one-shot command processes (tagged STAGECRAFT_COMMAND) run for deployment `id`. */
function taggedWith(id: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1');
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      const vars = `\0${env}`;
      const ours =
        vars.includes('\0STAGECRAFT_COMMAND=') &&
        vars.includes(`\0STAGECRAFT_DEPLOYMENT_ID=${id}\0`);
      if (ours && state !== 'Z') pids.push(pid);
    } catch {
      // gone, or not readable
    }
  }
  return pids;
}

/**
 * Starts `deploy` in a process group of its own, waits until its activation is running, and
 * kills the group with SIGKILL (stagecraft and its command runner; the command survives).
 * Returns the killed deployment's id and the pid of its activation's shell.
 */
async function deployAndKill(dir: string): Promise<{ id: string; pid: string }> {
  const before = (await lines(dir)).length;
  await writeFile(join(dir, 'hold'), '');
  const child = spawn(process.execPath, [BIN, 'deploy', '--yes', '-c', dir], {
    cwd: ROOT,
    env: { ...process.env, CI: 'true', NO_COLOR: '1' },
    stdio: 'ignore',
    detached: true,
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 20_000;
  while ((await lines(dir)).length === before) {
    if (Date.now() > deadline) throw new Error('the activation never started');
    await pause(20);
  }
  if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  await exited;
  // The killed run is the one whose record still says it is running.
  const deployments = join(dir, '.stagecraft', 'deployments');
  let id = '';
  for (const d of await readdir(deployments)) {
    const meta = JSON.parse(await readFile(join(deployments, d, 'meta.json'), 'utf8')) as {
      status?: string;
    };
    if (meta.status === 'running') id = d;
  }
  const pid = (await lines(dir)).at(-1)?.split(' ')[1] ?? '';
  // The premise: the activation outlived the killed run.
  expect(taggedWith(id).length).toBeGreaterThan(0);
  return { id, pid };
}

/** Opens the gate the killed run's activation waits for: it finishes, if it still runs. */
async function openGate(dir: string): Promise<void> {
  await writeFile(join(dir, 'gate'), '');
  await pause(GATE_GRACE_MS);
}

describe('after kill -9 during an activation', () => {
  test('resume stops the in-flight command first, says so, and the activation completes once', async () => {
    const dir = await makeProject({ 'stagecraft.config.yaml': CONFIG, 'act.sh': ACT });
    dirs.push(dir);
    const { id, pid } = await deployAndKill(dir);

    const r = await runCli(['resume', id, '--yes', '-c', dir], { timeoutMs: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `stopped the in-flight command of step slow\\.activate \\(pid \\d+\\) left by the killed run ${id}`,
      ),
    );
    expect(taggedWith(id)).toEqual([]);
    const stopped = (await journalOf(join(dir, '.stagecraft'), id)).filter(
      (e) => e.type === 'orphan.stopped',
    );
    expect(stopped).toEqual([
      expect.objectContaining({ deploymentId: id, step: 'slow.activate', how: 'stopped' }),
    ]);

    await openGate(dir);
    const runs = await lines(dir);
    expect(runs.filter((l) => l.startsWith('start'))).toHaveLength(2);
    expect(runs.filter((l) => l.startsWith('done'))).toHaveLength(1);
    expect(runs).not.toContain(`done ${pid}`);
  }, 60_000);

  test('a new deploy over the interrupted run stops its in-flight command before activating', async () => {
    const dir = await makeProject({ 'stagecraft.config.yaml': CONFIG, 'act.sh': ACT });
    dirs.push(dir);
    const { id, pid } = await deployAndKill(dir);

    const r = await runCli(['deploy', '--yes', '--force-unlock', '-c', dir], {
      timeoutMs: 30_000,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `stopped the in-flight command of step slow\\.activate \\(pid \\d+\\) left by the killed run ${id}`,
      ),
    );
    expect(r.stdout.indexOf('in-flight')).toBeLessThan(r.stdout.indexOf('slow: activating'));
    expect(taggedWith(id)).toEqual([]);

    await openGate(dir);
    const runs = await lines(dir);
    expect(runs.filter((l) => l.startsWith('done'))).toHaveLength(1);
    expect(runs).not.toContain(`done ${pid}`);
  }, 60_000);

  test('a rollback after the interrupted run stops its in-flight command before rolling back', async () => {
    const dir = await makeProject({ 'stagecraft.config.yaml': CONFIG, 'act.sh': ACT });
    dirs.push(dir);
    for (const release of ['v1', 'v2']) {
      const ok = await runCli(['deploy', '--yes', '--var', `RELEASE=${release}`, '-c', dir], {
        timeoutMs: 30_000,
      });
      expect(ok.code).toBe(0);
    }
    const { id, pid } = await deployAndKill(dir);
    expect((await runCli(['unlock', '-c', dir], { timeoutMs: 30_000 })).code).toBe(0);

    const r = await runCli(['rollback', '--yes', '-c', dir], { timeoutMs: 30_000 });
    expect(r.stdout).toMatch(
      new RegExp(
        `stopped the in-flight command of step slow\\.activate \\(pid \\d+\\) left by the killed run ${id}`,
      ),
    );
    expect(taggedWith(id)).toEqual([]);
    await openGate(dir);
    expect(await lines(dir)).not.toContain(`done ${pid}`);
  }, 90_000);
});
