/**
 * One attack case: a generator plants bad input or faults in a fresh folder and runs the built
 * CLI; then every case is held to the same invariants — exit codes from the README's table and
 * never a bug report or a stack trace, every run within its deadline, the lock released (the next
 * command is not refused with exit 4), no process of the case left after `down`, and no piece of
 * a sentinel secret in any output or in any file under the case's folder.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hasStackTrace } from '../cli/helpers.js';
import { freePort } from '../engine/example-project.js';
import { runCli, type RunOptions, type RunResult } from './cli.js';
import { caseFolder } from './project.js';
import { seeded, type Rand } from './rand.js';
import { filesUnder, leaksIn, makeSentinels, secretEnv, type Sentinels } from './sentinel.js';
import { TAG_VAR, locksLeft, reapOrphans } from './world.js';

/** The README's exit codes. */
export const EXIT_CODES: readonly number[] = [0, 1, 2, 3, 4, 130];

/** How long one CLI run may take unless a step says otherwise. */
const RUN_DEADLINE_MS = 25_000;
/** How long a whole case may take. */
const CASE_DEADLINE_MS = 60_000;

/** A bad input or a fault, and what it must not break. */
export interface Generator {
  name: string;
  kind: 'input' | 'fault';
  run(ctx: CaseContext): Promise<void>;
}

/** One CLI step of a case. */
export interface Step extends Partial<Omit<RunOptions, 'env'>> {
  /** Allowed outcomes (exit codes or the signal the case itself sent); default EXIT_CODES. */
  expect?: ReadonlyArray<number | NodeJS.Signals>;
  env?: Record<string, string>;
  /** Add `--var DB_URL=<a URL embedding the secret>` (default: the case's plantVar). */
  plantVar?: boolean;
}

/** What a generator works with. */
export class CaseContext {
  readonly stateDir: string;
  readonly lockFile: string;
  readonly runs: RunResult[] = [];
  readonly problems: string[] = [];
  readonly details: string[] = [];
  /** Faults delivered (signals that reached a running CLI, stdout closed, ...). */
  injected = 0;
  /** The config declares the sentinel secrets: the embedding --var is planted too. */
  plantVar = true;
  /** Nothing can be running and no state was written: the closing `down` is not needed. */
  skipDown = false;

  constructor(
    readonly dir: string,
    readonly tag: string,
    readonly rand: Rand,
    readonly sentinels: Sentinels,
    readonly port: number,
  ) {
    this.stateDir = join(dir, '.stagecraft');
    this.lockFile = join(this.stateDir, 'locks', 'default.json');
  }

  /** Notes a parameter of the case, for its report line. */
  note(detail: string): void {
    this.details.push(detail);
  }

  /** Records a broken invariant. */
  fail(problem: string): void {
    this.problems.push(problem);
  }

  async write(name: string, text: string): Promise<void> {
    await writeFile(join(this.dir, name), text);
  }

  /** The environment of every run: a clean one, the secrets, the case's tag. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      CI: 'true',
      NO_COLOR: '1',
      [TAG_VAR]: this.tag,
      ...secretEnv(this.sentinels),
      ...extra,
    };
  }

  /** Runs the built CLI in the case folder and checks the invariants every run must keep. */
  async cli(args: string[], step: Step = {}): Promise<RunResult> {
    const plant = step.plantVar ?? this.plantVar;
    const full = plant ? [...args, '--var', `DB_URL=${this.sentinels.dbUrl}`] : args;
    const r = await runCli(full, {
      cwd: step.cwd ?? this.dir,
      env: this.env(step.env),
      deadlineMs: step.deadlineMs ?? RUN_DEADLINE_MS,
      ...(step.signals === undefined ? {} : { signals: step.signals }),
      ...(step.closeStdout === undefined ? {} : { closeStdout: step.closeStdout }),
      ...(step.wrap === undefined ? {} : { wrap: step.wrap }),
    });
    r.args = args;
    this.runs.push(r);
    this.injected += r.delivered.length;
    const what = `stagecraft ${args.join(' ').slice(0, 80)}`;
    const firstLine = (r.stderr.trim().split('\n')[0] ?? '').slice(0, 200);
    if (r.hang) this.fail(`hang: ${what} still running after ${r.ms} ms (killed)`);
    else if (!(step.expect ?? EXIT_CODES).includes(r.code))
      this.fail(
        `${what}: exit ${r.code}, expected ${(step.expect ?? EXIT_CODES).join('|')}${firstLine === '' ? '' : ` (${firstLine})`}`,
      );
    if (/internal error/.test(r.stderr + r.stdout))
      this.fail(`${what}: "internal error": ${firstLine}`);
    if (hasStackTrace(r.stderr) || hasStackTrace(r.stdout)) this.fail(`${what}: a stack trace`);
    if (r.code === 2 && r.stderr.trim() === '' && !r.hang) this.fail(`${what}: exit 2, no message`);
    return r;
  }
}

