/**
 * One HTTP request to a monitoring server (Pushgateway, Alertmanager), the undici import of the
 * metrics adapters. The deadline is `AbortSignal.timeout`; the body is always read (bounded) or
 * dumped; nothing throws: a failure is a value with a short reason.
 */
import { request } from 'undici';

/** Response bodies are kept up to this size (error messages, alert lists in tests). */
const MAX_BODY = 256 * 1024;

export interface SendRequest {
  url: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A response (any status), or why there was none. */
export type SendResult = { ok: true; status: number; body: string } | { ok: false; reason: string };

/** The innermost error code: undici wraps socket errors, happy-eyeballs yields AggregateErrors. */
function codeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const err = current as { code?: unknown; errors?: unknown[]; cause?: unknown };
    if (Array.isArray(err.errors) && err.errors.length > 0) current = err.errors[0];
    else if (typeof err.code === 'string' && err.code !== 'UND_ERR_SOCKET') return err.code;
    else if (err.cause !== undefined) current = err.cause;
    else return typeof err.code === 'string' ? err.code : undefined;
  }
  return undefined;
}

/** Sends one request; the status and (bounded) body, or the reason it failed. */
export async function send(req: SendRequest): Promise<SendResult> {
  const timeout = AbortSignal.timeout(Math.max(1, req.timeoutMs));
  const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
  try {
    const response = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal,
    });
    let body = '';
    for await (const chunk of response.body) {
      if (body.length < MAX_BODY) body += (chunk as Buffer).toString('utf8');
    }
    return { ok: true, status: response.statusCode, body: body.slice(0, MAX_BODY) };
  } catch (error) {
    if (req.signal?.aborted === true) return { ok: false, reason: 'canceled' };
    if (timeout.aborted) return { ok: false, reason: `timeout after ${req.timeoutMs} ms` };
    const code = codeOf(error);
    return {
      ok: false,
      reason: code ?? (error instanceof Error ? error.message : String(error)),
    };
  }
}
