/** One TCP connect attempt (node:net): ok once the connection is established; never throws. */
import { connect } from 'node:net';
import type { ProbeOutcome } from '../machines/effects.js';

/** Try to connect to `host:port` within `timeoutMs`; `detail` is `connected`, `ECONNREFUSED`, `timeout after N ms` or `canceled`. */
export async function tcpProbe(
  host: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeOutcome> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  if (signal?.aborted) return { ok: false, detail: 'canceled', durationMs: 0 };
  return new Promise<ProbeOutcome>((resolve) => {
    const socket = connect({ host, port });
    const finish = (ok: boolean, detail: string): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
      resolve({ ok, detail, durationMs: elapsed() });
    };
    const onAbort = (): void => finish(false, 'canceled');
    const timer = setTimeout(() => finish(false, `timeout after ${timeoutMs} ms`), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish(true, 'connected'));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish(false, error.code ?? error.message),
    );
  });
}
