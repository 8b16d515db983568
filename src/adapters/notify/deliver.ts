/**
 * Delivering one notification to its targets: the body in the target's format, a POST (httpSend)
 * or a command, each attempt with its own deadline, retries with backoff on 429/5xx/timeouts/
 * connection errors (a server's `Retry-After` honoured, capped), all within a total deadline.
 * Nothing here throws: every target ends in a {@link DeliveryOutcome}. A secret URL or signing
 * key is read from the env record given, at send time, and masked out of every detail.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { httpSend } from '../http-probe.js';
import type { NotifyEvent, NotifyTargetSpec, SecretOr } from '../../config/plan-monitoring.js';
import { Masker } from '../../core/mask.js';
import { own } from '../../core/own.js';
import { count } from '../../core/plural.js';
import type { AttemptResult } from './attempt.js';
import { runNotifyCommand } from './command.js';
import { discordBody, discordUrl } from './discord.js';
import { slackBody } from './slack.js';
import { teamsBody } from './teams.js';
import { webhookBody, webhookSignature } from './webhook.js';

/** How one target's delivery ended. */
export interface DeliveryOutcome {
  /** The target's name (`notify[0]`, or its `name:`). */
  target: string;
  kind: NotifyTargetSpec['kind'];
  status: 'sent' | 'failed';
  /** Attempts made (0: it could not be tried, e.g. its secret is not set). */
  attempts: number;
  /** `200 OK`, `503 Service Unavailable (after 3 attempts)`, `secret SLACK_URL is not set` ... */
  detail: string;
  durationMs: number;
}

/** One attempt as it ends, for the journal: sent, retried (and when), or failed for good. */
export interface AttemptReport {
  target: string;
  kind: NotifyTargetSpec['kind'];
  attempt: number;
  status: 'sent' | 'retrying' | 'failed';
  detail: string;
  /** For `retrying`: the wait before the next attempt. */
  retryInMs?: number;
}

/** How to deliver. */
export interface DeliverOptions {
  /** Where secret values are read, by name (the operator's environment). */
  env: Readonly<Record<string, string | undefined>>;
  /** The run's masker; the target's own URL and signing key are masked on top. */
  mask?: Masker;
  /** All attempts and waits of one target end within this; default 60 s. */
  deadlineMs?: number;
  /** The wait before the first retry (doubled for each next, at most 16×); default 500 ms. */
  backoffMs?: number;
  /** The longest `Retry-After` obeyed; default 30 s (a longer one is waited this long). */
  retryAfterCapMs?: number;
  /** Cancels every attempt and wait. */
  signal?: AbortSignal;
  /** Told each attempt's end (never with a secret). A throwing callback is ignored. */
  onAttempt?: (report: AttemptReport) => void;
  /** The environment a command target runs with (variables and secrets), on top of the operator's. */
  commandEnv?: Record<string, string>;
}

const DEFAULT_DEADLINE_MS = 60_000;
const DEFAULT_BACKOFF_MS = 500;
const DEFAULT_RETRY_AFTER_CAP_MS = 30_000;
const MAX_BACKOFF_FACTOR = 16;
/** An error body is read up to this size for the detail; the rest is discarded. */
const MAX_ERROR_BODY = 2048;

