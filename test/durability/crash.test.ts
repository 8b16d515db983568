/**
 * The crash test: a deployment of the crash stack is killed with SIGKILL at 20 seeded random
 * moments across its duration — many of them while a service's health is being checked, after
 * its activation was journaled as succeeded. `resume` must end in success every time, no
 * activation journaled as succeeded may run again, and every journal line written before the kill
 * must still be there, in order, afterwards. The figures go to test/.tmp/crash-figures.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { mulberry32 } from '../cli/fuzz-mutations.js';
import { ROOT } from '../cli/helpers.js';
import {
  crashProject,
  journalOf,
  journaledActivated,
  lastStates,
  onlyDeployment,
  runCli,
  spawnCli,
  type CrashProject,
} from './crash-project.js';

const RUNS = 20;
const SEED = 20261201;
const SERVICES = ['a', 'web', 'b', 'c'];

const projects: CrashProject[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((p) => p.cleanup()));
});

interface RunFigures {
  delayMs: number;
  killed: boolean;
  resumeExit: number | null;
  /** Activations journaled as succeeded before the kill. */
  activatedBeforeKill: string[];
  /** Of those, the ones whose health was being checked when the kill landed. */
  checkingAtKill: string[];
  /** Activations journaled as succeeded that ran again. */
  repeated: string[];
  prefixKept: boolean;
}

/** Deploys, returns ms from the first output line (the deployment exists) to the exit. */
async function calibrate(): Promise<number> {
  const p = await crashProject();
  projects.push(p);
  const d = spawnCli(p.args('deploy', '--yes', '--json'));
  await d.waitFor(/run\.started/);
  const t0 = Date.now();
  const { code } = await d.exited;
  expect(code).toBe(0);
  return Date.now() - t0;
}

async function crashAndResume(delayMs: number): Promise<RunFigures> {
  const p = await crashProject();
  projects.push(p);
  const d = spawnCli(p.args('deploy', '--yes', '--json'));
  await d.waitFor(/run\.started/);
  const killer = setTimeout(() => d.child.kill('SIGKILL'), delayMs);
  const exit = await d.exited;
  clearTimeout(killer);
  const killed = exit.signal === 'SIGKILL';
  const id = await onlyDeployment(p.stateDir);
  const before = await journalOf(p.stateDir, id);
  const activatedBeforeKill = journaledActivated(before).filter((s) => s !== 'web');
  const states = lastStates(before);
  const checkingAtKill = activatedBeforeKill.filter((s) => states[s] === 'checking');
  const r = await runCli(['resume', id, '--yes', '--json', ...p.args()]);
  const after = await journalOf(p.stateDir, id);
  const prefixKept = before.every((e, i) => JSON.stringify(after[i]) === JSON.stringify(e));
  const repeated: string[] = [];
  for (const s of activatedBeforeKill) if ((await p.count(s)) !== 1) repeated.push(s);
  await p.cleanup();
  projects.splice(projects.indexOf(p), 1);
  return {
    delayMs,
    killed,
    resumeExit: r.code,
    activatedBeforeKill,
    checkingAtKill,
    repeated,
    prefixKept,
  };
}

describe('crash test', () => {
  test('a deployment killed with SIGKILL at 20 seeded moments always resumes to success, never re-running an activation journaled as succeeded', async () => {
    const duration = await calibrate();
    const random = mulberry32(SEED);
    const delays = Array.from({ length: RUNS }, () => Math.round(random() * duration));
    // Two lanes in parallel (each run has its own copy and port) keep the test near 30 s.
    const lane = async (mine: number[]) => {
      const out: RunFigures[] = [];
      for (const delay of mine) out.push(await crashAndResume(delay));
      return out;
    };
    const halves = await Promise.all([
      lane(delays.filter((_, i) => i % 2 === 0)),
      lane(delays.filter((_, i) => i % 2 === 1)),
    ]);
    const runs = halves.flat();

    const figures = {
      seed: SEED,
      deploymentMs: duration,
      runs: runs.length,
      kills: runs.filter((r) => r.killed).length,
      killsDuringHealthChecks: runs.filter((r) => r.checkingAtKill.length > 0).length,
      successfulResumes: runs.filter((r) => r.resumeExit === 0).length,
      activationsJournaledBeforeKills: runs.reduce((n, r) => n + r.activatedBeforeKill.length, 0),
      repeatedActivations: runs.reduce((n, r) => n + r.repeated.length, 0),
      journalPrefixKept: runs.filter((r) => r.prefixKept).length,
      services: SERVICES,
      detail: runs,
    };
    await mkdir(join(ROOT, 'test', '.tmp'), { recursive: true });
    await writeFile(
      join(ROOT, 'test', '.tmp', 'crash-figures.json'),
      `${JSON.stringify(figures, null, 2)}\n`,
    );

    expect(figures.kills).toBeGreaterThanOrEqual(RUNS - 3);
    // The seed was chosen so that kills land during health checks, not only between steps.
    expect(figures.killsDuringHealthChecks).toBeGreaterThanOrEqual(4);
    expect(runs.map((r) => r.resumeExit)).toEqual(runs.map(() => 0));
    expect(runs.flatMap((r) => r.repeated)).toEqual([]);
    expect(runs.every((r) => r.prefixKept)).toBe(true);
  }, 180_000);
});
