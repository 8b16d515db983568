/**
 * Faults by signal: kill -9 of stagecraft at a random moment of deploy, rollback, down or resume
 * (and the command in flight meeting its resumed copy), SIGINT/SIGTERM during deploy, rollback
 * and down, and two deploys at once.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Generator } from './case.js';
import type { SignalFault } from './cli.js';
import { DEPLOY, KILLED, journaled, locked, services, writeStack } from './fault-helpers.js';
import { printVars } from './project.js';
import { between, pick } from './rand.js';

const kill9: Generator = {
  name: 'kill-9',
  kind: 'fault',
  async run(ctx) {
    const phase = pick(ctx.rand, ['deploy', 'rollback', 'down', 'resume'] as const);
    const delayMs = between(ctx.rand, 0, phase === 'down' ? 300 : 1500);
    const recovery =
      phase === 'down' ? 'unlock' : pick(ctx.rand, ['resume', 'unlock+deploy'] as const);
    const from = {
      rollback: 'rollback.started is journaled',
      resume: 'resume.planned is journaled',
    }[phase as string];
    ctx.note(
      `SIGKILL during ${phase}, ${delayMs} ms after ${from ?? 'the lock appears'}, then ${recovery}`,
    );
    await writeStack(ctx, { healthy: phase !== 'rollback', migrateSleep: 1, rollbackSleep: 1 });
    if (phase === 'down') await ctx.cli(DEPLOY, { expect: [0] });
    const args = phase === 'down' ? ['down', '--yes', '--plain'] : DEPLOY;
    const when = phase === 'rollback' ? journaled(ctx, 'rollback.started') : locked(ctx);
    if (phase === 'resume') {
      // Killed once while deploying, then the resume is killed too, once it planned.
      await ctx.cli(DEPLOY, {
        expect: KILLED,
        signals: [{ when, delayMs: between(ctx.rand, 200, 900), signal: 'SIGKILL' }],
      });
      const planned = journaled(ctx, 'resume.planned');
      await ctx.cli(['resume', '--yes', '--plain'], {
        expect: KILLED,
        signals: [{ when: planned, delayMs, signal: 'SIGKILL' }],
      });
    } else await ctx.cli(args, { expect: KILLED, signals: [{ when, delayMs, signal: 'SIGKILL' }] });
    if (recovery === 'resume') await ctx.cli(['resume', '--yes', '--plain']);
    else {
      await ctx.cli(['unlock'], { expect: [0] });
      if (phase !== 'down') await ctx.cli(DEPLOY, { expect: [0, 1] });
    }
  },
};

/** A command that counts its copies alive at its start: an overlap is a copy that found another. */
const OVERLAP = (name: string) => `mkdir -p markers
for p in $(cat markers/${name}.pids 2>/dev/null); do
  if [ -r /proc/$p/stat ] && [ "$(cut -d' ' -f3 /proc/$p/stat)" != Z ]; then echo "$$ met $p" >> markers/overlap; fi
done
echo $$ >> markers/${name}.pids
sleep 3
${printVars(name, 'ATTACK_SECRET')}
`;

const kill9InFlight: Generator = {
  name: 'kill-9-then-resume-in-flight',
  kind: 'fault',
  async run(ctx) {
    const what = pick(ctx.rand, ['activation', 'rollback'] as const);
    const delayMs = between(ctx.rand, 0, 600);
    ctx.note(`SIGKILL ${delayMs} ms into the ${what} command, then resume at once`);
    await ctx.write('inflight.sh', OVERLAP(what));
    await writeStack(ctx, { healthy: what === 'activation' }, (c) => {
      services(c).migrate![what === 'activation' ? 'activate' : 'rollback'] = 'sh inflight.sh';
    });
    const pids = join(ctx.dir, 'markers', `${what}.pids`);
    await ctx.cli(DEPLOY, {
      expect: KILLED,
      signals: [{ when: () => existsSync(pids), delayMs, signal: 'SIGKILL' }],
    });
    await ctx.cli(['resume', '--yes', '--plain']);
    const overlap = await readFile(join(ctx.dir, 'markers', 'overlap'), 'utf8').catch(() => '');
    if (overlap !== '')
      ctx.fail(
        `the ${what} command in flight at the kill was still running when resume ran it again (${overlap.trim().split('\n')[0]})`,
      );
  },
};

const interrupt: Generator = {
  name: 'sigint-sigterm',
  kind: 'fault',
  async run(ctx) {
    const during = pick(ctx.rand, [
      'deploy',
      'deploy rollback',
      'down',
      'rollback command',
    ] as const);
    const signal = pick(ctx.rand, ['SIGINT', 'SIGTERM'] as const);
    const count = between(ctx.rand, 1, 2);
    const delayMs = between(ctx.rand, 0, during === 'down' ? 200 : 1200);
    const from =
      during === 'deploy rollback' ? 'rollback.started is journaled' : 'the lock appears';
    ctx.note(`${count}× ${signal} during ${during}, ${delayMs} ms after ${from}`);
    await writeStack(ctx, {
      healthy: during !== 'deploy rollback',
      migrateSleep: 1,
      rollbackSleep: 1,
    });
    let args = DEPLOY;
    if (during === 'down' || during === 'rollback command') await ctx.cli(DEPLOY, { expect: [0] });
    if (during === 'rollback command') {
      await ctx.cli(DEPLOY, { expect: [0] });
      args = ['rollback', '--yes', '--plain'];
    }
    if (during === 'down') args = ['down', '--yes', '--plain'];
    const when = during === 'deploy rollback' ? journaled(ctx, 'rollback.started') : locked(ctx);
    const signals: SignalFault[] = Array.from({ length: count }, (_, i) => ({
      when,
      delayMs: delayMs + i * 150,
      signal,
    }));
    const r = await ctx.cli(args, { signals, expect: [0, 1, 3, 130] });
    if (r.delivered.length > 0 && existsSync(ctx.lockFile))
      ctx.fail(`the lock was left behind after ${r.delivered.length}× ${signal} (exit ${r.code})`);
  },
};

const concurrentDeploys: Generator = {
  name: 'two-deploys-at-once',
  kind: 'fault',
  async run(ctx) {
    ctx.note('two deploys started together');
    await writeStack(ctx, { healthy: true, migrateSleep: 1 });
    ctx.injected += 1;
    const [a, b] = await Promise.all([
      ctx.cli(DEPLOY, { expect: [0, 4] }),
      ctx.cli(DEPLOY, { expect: [0, 4] }),
    ]);
    const codes = [a.code, b.code].sort();
    if (codes[0] !== 0 || (codes[1] !== 4 && codes[1] !== 0))
      ctx.fail(`two deploys ended ${codes.join(' and ')}`);
  },
};

/** The generators of signals and races. */
export const SIGNAL_FAULTS: Generator[] = [kill9, kill9InFlight, interrupt, concurrentDeploys];
