/**
 * `stagecraft down`: stops the environment's services in reverse dependency order — each
 * service's `stop` command, and the `process` services stagecraft started. Asks first on a
 * terminal unless `--yes`; takes the environment lock like a deployment.
 */
import { createInterface } from 'node:readline/promises';
import { runCommand } from '../../adapters/exec.js';
import { readSecrets } from '../../adapters/env.js';
import { Masker } from '../../core/mask.js';
import { stopService } from '../../adapters/process.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadPlan } from '../load-plan.js';
import type { CommonOptions } from '../options.js';
import { stateDirFor } from '../state-dir.js';
import { UsageError } from '../usage-error.js';
import { openSession } from '../engine/session.js';
import { loadUi } from '../load-ui.js';

/** Options of `down`. */
export interface DownOptions extends CommonOptions {
  yes?: boolean;
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export async function downCommand(opts: DownOptions, io: CliIo): Promise<number> {
  const plan = await loadPlan(opts, io);
  const terminal = io.isTTY === true && process.stdin.isTTY && io.env.CI === undefined;
  if (opts.yes !== true && !terminal)
    throw new UsageError('down stops every service of the environment: pass --yes to confirm');
  // On a terminal: the Ink confirmation and a row per service; otherwise lines.
  const ui =
    terminal && opts.json !== true
      ? (await loadUi(() => import('../../ui/render-down.js'))).renderDown({
          project: plan.project,
          environment: plan.environment,
          services: plan.rollbackOrder.filter((n) => plan.services[n] !== undefined),
          confirm: opts.yes !== true,
        })
      : undefined;
  if (opts.yes !== true) {
    const yes =
      ui === undefined
        ? await confirm(`Stop every service of ${plan.project} → ${plan.environment}?`)
        : await ui.confirmed;
    if (!yes) {
      await ui?.close();
      if (ui === undefined) io.stdout.write('nothing stopped\n');
      return EXIT.ok;
    }
  }
  const secrets = readSecrets(plan.secretNames, io.env).values;
  const stateDir = stateDirFor(plan, io.cwd, opts.stateDir);
  const session = await openSession(plan, stateDir, 'down', new Masker(Object.values(secrets)));
  if ('locked' in session) {
    await ui?.close();
    io.stderr.write(`stagecraft: ${session.message}\n`);
    return session.exitCode;
  }
  const vars: Record<string, string> = {
    ENV: plan.environment,
    STAGECRAFT_DEPLOYMENT_ID: session.id,
  };
  for (const [k, v] of Object.entries(plan.vars)) vars[k] = v.value;
  const failures: string[] = [];
  for (const name of plan.rollbackOrder) {
    const s = plan.services[name];
    if (s === undefined) continue;
    // What the screen shows for this service once it is done (the lines say it as they go).
    let outcome: { state: 'stopped' | 'not-running' | 'failed'; detail?: string } = {
      state: 'stopped',
    };
    if (s.stop !== undefined) {
      ui?.update(name, 'stopping', 'stop command');
      const r = await runCommand(s.stop, {
        env: { ...vars, ...secrets },
        timeoutMs: s.timeoutMs,
        logFile: `${session.logDir}/${name}.stop.log`,
      });
      const ok = r.exitCode === 0;
      if (!ok) {
        const why = `stop command exited ${r.exitCode ?? r.signal ?? 'abnormally'}`;
        failures.push(`${name}: ${why}`);
        outcome = { state: 'failed', detail: why };
      } else outcome = { state: 'stopped', detail: 'stop command ok' };
      if (ui === undefined) io.stdout.write(`  ${name}: stop command ${ok ? 'ok' : 'FAILED'}\n`);
      await session.journal.append({ type: 'down.stop', service: name, ok });
    }
    if (s.kind === 'process') {
      ui?.update(name, 'stopping');
      const r = await stopService({ stateDir, environment: plan.environment }, name);
      if (ui === undefined)
        io.stdout.write(
          `  ${name}: ${r.stopped ? `stopped (pid ${r.pid ?? '?'})` : 'not running'}\n`,
        );
      if (outcome.state !== 'failed')
        outcome = r.stopped
          ? { state: 'stopped', detail: `pid ${r.pid ?? '?'}` }
          : { state: 'not-running' };
      await session.journal.append({ type: 'down.process', service: name, stopped: r.stopped });
    }
    ui?.update(name, outcome.state, outcome.detail);
  }
  const code = failures.length === 0 ? EXIT.ok : EXIT.manual;
  await ui?.finish(code, failures);
  for (const f of failures) io.stderr.write(`stagecraft: ${f}\n`);
  await session.close(
    code === EXIT.ok ? 'succeeded' : 'rollback-incomplete',
    code === EXIT.ok ? 'down' : 'down-incomplete',
    code,
  );
  return code;
}
