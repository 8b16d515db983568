/** Dispatch one probe attempt on its kind. Policy (retries, intervals) lives in the health machine. */
import type { ProbeSpec } from '../config/plan-types.js';
import type { ProbeOutcome } from '../machines/effects.js';
import { commandProbe } from './command-probe.js';
import { tcpProbe } from './tcp-probe.js';

/** Run `probe` once with its own `timeoutMs`; `env` reaches command probes. Never throws. */
export async function runProbe(
  probe: ProbeSpec,
  env: Record<string, string>,
  signal?: AbortSignal,
): Promise<ProbeOutcome> {
  if (probe.kind === 'http' && probe.http) {
    // undici is loaded only by a run that probes over HTTP: it is a large part of a cold start.
    const { httpProbe } = await import('./http-probe.js');
    return httpProbe(probe.http, probe.timeoutMs, signal);
  }
  if (probe.kind === 'tcp' && probe.tcp)
    return tcpProbe(probe.tcp.host, probe.tcp.port, probe.timeoutMs, signal);
  if (probe.kind === 'command' && probe.command)
    return commandProbe(probe.command, env, probe.timeoutMs, signal);
  return { ok: false, detail: `probe ${probe.label} has no ${probe.kind} settings`, durationMs: 0 };
}