/** `Retry-After` (delta-seconds or an HTTP date) in ms from `now`; undefined when unusable. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A value of the config, or a secret read from `env`; undefined when the secret is unset. */
function valueOf(v: SecretOr, env: DeliverOptions['env']): string | undefined {
  if ('value' in v) return v.value;
  const value = own(env, v.secret);
  return value === undefined || value === '' ? undefined : value;
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The secret parts of a URL: whole, and its path and query (the token of most webhooks). */
function urlSecrets(url: string): string[] {
  try {
    const u = new URL(url);
    return [url, u.href, `${u.pathname}${u.search}`];
  } catch {
    return [url];
  }
}

/** Every secret value a target may send with: its URL's parts and its signing key. */
function targetSecrets(target: NotifyTargetSpec, env: DeliverOptions['env']): string[] {
  if (target.kind === 'command') return [];
  const url = valueOf(target.url, env);
  const key =
    target.kind === 'webhook' && target.signingSecret !== undefined
      ? own(env, target.signingSecret)
      : undefined;
  return [...(url === undefined ? [] : urlSecrets(url)), ...(key ? [key] : [])];
}

/** One POST of `body`: 2xx is sent; 408, 429 and 5xx are worth a retry, other statuses not. */
async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<AttemptResult> {
  const response = await httpSend({
    url,
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'stagecraft',
      ...headers,
    },
    timeoutMs,
    ...(signal === undefined ? {} : { signal }),
    maxBody: MAX_ERROR_BODY,
    reset: true,
  });
  if (!response.ok) {
    if (response.canceled) return { ok: false, retry: false, detail: 'canceled' };
    if (response.timedOut) return { ok: false, retry: true, detail: response.reason };
    // Only the code: an error's message may quote the (secret) URL.
    return { ok: false, retry: true, detail: response.code ?? 'the request failed' };
  }
  const status = response.status;
  const text = `${status} ${STATUS_CODES[status] ?? ''}`.trim();
  if (status >= 200 && status < 300) return { ok: true, detail: text };
  const said = response.body.trim().split('\n')[0] ?? '';
  const detail = said === '' ? text : `${text}: ${said.slice(0, 200)}`;
  const retry = status === 408 || status === 429 || status >= 500;
  const header = response.headers['retry-after'];
  const after = retryAfterMs(Array.isArray(header) ? header[0] : header);
  return { ok: false, retry, detail, ...(after === undefined ? {} : { retryAfterMs: after }) };
}

/** A wait that ends early (false) when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** How to make one attempt at a target, or why it cannot be tried at all. */
type Sender = { ok: true; send: (timeoutMs: number) => Promise<AttemptResult>; secrets: string[] };

function senderFor(
  target: NotifyTargetSpec,
  event: NotifyEvent,
  opts: DeliverOptions,
  mask: () => Masker,
): Sender | { ok: false; detail: string } {
  if (target.kind === 'command') {
    const body = webhookBody(event);
    const env = { ...(opts.commandEnv ?? {}), STAGECRAFT_NOTIFY_EVENT: event.event };
    return {
      ok: true,
      secrets: [],
      send: (timeoutMs) =>
        runNotifyCommand(target.command, body, {
          env,
          timeoutMs,
          signal: opts.signal ?? new AbortController().signal,
          mask: mask(),
        }),
    };
  }
  const raw = valueOf(target.url, opts.env);
  if (raw === undefined)
    return {
      ok: false,
      detail: `secret ${'secret' in target.url ? target.url.secret : ''} is not set`,
    };
  const url = target.kind === 'discord' ? discordUrl(raw) : raw;
  const secrets = urlSecrets(raw);
  if (url === undefined || !isHttpUrl(url))
    return { ok: false, detail: `the ${target.kind} URL is not an http(s) URL` };
  const send =
    (body: string, headers: Record<string, string> = {}) =>
    (timeoutMs: number) =>
      post(url, body, headers, timeoutMs, opts.signal);
  switch (target.kind) {
    case 'slack':
      return { ok: true, secrets, send: send(JSON.stringify(slackBody(event))) };
    case 'teams':
      return { ok: true, secrets, send: send(JSON.stringify(teamsBody(event))) };
    case 'discord':
      return { ok: true, secrets, send: send(JSON.stringify(discordBody(event))) };
    case 'webhook': {
      const body = webhookBody(event);
      const headers: Record<string, string> = {
        'x-stagecraft-event': event.event,
        // One id for every attempt of this delivery: a receiver can drop a repeat.
        'x-stagecraft-delivery': randomUUID(),
      };
      if (target.signingSecret !== undefined) {
        const key = own(opts.env, target.signingSecret);
        if (key === undefined || key === '')
          return { ok: false, detail: `signing secret ${target.signingSecret} is not set` };
        headers[target.signatureHeader.toLowerCase()] = webhookSignature(body, key);
        secrets.push(key);
      }
      return { ok: true, secrets, send: send(body, headers) };
    }
  }
}

/**
 * Delivers `event` to one target: attempts until one is sent, one fails for good, the retries
 * are spent, or the next attempt would pass the total deadline. Never throws.
 */
