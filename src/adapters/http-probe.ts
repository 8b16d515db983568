/**
 * HTTP through undici, the one file that imports it: a probe attempt ({@link httpProbe}) and one
 * request sent to a server (`httpSend`: the Pushgateway, the Alertmanager, notification targets).
 * Precise deadlines come from `AbortSignal.timeout` (undici's own timeouts have about half a
 * second of granularity); bodies are always consumed (capped) or dumped; nothing here throws:
 * every failure is a value.
 */
import { STATUS_CODES } from 'node:http';
import { request } from 'undici';
import type { HttpProbeSpec } from '../config/plan-types.js';
import type { ProbeOutcome } from '../machines/effects.js';

/** Bodies are read up to this size for matching; the rest is discarded. */
const MAX_BODY = 1024 * 1024;

/** Does `status` satisfy the accepted codes and classes (`200`, `'204'`, `'2xx'`)? Empty means 2xx. */
export function statusAccepted(status: number, accepted: Array<number | string>): boolean {
  if (accepted.length === 0) return status >= 200 && status < 300;
  return accepted.some((want) => {
    const text = String(want).trim().toLowerCase();
    const cls = /^([1-5])xx$/.exec(text);
    if (cls) return Math.floor(status / 100) === Number(cls[1]);
    return Number(text) === status;
  });
}

/** A `/regex/flags` as written in the config, or undefined for a plain substring. */
function bodyRegex(pattern: string): RegExp | undefined {
  const match = /^\/(.+)\/([a-z]*)$/s.exec(pattern);
  return match ? new RegExp(match[1] ?? '', match[2]) : undefined;
}

/** Why the body does not satisfy the pattern, or undefined when it does. */
function bodyMismatch(body: string, pattern: string): string | undefined {
  let regex: RegExp | undefined;
  try {
    regex = bodyRegex(pattern);
  } catch (error) {
    return `invalid body pattern ${pattern}: ${(error as Error).message}`;
  }
  if (regex) return regex.test(body) ? undefined : `body did not match ${pattern}`;
  return body.includes(pattern) ? undefined : `body did not contain ${JSON.stringify(pattern)}`;
}

async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): unknown },
  max = MAX_BODY,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= max) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, max);
}

/** The innermost error code: undici wraps socket errors, happy-eyeballs yields AggregateErrors. */
function codeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const err = current as { code?: unknown; errors?: unknown[]; cause?: unknown };
    if (Array.isArray(err.errors) && err.errors.length > 0) {
      current = err.errors[0];
      continue;
    }
    if (typeof err.code === 'string' && err.code !== 'UND_ERR_SOCKET') return err.code;
    if (err.cause) {
      current = err.cause;
      continue;
    }
    return typeof err.code === 'string' ? err.code : undefined;
  }
  return undefined;
}

/** A short human reason for a failed request. */
function failureDetail(
  error: unknown,
  timeout: AbortSignal,
  timeoutMs: number,
  signal?: AbortSignal,
): string {
  if (signal?.aborted) return 'canceled';
  if (timeout.aborted) return `timeout after ${timeoutMs} ms`;
  const code = codeOf(error);
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE')
    return 'connection reset';
  if (code === 'ERR_INVALID_URL' || code === 'UND_ERR_INVALID_ARG')
    return `invalid request: ${(error as Error).message}`;
  if (code) return code;
  return error instanceof Error ? error.message : String(error);
}

/**
 * One HTTP probe: the request, the status check, the body match. `detail` reads like
 * `200 OK`, `503 (expected 200)`, `body did not match /ok/`, `ECONNREFUSED`, `timeout after 2000 ms`.
 */
export async function httpProbe(
  spec: HttpProbeSpec,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeOutcome> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const timeout = AbortSignal.timeout(Math.max(1, timeoutMs));
  const combined = signal ? AbortSignal.any([timeout, signal]) : timeout;
  try {
    const response = await request(spec.url, {
      method: spec.method.toUpperCase() as 'GET',
      headers: spec.headers,
      signal: combined,
      reset: true,
    });
    const status = response.statusCode;
    const accepted = statusAccepted(status, spec.status);
    if (!accepted || spec.body === undefined) {
      await response.body.dump();
      const expected = spec.status.length > 0 ? spec.status.join('|') : '2xx';
      const detail = accepted
        ? `${status} ${STATUS_CODES[status] ?? ''}`.trim()
        : `${status} (expected ${expected})`;
      return { ok: accepted, detail, durationMs: elapsed(), status };
    }
    const body = await readCapped(response.body);
    const mismatch = bodyMismatch(body, spec.body);
    return {
      ok: !mismatch,
      detail: mismatch ?? `${status} ${STATUS_CODES[status] ?? ''}`.trim(),
      durationMs: elapsed(),
      status,
    };
  } catch (error) {
    return {
      ok: false,
      detail: failureDetail(error, timeout, timeoutMs, signal),
      durationMs: elapsed(),
    };
  }
}

/** A plain GET: ok for any 2xx/3xx answer. Used by network prerequisites and performance samples. */
export async function httpGet(
  url: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ ok: boolean; status?: number; durationMs: number; detail: string }> {
  return httpProbe({ url, method: 'GET', status: ['2xx', '3xx'], headers: {} }, timeoutMs, signal);
}

/** One request to send (`httpSend`). */
export interface HttpSend {
  url: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  /** The response body is read up to this size (default 256 KiB), the rest discarded. */
  maxBody?: number;
  /** A fresh connection, closed after the response (no keep-alive). */
  reset?: boolean;
}

/** A response (any status, its headers, its capped body), or why there was none. */
export type HttpSent =
  | {
      ok: true;
      status: number;
      headers: Record<string, string | string[] | undefined>;
      body: string;
    }
  | {
      ok: false;
      /** `canceled`, `timeout after N ms`, the error's code, or its message. */
      reason: string;
      /** The innermost error code, when there is one (`ECONNREFUSED`). */
      code?: string;
      timedOut: boolean;
      canceled: boolean;
    };

/** Sends one request; never throws. */
export async function httpSend(req: HttpSend): Promise<HttpSent> {
  const timeout = AbortSignal.timeout(Math.max(1, Math.floor(req.timeoutMs)));
  const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
  try {
    const response = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal,
      ...(req.reset === true ? { reset: true } : {}),
    });
    const body = await readCapped(response.body, req.maxBody ?? 256 * 1024);
    return { ok: true, status: response.statusCode, headers: response.headers, body };
  } catch (error) {
    const canceled = req.signal?.aborted === true;
    const timedOut = !canceled && timeout.aborted;
    const code = codeOf(error);
    const reason = canceled
      ? 'canceled'
      : timedOut
        ? `timeout after ${req.timeoutMs} ms`
        : (code ?? (error instanceof Error ? error.message : String(error)));
    return { ok: false, reason, ...(code === undefined ? {} : { code }), timedOut, canceled };
  }
}
