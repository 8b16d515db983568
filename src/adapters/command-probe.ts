/** A command probe: exit 0 passes. One attempt, via {@link runCommand}. */
import type { CommandSpec } from '../config/plan-types.js';
import type { CommandOutcome, ProbeOutcome } from '../machines/effects.js';
import { runCommand } from './exec.js';

/** Run the command once within `timeoutMs`; `detail` is `exit 0`, `exit 1: <last output line>`, `timeout after N ms`, ... */
export async function commandProbe(
  command: CommandSpec,
  env: Record<string, string>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeOutcome> {
  const outcome = await runCommand(command, {
    env,
    timeoutMs,
    graceMs: 1000,
    tailBytes: 2048,
    ...(signal ? { signal } : {}),
  });
  return commandProbeOutcome(outcome, command, timeoutMs);
}

/** A command's outcome as a probe's: `exit 0`, `exit 1: <last output line>`, `timeout after N ms`. */
export function commandProbeOutcome(
  outcome: CommandOutcome,
  command: CommandSpec,
  timeoutMs: number,
): ProbeOutcome {
  const lastLine = outcome.outputTail.trimEnd().split('\n').at(-1)?.slice(0, 200) ?? '';
  let detail: string;
  if (outcome.canceled) detail = 'canceled';
  else if (outcome.timedOut)
    detail = `timeout after ${Math.min(timeoutMs, command.timeoutMs ?? Infinity)} ms`;
  else if (outcome.lost === true) detail = `unknown: ${outcome.error ?? 'connection lost'}`;
  else if (outcome.error) detail = outcome.error;
  else if (outcome.exitCode === null) detail = `killed by ${outcome.signal ?? 'a signal'}`;
  else
    detail = `exit ${outcome.exitCode}${outcome.exitCode !== 0 && lastLine ? `: ${lastLine}` : ''}`;
  return {
    ok: outcome.exitCode === 0 && !outcome.timedOut && !outcome.canceled,
    detail,
    durationMs: outcome.durationMs,
  };
}