/** What became of one case. */
export interface CaseResult {
  index: number;
  seed: number;
  generator: string;
  kind: 'input' | 'fault';
  details: string[];
  problems: string[];
  injected: number;
  orphans: number;
  leaks: number;
  hangs: number;
  ms: number;
  /** Each run's command, outcome and last lines (printed when a replayed case fails). */
  transcript: string;
}

const tail = (text: string, n: number): string =>
  text
    .trimEnd()
    .split('\n')
    .slice(-n)
    .map((l) => `      ${l.length > 300 ? `${l.slice(0, 300)}…` : l}`)
    .join('\n');

/** Runs case `index` (seed `seed`) of generator `gen` and checks what it left. */
export async function runCase(gen: Generator, seed: number, index: number): Promise<CaseResult> {
  const started = performance.now();
  const rand = seeded(seed);
  const dir = await caseFolder();
  const tag = `attack-${seed.toString(16)}-${index}-${process.pid}`;
  const ctx = new CaseContext(dir, tag, rand, makeSentinels(rand), await freePort());
  let orphans: string[] = [];
  let leaks: string[] = [];
  try {
    try {
      await gen.run(ctx);
    } catch (err) {
      ctx.fail(`the case itself threw: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!ctx.skipDown) {
      const down = await ctx.cli(['down', '--yes', '--plain'], { deadlineMs: 20_000 });
      if (down.code === 4) ctx.fail('the lock was not released: the closing down exits 4');
    }
    const locks = locksLeft(ctx.stateDir);
    if (locks.length > 0) ctx.fail(`lock left behind: locks/${locks.join(', locks/')}`);
    orphans = await reapOrphans(tag, dir, 3000);
    for (const o of orphans) ctx.fail(`orphan: ${o}`);
    const texts = new Map<string, string>();
    ctx.runs.forEach((r, i) => {
      texts.set(`stdout of run ${i + 1} (${r.args.join(' ').slice(0, 40)})`, r.stdout);
      texts.set(`stderr of run ${i + 1} (${r.args.join(' ').slice(0, 40)})`, r.stderr);
    });
    for (const [path, text] of await filesUnder(dir)) texts.set(path, text);
    leaks = leaksIn(ctx.sentinels, texts);
    for (const l of leaks) ctx.fail(`leak: a sentinel in ${l}`);
    const ms = Math.round(performance.now() - started);
    if (ms > CASE_DEADLINE_MS) ctx.fail(`the case took ${ms} ms (bound ${CASE_DEADLINE_MS})`);
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
  return {
    index,
    seed,
    generator: gen.name,
    kind: gen.kind,
    details: ctx.details,
    problems: ctx.problems,
    injected: ctx.injected,
    orphans: orphans.length,
    leaks: leaks.length,
    hangs: ctx.runs.filter((r) => r.hang).length,
    ms: Math.round(performance.now() - started),
    transcript: ctx.runs
      .map(
        (r) =>
          `    $ stagecraft ${r.args.join(' ')} → ${r.code} in ${r.ms} ms${r.delivered.length > 0 ? ` (sent ${r.delivered.join(', ')})` : ''}\n${tail(r.stdout, 25)}\n${tail(r.stderr, 8)}`,
      )
      .join('\n'),
  };
}
