/**
 * The command target: the event JSON (the webhook body) on the command's stdin, through the
 * exec adapter, so it runs like every other command of the config (its own process group,
 * killed whole at its deadline, output masked).
 */
import type { CommandSpec } from '../../config/plan-types.js';
import type { Masker } from '../../core/mask.js';
import { runCommand } from '../exec.js';
import type { AttemptResult } from './attempt.js';

/** How long a command past its deadline gets between SIGTERM and SIGKILL. */
const GRACE_MS = 1000;

/** One run of a command target with `body` on its stdin. */
export async function runNotifyCommand(
  command: CommandSpec,
  body: string,
  opts: {
    env: Record<string, string>;
    timeoutMs: number;
    signal: AbortSignal;
    mask: Masker;
  },
): Promise<AttemptResult> {
  const outcome = await runCommand(command, {
    env: opts.env,
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
    mask: opts.mask,
    graceMs: GRACE_MS,
    input: body,
  });
  if (outcome.exitCode === 0) return { ok: true, detail: 'exit 0' };
  if (outcome.canceled) return { ok: false, retry: false, detail: 'canceled' };
  if (outcome.timedOut)
    return { ok: false, retry: true, detail: `timeout after ${opts.timeoutMs} ms` };
  const last = outcome.outputTail.trimEnd().split('\n').at(-1) ?? '';
  const why = outcome.error ?? (outcome.signal ? `killed by ${outcome.signal}` : undefined);
  const exit = outcome.exitCode === null ? 'did not run' : `exit ${outcome.exitCode}`;
  return {
    ok: false,
    retry: true,
    detail: [why ?? exit, why === undefined && last ? last.slice(0, 200) : '']
      .filter(Boolean)
      .join(': '),
  };
}