export async function deliver(
  target: NotifyTargetSpec,
  event: NotifyEvent,
  opts: DeliverOptions,
): Promise<DeliveryOutcome> {
  const started = performance.now();
  try {
    return await attemptAll(target, event, opts, started);
  } catch (error) {
    // A bug here must not fail the deployment: it is this target's failed outcome.
    const why = error instanceof Error ? error.message : String(error);
    const mask = new Masker([...(opts.mask?.values ?? []), ...targetSecrets(target, opts.env)]);
    return {
      target: target.name,
      kind: target.kind,
      status: 'failed',
      attempts: 0,
      detail: mask.text(`stagecraft bug while notifying: ${why}`),
      durationMs: Math.round(performance.now() - started),
    };
  }
}

async function attemptAll(
  target: NotifyTargetSpec,
  event: NotifyEvent,
  opts: DeliverOptions,
  started: number,
): Promise<DeliveryOutcome> {
  const elapsed = (): number => Math.round(performance.now() - started);
  const deadline = started + (opts.deadlineMs ?? DEFAULT_DEADLINE_MS);
  const backoffMs = opts.backoffMs ?? DEFAULT_BACKOFF_MS;
  const cap = opts.retryAfterCapMs ?? DEFAULT_RETRY_AFTER_CAP_MS;
  let masker = opts.mask ?? Masker.none;
  const base = { target: target.name, kind: target.kind };
  const report = (r: Omit<AttemptReport, 'target' | 'kind'>): void => {
    try {
      opts.onAttempt?.({ ...base, ...r, detail: masker.text(r.detail) });
    } catch {
      // The journal's trouble is not the notification's.
    }
  };
  const end = (status: 'sent' | 'failed', attempts: number, detail: string): DeliveryOutcome => ({
    ...base,
    status,
    attempts,
    detail: masker.text(detail),
    durationMs: elapsed(),
  });

  const safeEvent = masker.value(event);
  const sender = senderFor(target, safeEvent, opts, () => masker);
  if (!sender.ok) {
    report({ attempt: 0, status: 'failed', detail: sender.detail });
    return end('failed', 0, sender.detail);
  }
  if (sender.secrets.length > 0) masker = new Masker([...masker.values, ...sender.secrets]);

  const attempts = target.retries + 1;
  for (let attempt = 1; ; attempt++) {
    const remaining = deadline - performance.now();
    const result = await sender.send(
      Math.max(1, Math.floor(Math.min(target.timeoutMs, remaining))),
    );
    if (result.ok) {
      report({ attempt, status: 'sent', detail: result.detail });
      return end('sent', attempt, result.detail);
    }
    const tried = attempt === 1 ? '' : ` (after ${count(attempt, 'attempt')})`;
    if (!result.retry || attempt >= attempts) {
      report({ attempt, status: 'failed', detail: result.detail });
      return end('failed', attempt, `${result.detail}${tried}`);
    }
    const wait =
      result.retryAfterMs !== undefined
        ? Math.min(result.retryAfterMs, cap)
        : backoffMs * Math.min(2 ** (attempt - 1), MAX_BACKOFF_FACTOR);
    if (performance.now() + wait >= deadline) {
      const detail = `${result.detail}; no time left for another attempt`;
      report({ attempt, status: 'failed', detail });
      return end('failed', attempt, `${detail}${tried}`);
    }
    report({ attempt, status: 'retrying', detail: result.detail, retryInMs: wait });
    if (!(await sleep(wait, opts.signal))) {
      report({ attempt, status: 'failed', detail: 'canceled' });
      return end('failed', attempt, `canceled after: ${result.detail}`);
    }
  }
}

/**
 * Delivers `event` to every target that asked for it (`on:`), all at once: a slow or hanging
 * target delays none of the others. Outcomes in target order; never throws.
 */
export function deliverAll(
  targets: readonly NotifyTargetSpec[],
  event: NotifyEvent,
  opts: DeliverOptions,
): Promise<DeliveryOutcome[]> {
  return Promise.all(
    targets.filter((t) => t.on.includes(event.event)).map((t) => deliver(t, event, opts)),
  );
}

/**
 * The warning a failed delivery leaves on the run (`notify ops (slack): 503 Service Unavailable
 * (after 3 attempts)`); none for a sent one. A notification never fails a deployment.
 */
export function deliveryWarning(o: DeliveryOutcome): string | undefined {
  return o.status === 'sent' ? undefined : `notify ${o.target} (${o.kind}): ${o.detail}`;
}
