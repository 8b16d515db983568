/**
 * `stagecraft decide <id> [choice]`: answers a running deployment's pending decision from any
 * terminal or CI job that reaches the team state database; without a choice, shows the pending
 * decision and its valid choices. The deployment takes it as the same event as a key press.
 */
import { hostname } from 'node:os';
import { REMOTE_SUFFIX } from '../../record/view.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadPlan } from '../load-plan.js';
import type { CommonOptions } from '../options.js';
import { stateDirFor } from '../state-dir.js';

/** Runs `decide`. */
export async function decideCommand(
  id: string,
  choice: string | undefined,
  opts: CommonOptions,
  io: CliIo,
): Promise<number> {
  const plan = await loadPlan(opts, io);
  const w = { plan, stateDir: stateDirFor(plan, io.cwd, opts.stateDir), env: io.env };
  const { decide, pendingOf } = await import('../../runtime/team.js');
  const { operatorName } = await import('../../runtime/operator.js');
  if (choice === undefined) {
    const view = await pendingOf(w, id);
    const p = view.pending;
    if (opts.json === true) {
      io.stdout.write(`${JSON.stringify({ deployment: id, pending: p ?? null })}\n`);
      return EXIT.ok;
    }
    if (p === undefined) {
      io.stdout.write(`deployment ${id} has no pending decision (phase ${view.record.phase})\n`);
      return EXIT.ok;
    }
    const left = Math.max(0, Math.round((p.deadline - Date.now()) / 1000));
    io.stdout.write(
      `deployment ${id} asks: ${p.message}\n  choices: ${p.choices.join(', ')} (default ${p.defaultChoice} in ${left} s)\n  answer: stagecraft decide ${id} <choice>\n`,
    );
    return EXIT.ok;
  }
  const by = `${operatorName()}@${hostname()}${REMOTE_SUFFIX}`;
  const r = await decide(w, id, choice, by);
  if (opts.json === true) io.stdout.write(`${JSON.stringify({ deployment: id, ...r })}\n`);
  else if (r.taken) io.stdout.write(`deployment ${id} took ${choice} (answered by ${by})\n`);
  else
    io.stderr.write(
      `stagecraft: deployment ${id} did not take ${choice}: ${r.why}` +
        (r.choice === undefined ? '' : ` (${r.choice}, by ${r.by ?? 'unknown'})`) +
        '\n',
    );
  return r.taken ? EXIT.ok : EXIT.failed;
}
